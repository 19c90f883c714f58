"""The stock API: items, stock and reorder points, movements, ledger, what to buy, and a
checkout over the API drawing stock (422 when there is not enough)."""

from __future__ import annotations

from app.extensions import db
from tests.logistics.stock_helpers import D, employee_of, on_hand, stocked_tea, tea_order


def test_stock_over_the_api(client, api_token, company_a, in_tenant):
    a, b = company_a.stores[0], company_a.stores[1]
    head = api_token(company_a, "logistics_head")
    made = client.post("/api/v1/stock-items", headers=head, json={
        "code": "SLIP", "name": "一次性拖鞋", "unit": "双", "unit_cost": "1.20"})
    assert made.status_code == 201, made.get_json()
    item_id = made.get_json()["id"]
    bad = client.post("/api/v1/stock-items", headers=head, json={
        "code": "SLIP", "name": "x", "unit": "双"})
    assert bad.status_code == 422 and "code" in bad.get_json()["error"]["fields"]
    got = client.post("/api/v1/stock-movements", headers=head, json={
        "kind": "receipt", "store_id": a.id, "stock_item_id": item_id, "quantity": "100",
        "unit_cost": "1.10"})
    assert got.status_code == 201, got.get_json()
    assert got.get_json()["movements"][0]["balance_after"] == "100.00"
    moved = client.post("/api/v1/stock-movements", headers=head, json={
        "kind": "transfer", "store_id": a.id, "stock_item_id": item_id, "quantity": "30",
        "to_store_id": b.id})
    out, into = moved.get_json()["movements"]
    assert (out["kind"], out["quantity"], into["kind"], into["quantity"]) == (
        "transfer_out", "-30.00", "transfer_in", "30.00")
    lost = client.post("/api/v1/stock-movements", headers=head, json={
        "kind": "write_off", "store_id": a.id, "stock_item_id": item_id, "quantity": "5"})
    assert lost.status_code == 422 and "reason" in lost.get_json()["error"]["fields"]
    rows = client.get(f"/api/v1/stock?store_id={a.id}", headers=head).get_json()
    row = rows[0]
    assert row["quantity"] == "70.00" and row["item"]["code"] == "SLIP"
    assert client.patch(f"/api/v1/stock/{row['id']}", headers=head, json={
        "reorder_point": "80", "reorder_quantity": "200"}).status_code == 200
    wanted = client.get("/api/v1/stock/reorder", headers=head).get_json()
    assert [(w["store_id"], w["suggested"], w["estimated_cost"]) for w in wanted] == [
        (a.id, "200.00", "240.00")]
    ledger = client.get(f"/api/v1/stock-movements?store_id={a.id}", headers=head).get_json()
    assert [m["kind"] for m in ledger["items"]] == ["transfer_out", "receipt"]

    # A foreman requisitions in their store only; not enough: 422 naming quantity.
    foreman = api_token(company_a, "foreman")
    with in_tenant(company_a):
        taker_id = employee_of(a.id).id
    short = client.post("/api/v1/stock-movements", headers=foreman, json={
        "kind": "requisition", "store_id": a.id, "stock_item_id": item_id, "quantity": "71",
        "employee_id": taker_id})
    assert short.status_code == 422
    assert "现有 70 双" in short.get_json()["error"]["fields"]["quantity"][0]
    took = client.post("/api/v1/stock-movements", headers=foreman, json={
        "kind": "requisition", "store_id": a.id, "stock_item_id": item_id, "quantity": "2",
        "employee_id": taker_id})
    assert took.status_code == 201
    assert client.post("/api/v1/stock-movements", headers=foreman, json={
        "kind": "receipt", "store_id": a.id, "stock_item_id": item_id, "quantity": "2",
        "unit_cost": "1"}).status_code == 403
    assert client.post("/api/v1/stock-movements", headers=foreman, json={
        "kind": "requisition", "store_id": b.id, "stock_item_id": item_id, "quantity": "1",
        "employee_id": taker_id}).status_code == 404
    with in_tenant(company_a):
        assert on_hand(a.id, item_id) == D("68") and on_hand(b.id, item_id) == D("30")


def test_api_checkout_draws_stock_or_answers_422(client, api_token, company_a, in_tenant):
    store = company_a.stores[0]
    with in_tenant(company_a):
        tea, item = stocked_tea(store.id, "2")
        big, small = tea_order(store.id, tea, 3), tea_order(store.id, tea, 2)
        db.session.commit()
        big_id, small_id, item_id = big.id, small.id, item.id
    cashier = api_token(company_a, "cashier")
    refused = client.post(f"/api/v1/orders/{big_id}/checkout", headers=cashier,
                          json={"payments": [{"method": "cash", "amount": "54.00"}]})
    assert refused.status_code == 422
    assert "库存不足：普洱茶 现有 2 壶" in refused.get_json()["error"]["fields"]["quantity"][0]
    paid = client.post(f"/api/v1/orders/{small_id}/checkout", headers=cashier,
                       json={"payments": [{"method": "cash", "amount": "36.00"}]})
    assert paid.status_code == 200, paid.get_json()
    with in_tenant(company_a):
        assert on_hand(store.id, item_id) == D("0")
