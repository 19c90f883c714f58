"""Shared setup of the stock tests: items, a stocked tea, a product-only order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics.models import StockItem, StoreStock
from app.blueprints.logistics.stock import post_movement
from app.blueprints.store import orders
from app.blueprints.store.models import Product
from app.extensions import db
from app.models import Employee

DAY = date(2026, 11, 20)
D = Decimal


def towels(code="TOWEL", name="毛巾", cost="4.50") -> StockItem:
    item = StockItem(code=code, name=name, unit="条", unit_cost=D(cost))
    db.session.add(item)
    db.session.flush()
    return item


def stocked_tea(store_id: int, on_hand: str = "5") -> tuple[Product, StockItem]:
    tea = Product(code="T01", name="普洱茶", unit="壶", price=D("18.00"))
    db.session.add(tea)
    db.session.flush()
    item = StockItem(code="G-T01", name="普洱茶", kind="goods", unit="壶",
                     unit_cost=D("6.00"), product_id=tea.id)
    db.session.add(item)
    db.session.flush()
    if D(on_hand) > 0:
        post_movement(store_id, item.id, "receipt", on_hand, moved_on=DAY, unit_cost="6.00")
    return tea, item


def tea_order(store_id: int, product: Product, quantity: int = 1):
    order = orders.open_order(store_id)
    orders.add_product_line(order, product.id, quantity)
    db.session.flush()
    return order


def on_hand(store_id: int, item_id: int) -> Decimal:
    db.session.expire_all()
    return db.session.scalar(select(StoreStock.quantity).where(
        StoreStock.store_id == store_id, StoreStock.stock_item_id == item_id)) or D("0")


def employee_of(store_id: int) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.store_id == store_id,
                                                    Employee.status == "active")
                             .order_by(Employee.id))
