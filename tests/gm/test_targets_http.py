"""经营目标 over HTTP: the GM's grid (form errors, nothing saved), copy last month, the API's
422 naming the field, who may set targets, another tenant's store; the progress from the
rollup rows and the card on the store manager's front page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.gm import targets
from app.blueprints.gm.models import StoreTarget
from app.extensions import db
from tests.gm.targets_data import rollup

pytestmark = pytest.mark.both_backends


def _this_month(company, in_tenant) -> date:
    with in_tenant(company):
        return targets.tenant_today().replace(day=1)


def test_the_grid_shows_each_bad_field_and_saves_nothing(client, auth, company_a, in_tenant):
    month = _this_month(company_a, in_tenant)
    s1, s2 = (s.id for s in company_a.stores)
    auth.login_as(company_a, "general_manager")
    url = f"/gm/targets?month={month:%Y-%m}"
    page = client.get(url)
    assert page.status_code == 200 and f'name="t-{s1}-revenue"' in page.get_data(as_text=True)
    bad = client.post(url, data={
        f"t-{s1}-revenue": "280000", f"t-{s1}-guests": "2600", f"t-{s1}-card_sales": "",
        f"t-{s1}-note": "", f"t-{s2}-revenue": "abc", f"t-{s2}-guests": "-3",
        f"t-{s2}-card_sales": "", f"t-{s2}-note": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert f'data-field-error="t-{s2}-revenue"' in html
    assert f'data-field-error="t-{s2}-guests"' in html
    assert 'value="abc"' in html and "未保存" in html
    with in_tenant(company_a):
        assert db.session.scalar(select(StoreTarget.id)) is None
    good = client.post(url, data={
        f"t-{s1}-revenue": "280000", f"t-{s1}-guests": "2600", f"t-{s1}-card_sales": "50000",
        f"t-{s1}-note": "冲刺", f"t-{s2}-revenue": "", f"t-{s2}-guests": "",
        f"t-{s2}-card_sales": "", f"t-{s2}-note": ""})
    assert good.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'value="280000.00"' in html and 'value="冲刺"' in html
    # The month to date of the store with a target, beside the grid.
    assert f'data-progress-store="{s1}"' in html and f'data-progress-store="{s2}"' not in html
    with in_tenant(company_a):
        assert set(targets.targets_for(month, [s1, s2])) == {s1}


def test_copy_last_month_from_the_page(client, auth, company_a, in_tenant):
    month = _this_month(company_a, in_tenant)
    with in_tenant(company_a):
        db.session.add(StoreTarget(store_id=company_a.stores[1].id,
                                   month=targets.previous_month(month),
                                   revenue=Decimal("99000"), guests=800))
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    done = client.post(f"/gm/targets/copy?month={month:%Y-%m}", follow_redirects=True)
    assert "已从上月复制 1 家门店的目标" in done.get_data(as_text=True)
    assert 'value="99000.00"' in done.get_data(as_text=True)
    # Last month itself has ended: shown, not editable.
    html = client.get(f"/gm/targets?month={targets.previous_month(month):%Y-%m}").get_data(
        as_text=True)
    assert 'data-testid="month-closed"' in html and "¥99,000.00" in html
    assert 'name="t-' not in html


def test_store_manager_cannot_set_targets(client, auth, company_a, api_token):
    month = date.today().strftime("%Y-%m")
    auth.login_as(company_a, "store_manager")
    assert client.get("/gm/targets").status_code == 403
    assert client.post(f"/gm/targets?month={month}", data={}).status_code == 403
    headers = api_token(company_a, "store_manager")
    assert client.get(f"/api/v1/targets?month={month}", headers=headers).status_code == 403
    assert client.put(f"/api/v1/targets?month={month}", headers=headers, json={
        "targets": [{"store_id": company_a.stores[0].id, "revenue": "1"}]}).status_code == 403


def test_api_round_trip_422_names_the_field_and_changes_nothing(
        client, company_a, company_b, in_tenant, api_token):
    month = _this_month(company_a, in_tenant)
    gm = api_token(company_a, "general_manager")
    s1 = company_a.stores[0].id
    url = f"/api/v1/targets?month={month:%Y-%m}"
    bad = client.put(url, headers=gm, json={"targets": [
        {"store_id": s1, "revenue": "100000", "guests": 1000},
        {"store_id": company_a.stores[1].id, "revenue": "1.001"}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"targets.1.revenue"}
    # Another tenant's store is not one of yours.
    foreign = client.put(url, headers=gm, json={"targets": [
        {"store_id": company_b.stores[0].id, "revenue": "100"}]})
    assert foreign.status_code == 422
    assert set(foreign.get_json()["error"]["fields"]) == {"targets.0.store_id"}
    shape = client.put(url, headers=gm, json={"targets": [{"store_id": "x"}]})
    assert shape.status_code == 422 and "targets.0.store_id" in shape.get_json()["error"][
        "fields"]
    ended = client.put(f"/api/v1/targets?month={targets.previous_month(month):%Y-%m}",
                       headers=gm, json={"targets": [{"store_id": s1, "revenue": "1"}]})
    assert ended.status_code == 422 and set(ended.get_json()["error"]["fields"]) == {"month"}
    assert client.get("/api/v1/targets?month=2026-13", headers=gm).status_code == 422
    with in_tenant(company_a):
        assert db.session.scalar(select(StoreTarget.id)) is None
    saved = client.put(url, headers=gm, json={"targets": [
        {"store_id": s1, "revenue": "100000", "guests": 1000, "card_sales": "20000.5",
         "note": "开业季"}]})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["changed"] == 1
    got = client.get(url, headers=gm).get_json()
    row = next(r for r in got["targets"] if r["store_id"] == s1)
    assert (row["revenue"], row["guests"], row["card_sales"], row["note"]) == (
        "100000.00", 1000, "20000.50", "开业季")
    assert got["editable"] is True and row["has_target"] is True
    assert {r["store_id"] for r in got["targets"]} == {s.id for s in company_a.stores}


def test_progress_percentages_from_rollup_rows(company_a, in_tenant):
    month = date(2026, 9, 1)  # a past month: every day read from the stored rollups
    with in_tenant(company_a):
        s1, s2 = (s.id for s in company_a.stores)
        db.session.add(StoreTarget(store_id=s1, month=month, revenue=Decimal("30000"),
                                   guests=300, card_sales=Decimal("10000")))
        rollup(s1, date(2026, 9, 1), "8000.00", 70, "2000")
        rollup(s1, date(2026, 9, 15), "10000.00", 80, "0")
        rollup(s1, date(2026, 10, 1), "99999.00", 999)  # next month: not counted
        rollup(s2, date(2026, 9, 2), "5000.00", 40)
        db.session.commit()
        p1, p2 = targets.target_progress(month, [s1, s2], date(2026, 12, 6))
        assert p1.expected_percent == Decimal("100.0")
        assert p1.measures["revenue"].actual == Decimal("18000.00")
        assert p1.measures["revenue"].percent == Decimal("60.0")
        assert p1.measures["guests"].percent == Decimal("50.0")
        assert p1.measures["card_sales"].percent == Decimal("20.0")
        assert p1.measures["revenue"].behind
        assert not p2.has_target and p2.measures["revenue"].actual == Decimal("5000.00")


def test_the_store_managers_front_page_shows_the_month_target(
        client, auth, company_a, in_tenant):
    month = _this_month(company_a, in_tenant)
    with in_tenant(company_a):
        store = company_a.stores[0]
        db.session.add(StoreTarget(store_id=store.id, month=month, revenue=Decimal("100000"),
                                   guests=1000, card_sales=Decimal("0"), note="冲业绩"))
        today = targets.tenant_today()
        if today > month:  # a stored day of this month, before today
            rollup(store.id, today - timedelta(days=1), "25000.00", 200)
        db.session.commit()
        expected = targets.target_progress(month, [store.id])[0]
    auth.login_as(company_a, "store_manager")
    html = client.get("/store/").get_data(as_text=True)
    assert 'data-testid="store-target-card"' in html
    assert f"{expected.measures['revenue'].percent}%" in html and "冲业绩" in html
    assert f'data-percent="{expected.measures["revenue"].bar_percent}"' in html
    assert "售卡" in html and "未设目标" in html
    # Another store's page has no target: no card.
    html = client.get(f"/store/?store_id={company_a.stores[1].id}").get_data(as_text=True)
    assert 'data-testid="store-target-card"' not in html
    # Head office reads targets on the dashboard, not on the desk.
    auth.logout()
    auth.login_as(company_a, "general_manager")
    html = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    assert 'data-testid="store-target-card"' not in html
