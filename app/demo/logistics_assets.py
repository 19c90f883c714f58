"""Demo asset register: each store's foot basins and recliners by bed, air conditioners
and TVs by room, and the shared equipment (消毒柜, 热水器, 毛巾加热柜, 洗衣机…), with
realistic costs, purchase dates over the last one to four years and some residual
values.  One flush for all stores."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics.models import (
    ASSET_DAMAGED,
    ASSET_IN_USE,
    ASSET_UNDER_REPAIR,
    Asset,
)
from app.extensions import db
from app.models import Room

# name, category, cost range (yuan), life range (months), residual share of cost
PER_BED = (
    ("足浴盆", "bath_equipment", (800, 1800), (36, 60), "0"),
    ("足疗沙发", "furniture", (1500, 3200), (60, 96), "0.05"),
)
PER_ROOM = (
    ("空调", "hvac", (3000, 6000), (84, 120), "0.05"),
)
VIP_ROOM = (
    ("电视", "av", (2200, 4500), (60, 84), "0"),
    ("按摩床", "furniture", (1500, 3500), (60, 96), "0.05"),
)
# name, category, cost range, life range, residual share, how many, location
SHARED = (
    ("毛巾加热柜", "appliance", (1800, 3600), (60, 84), "0.05", 1, "布草间"),
    ("消毒柜", "appliance", (1200, 2800), (60, 84), "0", 2, "布草间"),
    ("热水器", "appliance", (2500, 5500), (72, 120), "0.05", 2, "设备间"),
    ("洗衣机", "linen_equipment", (2800, 4800), (60, 96), "0.05", 1, "布草间"),
    ("烘干机", "linen_equipment", (3000, 5200), (60, 96), "0.05", 1, "布草间"),
    ("大厅空调", "hvac", (8000, 15000), (96, 120), "0.05", 1, "大厅"),
    ("前台电视", "av", (2500, 4000), (60, 84), "0", 1, "前台"),
    ("前台沙发", "furniture", (2000, 4500), (60, 96), "0", 2, "大厅"),
    ("凳子", "furniture", (60, 180), (36, 60), "0", 6, "大厅"),
    ("收银电脑", "appliance", (3500, 5500), (36, 48), "0", 1, "前台"),
)


def _code_stem(store) -> str:
    stem = re.sub(r"[^A-Z0-9]", "", store.code.upper())
    return stem or f"S{store.id}"


class _StoreRegister:
    """Numbers one store's assets as they are made (``<store code>-0001``…)."""

    def __init__(self, demo, store, created_by):
        self.demo, self.store, self.created_by = demo, store, created_by
        self.stem = _code_stem(store)
        self.staff = [e.id for e in demo.employees if e.store_id == store.id]
        self.rows: list[Asset] = []

    def add(self, name, category, costs, lives, residual_share, room=None, location=""):
        rng = self.demo.rng
        cost = Decimal(rng.randrange(costs[0], costs[1] + 1, 10 if costs[0] >= 100 else 1))
        custodian = (rng.choice(self.staff) if self.staff and room is None
                     and rng.random() < .5 else None)
        self.rows.append(Asset(
            store_id=self.store.id, tag_code=f"{self.stem}-{len(self.rows) + 1:04d}",
            name=name, category=category, room_id=room.id if room else None,
            location=location,
            purchase_date=self.demo.today - timedelta(days=rng.randint(365, 4 * 365)),
            cost=cost.quantize(Decimal("0.01")),
            residual_value=(cost * Decimal(residual_share)).quantize(Decimal("1")),
            useful_life_months=rng.choice(range(lives[0], lives[1] + 1, 12)),
            status=ASSET_IN_USE, custodian_employee_id=custodian,
            created_by_account_id=self.created_by))


def load(demo) -> None:
    """Add each store's register (inside the tenant's context)."""
    account = demo.accounts.get("logistics_head")
    created_by = account.id if account is not None else None
    rows: list[Asset] = []
    for store in demo.stores:
        register = _StoreRegister(demo, store, created_by)
        rooms = db.session.scalars(select(Room).where(Room.store_id == store.id)
                                   .order_by(Room.number)).all()
        for room in rooms:
            for _bed in range(max(room.beds, 1)):
                for spec in PER_BED:
                    register.add(*spec, room=room)
            for spec in PER_ROOM:
                register.add(*spec, room=room)
            if room.type not in ("single", "double"):
                for spec in VIP_ROOM:
                    register.add(*spec, room=room)
        for name, category, costs, lives, share, count, location in SHARED:
            for _ in range(count):
                register.add(name, category, costs, lives, share, location=location)
        # A basin cracked and a recliner at the repairer: the landing cards show them.
        basins = [a for a in register.rows if a.name == "足浴盆"]
        sofas = [a for a in register.rows if a.name == "足疗沙发"]
        if basins:
            demo.rng.choice(basins).status = ASSET_DAMAGED
        if sofas:
            demo.rng.choice(sofas).status = ASSET_UNDER_REPAIR
        rows += register.rows
    db.session.add_all(rows)
    db.session.flush()
    demo.add("assets", len(rows))
