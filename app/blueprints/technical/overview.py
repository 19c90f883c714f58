"""技术部概览: what waits for the technical department, as counts for the landing page.

One statement per card whatever the number of therapists, all within the viewer's
stores (``scope``; ``None`` for every store).  Plain reads, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from app.blueprints.hr.models import ChecklistItem, Onboarding
from app.blueprints.store.models import ComplaintCase
from app.blueprints.technical.models import (
    ComplaintInvestigation,
    DisciplineRecord,
    PracticalExam,
    SkillAssessment,
    TrainingSession,
)
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

UPCOMING_TRAINING_DAYS = 14
FAILED_EXAM_DAYS = 30
# Complaint cases still being handled at the desk (not resolved or closed).
OPEN_COMPLAINT_STATUSES = ("open", "investigating")
PRE_JOB_TRAINING_TITLE = "岗前培训"


@dataclass(frozen=True)
class OverviewCard:
    key: str
    label: object
    count: int
    endpoint: str | None  # a page of the department, when it exists on this deployment
    icon: str
    # Who may open the linked page (the discipline list is not every viewer's).
    permission: str = "technical.view"


def _in_scope(column, scope: set[int] | None):
    return True if scope is None else column.in_(scope or [-1])


def _count(query) -> int:
    return db.session.scalar(query) or 0


def pending_assessments(scope) -> int:
    return _count(select(func.count(SkillAssessment.id)).where(
        SkillAssessment.status == "pending", _in_scope(SkillAssessment.store_id, scope)))


def open_investigations(scope) -> int:
    return _count(select(func.count(ComplaintInvestigation.id)).where(
        ComplaintInvestigation.status != "concluded",
        _in_scope(ComplaintInvestigation.store_id, scope)))


def complaints_without_investigation(scope) -> int:
    investigated = select(ComplaintInvestigation.id).where(
        ComplaintInvestigation.complaint_id == ComplaintCase.id).exists()
    return _count(select(func.count(ComplaintCase.id)).where(
        ComplaintCase.status.in_(OPEN_COMPLAINT_STATUSES), ~investigated,
        _in_scope(ComplaintCase.store_id, scope)))


def upcoming_trainings(scope, now: datetime) -> int:
    """Planned sessions in the next 14 days at one of the viewer's stores, visiting one
    of them (技术交流), or at the head office (no store: open to everyone)."""
    where = [TrainingSession.status == "planned", TrainingSession.starts_at >= now,
             TrainingSession.starts_at < now + timedelta(days=UPCOMING_TRAINING_DAYS)]
    if scope is not None:
        where.append(or_(TrainingSession.store_id.is_(None),
                         TrainingSession.store_id.in_(scope or [-1]),
                         TrainingSession.partner_store_id.in_(scope or [-1])))
    return _count(select(func.count(TrainingSession.id)).where(*where))


def waiting_for_pre_job_training(scope) -> int:
    """New people with an open onboarding whose technical 岗前培训 item is not done."""
    return _count(
        select(func.count(func.distinct(Onboarding.employee_id)))
        .join(ChecklistItem, and_(ChecklistItem.onboarding_id == Onboarding.id,
                                  ChecklistItem.owner_department == "technical",
                                  ChecklistItem.title.contains(PRE_JOB_TRAINING_TITLE),
                                  ChecklistItem.done_at.is_(None)))
        .join(Employee, Employee.id == Onboarding.employee_id)
        .where(Onboarding.status == "open", _in_scope(Employee.store_id, scope)))


def failed_exams(scope, today: date) -> int:
    return _count(select(func.count(PracticalExam.id)).where(
        PracticalExam.passed.is_(False),
        PracticalExam.examined_on > today - timedelta(days=FAILED_EXAM_DAYS),
        PracticalExam.examined_on <= today,
        _in_scope(PracticalExam.store_id, scope)))


def pending_discipline(scope) -> int:
    return _count(select(func.count(DisciplineRecord.id)).where(
        DisciplineRecord.status == "pending", _in_scope(DisciplineRecord.store_id, scope)))


def _existing(endpoint: str) -> str | None:
    return endpoint if endpoint in current_app.view_functions else None


def overview_cards(scope: set[int] | None, today: date,
                   now: datetime | None = None) -> list[OverviewCard]:
    """The landing page's cards; each links to its page only when that page exists
    (other parts of the department may not be deployed)."""
    now = now or utcnow()
    return [
        OverviewCard("assessments", _l("待确认的技能评定"), pending_assessments(scope),
                     _existing("technical.assessments"), "bi-clipboard-check"),
        OverviewCard("investigations", _l("调查中的技术投诉"), open_investigations(scope),
                     _existing("technical.investigations"), "bi-search"),
        OverviewCard("complaints", _l("未调查的投诉"), complaints_without_investigation(scope),
                     _existing("technical.investigations"), "bi-exclamation-octagon"),
        OverviewCard("trainings", _l("14天内的培训"), upcoming_trainings(scope, now),
                     _existing("technical.trainings"), "bi-easel"),
        OverviewCard("pre_job", _l("待岗前培训的新技师"), waiting_for_pre_job_training(scope),
                     _existing("technical.trainings"), "bi-person-plus"),
        OverviewCard("failed_exams", _l("近30天未通过的考核"), failed_exams(scope, today),
                     _existing("technical.exams"), "bi-x-octagon"),
        OverviewCard("discipline", _l("待审批的违纪"), pending_discipline(scope),
                     _existing("technical.discipline"), "bi-flag", "discipline.record"),
    ]
