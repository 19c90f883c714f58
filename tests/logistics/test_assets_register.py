"""The asset register's rules: tag codes, figures, status and 报废, store scoping; the
API round trip with its 422s naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.blueprints.logistics import assets as service
from app.blueprints.logistics.models import Asset, DepreciationEntry
from app.extensions import db

TODAY = date(2026, 11, 20)


def _values(store, **overrides) -> dict:
    values = {"name": "足浴盆", "category": "bath_equipment", "store_id": store.id,
              "purchase_date": "2026-01-15", "cost": "1200.00", "residual_value": "200",
              "useful_life_months": "36"}
    return values | overrides


def test_a_blank_tag_gets_the_stores_next_code_and_a_tag_is_unique_per_company(
        company_a, company_b, in_tenant):
    with in_tenant(company_a):
        owner = company_a.accounts["owner"]
        store = company_a.stores[0]
        first = service.register_asset(_values(store), owner, TODAY)
        second = service.register_asset(_values(store, tag_code=""), owner, TODAY)
        assert (first.tag_code, second.tag_code) == ("S01-0001", "S01-0002")
        service.register_asset(_values(store, tag_code="s01-0010"), owner, TODAY)
        assert service.suggest_tag_code(store) == "S01-0011"
        with pytest.raises(service.AssetError) as taken:
            service.register_asset(_values(company_a.stores[1], tag_code="S01-0001"), owner,
                                   TODAY)
        assert taken.value.field == "tag_code"
        db.session.commit()
    with in_tenant(company_b):
        # Another company may use the same code.
        other = service.register_asset(_values(company_b.stores[0], tag_code="S01-0001"),
                                       company_b.accounts["owner"], TODAY)
        assert other.tag_code == "S01-0001"


@pytest.mark.parametrize("field, value", [
    ("residual_value", "1300"), ("useful_life_months", "0"), ("useful_life_months", "601"),
    ("cost", "-1"), ("category", "spaceship"), ("name", " "), ("purchase_date", "2027-01-01"),
    ("tag_code", "有中文"), ("room_id", "-5"), ("custodian_employee_id", "999999"),
])
def test_bad_input_names_the_field_and_changes_nothing(company_a, in_tenant, field, value):
    with in_tenant(company_a):
        with pytest.raises(service.AssetError) as refused:
            service.register_asset(_values(company_a.stores[0], **{field: value}),
                                   company_a.accounts["owner"], TODAY)
        assert field in refused.value.fields
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_a_room_of_another_store_and_a_store_out_of_scope_are_refused(company_a, in_tenant):
    with in_tenant(company_a):
        other_room = next(r for r in company_a.rooms if r.store_id == company_a.stores[1].id)
        with pytest.raises(service.AssetError) as refused:
            service.register_asset(_values(company_a.stores[0], room_id=other_room.id),
                                   company_a.accounts["owner"], TODAY)
        assert refused.value.field == "room_id"
        manager = company_a.accounts["store_manager"]  # works in store 1 only
        with pytest.raises(service.AssetError) as refused:
            service.register_asset(_values(company_a.stores[1]), manager, TODAY)
        assert refused.value.field == "store_id"


def test_status_changes_and_write_off_keep_the_asset_and_audit(company_a, in_tenant):
    with in_tenant(company_a):
        owner = company_a.accounts["owner"]
        asset = service.register_asset(_values(company_a.stores[0]), owner, TODAY)
        service.set_status(asset, "damaged", owner, "裂了")
        with pytest.raises(service.AssetError) as refused:
            service.set_status(asset, "written_off", owner)
        assert refused.value.field == "status"
        with pytest.raises(service.AssetError) as refused:
            service.write_off(asset, owner, " ", TODAY)
        assert refused.value.field == "reason"
        service.write_off(asset, owner, "漏水无法修复", TODAY)
        db.session.commit()
        assert (asset.status, asset.written_off_on) == ("written_off", TODAY)
        for verb in (lambda: service.set_status(asset, "in_use", owner),
                     lambda: service.update_asset(asset, {"name": "x"}, owner, TODAY),
                     lambda: service.write_off(asset, owner, "again", TODAY)):
            with pytest.raises(service.AssetError):
                verb()
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "asset", AuditEntry.object_id == str(asset.id))
            .order_by(AuditEntry.id)).all()
        assert actions == ["asset.register", "asset.status", "asset.write_off"]
        # After the write-off month the schedule stops; the book value is frozen.
        lines = service.schedule_of(asset)
        assert [line.stopped for line in lines[:10]] == [False] * 10
        assert lines[11].stopped  # 2026-12 on
        assert service.current_book_value(asset, date(2027, 6, 1)) == \
            service.current_book_value(asset, date(2026, 12, 1))


def test_figures_are_fixed_once_a_month_is_posted(company_a, in_tenant):
    with in_tenant(company_a):
        owner = company_a.accounts["owner"]
        asset = service.register_asset(_values(company_a.stores[0]), owner, TODAY)
        service.update_asset(asset, {"cost": "1300.00", "name": "新足浴盆"}, owner, TODAY)
        assert (asset.cost, asset.name) == (D("1300.00"), "新足浴盆")
        db.session.add(DepreciationEntry(asset_id=asset.id, store_id=asset.store_id,
                                         period=date(2026, 2, 1), amount=D("30.56"),
                                         book_value=D("1269.44")))
        db.session.flush()
        with pytest.raises(service.AssetError) as refused:
            service.update_asset(asset, {"cost": "1400.00"}, owner, TODAY)
        assert refused.value.field == "cost"
        service.update_asset(asset, {"location": "仓库"}, owner, TODAY)
        posted = [line for line in service.schedule_of(asset) if line.posted is not None]
        assert [line.period for line in posted] == [date(2026, 2, 1)]


def test_the_api_round_trip(client, company_a, api_token, in_tenant):
    headers = api_token(company_a, "logistics_head")
    store = company_a.stores[0]
    room = company_a.rooms[0]
    created = client.post("/api/v1/assets", headers=headers, json={
        "name": "按摩床", "category": "furniture", "store_id": store.id, "room_id": room.id,
        "purchase_date": "2025-12-05", "cost": "1000.00", "useful_life_months": 3})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["tag_code"] == "S01-0001" and body["status"] == "in_use"
    asset_id = body["id"]

    again = client.post("/api/v1/assets", headers=headers, json={
        "tag_code": "S01-0001", "name": "按摩床", "category": "furniture",
        "store_id": store.id, "purchase_date": "2025-12-05", "cost": "1000.00",
        "useful_life_months": 3})
    assert again.status_code == 422
    assert "tag_code" in again.get_json()["error"]["fields"]
    residual = client.patch(f"/api/v1/assets/{asset_id}", headers=headers,
                            json={"residual_value": "1500.00"})
    assert residual.status_code == 422
    assert "residual_value" in residual.get_json()["error"]["fields"]

    patched = client.patch(f"/api/v1/assets/{asset_id}", headers=headers,
                           json={"location": "3号房窗边", "note": "客人常坐"})
    assert patched.status_code == 200 and patched.get_json()["location"] == "3号房窗边"
    schedule = client.get(f"/api/v1/assets/{asset_id}/depreciation", headers=headers)
    rows = schedule.get_json()["rows"]
    assert [(r["period"], r["amount"]) for r in rows] == [
        ("2026-01", "333.33"), ("2026-02", "333.33"), ("2026-03", "333.34")]
    status = client.post(f"/api/v1/assets/{asset_id}/status", headers=headers,
                         json={"status": "under_repair", "note": "送修"})
    assert status.get_json()["status"] == "under_repair"
    assert client.post(f"/api/v1/assets/{asset_id}/status", headers=headers,
                       json={"status": "written_off"}).status_code == 422
    gone = client.post(f"/api/v1/assets/{asset_id}/write-off", headers=headers,
                       json={"reason": "无法修复"})
    assert gone.get_json()["status"] == "written_off"
    listed = client.get("/api/v1/assets?status=written_off", headers=headers).get_json()
    assert [a["id"] for a in listed["items"]] == [asset_id] and listed["total"] == 1
    label = client.get(f"/api/v1/assets/{asset_id}/label.svg", headers=headers)
    assert label.status_code == 200 and label.mimetype == "image/svg+xml"
    assert b"<svg" in label.data and b"S01-0001" in label.data


def test_a_store_manager_sees_only_their_stores_assets(client, company_a, api_token, auth,
                                                         in_tenant):
    with in_tenant(company_a):
        owner = company_a.accounts["owner"]
        mine = service.register_asset(_values(company_a.stores[0]), owner, TODAY).id
        theirs = service.register_asset(_values(company_a.stores[1]), owner, TODAY).id
        db.session.commit()
    headers = api_token(company_a, "store_manager")
    assert client.get(f"/api/v1/assets/{theirs}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/assets/{mine}", headers=headers).status_code == 200
    listed = client.get("/api/v1/assets", headers=headers).get_json()
    assert [a["id"] for a in listed["items"]] == [mine]
    # Reading is theirs, changing the register is the logistics head's.
    assert client.post(f"/api/v1/assets/{mine}/status", headers=headers,
                       json={"status": "damaged"}).status_code == 403
    auth.login_as(company_a, "store_manager")
    assert client.get(f"/logistics/assets/{theirs}").status_code == 404
    assert client.get(f"/logistics/assets/{theirs}/label.svg").status_code == 404
    page = client.get("/logistics/assets").get_data(as_text=True)
    assert f'data-asset-id="{mine}"' in page and f'data-asset-id="{theirs}"' not in page
