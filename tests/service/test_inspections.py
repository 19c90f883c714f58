"""门店检查: scoring totals, template versions, follow-up lifecycle and the overdue
flag, the 卫生评比 ranking and its month boundary, the pages and their permissions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.service import inspections as rules
from app.blueprints.service.disinfection import local_today
from app.blueprints.service.models_inspections import InspectionTemplate
from app.extensions import db
from tests.service.inspection_helpers import hygiene_template, inspect


@pytest.mark.both_backends
def test_total_and_percentage_of_an_inspection(company_a, in_tenant):
    with in_tenant(company_a):
        template = hygiene_template((10, 10, 5))
        inspection = inspect(company_a.store, template, date(2026, 3, 2), (8, 10, 2),
                             inspector=company_a.accounts["service_manager"])
        assert (inspection.total_points, inspection.max_points) == (20, 25)
        assert inspection.percentage == Decimal("80.00")
        assert inspection.inspector_name == company_a.accounts["service_manager"].display_name
        assert [s.points for s in rules.scores_of(inspection.id)] == [8, 10, 2]
        assert rules.percentage(2, 3) == Decimal("66.67")


def test_a_score_out_of_range_or_missing_names_the_item(company_a, in_tenant):
    with in_tenant(company_a):
        template = hygiene_template((10, 5))
        items = rules.template_items(template.id)
        with pytest.raises(rules.InspectionError) as refused:
            rules.record_inspection(store=company_a.store, template=template,
                                    inspected_on=date(2026, 3, 2),
                                    scores={items[0].id: 11})
        assert set(refused.value.fields) == {f"score_{items[0].id}", f"score_{items[1].id}"}


def test_a_used_template_is_versioned_not_edited(company_a, in_tenant):
    with in_tenant(company_a):
        template = hygiene_template((10,))
        # Unused: edited in place.
        same = rules.revise_template(template, kind="hygiene",
                                     items=[rules.ItemInput("地面干净", 5)])
        assert same.id == template.id and same.version == 1
        old = inspect(company_a.store, template, date(2026, 3, 2), (4,))
        newer = rules.revise_template(template, kind="hygiene",
                                      items=[rules.ItemInput("地面干净", 10),
                                             rules.ItemInput("毛巾消毒", 10)])
        assert (newer.id != template.id, newer.version, template.status) == (
            True, 2, "archived")
        # The old inspection keeps its own items and score.
        assert [(s.text, s.max_points) for s in rules.scores_of(old.id)] == [("地面干净", 5)]
        assert db.session.scalar(select(InspectionTemplate.id)
                                 .where(InspectionTemplate.id == template.id)) == template.id


def test_follow_up_lifecycle_and_overdue(company_a, in_tenant):
    with in_tenant(company_a):
        template = hygiene_template((10,))
        inspection = inspect(company_a.store, template, date(2026, 3, 2), (6,))
        owner = company_a.employees["cleaner"]
        other_store_employee = company_a.employees["service_manager"]  # head office
        with pytest.raises(rules.InspectionError) as refused:
            rules.add_follow_up(inspection, what="更换足浴盆", due_on=date(2026, 3, 5),
                                owner_employee_id=other_store_employee.id)
        assert "owner_employee_id" in refused.value.fields
        action = rules.add_follow_up(inspection, what="更换足浴盆", due_on=date(2026, 3, 5),
                                     owner_employee_id=owner.id)
        assert not rules.is_overdue(action, date(2026, 3, 5))  # due today: not late
        assert rules.is_overdue(action, date(2026, 3, 6))
        assert rules.overdue_counts(None, date(2026, 3, 6)) == {company_a.store.id: 1}
        with pytest.raises(rules.InspectionError) as refused:
            rules.complete_follow_up(action, note="")
        assert "note" in refused.value.fields
        rules.complete_follow_up(action, note="已换新盆",
                                 by=company_a.accounts["store_manager"])
        assert action.done_at is not None and not rules.is_overdue(action, date(2026, 3, 9))
        assert rules.overdue_counts(None, date(2026, 3, 9)) == {}
        with pytest.raises(rules.InspectionError):
            rules.complete_follow_up(action, note="again")


@pytest.mark.both_backends
def test_ranking_orders_stores_and_keeps_to_the_month(company_a, in_tenant):
    with in_tenant(company_a):
        first, second = company_a.stores
        hygiene = hygiene_template((10,))
        safety = hygiene_template((10,), name="安全检查表", kind="safety")
        inspect(first, hygiene, date(2026, 3, 1), (6,))     # first day of March
        inspect(first, hygiene, date(2026, 3, 31), (8,))    # last day of March
        inspect(second, hygiene, date(2026, 3, 15), (9,))
        inspect(second, hygiene, date(2026, 2, 28), (1,))   # February: not counted
        inspect(first, hygiene, date(2026, 4, 1), (10,))    # April: not counted
        inspect(first, safety, date(2026, 3, 10), (10,))    # safety: not counted
        ranking = rules.hygiene_ranking(date(2026, 3, 1))
        assert [(r.rank, r.store_id, r.inspections, r.average) for r in ranking] == [
            (1, second.id, 1, Decimal("90.00")), (2, first.id, 2, Decimal("70.00"))]
        assert [r.store_id for r in rules.hygiene_ranking(date(2026, 2, 1))] == [second.id]
        assert rules.hygiene_ranking(date(2026, 5, 1)) == []


def test_the_service_manager_inspects_through_the_pages(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
    auth.login_as(company_a, "service_manager")
    blank = client.get("/service/inspections/templates/new").get_data(as_text=True)
    assert "built-in method" not in blank and "is-invalid" not in blank
    response = client.post("/service/inspections/templates/new", data={
        "kind": "hygiene", "name": "月度卫生", "items": "足浴盆一客一消毒 | 10\n毛巾干净 | 5"})
    assert response.status_code == 302
    with in_tenant(company_a):
        template = db.session.scalar(select(InspectionTemplate))
        items = rules.template_items(template.id)
    form = {"template_id": template.id, "store_id": store.id,
            "inspected_on": local_today().isoformat(), f"score_{items[0].id}": "7",
            f"score_{items[1].id}": "5", f"note_{items[0].id}": "盆边有水垢", "notes": "整体尚可"}
    bad = client.post("/service/inspections/new", data=form | {f"score_{items[1].id}": "9"})
    assert bad.status_code == 422 and "分值应在 0 到 5 之间" in bad.get_data(as_text=True)
    done = client.post("/service/inspections/new", data=form)
    assert done.status_code == 302
    detail = client.get(done.location).get_data(as_text=True)
    assert "12 / 15" in detail and "80.00%" in detail and "盆边有水垢" in detail
    assert 'data-testid="inspection-day-log"' in detail
    inspection_id = int(re.search(r"/inspections/(\d+)", done.location).group(1))
    added = client.post(f"/service/inspections/{inspection_id}/follow-ups", data={
        "what": "除水垢", "owner_employee_id": company_a.employees["cleaner"].id,
        "due_on": (local_today() - timedelta(days=0)).isoformat()})
    assert added.status_code == 302
    page = client.get("/service/inspections").get_data(as_text=True)
    assert "80.00%" in page and "待整改 1" in page
    ranking = client.get("/service/ranking").get_data(as_text=True)
    assert "data-ranking-chart" in ranking and "80.00%" in ranking and "chart.umd" in ranking


def test_the_store_manager_completes_a_follow_up_and_overdue_is_flagged(client, auth, company_a,
                                                                        in_tenant):
    today = local_today()
    with in_tenant(company_a):
        template = hygiene_template((10,))
        inspection = inspect(company_a.store, template, today - timedelta(days=10), (5,))
        late = rules.add_follow_up(inspection, what="墙面霉斑", due_on=today - timedelta(days=1),
                                   owner_employee_id=company_a.employees["cleaner"].id)
        fine = rules.add_follow_up(inspection, what="补充拖鞋", due_on=today,
                                   owner_employee_id=company_a.employees["cleaner"].id)
        db.session.commit()
        late_id, fine_id = late.id, fine.id
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/service/follow-ups?store_id={company_a.store.id}").get_data(as_text=True)
    assert re.search(rf'data-follow-up-id="{late_id}" data-overdue="1"', page)
    assert re.search(rf'data-follow-up-id="{fine_id}" data-overdue="0"', page)
    response = client.post(f"/service/follow-ups/{late_id}/done", data={"note": "已重新粉刷"})
    assert response.status_code == 302
    page = client.get(f"/service/follow-ups?store_id={company_a.store.id}").get_data(as_text=True)
    assert "已重新粉刷" in page and 'data-overdue="1"' not in page
    # The store manager cannot score inspections or read the department's pages.
    assert client.get("/service/inspections/new").status_code == 403
    assert client.get("/service/ranking").status_code == 403


def test_another_tenant_or_store_gets_404(client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_a):
        template = hygiene_template((10,))
        inspection = inspect(company_a.stores[1], template, date(2026, 3, 2), (5,))
        action = rules.add_follow_up(inspection, what="x", due_on=date(2026, 3, 9),
                                     owner_employee_id=_employee_of(company_a.stores[1]))
        db.session.commit()
        ids = (template.id, inspection.id, action.id)
    auth.login_as(company_b, "service_manager")
    assert client.get(f"/service/inspections/{ids[1]}").status_code == 404
    assert client.get(f"/service/inspections/templates/{ids[0]}/edit").status_code == 404
    auth.logout()
    # The store manager of store 1 may not complete store 2's follow-up.
    auth.login_as(company_a, "store_manager")
    assert client.post(f"/service/follow-ups/{ids[2]}/done", data={"note": "x"}).status_code \
        == 404
    assert client.get(f"/service/follow-ups?store_id={company_a.stores[1].id}").status_code \
        == 404


def _employee_of(store) -> int:
    from app.models import Employee
    position = db.session.scalar(select(Employee.position_id).limit(1))
    employee = Employee(employee_no="E900", name="二店员工", gender="female", phone="13900000000",
                        store_id=store.id, status="active", hire_date=date(2025, 1, 1),
                        position_id=position)
    db.session.add(employee)
    db.session.flush()
    return employee.id
