"""A small store to count: three assets of store 1 in its rooms, one of store 2, towels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.blueprints.logistics.models import Asset, StockItem
from app.blueprints.logistics.stock import post_movement
from app.extensions import db

BOUGHT = date(2026, 1, 10)


def small_store(company, opened_on: date = date(2026, 12, 1)) -> dict:
    s1, s2 = company.stores[0], company.stores[1]
    rooms = company.rooms

    def asset(store, tag, name, room=None, cost="1200.00", life=36):
        row = Asset(store_id=store.id, tag_code=tag, name=name, category="appliance",
                    room_id=room.id if room else None, purchase_date=BOUGHT,
                    cost=Decimal(cost), residual_value=Decimal("0.00"), useful_life_months=life)
        db.session.add(row)
        return row

    basin = asset(s1, "ZY-001", "足浴盆", rooms[0])
    warmer = asset(s1, "ZY-002", "毛巾加热柜", rooms[0], cost="2400.00", life=60)
    sofa = asset(s1, "ZY-003", "沙发", rooms[1], cost="3600.00")
    other = asset(s2, "ZY-201", "电视", rooms[3])
    towels = StockItem(code="TOWEL", name="毛巾", unit="条", unit_cost=Decimal("4.50"))
    db.session.add(towels)
    db.session.flush()
    post_movement(s1.id, towels.id, "receipt", "20", moved_on=opened_on)
    db.session.flush()
    return {"basin": basin.id, "warmer": warmer.id, "sofa": sofa.id, "other": other.id,
            "towels": towels.id, "s1": s1.id, "s2": s2.id}
