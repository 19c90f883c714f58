"""The demo's targets: every yuezu store has one for the last 12 months and this month,
within ±10 % of what the store did (some ahead, some behind); a second load adds none."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.blueprints.gm import rollups
from app.blueprints.gm import targets as rules
from app.blueprints.gm.models import StoreTarget
from app.demo.head_office import load_head_office
from app.demo.history import load_history
from app.demo.loader import load_demo
from app.extensions import db
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_targets_sit_around_what_the_stores_did(app):
    load_demo()
    db.session.commit()
    # 62 days: last month is always covered in full.
    load_history("yuezu", days=62)
    db.session.commit()
    first = load_head_office("yuezu")
    db.session.commit()
    assert first.rows.get("store targets", 0) > 0
    assert load_head_office("yuezu").rows.get("store targets", 0) == 0
    tenant = find_tenant_by_code("yuezu")
    with tenant_context(tenant.id):
        today = rules.tenant_today()
        month = rules.previous_month(today.replace(day=1))
        stores = len(first.stores)
        assert db.session.scalar(select(func.count(StoreTarget.id))) == 13 * stores
        # Last month, which the history covers in full: each target within ±10 %.
        done: dict[int, Decimal] = {}
        for day in rollups.compute_days(month, rules.last_of_month(month)):
            done[day["store_id"]] = done.get(day["store_id"], Decimal(0)) + day["revenue"]
        set_for = rules.targets_for(month, done)
        assert set(set_for) == set(done)
        ratios = [set_for[i].revenue / done[i] for i in done if done[i]]
        assert ratios and all(Decimal("0.89") <= r <= Decimal("1.11") for r in ratios)
