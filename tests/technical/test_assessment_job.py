"""技能评定 end to end: a run started from the page, computed by a real RQ worker on
PostgreSQL and Redis, confirmed through the approval flow, rerun; payroll pays the new
level from its effective date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.blueprints.hr.models import EmployeeChange
from app.blueprints.hr.payroll.inputs import load_run_inputs
from app.blueprints.hr.payroll.rules import compute_payslip
from app.blueprints.technical import assessment, assessment_decisions
from app.blueprints.technical.models import AssessmentRun, SkillAssessment
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.models import Employee
from app.tenancy import tenant_context
from app.validation import InputError
from tests.hr.payroll import payroll_data as data
from tests.jobs.conftest import app, progress_log, run_worker  # noqa: F401  (fixtures)
from tests.technical import assessment_data as ad

D = Decimal
FIGURES = ("score", "exam_component", "rating_component", "requested_component", "deductions",
           "recommendation", "recommended_level_id", "completed_jobs", "requested_jobs",
           "rating_count", "returns", "exam_count")


def _rows(company) -> dict[str, SimpleNamespace]:
    """Each therapist's assessment of October, as plain values (the session ends)."""
    with tenant_context(company.tenant_id):
        rows = db.session.execute(select(SkillAssessment, Employee.employee_no)
                                  .join(Employee, Employee.id == SkillAssessment.employee_id)
                                  .where(SkillAssessment.period_start == ad.OCTOBER[0])).all()
        return {no: SimpleNamespace(**{f: getattr(row, f) for f in (
            *FIGURES, "id", "status", "inputs")}) for row, no in rows}


def _start(client, store_id="") -> None:
    response = client.post("/technical/assessments/runs", data={
        "period_start": "2026-10-01", "period_end": "2026-10-31", "store_id": store_id})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


@pytest.mark.redis
def test_run_by_a_worker_confirm_and_rerun(app, client, auth, company_a,  # noqa: F811
                                           progress_log):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        lv = {name: level.id for name, level in setup["levels"].items()}
        ids = {key: setup[key].id for key in ("a", "b", "c")}
        db.session.commit()
    auth.login_as(company_a, "technical_director")
    _start(client)
    run_worker(app)

    with tenant_context(company_a.tenant_id):
        run = db.session.scalar(select(AssessmentRun))
        assert run.status == "done"
        record = db.session.get(JobRecord, run.job_record_id)
        assert (record.status, record.progress) == ("finished", 100)
    assert [e["progress"] for e in progress_log()][-1] == 100
    assert len(progress_log()) >= 4  # progress seen while it ran

    rows = _rows(company_a)
    a, b, c = rows["TA"], rows["TB"], rows["TC"]
    assert (a.exam_component, a.rating_component, a.requested_component) == (
        D("90.00"), D("100.00"), D("100.00"))
    assert (a.score, a.recommendation, a.status) == (D("95.00"), "promote", "pending")
    assert a.recommended_level_id == lv["资深"]  # one level, though 95 reaches 大师
    assert a.inputs["exams"][0]["score"] == "90.00"
    assert a.inputs["weights"] == {"exam": "0.5", "rating": "0.3", "requested": "0.2"}
    assert (b.exam_component, b.rating_component, b.requested_component) == (
        None, D("50.00"), D("20.00"))
    assert (b.deductions, b.score, b.recommendation) == (D("5.00"), D("33.00"), "demote")
    assert b.recommended_level_id == lv["熟练"]
    assert b.inputs["shares"] == {"rating": "0.6000", "requested": "0.4000"}
    assert (c.recommendation, c.status) == ("insufficient", "no_action")

    # The technical supervisor of the store confirms A's promotion (from the 1st of
    # the month after the period by default), not adopting B's demotion.
    auth.login(company_a.code, "technical_supervisor")
    page = client.get(f"/technical/assessments/{a.id}")
    assert page.status_code == 200 and 'data-testid="assessment-confirm"' in page.text
    response = client.post(f"/technical/assessments/{a.id}/confirm",
                           data={"effective_on": "2026-11-01", "note": "技术过硬"})
    assert response.status_code == 302
    response = client.post(f"/technical/assessments/{b.id}/reject", data={"note": "再观察"})
    assert response.status_code == 302

    with tenant_context(company_a.tenant_id):
        change = db.session.scalar(select(EmployeeChange).where(
            EmployeeChange.employee_id == ids["a"]))
        assert (change.kind, change.status, change.new_level_id, change.effective_on) == (
            "promotion", "applied", lv["资深"], date(2026, 11, 1))
        assert f"#{a.id}" in change.reason
        assert db.session.get(Employee, ids["a"]).level_id == lv["资深"]
        assert db.session.get(Employee, ids["b"]).level_id == lv["资深"]  # kept

    # Rerun: the decided ones stay as they were, the others are replaced with the same
    # figures.
    before = _rows(company_a)
    auth.login(company_a.code, "technical_director")
    _start(client)
    run_worker(app)
    after = _rows(company_a)
    assert after["TA"].id == a.id and after["TA"].status == "confirmed"
    assert after["TB"].id == b.id and after["TB"].status == "rejected"
    assert after["TC"].id != c.id
    assert all(getattr(after["TC"], f) == getattr(before["TC"], f) for f in FIGURES)
    with tenant_context(company_a.tenant_id):
        runs = db.session.scalars(select(AssessmentRun).order_by(AssessmentRun.id)).all()
        assert runs[-1].summary["kept_decided"] == 2


