"""技术投诉调查: the technical side's investigation of a complaint case opened at the desk.

Plain functions: they add and flush, never commit.  The desk keeps its own case
(app/blueprints/store/feedback.py: who handles it, the reply, closing); the
technical side decides whether the guest's complaint is about someone's technique.

Rules chosen where the issue is silent:

* One investigation per complaint case (unique), opened on first save by someone
  holding ``therapist.assess`` who sees the case's store; it starts attributed to the
  therapist the desk named, if any.
* It may be attributed to one of the therapists who served the complaint's order, or
  to any therapist of the store (the guest may name the wrong number), or to nobody.
* Concluding (已结论) needs: substantiated decided (yes or no), a finding, and the
  feedback given to the guest.  A substantiated complaint attributed to a therapist
  needs a corrective action other than "none" (training, re-exam or penalty): a
  proven fault of someone's technique is never left without a follow-up.
* A re-exam or a penalty names a person: it needs a therapist attributed; a penalty
  also needs the complaint substantiated.  Training may be general (no one named).
* A concluded investigation is read-only; only the technical director reopens it
  (``technical.settings``, which only the director and the owner hold), because a
  substantiated conclusion counts against the therapist in the skill assessment
  (specs/skill-assessment.md: 10 points each).
* Follow-ups (a re-exam, a training session, a discipline record) are made on their
  own pages with ``?complaint_id=&employee_id=`` and carry the complaint's id; the
  investigation lists them by that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.audit import record_audit, register_audit_actions
from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.hr.common import tenant_today
from app.blueprints.store.models import ComplaintCase, OrderLine, ServiceJob
from app.blueprints.technical.models import (
    CORRECTIVE_ACTIONS,
    ComplaintInvestigation,
    DisciplineRecord,
    PracticalExam,
    TrainingSession,
)
from app.extensions import db
from app.models import Employee, Position, Store, Tenant
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({
    "investigation.open": _l("开始技术投诉调查"),
    "investigation.update": _l("修改技术投诉调查"),
    "investigation.conclude": _l("技术投诉调查结论"),
    "investigation.reopen": _l("重新打开技术投诉调查"),
})

register_audit_fields({
    "substantiated": _l("是否属实"), "findings": _l("调查结果"),
    "corrective_action": _l("纠正措施"), "corrective_note": _l("纠正措施说明"),
    "guest_feedback": _l("给客人的反馈"), "complaint_id": _l("投诉"),
    "concluded_on": _l("结论日期"),
})

TEXT_LIMIT = 2000
# The director's own permission (with the owner): reopening changes the assessment.
REOPEN_PERMISSION = "technical.settings"

# The investigation state of a complaint case; "pending" = no investigation yet.
STATES = ("pending", "open", "concluded")
STATE_LABELS = {"pending": _l("待调查"), "open": _l("调查中"), "concluded": _l("已结论")}
ACTION_LABELS = {"none": _l("无需纠正"), "training": _l("培训"), "re_exam": _l("复考"),
                 "penalty": _l("处罚")}
register_audit_values("corrective_action", ACTION_LABELS)
register_audit_values("status", {"open": _l("调查中"), "concluded": _l("已结论")},
                      "complaint_investigation")
# Actions that name a person, and those that need the complaint proven.
ACTIONS_NEEDING_THERAPIST = ("re_exam", "penalty")
ACTIONS_NEEDING_SUBSTANTIATED = ("penalty",)

_UNSET = object()


class InvestigationError(InputError):
    """Bad investigation input; ``fields`` maps each field to its message."""


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return str(label) if label is not None else state


def action_label(action: str | None) -> str:
    label = ACTION_LABELS.get(action or "none")
    return str(label) if label is not None else str(action)


def state_of(investigation: ComplaintInvestigation | None) -> str:
    return "pending" if investigation is None else investigation.status


# --------------------------------------------------------------------------- reads


def investigation_of(complaint_id: int) -> ComplaintInvestigation | None:
    return db.session.scalar(select(ComplaintInvestigation).where(
        ComplaintInvestigation.complaint_id == complaint_id))


@dataclass
class ServedJob:
    """One therapist's job of the complaint's order (the desk's 钟)."""

    job: ServiceJob
    item_name: str
    therapist: Employee


def order_jobs(case: ComplaintCase) -> list[ServedJob]:
    """The jobs of the complaint's order with item and therapist (one statement)."""
    if case.order_id is None:
        return []
    rows = db.session.execute(
        select(ServiceJob, OrderLine.name, Employee)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .join(Employee, Employee.id == ServiceJob.therapist_id)
        .where(ServiceJob.order_id == case.order_id)
        .order_by(ServiceJob.started_at, ServiceJob.id)).all()
    return [ServedJob(job, name, therapist) for job, name, therapist in rows]


def candidate_therapists(case: ComplaintCase,
                         jobs: list[ServedJob] | None = None) -> list[Employee]:
    """Who the complaint may be attributed to: the order's therapists first, then the
    store's therapists on staff (and whoever it is attributed to now)."""
    jobs = order_jobs(case) if jobs is None else jobs
    found: dict[int, Employee] = {}
    for served in jobs:
        found.setdefault(served.therapist.id, served.therapist)
    extra = {case.therapist_id}
    investigation = investigation_of(case.id)
    if investigation is not None:
        extra.add(investigation.therapist_id)
    extra.discard(None)
    for employee in db.session.scalars(
            select(Employee).join(Position, Position.id == Employee.position_id)
            .where(or_((Position.role == "therapist") & (Employee.store_id == case.store_id)
                       & Employee.status.in_(ON_STAFF_STATUSES),
                       Employee.id.in_(sorted(extra) or [-1])))
            .order_by(Employee.employee_no, Employee.id)):
        found.setdefault(employee.id, employee)
    return list(found.values())


@dataclass
class FollowUps:
    """What was ordered elsewhere because of this complaint (by ``complaint_id``)."""

    exams: list[PracticalExam]
    trainings: list[TrainingSession]
    discipline: list[DisciplineRecord]

    @property
    def count(self) -> int:
        return len(self.exams) + len(self.trainings) + len(self.discipline)


def follow_ups(complaint_id: int) -> FollowUps:
    return FollowUps(
        exams=list(db.session.scalars(select(PracticalExam).where(
            PracticalExam.complaint_id == complaint_id).order_by(PracticalExam.id))),
        trainings=list(db.session.scalars(select(TrainingSession).where(
            TrainingSession.complaint_id == complaint_id).order_by(TrainingSession.id))),
        discipline=list(db.session.scalars(select(DisciplineRecord).where(
            DisciplineRecord.complaint_id == complaint_id).order_by(DisciplineRecord.id))))


# --------------------------------------------------------------------------- writes


def _snapshot(inv: ComplaintInvestigation) -> dict:
    return {"therapist_id": inv.therapist_id, "substantiated": inv.substantiated,
            "findings": inv.findings[:200], "corrective_action": inv.corrective_action,
            "corrective_note": inv.corrective_note[:200],
            "guest_feedback": inv.guest_feedback[:200], "status": inv.status}


def open_investigation(case: ComplaintCase, actor=None) -> ComplaintInvestigation:
    """The case's investigation, opened now if it has none (get-or-create)."""
    investigation = investigation_of(case.id)
    if investigation is not None:
        return investigation
    investigation = ComplaintInvestigation(
        complaint_id=case.id, store_id=case.store_id, therapist_id=case.therapist_id,
        status="open", investigator_account_id=getattr(actor, "id", None))
    db.session.add(investigation)
    db.session.flush()
    record_audit("investigation.open", "complaint_investigation", investigation.id,
                 after={"complaint_id": case.id, **_snapshot(investigation)}, actor=actor)
    return investigation


def _text(value, field: str, errors: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = _("格式不正确")
        return None
    value = value.strip()
    if len(value) > TEXT_LIMIT:
        errors[field] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
        return None
    return value


def update_investigation(case: ComplaintCase, actor=None, *, therapist_id=_UNSET,
                         substantiated=_UNSET, findings: str | None = None,
                         corrective_action: str | None = None,
                         corrective_note: str | None = None,
                         guest_feedback: str | None = None,
                         now: datetime | None = None) -> ComplaintInvestigation:
    """Record what the investigation found so far (opening it if needed).

    Arguments left out (``None``, or unset for the two that may be None) keep their
    value; ``therapist_id=None`` attributes it to nobody, ``substantiated=None``
    leaves it undecided.  Changing the feedback to the guest stamps its time.
    """
    errors: dict[str, str] = {}
    existing = investigation_of(case.id)
    if existing is not None and existing.status == "concluded":
        raise InvestigationError.on("status", _("调查已结论，需技术总监重新打开后才能修改"))
    changes: dict = {}
    if therapist_id is not _UNSET:
        if therapist_id is not None and (isinstance(therapist_id, bool) or therapist_id not in {
                e.id for e in candidate_therapists(case)}):
            errors["therapist_id"] = _("只能归属于本单服务过的技师或本店技师")
        else:
            changes["therapist_id"] = therapist_id
    if substantiated is not _UNSET:
        if substantiated is not None and not isinstance(substantiated, bool):
            errors["substantiated"] = _("请选择是否属实")
        else:
            changes["substantiated"] = substantiated
    if corrective_action is not None:
        if corrective_action not in CORRECTIVE_ACTIONS:
            errors["corrective_action"] = _("请选择纠正措施")
        else:
            changes["corrective_action"] = corrective_action
    for name, value in (("findings", findings), ("corrective_note", corrective_note),
                        ("guest_feedback", guest_feedback)):
        cleaned = _text(value, name, errors)
        if cleaned is not None:
            changes[name] = cleaned
    if errors:
        raise InvestigationError(errors)
    investigation = existing or open_investigation(case, actor)
    changes = {name: value for name, value in changes.items()
               if getattr(investigation, name) != value}
    if not changes:
        return investigation
    before = {name: getattr(investigation, name) for name in changes}
    for name, value in changes.items():
        setattr(investigation, name, value)
    if "guest_feedback" in changes:
        investigation.guest_feedback_at = (now or utcnow()) if changes["guest_feedback"] else None
    investigation.investigator_account_id = getattr(actor, "id",
                                                    investigation.investigator_account_id)
    db.session.flush()
    record_audit("investigation.update", "complaint_investigation", investigation.id,
                 before={k: _short(v) for k, v in before.items()},
                 after={k: _short(v) for k, v in changes.items()}, actor=actor)
    return investigation


def _short(value):
    return value[:200] if isinstance(value, str) else value


def conclusion_errors(inv: ComplaintInvestigation) -> dict[str, str]:
    """Why ``inv`` may not be concluded yet (empty: it may)."""
    errors: dict[str, str] = {}
    if inv.substantiated is None:
        errors["substantiated"] = _("请先判定投诉是否属实")
    if not (inv.findings or "").strip():
        errors["findings"] = _("请填写调查结果")
    if not (inv.guest_feedback or "").strip():
        errors["guest_feedback"] = _("请填写给客人的反馈")
    action = inv.corrective_action or "none"
    if inv.substantiated and inv.therapist_id is not None and action == "none":
        errors["corrective_action"] = _("投诉属实且归属技师：请选择培训、复考或处罚")
    elif action in ACTIONS_NEEDING_THERAPIST and inv.therapist_id is None:
        errors["corrective_action"] = _("复考和处罚须归属到一位技师")
    elif action in ACTIONS_NEEDING_SUBSTANTIATED and inv.substantiated is False:
        errors["corrective_action"] = _("投诉不属实，不能处罚")
    return errors


def conclude_investigation(case: ComplaintCase, actor=None,
                           today: date | None = None) -> ComplaintInvestigation:
    """已结论: the conclusion stands (and a substantiated one counts in the assessment)."""
    investigation = investigation_of(case.id)
    if investigation is None:
        raise InvestigationError({"substantiated": _("请先判定投诉是否属实"),
                                  "findings": _("请填写调查结果"),
                                  "guest_feedback": _("请填写给客人的反馈")})
    if investigation.status == "concluded":
        raise InvestigationError.on("status", _("调查已结论"))
    errors = conclusion_errors(investigation)
    if errors:
        raise InvestigationError(errors)
    investigation.status = "concluded"
    investigation.concluded_on = today or tenant_today()
    investigation.investigator_account_id = getattr(actor, "id",
                                                    investigation.investigator_account_id)
    db.session.flush()
    record_audit("investigation.conclude", "complaint_investigation", investigation.id,
                 before={"status": "open"},
                 after={**_snapshot(investigation),
                        "concluded_on": investigation.concluded_on.isoformat()}, actor=actor)
    return investigation


def reopen_investigation(case: ComplaintCase, actor=None) -> ComplaintInvestigation:
    """The director reopens a concluded investigation (it stops counting until concluded)."""
    investigation = investigation_of(case.id)
    if investigation is None or investigation.status != "concluded":
        raise InvestigationError.on("status", _("只有已结论的调查可以重新打开"))
    if actor is not None and not actor.can(REOPEN_PERMISSION):
        raise InvestigationError.on("status", _("只有技术总监可以重新打开调查"))
    before = investigation.concluded_on
    investigation.status = "open"
    investigation.concluded_on = None
    db.session.flush()
    record_audit("investigation.reopen", "complaint_investigation", investigation.id,
                 before={"status": "concluded", "concluded_on": before.isoformat()
                         if before else None},
                 after={"status": "open"}, actor=actor)
    return investigation


# --------------------------------------------------------------------------- the list


def _zone() -> ZoneInfo:
    tenant = db.session.get(Tenant, current_tenant_id())
    return ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")


def local_date(moment: datetime | None, zone: ZoneInfo | None = None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or _zone()).date()


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC moments a calendar month of the tenant's time zone starts and ends."""
    first = month.replace(day=1)
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    zone = _zone()
    return (datetime.combine(first, time(), zone).astimezone(UTC),
            datetime.combine(after, time(), zone).astimezone(UTC))


@dataclass
class CaseRow:
    case: ComplaintCase
    store_name: str
    desk_therapist: str | None
    investigation: ComplaintInvestigation | None
    attributed: str | None
    age_days: int

    @property
    def state(self) -> str:
        return state_of(self.investigation)


def list_cases(scope: set[int] | None, *, store_id: int | None = None,
               state: str | None = None, month: date | None = None, page: int = 1,
               page_size: int = 50, today: date | None = None) -> tuple[list[CaseRow], int]:
    """A page of the complaint cases the viewer may see with their investigation state,
    newest first (two statements).  ``age_days``: days from the complaint to its
    conclusion, or to today while not concluded."""
    desk = aliased(Employee)
    attributed = aliased(Employee)
    query = (
        select(ComplaintCase, Store.name, desk.employee_no, desk.name, ComplaintInvestigation,
               attributed.employee_no, attributed.name)
        .join(Store, Store.id == ComplaintCase.store_id)
        .outerjoin(desk, desk.id == ComplaintCase.therapist_id)
        .outerjoin(ComplaintInvestigation,
                   ComplaintInvestigation.complaint_id == ComplaintCase.id)
        .outerjoin(attributed, attributed.id == ComplaintInvestigation.therapist_id))
    if scope is not None:
        query = query.where(ComplaintCase.store_id.in_(scope or [-1]))
    if store_id is not None:
        query = query.where(ComplaintCase.store_id == store_id)
    if state == "pending":
        query = query.where(ComplaintInvestigation.id.is_(None))
    elif state in ("open", "concluded"):
        query = query.where(ComplaintInvestigation.status == state)
    if month is not None:
        start, end = month_bounds(month)
        query = query.where(ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(
        query.order_by(ComplaintCase.created_at.desc(), ComplaintCase.id.desc())
        .limit(page_size).offset((max(1, page) - 1) * page_size)).all()
    today = today or tenant_today()
    zone = _zone()  # once: the tenant row is not kept in the session between rows
    result = []
    for case, store, desk_no, desk_name, inv, att_no, att_name in rows:
        opened = local_date(case.created_at, zone) or today
        until = inv.concluded_on if inv is not None and inv.concluded_on else today
        result.append(CaseRow(case, store, f"{desk_no} {desk_name}" if desk_no else None, inv,
                              f"{att_no} {att_name}" if att_no else None,
                              max(0, (until - opened).days)))
    return result, int(total or 0)
