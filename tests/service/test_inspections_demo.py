"""The service demo: hygiene and safety checklists, two months of inspections with a
spread of scores, follow-ups done and overdue, two weeks of disinfection rounds with a
few gaps; a second load adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.blueprints.service import disinfection, inspections
from app.blueprints.service.models_inspections import (
    DisinfectionRound,
    FollowUpAction,
    Inspection,
    InspectionTemplate,
)
from app.demo.head_office import load_head_office
from app.demo.loader import load_demo
from app.extensions import db
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code


def test_demo_inspections_and_disinfection(app):
    load_demo()
    db.session.commit()
    first = load_head_office("yuezu")
    db.session.commit()
    assert first.rows.get("inspections", 0) > 0 and first.rows.get("disinfection rounds", 0)
    with tenant_context(find_tenant_by_code("yuezu").id):
        kinds = set(db.session.scalars(select(InspectionTemplate.kind)))
        assert kinds == {"hygiene", "safety"}
        today = disinfection.local_today()
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        ranking = inspections.hygiene_ranking(last_month)
        assert len(ranking) >= 2 and ranking[0].average > ranking[-1].average
        actions = list(db.session.scalars(select(FollowUpAction)))
        assert any(a.done_at for a in actions)
        assert any(inspections.is_overdue(a, today) for a in actions)
        stores = [s for s, in db.session.execute(select(Inspection.store_id).distinct())]
        found = disinfection.gaps(stores, today - timedelta(days=13), today)
        assert 0 < len(found) < 14 * len(stores)
        rounds = db.session.scalar(select(func.count(DisinfectionRound.id)))
    again = load_head_office("yuezu")
    db.session.commit()
    assert not any(again.rows.get(k) for k in ("inspections", "inspection templates",
                                                "disinfection rounds")), again.rows
    with tenant_context(find_tenant_by_code("yuezu").id):
        assert db.session.scalar(select(func.count(DisinfectionRound.id))) == rounds
