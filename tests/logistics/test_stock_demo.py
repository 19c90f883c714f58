"""The demo's stock: consistent balances (quantity = sum of movements, never negative),
desk sales of the history sourced by their order lines, and a non-empty what-to-buy list."""

from __future__ import annotations

import random
import time
from collections import defaultdict

from sqlalchemy import func, select

from app.blueprints.logistics import stock_items
from app.blueprints.logistics.models import StockMovement, StoreStock
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import OrderLine
from app.demo import logistics_stock
from app.demo.history import load_history
from app.demo.loader import load_demo
from app.demo.logistics import SEED, LogisticsDemo
from app.extensions import db
from app.models import Account, Employee, Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_stock_is_consistent(app):
    load_demo()
    db.session.commit()
    load_history("yuezu", days=7)
    db.session.commit()
    tenant = find_tenant_by_code("yuezu")
    with tenant_context(tenant.id):
        stores = list(db.session.scalars(select(Store).where(Store.status != "closed")))
        demo = LogisticsDemo(tenant.id, today_for_store(), random.Random(SEED), stores,
                             {a.role: a for a in db.session.scalars(select(Account))},
                             list(db.session.scalars(select(Employee))))
        started = time.perf_counter()
        logistics_stock.load(demo)
        db.session.commit()
        seconds = time.perf_counter() - started
        print(f"demo stock: {demo.summary()} in {seconds:.1f} s")
        sums = dict(((s, i), q) for s, i, q in db.session.execute(
            select(StockMovement.store_id, StockMovement.stock_item_id,
                   func.sum(StockMovement.quantity))
            .group_by(StockMovement.store_id, StockMovement.stock_item_id)))
        stocks = {(r.store_id, r.stock_item_id): r.quantity
                  for r in db.session.scalars(select(StoreStock))}
        assert stocks == sums and all(q >= 0 for q in stocks.values())
        running = defaultdict(int)
        for m in db.session.scalars(select(StockMovement).order_by(StockMovement.id)):
            running[(m.store_id, m.stock_item_id)] += m.quantity
            assert m.balance_after == running[(m.store_id, m.stock_item_id)] >= 0
        sales = db.session.execute(
            select(StockMovement.quantity, OrderLine.quantity)
            .join(OrderLine, OrderLine.id == StockMovement.source_id)
            .where(StockMovement.kind == "sale")).all()
        assert sales and all(-moved == sold for moved, sold in sales)
        kinds = set(db.session.scalars(select(StockMovement.kind).distinct()))
        assert {"receipt", "requisition", "write_off", "sale"} <= kinds
        assert stock_items.reorder_list(None)