def test_same_inputs_give_the_same_figures_and_only_undecided_are_replaced(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        ad.october(company_a)
        first = assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        old = {row.employee_id: row for row in db.session.scalars(select(SkillAssessment))}
        old_figures = {k: tuple(getattr(r, f) for f in FIGURES) for k, r in old.items()}
        old_ids = {k: r.id for k, r in old.items()}
        assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        new = {row.employee_id: row for row in db.session.scalars(select(SkillAssessment))}
        assert {k: tuple(getattr(r, f) for f in FIGURES) for k, r in new.items()} \
            == old_figures
        assert not set(old_ids.values()) & {r.id for r in new.values()}
        assert db.session.get(AssessmentRun, first.id).status == "done"


def test_a_store_run_assesses_that_store_only(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        other = data.add_therapist(company_a.stores[1], "OS")
        assessment.start_assessment_run(*ad.OCTOBER, company_a.stores[1].id)
        commit_and_dispatch()
        assessed = set(db.session.scalars(select(SkillAssessment.employee_id)))
        assert assessed == {other.id}
        assert setup["a"].id not in assessed


def test_nobody_confirms_an_assessment_about_themselves(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        supervisor = company_a.accounts["technical_supervisor"]
        run = assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        row = SkillAssessment(run_id=run.id, employee_id=supervisor.employee_id,
                              store_id=company_a.stores[0].id, period_start=ad.OCTOBER[0],
                              period_end=date(2026, 9, 30), recommendation="promote",
                              recommended_level_id=setup["levels"]["资深"].id,
                              score=D("90"), status="pending")
        db.session.add(row)
        db.session.flush()
        with pytest.raises(InputError) as refused:
            assessment_decisions.confirm_assessment(row, supervisor)
        assert "自己" in refused.value.message
        assert row.status == "pending"


def test_a_confirmed_promotion_pays_jobs_from_its_date_at_the_new_multiplier(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        a = setup["a"]
        assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        row = db.session.scalar(select(SkillAssessment)
                                .where(SkillAssessment.employee_id == a.id))
        setup["jobs"].add(a, [date(2026, 11, 10)], rotation=1)  # 熟练 ×1.1
        setup["jobs"].add(a, [date(2026, 11, 20)], rotation=1)  # 资深 ×1.2
        assessment_decisions.confirm_assessment(
            row, company_a.accounts["technical_director"], effective_on=date(2026, 11, 16))
        db.session.commit()
        person = {p.employee_no: p for p in load_run_inputs(data.NOVEMBER).employees}["TA"]
        assert sorted(j.level_multiplier for j in person.month.jobs) == [D("1.100"),
                                                                          D("1.200")]
        slip = compute_payslip(person.month, load_run_inputs(data.NOVEMBER).policy)
        assert slip.commission == D("30.00") * D("1.1") + D("30.00") * D("1.2")
        assert person.level_name == "资深"
        # Confirmed: no longer waiting; an effective date inside the period is refused.
        with pytest.raises(InputError):
            assessment_decisions.confirm_assessment(
                row, company_a.accounts["technical_director"], effective_on=date(2026, 10, 5))


def test_the_monthly_schedule_starts_last_months_run_once_from_the_1st_at_3(
        app, company_a, monkeypatch):  # noqa: F811
    from datetime import UTC, datetime

    from app.blueprints.technical.jobs import assessment_monthly

    with tenant_context(company_a.tenant_id):  # Asia/Shanghai: UTC+8
        ad.october(company_a)
        db.session.commit()
        assert assessment.start_monthly_run_if_due(
            datetime(2026, 10, 31, 18, 59, tzinfo=UTC)) is None  # 1 Nov 02:59 local
        assert assessment.start_monthly_run_if_due(
            datetime(2026, 11, 4, 12, 0, tzinfo=UTC)) is None  # 4 Nov: past the catch-up
        assert db.session.scalar(select(AssessmentRun.id)) is None
    # The fan-out at 03:00 local on the 1st, for every company: one run, then none.
    monkeypatch.setattr(assessment, "utcnow", lambda: datetime(2026, 10, 31, 19, 0, tzinfo=UTC))
    assert assessment_monthly(None) == {"started": 1}
    assert assessment_monthly(None) == {"started": 0}
    with tenant_context(company_a.tenant_id):
        runs = db.session.scalars(select(AssessmentRun)).all()
        assert [(r.period_start, r.period_end, r.store_id, r.status) for r in runs] == [
            (date(2026, 10, 1), date(2026, 10, 31), None, "done")]


def test_a_failed_run_does_not_block_the_next(app, company_a, monkeypatch):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        ad.october(company_a)

        def broken(run_id, ctx=None):
            raise RuntimeError("database went away")

        monkeypatch.setattr(assessment, "compute_run", broken)
        record_id = assessment.start_assessment_run(*ad.OCTOBER, None).job_record_id
        with pytest.raises(RuntimeError):  # inline, the job's error reaches the caller
            commit_and_dispatch()
        assert db.session.get(JobRecord, record_id).status == "failed"
        monkeypatch.undo()
        again = assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        assert db.session.get(AssessmentRun, again.id).status == "done"
        assert db.session.scalar(select(SkillAssessment.id)) is not None
