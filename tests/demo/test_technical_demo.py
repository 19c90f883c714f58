"""Technical-department demo (app/demo/technical.py): exams, training and discipline for
yuezu over the 90 days, the escalation ladder and its fine on payroll, and last month's
assessment by the spec's formula: a few promotions and exactly one demotion."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.hr.models import RewardPenalty
from app.blueprints.hr.payroll.month_earnings import load_rewards
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import ComplaintCase, ServiceItem, TherapistQualification
from app.blueprints.technical.models import (
    ComplaintInvestigation,
    DisciplineRecord,
    ExamCriterion,
    PracticalExam,
    TechniqueProposal,
    TrainingAttendance,
    TrainingSession,
)
from app.blueprints.technical.settings import TechnicalSettings
from app.demo.history import load_history
from app.demo.hr import load_hr
from app.demo.hr_common import month_end, previous_month
from app.demo.loader import load_demo
from app.demo.technical import (
    Inputs,
    assessment_score,
    components,
    expected_assessment,
    load_technical,
    recommend,
)
from app.extensions import db
from app.models import Account, Employee, Store, TherapistLevel
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code
from tests.hr.test_query_budget import count_statements

SPEC = TechnicalSettings()
LEVELS = [Decimal(0), Decimal(70), Decimal(80), Decimal(90)]


def test_score_renormalises_missing_components_and_caps_deductions():
    inputs = Inputs(completed=40, requested=10, rating_sum=180, rating_count=40, returns=6,
                    complaints=4, exams=[Decimal("80"), Decimal("90")])
    exam, rating, requested, deductions = components(inputs, SPEC)
    assert (exam, rating, requested) == (Decimal(85), Decimal("87.5"), Decimal(50))
    assert deductions == Decimal(50)  # 30 (complaints, capped) + 20 (returns, capped)
    assert assessment_score(exam, rating, requested, Decimal(0), SPEC) == Decimal("78.75")
    # No rating: exam and requested only, weights 0.5 : 0.2.
    assert assessment_score(exam, None, requested, Decimal(0), SPEC) == Decimal("75.00")
    assert assessment_score(Decimal(10), None, None, Decimal(30), SPEC) == Decimal("0.00")
    assert assessment_score(None, None, None, Decimal(0), SPEC) is None


def test_recommendation_uses_next_threshold_margin_and_min_jobs():
    assert recommend(Decimal("80.00"), 20, 1, LEVELS, SPEC) == "promote"
    assert recommend(Decimal("79.99"), 20, 1, LEVELS, SPEC) == "keep"
    assert recommend(Decimal("65.00"), 20, 1, LEVELS, SPEC) == "keep"
    assert recommend(Decimal("64.99"), 20, 1, LEVELS, SPEC) == "demote"
    assert recommend(Decimal("99"), 19, 1, LEVELS, SPEC) == "insufficient"
    assert recommend(Decimal("99"), 20, 3, LEVELS, SPEC) == "keep"  # top level
    assert recommend(Decimal("1"), 20, 0, LEVELS, SPEC) == "keep"  # nothing below
    assert recommend(Decimal("60"), 20, 1, LEVELS, replace(SPEC, demotion_margin=Decimal(
        "10"))) == "keep"


@pytest.mark.both_backends
def test_demo_technical_department_over_the_90_days(app):
    load_demo()
    db.session.commit()
    load_history("yuezu", days=90)
    db.session.commit()
    load_hr("yuezu")
    db.session.commit()
    with count_statements() as statements:
        loaded = load_technical("yuezu")
    db.session.commit()
    # Bulk writes and whole-company reads: a fixed number of statements, none per row.
    # (SQLite runs an INSERT … RETURNING of a table keyed (tenant_id, id) row by row.)
    assert not loaded.skipped
    if db.engine.dialect.name == "postgresql":
        assert len(statements) <= 60
    with tenant_context(find_tenant_by_code("yuezu").id):
        today = today_for_store()
        first = previous_month(today)
        last = month_end(first)
        history_start = today - timedelta(days=90)
        accounts = {a.role: a for a in db.session.scalars(select(Account))}
        director, supervisor = accounts["technical_director"], accounts["technical_supervisor"]
        assert supervisor.employee_id is not None and db.session.get(
            Employee, supervisor.employee_id).store_id is not None

        # Level thresholds: the spec's defaults, in rank order.
        assert [lv.assessment_threshold for lv in db.session.scalars(
            select(TherapistLevel).order_by(TherapistLevel.rank))] == LEVELS

        # Exams: rubric snapshot, weighted mean, pass mark, over the whole 90 days.
        exams = list(db.session.scalars(select(PracticalExam)))
        assert len(exams) > 200
        days = [e.examined_on for e in exams]
        assert min(days) >= history_start and max(days) < today
        assert (max(days) - min(days)).days >= 60
        rubric = defaultdict(set)
        for c in db.session.scalars(select(ExamCriterion)):
            rubric[c.service_item_id].add(c.id)
        pass_marks = dict(db.session.execute(select(ServiceItem.id, ServiceItem.exam_pass_score)
                                             .where(ServiceItem.exam_pass_score.is_not(None)))
                          .all())
        assert len(pass_marks) >= 4 and all(4 <= len(v) <= 5 for v in rubric.values())
        for e in exams:
            weights = [Decimal(s["weight"]) for s in e.scores]
            mean = sum(Decimal(s["weight"]) * Decimal(s["score"]) for s in e.scores) / sum(
                weights)
            assert e.score == mean.quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert {s["criterion_id"] for s in e.scores} == rubric[e.service_item_id]
            assert e.pass_score == pass_marks[e.service_item_id]
            assert e.passed == (e.score >= e.pass_score)
            assert e.examiner_account_id in (director.id, supervisor.id)
        by_key = defaultdict(list)
        for e in sorted(exams, key=lambda x: (x.examined_on, x.id)):
            by_key[(e.employee_id, e.service_item_id)].append(e)
        retaken = [runs for runs in by_key.values() if len(runs) > 1]
        assert len(retaken) >= 10
        assert any(not runs[0].passed and runs[1].kind == "re_exam" and runs[1].passed
                   for runs in retaken)
        assert 3 <= sum(not e.passed for e in exams) <= len(exams) // 10
        examined = {e.employee_id for e in exams}
        on_rubric = set(db.session.scalars(select(TherapistQualification.employee_id).where(
            TherapistQualification.service_item_id.in_(list(pass_marks)))))
        assert examined == on_rubric
        backed = db.session.execute(
            select(TherapistQualification.employee_id, TherapistQualification.service_item_id,
                   TherapistQualification.granted_on, PracticalExam)
            .join(PracticalExam, PracticalExam.id == TherapistQualification.exam_id)).all()
        assert len(backed) >= len(on_rubric)
        for employee, item, granted, exam in backed:
            assert (exam.employee_id, exam.service_item_id, exam.examined_on) == (
                employee, item, granted) and exam.passed

        # Training: monthly per store, a few absent, an exchange, the joiner's pre-job.
        sessions = list(db.session.scalars(select(TrainingSession)))
        stores = db.session.scalar(select(func.count(Store.id)))
        regular = [s for s in sessions if s.kind == "regular" and s.complaint_id is None]
        assert len(regular) >= 3 * stores
        attendance = list(db.session.scalars(select(TrainingAttendance)))
        held = {s.id for s in sessions if s.status == "held"}
        marks = Counter(a.attended for a in attendance if a.session_id in held)
        assert marks[True] > 5 * marks[False] > 0 and marks[None] == 0
        exchange = [s for s in sessions if s.kind == "exchange"]
        assert len(exchange) == 1 and exchange[0].partner_store_id not in (
            None, exchange[0].store_id)
        pre_job = [s for s in sessions if s.kind == "pre_job"]
        assert pre_job and all(s.status == "held" for s in pre_job)
        assert all(a.passed for a in attendance if a.session_id in {s.id for s in pre_job})

        # Discipline: the ladder verbal → written → fine, within the window, approved by
        # the director (neither the recorder nor the subject); the fine on payroll.
        records = list(db.session.scalars(select(DisciplineRecord).order_by(
            DisciplineRecord.occurred_on)))
        ladder = defaultdict(list)
        for r in records:
            ladder[(r.employee_id, r.category)].append(r)
        (subject, kind), steps = next((k, v) for k, v in ladder.items() if len(v) == 3)
        assert [(r.step, r.repeat_no, r.status) for r in steps] == [
            ("verbal", 1, "approved"), ("written", 2, "approved"), ("fine", 3, "approved")]
        assert (steps[-1].occurred_on - steps[0].occurred_on).days <= 90
        assert sum(len(v) == 1 and v[0].step == "verbal" for v in ladder.values()) >= 3
        assert Counter(r.status for r in records)["pending"] == 1
        for r in records:
            if r.status == "approved":
                assert r.decided_by_account_id == director.id != r.requested_by_account_id
                assert director.employee_id != r.employee_id
        fine = db.session.get(RewardPenalty, steps[-1].reward_id)
        assert (fine.kind, fine.amount, fine.status, fine.employee_id) == (
            "fine", Decimal("50.00"), "approved", subject)
        assert first <= fine.effective_on <= last
        assert Decimal("50.00") in load_rewards([subject], first, last)[subject]["fine"]

        # Investigations: every complaint case, one still open; each proven fault acted on.
        investigations = list(db.session.scalars(select(ComplaintInvestigation)))
        assert len(investigations) == db.session.scalar(select(func.count(ComplaintCase.id)))
        assert Counter(i.status for i in investigations)["open"] == 1
        proven = [i for i in investigations if i.substantiated and i.therapist_id]
        assert proven and all(i.corrective_action != "none" for i in proven)
        assert all(i.guest_feedback for i in investigations if i.status == "concluded")

        # Proposals: one pending, one approved into a draft item.
        proposals = {p.status: p for p in db.session.scalars(select(TechniqueProposal))}
        assert set(proposals) == {"pending", "approved"}
        draft = db.session.get(ServiceItem, proposals["approved"].service_item_id)
        assert draft.is_draft and not draft.is_active

        # Last month's assessment: a few promotions and one demotion (the ladder's subject).
        expected = expected_assessment(first, last)
        verdicts = Counter(e.recommendation for e in expected.values())
        assert 2 <= verdicts["promote"] <= 4 and verdicts["demote"] == 1, verdicts
        demoted = next(e for e in expected.values() if e.recommendation == "demote")
        assert demoted.employee_id == subject and demoted.inputs.complaints >= 1
        for e in expected.values():
            if e.recommendation in ("promote", "demote"):
                assert e.inputs.completed >= SPEC.min_jobs and e.exam is not None
        # The same whether or not this month's exams are read.
        later = expected_assessment(first, last, exam_cutoff=today)
        assert {k: v.recommendation for k, v in later.items()} == {
            k: v.recommendation for k, v in expected.items()}

        before = db.session.scalar(select(func.count(PracticalExam.id)))
    assert load_technical("yuezu").skipped
    with tenant_context(find_tenant_by_code("yuezu").id):
        assert db.session.scalar(select(func.count(PracticalExam.id))) == before
