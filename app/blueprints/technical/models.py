"""Tables of the technical department (技术部): practical exams, training, the monthly
skill assessment, discipline, complaint investigations and new-technique proposals.

specs/skill-assessment.md.  Nothing here is deleted: an exam, an attendance, a
confirmed assessment or a discipline record is history that pay and audit read.
The one exception is an *unconfirmed* assessment, which a rerun of its period
replaces (the spec).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Employee
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

# 技术考核 ---------------------------------------------------------------------------

EXAM_KINDS = ("regular", "qualification", "re_exam")


class ExamCriterion(TenantScoped, db.Model):
    """One line of a service item's practical-exam rubric (评分标准), with its weight.

    The rubric of an item is its active criteria; the pass mark is the item's own
    ``service_items.exam_pass_score``.  A criterion is archived (``is_active``), never
    deleted: exams already scored name it.
    """

    __tablename__ = "exam_criteria"
    __extra_table_args__ = (tenant_fk("service_item_id", "service_items"),)

    service_item_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1.00"))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]


class PracticalExam(TenantScoped, db.Model):
    """技术考核: a supervisor scores one therapist on one service item.

    ``scores`` keeps each criterion as scored (id, name, weight, score 0–100), so the
    exam reads the same after the rubric changes; ``score`` is their weighted mean,
    rounded to 0.01; ``pass_score`` the item's pass mark at the time.
    """

    __tablename__ = "practical_exams"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("service_item_id", "service_items"),
        tenant_fk("store_id", "stores"),
        tenant_fk("complaint_id", "complaint_cases"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    service_item_id: Mapped[int] = mapped_column(index=True)
    # The therapist's store when examined (store scope of the lists).
    store_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    examined_on: Mapped[date] = mapped_column(index=True)
    examiner_account_id: Mapped[int | None]
    scores: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    pass_score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # A re-exam ordered by a complaint investigation.
    complaint_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


# 培训 ------------------------------------------------------------------------------

TRAINING_KINDS = ("regular", "pre_job", "exchange")
TRAINING_STATUSES = ("planned", "held", "cancelled")


class TrainingSession(TenantScoped, db.Model):
    """培训: a session (topic, trainer, store, time).

    ``pre_job`` is the 岗前培训 of new therapists (its passing ticks their onboarding
    checklist); ``exchange`` a 技术交流 between two stores (``partner_store_id``
    visits ``store_id``).  A session held at the head office has no store.
    """

    __tablename__ = "training_sessions"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("partner_store_id", "stores"),
        tenant_fk("trainer_employee_id", "employees"),
        tenant_fk("service_item_id", "service_items"),
        tenant_fk("complaint_id", "complaint_cases"),
    )

    topic: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    store_id: Mapped[int | None] = mapped_column(index=True)
    partner_store_id: Mapped[int | None] = mapped_column(index=True)
    # The trainer: one of the company's people, or an outside teacher by name.
    trainer_employee_id: Mapped[int | None] = mapped_column(index=True)
    trainer_name: Mapped[str] = mapped_column(String(64), default="")
    # The technique taught, when it is one of the catalogue's items.
    service_item_id: Mapped[int | None]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=120)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Training ordered by a complaint investigation.
    complaint_id: Mapped[int | None]
    created_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


class TrainingAttendance(TenantScoped, db.Model):
    """Who was expected at a session, who came, and (pre-job training) who passed."""

    __tablename__ = "training_attendance"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "session_id", "employee_id"),
        tenant_fk("session_id", "training_sessions"),
        tenant_fk("employee_id", "employees"),
    )

    session_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    # None: not recorded yet; False: absent.
    attended: Mapped[bool | None]
    # For a pre-job training: 考核合格 or not; None elsewhere or not yet.
    passed: Mapped[bool | None]
    note: Mapped[str] = mapped_column(String(255), default="")
    recorded_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


# 技能评定 (specs/skill-assessment.md) -------------------------------------------

RUN_STATUSES = ("queued", "running", "done", "failed")
RECOMMENDATIONS = ("promote", "keep", "demote", "insufficient")
# pending: a promotion or demotion waiting for a supervisor; no_action: keep or
# insufficient data; confirmed / rejected: decided (a rerun leaves them).
ASSESSMENT_STATUSES = ("pending", "no_action", "confirmed", "rejected")


class AssessmentRun(TenantScoped, db.Model):
    """One run of the monthly assessment for a period and a store (None: every store)."""

    __tablename__ = "assessment_runs"
    __extra_table_args__ = (tenant_fk("store_id", "stores"),)

    period_start: Mapped[date]
    period_end: Mapped[date]
    store_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    job_record_id: Mapped[int | None]
    # The settings the run used (weights, thresholds, windows): the results' "why".
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Counts by recommendation, kept results, errors.
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    started_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SkillAssessment(TenantScoped, db.Model):
    """One therapist's assessment for a period: every input and component stored.

    One row per therapist and period; a rerun replaces it while it is ``pending`` or
    ``no_action`` and leaves a confirmed or rejected one.  Components are 0–100 or
    None (missing); ``inputs`` holds the detail behind them (each exam taken, the
    weights used), so the page can show the whole calculation.
    """

    __tablename__ = "skill_assessments"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "period_start", "period_end"),
        tenant_fk("run_id", "assessment_runs"),
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
        tenant_fk("level_id", "therapist_levels"),
        tenant_fk("recommended_level_id", "therapist_levels"),
        tenant_fk("employee_change_id", "employee_changes"),
    )

    run_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int | None] = mapped_column(index=True)
    period_start: Mapped[date]
    period_end: Mapped[date] = mapped_column(index=True)
    # The level in force at the period's end.
    level_id: Mapped[int | None]
    completed_jobs: Mapped[int] = mapped_column(default=0)
    requested_jobs: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_mean: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    exam_count: Mapped[int] = mapped_column(default=0)
    substantiated_complaints: Mapped[int] = mapped_column(default=0)
    returns: Mapped[int] = mapped_column(default=0)
    exam_component: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rating_component: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    requested_component: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    deductions: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0.00"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    recommendation: Mapped[str] = mapped_column(String(16))
    recommended_level_id: Mapped[int | None]
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date | None]
    # The approved level change a confirmation made (hr's 人事变动).
    employee_change_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


# 违纪 ------------------------------------------------------------------------------

DISCIPLINE_STEPS = ("verbal", "written", "fine")
DISCIPLINE_STATUSES = ("pending", "approved", "rejected", "cancelled")


class DisciplineRecord(TenantScoped, db.Model):
    """违纪: one offence of a kind, at the step of the ladder its repeats reach.

    The step is fixed when recorded (count of approved or pending records of the
    same kind within ``escalation_window_days`` before it); a fine carries the
    amount agreed, and its approval files an approved 奖惩 fine
    (``rewards_penalties``) that payroll reads in the month it takes effect.
    """

    __tablename__ = "discipline_records"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
        tenant_fk("complaint_id", "complaint_cases"),
        tenant_fk("reward_id", "rewards_penalties"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int | None] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    occurred_on: Mapped[date] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    step: Mapped[str] = mapped_column(String(16))
    # 1 for a first offence of its kind in the window, 2 for the next…
    repeat_no: Mapped[int] = mapped_column(default=1)
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # The month the fine is paid in (None: the month it was approved).
    effective_on: Mapped[date | None]
    complaint_id: Mapped[int | None]
    reward_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


# 技术投诉调查 ------------------------------------------------------------------------

CORRECTIVE_ACTIONS = ("none", "training", "re_exam", "penalty")
INVESTIGATION_STATUSES = ("open", "concluded")


class ComplaintInvestigation(TenantScoped, db.Model):
    """The technical side's investigation of a complaint case opened at the desk."""

    __tablename__ = "complaint_investigations"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "complaint_id"),
        tenant_fk("complaint_id", "complaint_cases"),
        tenant_fk("store_id", "stores"),
        tenant_fk("therapist_id", "employees"),
        tenant_fk("training_session_id", "training_sessions"),
        tenant_fk("exam_id", "practical_exams"),
        tenant_fk("discipline_id", "discipline_records"),
    )

    complaint_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    # Attributed to a therapist (None: not attributable to anyone's technique).
    therapist_id: Mapped[int | None] = mapped_column(index=True)
    # None while open; substantiated ones count in the assessment.
    substantiated: Mapped[bool | None]
    findings: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(String(16), default="none")
    corrective_note: Mapped[str] = mapped_column(Text, default="")
    training_session_id: Mapped[int | None]
    exam_id: Mapped[int | None]
    discipline_id: Mapped[int | None]
    guest_feedback: Mapped[str] = mapped_column(Text, default="")
    guest_feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    investigator_account_id: Mapped[int | None]
    concluded_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[Timestamp]


