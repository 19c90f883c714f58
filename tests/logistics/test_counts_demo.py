"""The asset-count demo: last month's count approved with a missing towel warmer and a
surplus stool in store 1, this month's open in every store with store 1 half counted."""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.logistics.models import Asset, AssetCount, AssetCountLine
from app.blueprints.store.days import today_for_store
from app.demo.loader import load_demo
from app.demo.logistics import load_logistics
from app.demo.logistics_counts import periods
from app.extensions import db
from app.models import Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_counts(app):
    load_demo()
    db.session.commit()
    loaded = load_logistics("yuezu")
    db.session.commit()
    assert not loaded.skipped
    with tenant_context(find_tenant_by_code("yuezu").id):
        approved_period, open_period = periods(today_for_store())
        stores = list(db.session.scalars(select(Store).where(Store.status != "closed")
                                         .order_by(Store.code)))
        store1 = stores[0]
        old = db.session.scalar(select(AssetCount).where(
            AssetCount.store_id == store1.id, AssetCount.period == approved_period))
        assert old.status == "approved" and old.posted_at is not None
        assert (old.missing_count, old.surplus_count) == (1, 1)
        missing = db.session.scalar(select(AssetCountLine).where(
            AssetCountLine.count_id == old.id, AssetCountLine.result == "missing"))
        assert "毛巾" in missing.name
        assert db.session.get(Asset, missing.asset_id).status == "written_off"
        assert db.session.scalar(select(AssetCountLine.name).where(
            AssetCountLine.count_id == old.id, AssetCountLine.kind == "surplus")) == "凳子"
        current = db.session.scalars(select(AssetCount).where(
            AssetCount.period == open_period)).all()
        assert len(current) == len(stores) and {c.status for c in current} == {"open"}
