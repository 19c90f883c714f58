"""The 培训 pages load what they show in a fixed number of statements."""

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import select

from app.blueprints.hr import onboarding
from app.blueprints.technical import training
from app.extensions import db
from app.models import Store
from tests.hr.helpers import add_employee
from tests.hr.lifecycle.helpers import candidate
from tests.hr.lifecycle.test_query_budget import statements_for


def _more(company, in_tenant, start: int, count: int) -> int:
    """``count`` more sessions, each with a new therapist and a newcomer on its list."""
    with in_tenant(company):
        # Fresh rows: the page counts detach everything from the session.
        fresh = SimpleNamespace(store=db.session.scalar(select(Store).order_by(Store.id)))
        session_id = None
        for n in range(start, start + count):
            session = training.plan_training(
                topic=f"手法{n}", kind="pre_job", store_id=fresh.store.id,
                trainer_name="王老师", starts_at=datetime(2026, 11, 3, 2, tzinfo=UTC))
            onboarding.start_onboarding(candidate(fresh, f"Q{n:03d}"))
            newcomer = add_employee(f"P{n:03d}", store=fresh.store, status="probation")
            training.add_attendees(session, [newcomer.id])
            session_id = session_id or session.id
        db.session.commit()
        return session_id


def test_training_pages_do_not_grow_with_sessions_or_people(client, auth, company_a,
                                                             in_tenant):
    session_id = _more(company_a, in_tenant, 0, 2)
    auth.login_as(company_a, "technical_supervisor")
    pages = ("/technical/trainings?month=2026-11", f"/technical/trainings/{session_id}")
    few = [statements_for(client, url) for url in pages]
    _more(company_a, in_tenant, 10, 8)
    many = [statements_for(client, url) for url in pages]
    assert many == few
    assert max(few) <= 25
