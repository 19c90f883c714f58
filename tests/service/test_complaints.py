"""投诉跟进: each case's age, overdue ones first, owner, due date and kind set in place
by the service manager; new cases are due 3 days after they are opened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.blueprints.service import complaints as service
from app.blueprints.store import feedback as store_feedback
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import ComplaintCase
from app.extensions import db
from tests.service.helpers import at, complaint

pytestmark = pytest.mark.both_backends


def _three_cases(company):
    today = today_for_store()
    store = company.stores[0].id
    fresh = complaint(store, at(today - timedelta(days=1)), due_on=today + timedelta(days=2))
    late = complaint(store, at(today - timedelta(days=10)), due_on=today - timedelta(days=7),
                     status="investigating")
    handled = complaint(store, at(today - timedelta(days=5)), due_on=today - timedelta(days=2),
                        status="resolved")
    other_store = complaint(company.stores[1].id, at(today - timedelta(days=4)),
                            due_on=today - timedelta(days=1))
    db.session.commit()
    return today, fresh, late, handled, other_store


def test_age_and_overdue_cases_first(company_a, in_tenant):
    with in_tenant(company_a):
        today, fresh, late, handled, other = _three_cases(company_a)
        rows, total = service.list_cases(None, today)
        assert total == 4
        assert [r.case.id for r in rows] == [late.id, other.id, handled.id, fresh.id]
        by_id = {r.case.id: r for r in rows}
        assert (by_id[late.id].age_days, by_id[late.id].overdue) == (10, True)
        assert (by_id[other.id].age_days, by_id[other.id].overdue) == (4, True)
        # Resolved: handled, waiting for the guest's confirmation — not overdue.
        assert (by_id[handled.id].age_days, by_id[handled.id].overdue) == (5, False)
        assert (by_id[fresh.id].age_days, by_id[fresh.id].overdue) == (1, False)
        summary = service.summary(None, today)
        assert (summary.open, summary.overdue, summary.unassigned) == (4, 2, 4)
        assert summary.by_age == {"0-1": 1, "2-3": 0, "4-7": 2, "8+": 1}
        # A store's reader sees its store only.
        rows, total = service.list_cases({company_a.stores[0].id}, today)
        assert total == 3 and other.id not in [r.case.id for r in rows]


def test_a_new_case_is_due_three_days_after_it_is_opened(company_a, in_tenant):
    with in_tenant(company_a):
        case = store_feedback.open_complaint(company_a.store.id, "等了半小时")
        assert case.due_on == today_for_store() + timedelta(days=3)
        assert case.kind is None


def test_the_service_manager_sees_the_list_and_assigns_in_place(client, auth, company_a,
                                                                 in_tenant):
    with in_tenant(company_a):
        today, fresh, late, handled, other = _three_cases(company_a)
        owner_id = company_a.accounts["service_manager"].id
    auth.login_as(company_a, "service_manager")
    page = client.get("/service/complaints").get_data(as_text=True)
    ids = [int(n) for n in re.findall(r'data-complaint-id="(\d+)"', page)]
    assert ids == [late.id, other.id, handled.id, fresh.id]
    assert page.count("data-overdue") == 2 and "10 天" in page
    assert 'data-tab="service.complaints"' in page
    due = (today + timedelta(days=5)).isoformat()
    response = client.post(f"/service/complaints/{late.id}/assign",
                           data={"owner_account_id": owner_id, "due_on": due,
                                 "kind": "waiting", "next": "/service/complaints"})
    assert response.status_code == 302
    with in_tenant(company_a):
        case = db.session.get(ComplaintCase, late.id)
        assert (case.owner_account_id, case.due_on.isoformat(), case.kind) == (
            owner_id, due, "waiting")
    page = client.get("/service/complaints?kind=waiting").get_data(as_text=True)
    assert re.findall(r'data-complaint-id="(\d+)"', page) == [str(late.id)]
    assert page.count("data-overdue") == 0  # due moved to the future
    # Filters: one store, a status.
    page = client.get(f"/service/complaints?store_id={company_a.stores[1].id}").get_data(
        as_text=True)
    assert re.findall(r'data-complaint-id="(\d+)"', page) == [str(other.id)]
    page = client.get("/service/complaints?status=resolved").get_data(as_text=True)
    assert re.findall(r'data-complaint-id="(\d+)"', page) == [str(handled.id)]


def test_bad_assignments_change_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        today, fresh, *_rest = _three_cases(company_a)
        cashier = company_a.accounts["cashier"].id
        with pytest.raises(service.ComplaintFollowUpError) as refused:
            service.assign(fresh, owner_account_id=cashier, kind="nonsense",
                           due_on=today - timedelta(days=30))
        assert set(refused.value.fields) == {"owner_account_id", "kind", "due_on"}
        assert (fresh.owner_account_id, fresh.kind) == (None, None)
        fresh.status = "closed"
        with pytest.raises(service.ComplaintFollowUpError) as closed:
            service.assign(fresh, kind="hygiene")
        assert closed.value.field == "status"


def test_kind_counts_for_the_monthly_report(company_a, in_tenant):
    with in_tenant(company_a):
        today = today_for_store()
        store = company_a.stores[0].id
        complaint(store, at(today), kind="hygiene")
        complaint(store, at(today), kind="hygiene")
        complaint(store, at(today))
        counts = service.kind_counts(today.replace(day=1), [store, company_a.stores[1].id])
        assert counts == {store: {"hygiene": 2, None: 1}}


def test_permissions_and_other_tenants(client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_b):
        theirs = complaint(company_b.store.id, at(today_for_store()))
        db.session.commit()
    auth.login_as(company_a, "cashier")
    assert client.get("/service/complaints").status_code == 403
    auth.logout()
    auth.login_as(company_a, "service_manager")
    assert client.post(f"/service/complaints/{theirs.id}/assign",
                       data={"kind": "hygiene"}).status_code == 404
    auth.logout()
    # A store manager follows their own store's cases only.
    with in_tenant(company_a):
        elsewhere = complaint(company_a.stores[1].id, at(today_for_store()))
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    assert client.post(f"/service/complaints/{elsewhere.id}/assign",
                       data={"kind": "hygiene"}).status_code == 404


def test_the_overview_counts_open_complaints_by_age(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        _three_cases(company_a)
    auth.login_as(company_a, "service_manager")
    page = client.get("/service/").get_data(as_text=True)
    assert re.search(r'data-complaints="open">4<', page)
    assert re.search(r'data-complaints="overdue">2<', page)
    ages = dict(re.findall(r'data-age-bucket="([^"]+)">[^<]*<strong>(\d+)</strong>', page))
    assert ages == {"0-1": "1", "2-3": "0", "4-7": "2", "8+": "1"}
    # The rooms-out-of-service list and the department's tabs stay on the page.
    assert 'data-testid="rooms-out-of-order"' in page
    links = re.search(r'data-testid="service-links">(.*?)</div>', page, re.S).group(1)
    for endpoint in ("/service/complaints", "/service/satisfaction"):
        assert f'href="{endpoint}"' in links
