"""客户回访: who the page suggests (complaint or low rating always, VIPs first, then
recent guests), the week's plan and contacts, and the monthly report's counts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from app.blueprints.service import care as service
from app.blueprints.service.dates import monday_of
from app.blueprints.service.models_guests import CarePlanEntry
from app.blueprints.store.days import today_for_store
from app.extensions import db
from tests.service.helpers import CHINA, at, complaint, guest, level, paid_order, rate

pytestmark = pytest.mark.both_backends


def _guests(company):
    """Store 0's guests: one complained, one rated 2, a 钻石卡 and a 银卡 member, a big
    spender, two recent regulars, one not seen for 200 days, one of store 1 only."""
    today = today_for_store()
    store = company.stores[0].id
    basic, silver, diamond = level("普通会员", 0), level("银卡", 1), level("钻石卡", 3)
    g = {}
    g["complained"] = guest("投诉客", "13900000001", basic)
    paid_order(store, today - timedelta(days=3), g["complained"])
    complaint(store, at(today - timedelta(days=3)), customer=g["complained"])
    g["low"] = guest("差评客", "13900000002")
    rate(paid_order(store, today - timedelta(days=5), g["low"]), 2)
    g["diamond"] = guest("钻石客", "13900000003", diamond)
    paid_order(store, today - timedelta(days=60), g["diamond"], "300.00")
    g["silver"] = guest("银卡客", "13900000004", silver)
    paid_order(store, today - timedelta(days=20), g["silver"], "100.00")
    g["spender"] = guest("大客", "13900000005", basic)
    paid_order(store, today - timedelta(days=100), g["spender"], "2500.00")
    g["recent"] = guest("常客甲", "13900000006")
    paid_order(store, today - timedelta(days=2), g["recent"])
    g["older"] = guest("常客乙", "13900000007")
    paid_order(store, today - timedelta(days=30), g["older"])
    g["gone"] = guest("久未到店", "13900000008")
    paid_order(store, today - timedelta(days=200), g["gone"])
    g["elsewhere"] = guest("别店客", "13900000009")
    paid_order(company.stores[1].id, today - timedelta(days=1), g["elsewhere"])
    db.session.commit()
    return today, g


def test_suggestions_complaint_and_low_rating_always_then_vips_then_recent(company_a,
                                                                         in_tenant):
    with in_tenant(company_a):
        today, g = _guests(company_a)
        week = monday_of(today)
        found = service.suggestions(company_a.stores[0].id, week, today)
        names = [s.customer.name for s in found]
        assert names == ["投诉客", "差评客", "钻石客", "银卡客", "大客", "常客甲", "常客乙"]
        reasons = {s.customer.name: (s.reason, s.must) for s in found}
        assert reasons["投诉客"] == ("complaint", True)
        assert reasons["差评客"] == ("low_rating", True)
        assert reasons["大客"] == ("vip", False) and reasons["常客甲"] == ("regular", False)
        # Once planned, a guest is no longer suggested; the must-call one is not dropped
        # silently: it stays until planned.
        service.add_to_plan(company_a.stores[0].id, week, g["diamond"].id, today)
        again = [s.customer.name for s in service.suggestions(company_a.stores[0].id, week,
                                                               today)]
        assert "钻石客" not in again and again[:2] == ["投诉客", "差评客"]
        # A complaint 40 days before the week's end is no longer a must.
        later = week + timedelta(days=35)
        later_names = {s.customer.name: s.must for s in service.suggestions(
            company_a.stores[0].id, later, today)}
        assert later_names.get("投诉客") is not True


def test_plan_contacts_and_care_counts(company_a, in_tenant):
    with in_tenant(company_a):
        today, g = _guests(company_a)
        store = company_a.stores[0].id
        week = monday_of(today)
        manager = company_a.accounts["store_manager"]
        entries = {name: service.add_to_plan(store, week, g[name].id, today, actor=manager)
                   for name in ("complained", "low", "diamond", "recent")}
        assert entries["complained"].reason == "complaint"
        assert entries["diamond"].reason == "vip" and entries["recent"].reason == "regular"
        with pytest.raises(service.CareError) as twice:
            service.add_to_plan(store, week, g["low"].id, today)
        assert twice.value.field == "customer_id"
        with pytest.raises(service.CareError) as stranger:
            service.add_to_plan(store, week, g["elsewhere"].id, today)
        assert stranger.value.field == "customer_id"
        service.record_contact(entries["complained"], channel="phone", outcome="no_answer")
        service.record_contact(entries["complained"], channel="wechat", outcome="unhappy",
                               note="还是觉得水太烫")
        service.record_contact(entries["low"], channel="phone", outcome="satisfied")
        service.record_contact(entries["diamond"], channel="phone", outcome="no_answer")
        with pytest.raises(service.CareError) as bad:
            service.record_contact(entries["recent"], channel="fax", outcome="great")
        assert set(bad.value.fields) == {"channel", "outcome"}
        plan = service.week_plan(store, week)
        assert [row.reached for row in plan] == [False, False, True, True]
        month = week.replace(day=1)
        counts = service.care_counts(month, [store, company_a.stores[1].id])
        assert counts[store] == {"planned": 4, "contacted": 2, "unhappy": 1}
        assert counts[company_a.stores[1].id] == {"planned": 0, "contacted": 0, "unhappy": 0}
        # The month's operating report counts them per store (issue 13: "the monthly
        # report counts them").
        from app.blueprints.gm.report import build_report

        parts = {part["store_id"]: part for part in build_report(month)["stores"]}
        assert parts[store]["care"] == {"planned": 4, "contacted": 2, "unhappy": 1}


def test_the_store_manager_plans_and_records_on_the_page(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        today, g = _guests(company_a)
    store = company_a.stores[0].id
    week = monday_of(today)
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/service/care?store_id={store}").get_data(as_text=True)
    assert re.search(r'data-care="missing">2<', page)
    assert page.index("投诉客") < page.index("钻石客") < page.index("常客甲")
    # The store manager reads their guests' phones (customer.view_contact,
    # app/blueprints/store/customer_privacy.py), not another store's.
    assert 'href="tel:13900000001"' in page
    assert 'data-testid="store-subnav"' in page
    response = client.post("/service/care/plan", data={
        "store_id": store, "week": week.isoformat(), "customer_id": g["complained"].id})
    assert response.status_code == 302
    with in_tenant(company_a):
        entry = db.session.query(CarePlanEntry).one()
    response = client.post(f"/service/care/entries/{entry.id}/contacts", data={
        "channel": "phone", "outcome": "satisfied", "note": "已道歉，客人接受",
        "contacted_at": (datetime.now(CHINA) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    page = client.get(f"/service/care?store_id={store}&week={week.isoformat()}").get_data(
        as_text=True)
    assert re.search(r'data-care="planned">1<', page) and re.search(r'data-care="done">1<',
                                                                   page)
    assert re.search(r'data-care="missing">1<', page) and "已道歉，客人接受" in page


def test_permissions_and_other_tenants(client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_b):
        today, g = _guests(company_b)
        theirs = service.add_to_plan(company_b.store.id, monday_of(today), g["low"].id, today)
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    assert client.post(f"/service/care/entries/{theirs.id}/contacts",
                       data={"channel": "phone", "outcome": "satisfied"}).status_code == 404
    assert client.get(f"/service/care?store_id={company_a.stores[1].id}").status_code == 404
    assert client.get(f"/service/care?store_id={company_b.store.id}").status_code == 404
    auth.logout()
    for role in ("cashier", "service_manager"):
        auth.login_as(company_a, role)
        assert client.get("/service/care").status_code == 403, role
        auth.logout()
