"""采购 and 维修 through the pages and the API, as the people who use them: the store
manager requests, logistics / finance / the GM decide from their pages, the store
receives; the cleaner reports a broken room from the room board and the room stays
停用 on the board (page and API refuse another state) until the ticket closes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.logistics.models import (
    MaintenanceTicket,
    PurchaseLine,
    PurchaseRequest,
    StockItem,
    StoreStock,
)
from app.extensions import db
from app.models import Room
from app.tenancy import tenant_context


def _item(company) -> int:
    with tenant_context(company.tenant_id):
        item = StockItem(code="SLIPPER", name="一次性拖鞋", unit="双",
                         unit_cost=Decimal("0.80"))
        db.session.add(item)
        db.session.commit()
        return item.id


def test_purchase_api_flow_with_field_errors_scoping_and_one_receipt(
        client, company_a, api_token):
    item_id = _item(company_a)
    manager = api_token(company_a, "store_manager")
    bad = client.post("/api/v1/purchases", headers=manager, json={
        "store_id": company_a.store.id, "reason": "补货",
        "lines": [{"stock_item_id": item_id, "quantity": "0", "estimated_unit_cost": "x"}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"lines.0.quantity",
                                                      "lines.0.estimated_unit_cost"}
    made = client.post("/api/v1/purchases", headers=manager, json={
        "store_id": company_a.store.id, "supplier": "义乌日用品", "reason": "拖鞋快用完",
        "lines": [{"stock_item_id": item_id, "quantity": "3000",
                   "estimated_unit_cost": "0.80"}]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["status"], body["estimated_total"]) == ("pending", "2400.00")
    pid = body["id"]
    assert client.post(f"/api/v1/purchases/{pid}/approve", headers=manager,
                       json={}).status_code == 422  # no purchase.approve, and their own
    logistics = api_token(company_a, "logistics_head")
    assert client.post(f"/api/v1/purchases/{pid}/approve", headers=logistics,
                       json={}).get_json()["status"] == "pending_finance"
    finance = api_token(company_a, "finance_manager")
    refused = client.post(f"/api/v1/purchases/{pid}/reject", headers=finance, json={})
    assert refused.status_code == 422 and "note" in refused.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/purchases/{pid}/approve", headers=finance,
                       json={}).get_json()["status"] == "approved"
    line_id = body["lines"][0]["id"]
    receive = {"lines": [{"line_id": line_id, "received_quantity": "3000",
                          "actual_unit_cost": "0.75"}]}
    done = client.post(f"/api/v1/purchases/{pid}/receive", headers=manager, json=receive)
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["actual_total"]) == (
        "received", "2250.00")
    again = client.post(f"/api/v1/purchases/{pid}/receive", headers=manager, json=receive)
    assert again.status_code == 422
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(StoreStock.quantity)) == Decimal("3000.00")
        other = PurchaseRequest(store_id=company_a.stores[1].id, reason="x",
                                estimated_total=Decimal("1.00"))
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert client.get(f"/api/v1/purchases/{other_id}", headers=manager).status_code == 404
    assert client.get(f"/api/v1/purchases/{other_id}", headers=logistics).status_code == 200


def test_purchase_pages_request_decide_and_receive(client, company_a, auth):
    item_id = _item(company_a)
    auth.login_as(company_a, "store_manager")
    form = client.get(f"/logistics/purchases/new?store_id={company_a.store.id}"
                      f"&stock_item_id={item_id}")
    assert form.status_code == 200 and "一次性拖鞋" in form.get_data(as_text=True)
    bad = client.post("/logistics/purchases/new", data={
        "store_id": company_a.store.id, "reason": "补货", "lines-2-quantity": "-1",
        "lines-2-estimated_unit_cost": "1", "lines-2-stock_item_id": item_id})
    assert bad.status_code == 422 and 'data-field-error="lines-2-quantity"' in \
        bad.get_data(as_text=True)
    made = client.post("/logistics/purchases/new", data={
        "store_id": company_a.store.id, "supplier": "义乌日用品", "reason": "补货",
        "lines-0-stock_item_id": item_id, "lines-0-quantity": "100",
        "lines-0-estimated_unit_cost": "0.80",
        "lines-1-name": "新足浴盆", "lines-1-quantity": "10",
        "lines-1-estimated_unit_cost": "300"})
    assert made.status_code == 302
    pid = int(made.location.rstrip("/").split("/")[-1])
    page = client.get(made.location).get_data(as_text=True)
    assert "¥3,080.00" in page and 'data-testid="decide"' not in page
    assert '<td class="text-end">100</td>' in page  # a quantity as a person writes it
    auth.logout()
    auth.login_as(company_a, "logistics_head")
    assert 'data-testid="decide"' in client.get(made.location).get_data(as_text=True)
    client.post(f"/logistics/purchases/{pid}/approve", data={"note": "同意"})
    auth.logout()
    auth.login_as(company_a, "finance_manager")
    assert client.get(f"/logistics/purchases/{pid}").status_code == 403
    assert f"/logistics/purchases/{pid}/review" in client.get("/approvals").get_data(
        as_text=True)
    review = client.get(f"/logistics/purchases/{pid}/review").get_data(as_text=True)
    assert 'data-testid="decide"' in review and "后勤审批" in review
    client.post(f"/logistics/purchases/{pid}/approve", data={"note": ""})
    auth.logout()
    auth.login_as(company_a, "store_manager")
    with tenant_context(company_a.tenant_id):
        row = db.session.get(PurchaseRequest, pid)
        assert row.status == "approved"
        line_ids = db.session.scalars(select(PurchaseLine.id).order_by(PurchaseLine.id)).all()
    data = {}
    for line_id, (qty, cost) in zip(line_ids, (("100", "0.70"), ("10", "290")), strict=True):
        data[f"line-{line_id}-received_quantity"] = qty
        data[f"line-{line_id}-actual_unit_cost"] = cost
    client.post(f"/logistics/purchases/{pid}/receive", data=data)
    page = client.get(f"/logistics/purchases/{pid}").get_data(as_text=True)
    assert 'data-testid="actual-total"' in page and "¥2,970.00" in page
    assert "已收货" in client.get("/logistics/purchases").get_data(as_text=True)


@pytest.mark.both_backends
def test_the_cleaner_reports_a_room_and_the_board_keeps_it_out(
        client, company_a, auth, api_token):
    store, room = company_a.store, company_a.rooms[0]
    auth.login_as(company_a, "cleaner")
    form = client.get(f"/logistics/tickets/new?store_id={store.id}&room_id={room.id}")
    assert form.status_code == 200
    assert f'value="{room.id}" selected' in form.get_data(as_text=True)
    bad = client.post("/logistics/tickets/new", data={"store_id": store.id, "title": ""})
    assert bad.status_code == 422 and 'data-field-error="title"' in bad.get_data(as_text=True)
    done = client.post("/logistics/tickets/new", data={
        "store_id": store.id, "room_id": room.id, "title": "空调漏水",
        "room_out_of_service": "y"})
    assert done.status_code == 302 and "/store/" in done.location
    board = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    assert "维修中：空调漏水" in board
    assert f'data-room-id="{room.id}" data-room-status="out_of_order"' in board
    # Logistics sees how long it has waited (SQLite reads the stamp back naive).
    auth.logout()
    auth.login_as(company_a, "logistics_head")
    waiting = client.get("/logistics/tickets").get_data(as_text=True)
    assert "空调漏水" in waiting and "0 小时" in waiting
    auth.logout()
    auth.login_as(company_a, "cleaner")
    client.post(f"/store/{store.id}/rooms/{room.id}/back-in-service")
    with tenant_context(company_a.tenant_id):
        assert db.session.get(Room, room.id).status == "out_of_order"
    auth.logout()
    manager = api_token(company_a, "store_manager")
    patched = client.patch(f"/api/v1/rooms/{room.id}", headers=api_token(
        company_a, "logistics_head"), json={"status": "free"})
    assert patched.status_code == 422
    assert "维修中" in str(patched.get_json()["error"]["fields"]["status"])
    with tenant_context(company_a.tenant_id):
        ticket_id = db.session.scalar(select(MaintenanceTicket.id))
    bad_close = client.post(f"/api/v1/maintenance-tickets/{ticket_id}/close",
                            headers=manager, json={"resolution": ""})
    assert bad_close.status_code == 422 and "resolution" in \
        bad_close.get_json()["error"]["fields"]
    closed = client.post(f"/api/v1/maintenance-tickets/{ticket_id}/close", headers=manager,
                         json={"resolution": "换了排水管", "repair_cost": "150.00"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    with tenant_context(company_a.tenant_id):
        assert db.session.get(Room, room.id).status == "cleaning"
    auth.login_as(company_a, "logistics_head")
    tickets = client.get("/logistics/tickets").get_data(as_text=True)
    assert "空调漏水" in tickets and "已完工" in tickets


def test_tickets_of_another_store_are_not_found(client, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        other_room = next(r for r in company_a.rooms if r.store_id == company_a.stores[1].id)
        ticket = MaintenanceTicket(store_id=company_a.stores[1].id, room_id=other_room.id,
                                   title="门锁坏了")
        db.session.add(ticket)
        db.session.commit()
        ticket_id = ticket.id
    manager = api_token(company_a, "store_manager")
    assert client.get(f"/api/v1/maintenance-tickets/{ticket_id}",
                      headers=manager).status_code == 404
    made = client.post("/api/v1/maintenance-tickets", headers=manager, json={
        "store_id": company_a.stores[1].id, "room_id": other_room.id, "title": "x"})
    assert made.status_code == 422 and {"store_id", "room_id"} <= set(
        made.get_json()["error"]["fields"])
    logistics = api_token(company_a, "logistics_head")
    listed = client.get("/api/v1/maintenance-tickets", headers=logistics).get_json()
    assert [t["id"] for t in listed["items"]] == [ticket_id]
