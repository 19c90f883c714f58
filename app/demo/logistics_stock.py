"""Demo stock: consumables and goods with reorder points, opening receipts about two
months ago, a restock a month ago, requisitions by the foremen and a few write-offs
over last month and this month, and the desk's sales of stocked products from the
order history (each product line one ``sale`` movement sourced by the line).

Written in bulk, not through ``post_movement`` (tens of thousands of rows): the
movements of each store and item are laid out by day in Python with their running
balance, an outgoing movement that would go below zero is left out, and the store's
quantity is the last balance — the same numbers ``post_movement`` would have made.
A few items end at or below their reorder point (the what-to-buy list is not empty).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics.models import StockItem, StockMovement, StoreStock
from app.blueprints.store.models import BusinessDay, Order, OrderLine, Product
from app.demo.rows import bulk_insert
from app.extensions import db

D = Decimal
# code, name, unit, standard cost, reorder point, reorder quantity (a store)
CONSUMABLES = (
    ("C-TOWEL", "毛巾", "条", "4.50", 60, 120),
    ("C-SLIP", "一次性拖鞋", "双", "0.80", 150, 300),
    ("C-SHORTS", "一次性短裤", "条", "0.60", 150, 300),
    ("C-HERB", "泡脚药包", "包", "2.20", 120, 300),
    ("C-BAG", "足浴袋", "个", "0.30", 200, 500),
    ("C-OIL", "按摩油", "瓶", "38.00", 6, 12),
    ("C-TEA", "茶叶", "斤", "60.00", 3, 6),
    ("C-CUP", "纸杯", "个", "0.15", 300, 1000),
    ("C-DISINF", "消毒液", "桶", "45.00", 4, 8),
    ("C-TISSUE", "纸巾", "包", "1.50", 40, 100),
)
# The demo catalogue's products kept in stock (果盘 is cut fresh: not stocked).
GOODS = {"T01": "6.00", "T02": "4.50", "W01": "1.80", "Y01": "9.00", "O01": "35.00"}
OPENING_DAYS_AGO = 60
RESTOCK_DAYS_AGO = 30


def _movement(demo, store_id, item, kind, qty, day, *, unit_cost=None, source=None,
              source_id=None, employee_id=None, note="") -> dict:
    return {"tenant_id": demo.tenant_id, "store_id": store_id, "stock_item_id": item.id,
            "kind": kind, "quantity": qty, "unit_cost": unit_cost or item.unit_cost,
            "balance_after": D(0), "moved_on": day, "source": source, "source_id": source_id,
            "employee_id": employee_id, "other_store_id": None, "note": note,
            "actor_account_id": None,
            "created_at": datetime.combine(day, time(10), tzinfo=UTC)}


def _items(demo) -> tuple[list[tuple[StockItem, int, int]], dict[int, StockItem]]:
    consumables = []
    for code, name, unit, cost, point, reorder in CONSUMABLES:
        item = StockItem(code=code, name=name, kind="consumable", unit=unit, unit_cost=D(cost))
        db.session.add(item)
        consumables.append((item, point, reorder))
    goods: dict[int, StockItem] = {}
    for product in db.session.scalars(select(Product).where(Product.code.in_(list(GOODS)))):
        item = StockItem(code=f"G-{product.code}", name=product.name, kind="goods",
                         unit=product.unit, unit_cost=D(GOODS[product.code]),
                         product_id=product.id)
        db.session.add(item)
        goods[product.id] = item
    db.session.flush()
    demo.add("stock items", len(consumables) + len(goods))
    return consumables, goods


def _sales(demo, goods, since) -> dict[tuple[int, int], list]:
    """(store, item) -> [(business date, line id, quantity)] of paid orders since ``since``."""
    sold = defaultdict(list)
    if not goods:
        return sold
    for line_id, store_id, product_id, qty, day in db.session.execute(
            select(OrderLine.id, OrderLine.store_id, OrderLine.product_id, OrderLine.quantity,
                   BusinessDay.business_date)
            .join(Order, Order.id == OrderLine.order_id)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(OrderLine.kind == "product", OrderLine.status == "active",
                   OrderLine.product_id.in_(list(goods)), Order.status == "paid",
                   BusinessDay.business_date >= since)
            .order_by(BusinessDay.business_date, OrderLine.id)):
        sold[(store_id, goods[product_id].id)].append((day, line_id, qty))
    return sold


def load(demo) -> None:
    """Items, reorder points and a consistent two months of movements per store."""
    rng, today = demo.rng, demo.today
    opening = today - timedelta(days=OPENING_DAYS_AGO)
    restock = today - timedelta(days=RESTOCK_DAYS_AGO)
    consumables, goods = _items(demo)
    sold = _sales(demo, goods, opening)
    staff = defaultdict(list)
    for employee in demo.employees:
        if employee.store_id and employee.status == "active":
            staff[employee.store_id].append(employee.id)
    movements: list[dict] = []
    stocks: list[dict] = []
    low_left = 3  # (store, consumable) pairs left at or below their point on purpose
    for store in demo.stores:
        takers = staff.get(store.id) or [None]
        for item, point, reorder in consumables:
            level = D(point * 3)
            rows = [_movement(demo, store.id, item, "receipt", level, opening,
                              unit_cost=item.unit_cost, note="期初入库")]
            starve = low_left > 0 and rng.random() < 0.25
            restocked = starve  # a starved item misses the month's restock
            day = opening + timedelta(days=rng.randint(1, 3))
            while day <= today:
                if not restocked and day >= restock:
                    cost = item.unit_cost * D(rng.choice(("0.95", "1.00", "1.05")))
                    rows.append(_movement(demo, store.id, item, "receipt", D(reorder), restock,
                                          unit_cost=cost.quantize(D("0.01")), note="月度补货"))
                    restocked = True
                # Three days' use: about 0.15 of the reorder point.
                taken = D(max(1, round(point * 0.15 * rng.uniform(0.6, 1.4))))
                rows.append(_movement(demo, store.id, item, "requisition", -taken, day,
                                      employee_id=rng.choice(takers), note="领用"))
                if rng.random() < 0.04:
                    rows.append(_movement(demo, store.id, item, "write_off",
                                          -D(rng.randint(1, 3)), day,
                                          note=rng.choice(("破损", "污损无法清洗", "过期"))))
                day += timedelta(days=3)
            final = _lay_out(rows)
            if starve and final <= point:
                low_left -= 1
            movements.extend(rows)
            stocks.append({"tenant_id": demo.tenant_id, "store_id": store.id,
                           "stock_item_id": item.id, "quantity": final,
                           "reorder_point": D(point), "reorder_quantity": D(reorder)})
        for item in goods.values():
            sales = sold.get((store.id, item.id), [])
            total = sum(qty for _d, _l, qty in sales)
            point = max(5, total // 8)
            # Enough for the history's sales; a few goods end near their point.
            level = D(total + rng.choice((point, point * 2, point * 3)))
            rows = [_movement(demo, store.id, item, "receipt", level, opening, note="期初入库")]
            rows += [_movement(demo, store.id, item, "sale", -D(qty), day, source="order_line",
                               source_id=line_id, note="前台销售")
                     for day, line_id, qty in sales]
            rows.sort(key=lambda r: (r["moved_on"], r["kind"] != "receipt"))
            final = _lay_out(rows)
            movements.extend(rows)
            stocks.append({"tenant_id": demo.tenant_id, "store_id": store.id,
                           "stock_item_id": item.id, "quantity": final,
                           "reorder_point": D(point), "reorder_quantity": D(point * 2)})
    movements.sort(key=lambda r: (r["moved_on"], r["store_id"], r["stock_item_id"]))
    bulk_insert(StockMovement, movements)
    bulk_insert(StoreStock, stocks)
    demo.add("stock movements", len(movements))


def _lay_out(rows: list[dict]) -> Decimal:
    """Running balance in place; an outgoing row that would go below zero is dropped
    (a sale never is: its receipt covers the history)."""
    balance, kept = D(0), []
    for row in rows:
        if balance + row["quantity"] < 0:
            continue
        balance += row["quantity"]
        row["balance_after"] = balance
        kept.append(row)
    rows[:] = kept
    return balance
