"""The demo's purchases and repairs, made with the department's own functions: every
stage of the flow is there, received stock is at the actual cost, a room of the first
store is out of service on the board."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app import approvals
from app.blueprints.logistics.models import (
    MaintenanceTicket,
    PurchaseRequest,
    StockItem,
    StockMovement,
)
from app.demo import logistics_purchases
from app.demo.logistics import LogisticsDemo
from app.extensions import db
from app.models import Employee, Room


def test_the_demo_fills_every_stage(company_a, in_tenant):
    with in_tenant(company_a):
        for code, name, cost in (("TOWEL", "毛巾", "4.50"), ("TEA", "普洱茶", "38.00"),
                                 ("SLIP", "一次性拖鞋", "0.80")):
            db.session.add(StockItem(code=code, name=name, unit_cost=Decimal(cost)))
        db.session.flush()
        demo = LogisticsDemo(company_a.tenant_id, date(2026, 11, 30), random.Random(12),
                             company_a.stores, company_a.accounts,
                             list(db.session.scalars(select(Employee))))
        logistics_purchases.load(demo)
        db.session.commit()
        stages = Counter(db.session.scalars(select(PurchaseRequest.status)))
        assert stages == {"received": 3, "approved": 1, "pending": 1, "pending_finance": 1,
                          "pending_gm": 1, "rejected": 1}
        inbox = {role: [w.kind.name for w in approvals.waiting_for(company_a.accounts[role])]
                 for role in ("finance_manager", "general_manager", "logistics_head")}
        assert inbox["finance_manager"].count("purchase") == 1
        assert inbox["general_manager"].count("purchase") == 1
        receipts = db.session.scalars(select(StockMovement)).all()
        assert receipts and all(m.kind == "receipt" and m.source == "purchase_line"
                                for m in receipts)
        tickets = Counter(db.session.scalars(select(MaintenanceTicket.status)))
        assert tickets["closed"] >= 1 and tickets["open"] + tickets["assigned"] >= 2
        held = db.session.scalar(select(MaintenanceTicket).where(
            MaintenanceTicket.room_out_of_service.is_(True),
            MaintenanceTicket.status == "open"))
        assert db.session.get(Room, held.room_id).status == "out_of_order"
        assert demo.rows["purchase_requests"] == 8
