"""The stock pages: what a logistics head and a foreman see and do."""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.logistics import stock_items, stock_moves
from app.blueprints.logistics.models import StockItem, StockMovement, StoreStock
from app.extensions import db
from tests.hr.test_query_budget import count_statements
from tests.logistics.stock_helpers import (
    DAY,
    D,
    employee_of,
    on_hand,
    stocked_tea,
    tea_order,
    towels,
)


def test_logistics_head_enters_items_and_movements(client, auth, company_a, in_tenant):
    a, b = company_a.stores[0], company_a.stores[1]
    auth.login_as(company_a, "logistics_head")
    made = client.post("/logistics/stock/items/new", data={
        "code": "TOWEL", "name": "毛巾", "kind": "consumable", "unit": "条", "unit_cost": "4.50"})
    assert made.status_code == 302
    with in_tenant(company_a):
        item_id = db.session.scalar(select(StockItem.id).where(StockItem.code == "TOWEL"))
    got = client.post(f"/logistics/stock/receipt?store_id={a.id}", data={
        "store_id": a.id, "stock_item_id": item_id, "quantity": "30", "unit_cost": "4.00"})
    assert got.status_code == 302
    moved = client.post(f"/logistics/stock/transfer?store_id={a.id}", data={
        "store_id": a.id, "stock_item_id": item_id, "quantity": "10", "to_store_id": b.id})
    assert moved.status_code == 302
    no_reason = client.post(f"/logistics/stock/write-off?store_id={a.id}", data={
        "store_id": a.id, "stock_item_id": item_id, "quantity": "1", "reason": ""})
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.get_data(as_text=True)
    too_many = client.post(f"/logistics/stock/write-off?store_id={a.id}", data={
        "store_id": a.id, "stock_item_id": item_id, "quantity": "99", "reason": "破损"})
    assert too_many.status_code == 422 and "库存不足" in too_many.get_data(as_text=True)
    with in_tenant(company_a):
        row = db.session.scalar(select(StoreStock).where(StoreStock.store_id == a.id))
        assert on_hand(a.id, item_id) == D("20") and on_hand(b.id, item_id) == D("10")
    reorder = client.post(f"/logistics/stock/{row.id}/reorder",
                          data={"reorder_point": "25", "reorder_quantity": "50"})
    assert reorder.status_code == 302
    page = client.get(f"/logistics/stock?store_id={a.id}").get_data(as_text=True)
    assert "需补货" in page and "毛巾" in page
    wanted = client.get("/logistics/stock/reorder").get_data(as_text=True)
    assert "50 条" in wanted and "¥225.00" in wanted
    ledger = client.get(f"/logistics/stock/ledger?store_id={a.id}").get_data(as_text=True)
    assert "调出" in ledger and "入库" in ledger and b.name in ledger


def test_foreman_requisitions_on_the_phone_page(client, auth, company_a, in_tenant):
    a, b = company_a.stores[0], company_a.stores[1]
    with in_tenant(company_a):
        item = towels()
        stock_moves.receive(a.id, item.id, "3", unit_cost="4", moved_on=DAY)
        stock_moves.receive(b.id, item.id, "3", unit_cost="4", moved_on=DAY)
        taker = employee_of(a.id)
        db.session.commit()
        item_id, taker_id = item.id, taker.id
    auth.login_as(company_a, "foreman")
    form = client.get(f"/logistics/requisitions/new?store_id={a.id}")
    assert form.status_code == 200 and "毛巾" in form.get_data(as_text=True)
    short = client.post(f"/logistics/requisitions/new?store_id={a.id}", data={
        "store_id": a.id, "employee_id": taker_id, f"qty_{item_id}": "4"})
    assert short.status_code == 422 and "现有 3 条" in short.get_data(as_text=True)
    done = client.post(f"/logistics/requisitions/new?store_id={a.id}", data={
        "store_id": a.id, "employee_id": taker_id, f"qty_{item_id}": "2"})
    assert done.status_code == 302
    listing = client.get("/logistics/requisitions").get_data(as_text=True)
    assert "毛巾" in listing and taker.name in listing
    # Another store is not the foreman's: 404, nothing taken.
    assert client.get(f"/logistics/requisitions/new?store_id={b.id}").status_code == 404
    assert client.post(f"/logistics/requisitions/new?store_id={b.id}", data={
        "store_id": b.id, "employee_id": taker_id, f"qty_{item_id}": "1"}).status_code == 404
    with in_tenant(company_a):
        assert on_hand(a.id, item_id) == D("1") and on_hand(b.id, item_id) == D("3")
        other_row = db.session.scalar(select(StoreStock.id).where(StoreStock.store_id == b.id))
    assert client.get(f"/logistics/requisitions?store_id={b.id}").status_code == 404
    assert client.post(f"/logistics/stock/{other_row}/reorder").status_code in (403, 404)


def test_checkout_page_refuses_without_stock_and_draws_with_it(client, auth, company_a,
                                                              in_tenant):
    store = company_a.stores[0]
    with in_tenant(company_a):
        tea, item = stocked_tea(store.id, "1")
        order = tea_order(store.id, tea, 2)
        db.session.commit()
        order_id, item_id = order.id, item.id
    auth.login_as(company_a, "cashier")
    url = f"/store/{store.id}/orders/{order_id}/checkout"
    refused = client.post(url, data={"cash_amount": "36.00"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "库存不足：普洱茶 现有 1 壶" in page
    with in_tenant(company_a):
        assert on_hand(store.id, item_id) == D("1")
        stock_moves.receive(store.id, item_id, "4", unit_cost="6", moved_on=DAY)
        db.session.commit()
    assert client.post(url, data={"cash_amount": "36.00"}).status_code == 302
    with in_tenant(company_a):
        assert on_hand(store.id, item_id) == D("3")
        assert db.session.scalar(select(StockMovement.kind).order_by(
            StockMovement.id.desc())) == "sale"


def _grow(store_ids, extra_items: int) -> None:
    for store_id in store_ids:
        for n in range(extra_items):
            code = f"X{n}"
            item = db.session.scalar(select(StockItem).where(StockItem.code == code))
            if item is None:
                item = towels(code, f"物料{n}")
            stock_moves.receive(store_id, item.id, "5", unit_cost="1", moved_on=DAY)
            stock_items.set_reorder(store_id, item.id, reorder_point="10", reorder_quantity="")


def test_stock_pages_statement_count_is_flat(client, auth, company_a, in_tenant):
    """More items and more stores: the same number of statements per page."""
    from app.models import Store

    store_ids = [store.id for store in company_a.stores]
    auth.login_as(company_a, "logistics_head")
    counts = []
    for extra_items, extra_stores in ((2, 0), (6, 3)):
        with in_tenant(company_a):
            for n in range(extra_stores):
                store = Store(code=f"T{n:02d}", name=f"新店 {n}", city="广州",
                              address=f"新路 {n} 号", status="open")
                db.session.add(store)
                db.session.flush()
                store_ids.append(store.id)
            _grow(store_ids, extra_items)
            db.session.commit()
        for url in ("/logistics/stock", "/logistics/stock/reorder", "/logistics/stock/items"):
            db.session.expunge_all()
            with count_statements() as counted:
                assert client.get(url).status_code == 200
            counts.append((url, len(counted)))
    first, second = counts[:3], counts[3:]
    assert first == second, counts
