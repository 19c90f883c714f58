"""post_movement, the one way stock changes: signs by kind, the running balance, never
below zero (refused with the reason, nothing changed), a sourced movement posted once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.logistics.models import StockItem, StockMovement, StoreStock
from app.blueprints.logistics.stock import StockError, post_movement
from app.extensions import db

DAY = date(2026, 11, 20)


def _towels(company) -> StockItem:
    item = StockItem(code="TOWEL", name="毛巾", unit="条", unit_cost=Decimal("4.50"))
    db.session.add(item)
    db.session.flush()
    return item


@pytest.mark.both_backends
def test_movements_keep_the_balance_and_refuse_to_go_below_zero(company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.stores[0]
        towels = _towels(company_a)
        post_movement(store.id, towels.id, "receipt", "5", moved_on=DAY, unit_cost="4.00")
        taken = post_movement(store.id, towels.id, "requisition", "3", moved_on=DAY)
        assert (taken.quantity, taken.balance_after, taken.unit_cost) == (
            Decimal("-3.00"), Decimal("2.00"), Decimal("4.50"))
        db.session.commit()
        with pytest.raises(StockError) as refused:
            post_movement(store.id, towels.id, "requisition", "3", moved_on=DAY)
        assert refused.value.field == "quantity"
        assert "库存不足" in refused.value.message and "现有 2 条" in refused.value.message
        db.session.rollback()
        on_hand = db.session.scalar(select(StoreStock.quantity).where(
            StoreStock.store_id == store.id, StoreStock.stock_item_id == towels.id))
        assert on_hand == Decimal("2.00")
        assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 2


@pytest.mark.both_backends
def test_a_sourced_movement_is_posted_once(company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.stores[0]
        towels = _towels(company_a)
        first = post_movement(store.id, towels.id, "receipt", "10", moved_on=DAY,
                              source="purchase_line", source_id=7)
        again = post_movement(store.id, towels.id, "receipt", "10", moved_on=DAY,
                              source="purchase_line", source_id=7)
        assert again.id == first.id
        on_hand = db.session.scalar(select(StoreStock.quantity).where(
            StoreStock.stock_item_id == towels.id))
        assert on_hand == Decimal("10.00")
        with pytest.raises(StockError) as bad:
            post_movement(store.id, towels.id, "receipt", "-1", moved_on=DAY)
        assert bad.value.field == "quantity"
