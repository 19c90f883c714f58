"""技能评定 over the demo's 90 days, on PostgreSQL with a real RQ worker on Redis.

The demo load computes last month's assessment (app/demo/technical.py); it must say
what an independent recomputation of the spec says (``expected_assessment``) for every
therapist.  Then a supervisor confirms one promotion, the director reruns the month from
the page and a worker computes it: the confirmed one stays, every other result is
replaced with the same figures.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.blueprints.store.days import today_for_store
from app.blueprints.technical import assessment_decisions
from app.blueprints.technical.models import AssessmentRun, SkillAssessment
from app.demo.history import load_history
from app.demo.hr import load_hr
from app.demo.hr_common import previous_month
from app.demo.loader import DEMO_PASSWORD, load_demo
from app.demo.technical import expected_assessment, load_technical
from app.extensions import db
from app.models import Account, Employee
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code
from tests.jobs.conftest import app, run_worker  # noqa: F401  (fixtures)
from tests.technical.test_assessment_job import FIGURES

pytestmark = pytest.mark.redis


def _results(tenant_id: int, first) -> dict[int, SimpleNamespace]:
    with tenant_context(tenant_id):
        return {row.employee_id: SimpleNamespace(**{f: getattr(row, f) for f in (
            *FIGURES, "id", "status", "employee_id")})
            for row in db.session.scalars(select(SkillAssessment).where(
                SkillAssessment.period_start == first))}


def test_demo_month_assessed_as_the_spec_then_confirmed_and_rerun(app, client, auth):  # noqa: F811
    load_demo()
    db.session.commit()
    # Enough history for last month (the demo's full 90 days are loaded by tests/demo).
    with tenant_context(find_tenant_by_code("yuezu").id):
        today = today_for_store()
    load_history("yuezu", days=(today - previous_month(today)).days + 1)
    db.session.commit()
    load_hr("yuezu")
    db.session.commit()
    assert not load_technical("yuezu").skipped
    db.session.commit()
    tenant_id = find_tenant_by_code("yuezu").id

    with tenant_context(tenant_id):
        run = db.session.scalar(select(AssessmentRun))
        assert run.status == "done" and run.store_id is None
        first, last = run.period_start, run.period_end
        expected = expected_assessment(first, last)
        supervisor = db.session.scalar(select(Account).where(
            Account.role == "technical_supervisor"))
        supervisor_store = db.session.get(Employee, supervisor.employee_id).store_id
    results = _results(tenant_id, first)

    # Every therapist, each figure as the independent recomputation says.
    assert set(results) == set(expected)
    for employee_id, want in expected.items():
        got = results[employee_id]
        assert (got.score, got.recommendation) == (want.score, want.recommendation), want.name
        assert got.deductions == want.deductions, want.name
    verdicts = [r.recommendation for r in results.values()]
    assert 2 <= verdicts.count("promote") <= 4 and verdicts.count("demote") == 1
    assert all(r.status == "pending" for r in results.values()
               if r.recommendation in ("promote", "demote"))

    # The supervisor confirms a promotion of their store (any, if none is theirs: the
    # director then).
    with tenant_context(tenant_id):
        promotions = [db.session.get(SkillAssessment, r.id) for r in results.values()
                      if r.recommendation == "promote"]
        theirs = [a for a in promotions if a.store_id == supervisor_store]
        confirmer = supervisor if theirs else db.session.scalar(select(Account).where(
            Account.role == "technical_director"))
        confirmed = (theirs or promotions)[0]
        assessment_decisions.confirm_assessment(confirmed, confirmer)
        db.session.commit()
        confirmed_id = confirmed.id

    # The director reruns the month from the page; a real worker computes it.
    assert auth.login("yuezu", "technical_director", DEMO_PASSWORD).status_code == 302
    response = client.post("/technical/assessments/runs", data={
        "period_start": first.isoformat(), "period_end": last.isoformat(), "store_id": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    run_worker(app)

    after = _results(tenant_id, first)
    assert set(after) == set(results)
    for employee_id, before in results.items():
        now = after[employee_id]
        if before.id == confirmed_id:
            assert (now.id, now.status) == (confirmed_id, "confirmed")
            continue
        assert now.id != before.id  # replaced …
        assert all(getattr(now, f) == getattr(before, f) for f in FIGURES)  # … same figures
    with tenant_context(tenant_id):
        rerun = db.session.scalars(select(AssessmentRun).order_by(AssessmentRun.id)).all()[-1]
        assert rerun.status == "done" and rerun.summary["kept_decided"] == 1
