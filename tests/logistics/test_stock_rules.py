"""Stock movements entered by people, the what-to-buy list and desk sales (rules)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.blueprints.logistics import stock_items, stock_moves
from app.blueprints.logistics.models import StockMovement
from app.blueprints.logistics.stock import StockError
from app.blueprints.store import checkout
from app.extensions import db
from app.models import Account
from tests.logistics.stock_helpers import (
    DAY,
    D,
    employee_of,
    on_hand,
    stocked_tea,
    tea_order,
    towels,
)


def _movements(kind=None):
    stmt = select(StockMovement).order_by(StockMovement.id)
    if kind:
        stmt = stmt.where(StockMovement.kind == kind)
    return db.session.scalars(stmt).all()


def test_every_kind_moves_stock_with_its_sign(company_a, in_tenant):
    with in_tenant(company_a):
        a, b = company_a.stores[0], company_a.stores[1]
        item = towels()
        got = stock_moves.receive(a.id, item.id, "20", unit_cost="4.00", moved_on=DAY)
        assert (got.quantity, got.unit_cost, got.balance_after) == (D("20"), D("4.00"), D("20"))
        assert item.unit_cost == D("4.50")  # the standard cost stays
        assert stock_items.last_costs()[item.id] == D("4.00")
        taker = employee_of(a.id)
        taken = stock_moves.requisition(a.id, [{"stock_item_id": item.id, "quantity": "3"}],
                                        employee_id=taker.id, moved_on=DAY)
        assert (taken[0].quantity, taken[0].employee_id) == (D("-3"), taker.id)
        out, into = stock_moves.transfer(a.id, b.id, item.id, "5", moved_on=DAY)
        assert (out.quantity, into.quantity) == (D("-5"), D("5"))
        assert (out.source, out.source_id, into.source, into.source_id) == (
            "transfer", out.id, "transfer", out.id)
        assert (out.other_store_id, into.other_store_id) == (b.id, a.id)
        lost = stock_moves.write_off(a.id, item.id, "2", reason="破损", moved_on=DAY)
        assert (lost.quantity, lost.note) == (D("-2"), "破损")
        db.session.commit()
        assert (on_hand(a.id, item.id), on_hand(b.id, item.id)) == (D("10"), D("5"))
        # The ledger's running balance, newest first.
        rows = stock_moves.ledger(a.id, item.id)
        assert [r.movement.balance_after for r in rows] == [D("10"), D("12"), D("17"), D("20")]
        assert rows[1].other_store == b.name
        assert sum(r.movement.quantity for r in rows) == on_hand(a.id, item.id)


def test_refusals_name_the_field_and_change_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        a, b = company_a.stores[0], company_a.stores[1]
        item = towels()
        stock_moves.receive(a.id, item.id, "2", unit_cost="4.00", moved_on=DAY)
        db.session.commit()
        with pytest.raises(StockError) as refused:
            stock_moves.transfer(a.id, b.id, item.id, "3", moved_on=DAY)
        assert refused.value.field == "quantity" and "现有 2 条" in refused.value.message
        db.session.rollback()
        with pytest.raises(StockError) as no_reason:
            stock_moves.write_off(a.id, item.id, "1", reason=" ", moved_on=DAY)
        assert no_reason.value.field == "reason"
        db.session.rollback()
        other = towels("SLIP", "一次性拖鞋")
        with pytest.raises(StockError) as short:
            stock_moves.requisition(a.id, [{"stock_item_id": item.id, "quantity": "1"},
                                           {"stock_item_id": other.id, "quantity": "1"}],
                                    employee_id=employee_of(a.id).id, moved_on=DAY)
        assert short.value.field == "lines.1.quantity"
        db.session.rollback()
        with pytest.raises(StockError) as stranger:
            stock_moves.requisition(b.id, [{"stock_item_id": item.id, "quantity": "1"}],
                                    employee_id=employee_of(a.id).id, moved_on=DAY)
        assert stranger.value.field == "employee_id"
        db.session.rollback()
        assert on_hand(a.id, item.id) == D("2") and on_hand(b.id, item.id) == D("0")
        assert len(_movements()) == 1


def test_what_to_buy_lists_items_at_or_below_their_point(company_a, in_tenant):
    with in_tenant(company_a):
        a, b = company_a.stores[0], company_a.stores[1]
        item, slippers = towels(), towels("SLIP", "一次性拖鞋", "1.20")
        stock_moves.receive(a.id, item.id, "10", unit_cost="4.00", moved_on=DAY)
        stock_moves.receive(b.id, item.id, "30", unit_cost="4.00", moved_on=DAY)
        stock_items.set_reorder(a.id, item.id, reorder_point="10", reorder_quantity="")
        stock_items.set_reorder(b.id, item.id, reorder_point="10", reorder_quantity="")
        stock_items.set_reorder(a.id, slippers.id, reorder_point="50", reorder_quantity="200")
        rows = stock_items.reorder_list(None)
        assert {(r.store.id, r.item.code) for r in rows} == {(a.id, "TOWEL"), (a.id, "SLIP")}
        by_code = {r.item.code: r for r in rows}
        # No reorder quantity: up to twice the point (20 − 10 on hand).
        assert (by_code["TOWEL"].suggested, by_code["TOWEL"].estimated_cost) == (
            D("10"), D("45.00"))
        assert by_code["TOWEL"].status == "low"
        assert (by_code["SLIP"].suggested, by_code["SLIP"].estimated_cost,
                by_code["SLIP"].status) == (D("200"), D("240.00"), "out")
        assert stock_items.reorder_list({b.id}) == []
        totals = stock_items.reorder_totals(rows)
        assert sum(t["cost"] for t in totals) == D("285.00")


def test_item_rules(company_a, in_tenant):
    with in_tenant(company_a):
        tea, item = stocked_tea(company_a.stores[0].id, "0")
        with pytest.raises(StockError) as twice:
            stock_items.create_item({"code": "G2", "name": "茶2", "kind": "goods", "unit": "壶",
                                     "unit_cost": "5", "product_id": tea.id})
        assert twice.value.field == "product_id"
        with pytest.raises(StockError) as clash:
            stock_items.create_item({"code": "G-T01", "name": "x", "unit": "个"})
        assert clash.value.field == "code"
        stock_items.update_item(item, {"is_active": False})
        assert item.is_active is False
        assert item in db.session.scalars(stock_items.items_query()).all()


def test_checkout_draws_stock_once_and_a_full_refund_returns_it(company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.stores[0]
        tea, item = stocked_tea(store.id, "5")
        order = tea_order(store.id, tea, 2)
        checkout.checkout_order(order, [{"method": "cash", "amount": "36.00"}])
        db.session.commit()
        assert on_hand(store.id, item.id) == D("3")
        sale = _movements("sale")[0]
        assert (sale.source, sale.quantity, sale.unit_cost) == ("order_line", D("-2"), D("6.00"))
        # A partial money refund returns no goods.
        cashier = db.session.scalar(select(Account).where(Account.role == "cashier"))
        manager = db.session.scalar(select(Account).where(Account.role == "store_manager"))
        part = checkout.request_refund(order, amount="10", method="cash", reason="茶凉了",
                                       actor=cashier)
        checkout.approve_refund(part, actor=manager)
        db.session.commit()
        assert on_hand(store.id, item.id) == D("3") and not _movements("sale_return")
        rest = checkout.request_refund(order, amount="26", method="cash", reason="退单",
                                       actor=cashier)
        checkout.approve_refund(rest, actor=manager)
        db.session.commit()
        assert on_hand(store.id, item.id) == D("5")
        back = _movements("sale_return")
        assert [(m.quantity, m.source_id) for m in back] == [(D("2"), sale.source_id)]


def test_refused_checkout_changes_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.stores[0]
        tea, item = stocked_tea(store.id, "1")
        order = tea_order(store.id, tea, 2)
        db.session.commit()
        with pytest.raises(StockError) as refused:
            checkout.checkout_order(order, [{"method": "cash", "amount": "36.00"}])
        assert "普洱茶" in refused.value.fields["order"]
        assert "现有 1 壶" in refused.value.fields["quantity"]
        db.session.rollback()
        from app.blueprints.store.models import Order, Payment
        assert db.session.scalar(select(func.count(Payment.id))) == 0
        assert db.session.get(Order, order.id).status != "paid"
        assert on_hand(store.id, item.id) == D("1") and not _movements("sale")


def test_a_product_without_stock_item_sells_as_before(company_a, in_tenant):
    from app.blueprints.store.models import Product
    with in_tenant(company_a):
        store = company_a.stores[0]
        nuts = Product(code="N01", name="瓜子", unit="份", price=D("8.00"))
        db.session.add(nuts)
        db.session.flush()
        order = tea_order(store.id, nuts, 1)
        checkout.checkout_order(order, [{"method": "cash", "amount": "8.00"}])
        db.session.commit()
        assert not _movements()
