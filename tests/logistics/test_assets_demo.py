"""The demo's asset register (app/demo/logistics_assets.py): every store of yuezu has a
realistic register with a towel warmer, in the store's own rooms."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.logistics.models import Asset
from app.demo.loader import load_demo
from app.demo.logistics import load_logistics
from app.extensions import db
from app.models import Room, Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_each_store_gets_a_register(app):
    load_demo()
    db.session.commit()
    demo = load_logistics("yuezu")
    db.session.commit()
    assert not demo.skipped
    with tenant_context(find_tenant_by_code("yuezu").id):
        assets = db.session.scalars(select(Asset)).all()
        assert demo.rows["assets"] == len(assets)
        rooms = {r.id: r.store_id for r in db.session.scalars(select(Room))}
        stores = db.session.scalars(select(Store.id).where(Store.status != "closed")).all()
        per_store = Counter(a.store_id for a in assets)
        assert set(per_store) == set(stores)
        assert all(40 <= n <= 90 for n in per_store.values()), per_store
        for store_id in stores:
            names = {a.name for a in assets if a.store_id == store_id}
            assert {"足浴盆", "空调", "毛巾加热柜", "消毒柜", "热水器", "凳子"} <= names
        assert all(rooms[a.room_id] == a.store_id for a in assets if a.room_id)
        assert all(a.residual_value <= a.cost and 36 <= a.useful_life_months <= 120
                   for a in assets)
        basins = [a.cost for a in assets if a.name == "足浴盆"]
        assert Decimal(800) <= min(basins) and max(basins) <= Decimal(1800)
        assert len({a.tag_code for a in assets}) == len(assets)
    # A second load adds nothing.
    assert load_logistics("yuezu").skipped