# 新项目提案 ------------------------------------------------------------------------

PROPOSAL_STATUSES = ("pending", "approved", "rejected", "cancelled")


class TechniqueProposal(TenantScoped, db.Model):
    """新项目: a supervisor's proposal of a technique or service item; the director
    decides it through the approval flow, and an approved one becomes a draft service
    item (``service_items.is_draft``) for the head office to price and release."""

    __tablename__ = "technique_proposals"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("service_item_id", "service_items"),
    )

    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), default="foot")
    process: Mapped[str] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    materials: Mapped[str] = mapped_column(Text, default="")
    price_idea: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    rationale: Mapped[str] = mapped_column(Text, default="")
    # The proposer's store (None: head office).
    store_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    service_item_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


def _register_path_objects() -> None:
    """Ids of these objects in URLs are resolved centrally (app.permissions): another
    tenant's, or another store's for a store-level supervisor, is a 404."""
    from app.permissions import register_path_object

    for argument, model in {
        "criterion_id": ExamCriterion,
        "exam_id": PracticalExam,
        "training_id": TrainingSession,
        "attendance_id": TrainingAttendance,
        "assessment_run_id": AssessmentRun,
        "assessment_id": SkillAssessment,
        "discipline_id": DisciplineRecord,
        "investigation_id": ComplaintInvestigation,
        "proposal_id": TechniqueProposal,
    }.items():
        register_path_object(argument, model)


_register_path_objects()
