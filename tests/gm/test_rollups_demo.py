"""The head-office demo's first step: rollups of the front-desk history, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.blueprints.gm.models import StoreDayRollup
from app.blueprints.gm.rollups import FIGURE_FIELDS, compute_days
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BusinessDay
from app.demo.head_office import load_head_office
from app.demo.history import load_history
from app.demo.loader import load_demo
from app.extensions import db
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_rollups_cover_the_history_once(app):
    load_demo()
    db.session.commit()
    load_history("yuezu", days=6)
    db.session.commit()
    first = load_head_office("yuezu")
    db.session.commit()
    assert first.rows.get("daily rollups", 0) > 0
    with tenant_context(find_tenant_by_code("yuezu").id):
        today = today_for_store()
        start = db.session.scalar(select(func.min(BusinessDay.business_date)))
        stored = {(r.store_id, r.business_date): {k: getattr(r, k) for k in FIGURE_FIELDS}
                  for r in db.session.scalars(select(StoreDayRollup))}
        computed = {(r["store_id"], r["business_date"]): {k: r[k] for k in FIGURE_FIELDS}
                    for r in compute_days(start, today - timedelta(days=1))}
        assert stored == computed and len(stored) == first.rows["daily rollups"]
        assert max(d for _s, d in stored) == today - timedelta(days=1)
        assert any(row["revenue"] > 0 and row["jobs"] > 0 for row in stored.values())
    again = load_head_office("yuezu")
    db.session.commit()
    assert not again.changed
