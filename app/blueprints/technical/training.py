"""培训: plan sessions, list who is expected, record who came (and who passed a
pre-job training), mark them held; the pre-job training's tie to onboarding.

Plain functions: they add/flush, write the audit entry and never commit (the
view does).  Bad input raises ``TrainingError`` naming the field; nothing is
changed then.

Rules chosen where the issue is silent:
* A session is ``planned`` → ``held`` (every listed person's attendance
  recorded, and it has started) or ``cancelled`` (kept).  It is edited, and its
  list changed, only while planned; attendance is recorded while planned or held.
* Kinds: ``regular``; ``pre_job`` (岗前培训 of new therapists: people in
  onboarding or probation, with a pass/fail result); ``exchange`` (技术交流:
  the partner store's therapists visit ``store_id``; two different stores).
* Who may attend: therapists employed (not candidates, not left) of the
  session's store or its partner store; a head-office session (no store) takes
  anyone's.  A store-level supervisor plans sessions of their stores only.
* The trainer is an employee (``trainer_employee_id``) or an outside teacher
  by name (``trainer_name``); one of the two is required.
* A pass recorded on a held pre-job session ticks the person's open 岗前培训
  item through ``hr.onboarding.tick_item`` as the one recording it (marking a
  session held ticks those already passed).  When that actor may not tick the
  item (a trainee supervisor has no ``therapist.assess``), it stays open for
  a technical supervisor.  The 入职技师审核 "pass" is refused until the person
  passed a pre-job training (:func:`review_guard`, registered into hr).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import checklists, onboarding
from app.blueprints.hr.common import get_by_id
from app.blueprints.hr.models import ChecklistItem, Onboarding
from app.blueprints.store.models import ComplaintCase, ServiceItem
from app.blueprints.technical.models import (
    TRAINING_KINDS,
    TRAINING_STATUSES,
    TrainingAttendance,
    TrainingSession,
)
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee, Position, Store
from app.models.base import utcnow
from app.models.people import EMPLOYED_STATUSES
from app.permissions import store_scope
from app.validation import InputError

register_audit_actions({
    "training.plan": _l("安排培训"),
    "training.edit": _l("修改培训"),
    "training.cancel": _l("取消培训"),
    "training.held": _l("培训已举行"),
    "training.attendees_add": _l("培训名单加人"),
    "training.attendee_remove": _l("培训名单减人"),
    "training.attendance": _l("记录培训出勤"),
})

KIND_LABELS = {"regular": _l("常规培训"), "pre_job": _l("岗前培训"), "exchange": _l("技术交流")}
STATUS_LABELS = {"planned": _l("待举行"), "held": _l("已举行"), "cancelled": _l("已取消")}
# The onboarding checklist's item a passed pre-job training ticks (hr's default template).
PRE_JOB_ITEM_TITLE = "岗前培训"
PRE_JOB_STATUSES = ("onboarding", "probation")
EDITABLE_FIELDS = ("topic", "kind", "store_id", "partner_store_id", "trainer_employee_id",
                   "trainer_name", "service_item_id", "starts_at", "duration_minutes", "notes",
                   "complaint_id")
MAX_DURATION_MINUTES = 24 * 60


class TrainingError(InputError):
    """Bad input for a training; ``fields`` names each field. Nothing was changed."""


def aware(moment: datetime) -> datetime:
    """A stored moment as an aware one (SQLite gives back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# --------------------------------------------------------------------------- plan / edit


def _as_int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # names nothing: reported as "not found" by the caller's check


def _clean(values: dict, actor) -> dict:
    """Check a session's fields together; return them cleaned or raise naming each field."""
    errors: dict[str, str] = {}
    clean = dict(values)
    topic = (values.get("topic") or "").strip()
    if not topic:
        errors["topic"] = _("请填写培训主题")
    elif len(topic) > 120:
        errors["topic"] = _("培训主题不能超过 120 个字")
    clean["topic"] = topic
    kind = values.get("kind") or "regular"
    if kind not in TRAINING_KINDS:
        errors["kind"] = _("培训类型只能是常规培训、岗前培训或技术交流")
    clean["kind"] = kind
    for name in ("store_id", "partner_store_id", "trainer_employee_id", "service_item_id",
                 "complaint_id"):
        clean[name] = _as_int(values.get(name))
    scope = store_scope(actor) if actor is not None else None
    if clean["store_id"] is not None and get_by_id(Store, clean["store_id"]) is None:
        errors["store_id"] = _("没有这个门店")
    elif scope is not None and clean["store_id"] not in scope:
        errors["store_id"] = _("您只能安排自己门店的培训")
    if kind == "exchange":
        if clean["store_id"] is None and "store_id" not in errors:
            errors["store_id"] = _("技术交流需要选择举办门店")
        if clean["partner_store_id"] is None:
            errors["partner_store_id"] = _("技术交流需要选择来交流的门店")
        elif get_by_id(Store, clean["partner_store_id"]) is None:
            errors["partner_store_id"] = _("没有这个门店")
        elif clean["partner_store_id"] == clean["store_id"]:
            errors["partner_store_id"] = _("交流门店不能与举办门店相同")
    elif clean["partner_store_id"] is not None:
        errors["partner_store_id"] = _("只有技术交流才有交流门店")
    trainer_name = (values.get("trainer_name") or "").strip()
    clean["trainer_name"] = trainer_name
    if len(trainer_name) > 64:
        errors["trainer_name"] = _("讲师姓名不能超过 64 个字")
    if clean["trainer_employee_id"] is not None:
        trainer = get_by_id(Employee, clean["trainer_employee_id"])
        if trainer is None or trainer.status == "left":
            errors["trainer_employee_id"] = _("没有这个在职员工")
    elif not trainer_name:
        errors["trainer_employee_id"] = _("请选择讲师（本公司员工）或填写外部讲师姓名")
    if clean["service_item_id"] is not None \
            and get_by_id(ServiceItem, clean["service_item_id"]) is None:
        errors["service_item_id"] = _("没有这个服务项目")
    if clean["complaint_id"] is not None \
            and get_by_id(ComplaintCase, clean["complaint_id"]) is None:
        errors["complaint_id"] = _("没有这个投诉")
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = _("请填写培训开始时间")
    else:
        if starts_at.tzinfo is None:  # a time on the company's clock
            starts_at = starts_at.replace(tzinfo=checklists.tenant_zone())
        if not in_date_range(starts_at):
            errors["starts_at"] = _("开始时间超出范围")
        clean["starts_at"] = starts_at.astimezone(UTC)  # SQLite keeps no zone
    duration = _as_int(values.get("duration_minutes") or 120)
    if duration is None or not 15 <= duration <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("时长应在 15 到 1440 分钟之间")
    clean["duration_minutes"] = duration
    notes = (values.get("notes") or "").strip()
    if len(notes) > 2000:
        errors["notes"] = _("备注不能超过 2000 个字")
    clean["notes"] = notes
    if errors:
        raise TrainingError(errors)
    return {name: clean[name] for name in EDITABLE_FIELDS}


def _snapshot(session: TrainingSession) -> dict:
    values = {name: getattr(session, name) for name in EDITABLE_FIELDS}
    values["starts_at"] = aware(session.starts_at).isoformat()
    return values


def plan_training(actor=None, **values) -> TrainingSession:
    """安排培训: a ``planned`` session (fields: see ``EDITABLE_FIELDS``)."""
    clean = _clean(values, actor)
    session = TrainingSession(status="planned", created_by_account_id=getattr(actor, "id", None),
                              **clean)
    db.session.add(session)
    db.session.flush()
    record_audit("training.plan", "training_session", session.id, after=_snapshot(session))
    return session


def _require_status(session: TrainingSession, *statuses: str) -> None:
    if session.status not in statuses:
        raise TrainingError({"status": _("该培训%(status)s，不能这样修改",
                                         status=status_label(session.status))})


def edit_training(session: TrainingSession, actor=None, **values) -> TrainingSession:
    """Change a planned session; the fields not given keep their values."""
    _require_status(session, "planned")
    merged = {**_snapshot(session), "starts_at": aware(session.starts_at), **values}
    clean = _clean(merged, actor)
    roster = _roster_people(session)
    # The list must still fit the session's kind and stores.
    probe = SimpleNamespace(kind=clean["kind"], store_id=clean["store_id"],
                            partner_store_id=clean["partner_store_id"])
    misfits = [e.name for e, role in roster if _attendee_problem(probe, e, role)]
    if misfits:
        field = "kind" if clean["kind"] != session.kind else "store_id"
        raise TrainingError({field: _("名单中的 %(names)s 不符合修改后的培训，请先移出",
                                      names="、".join(misfits))})
    before = _snapshot(session)
    for name, value in clean.items():
        setattr(session, name, value)
    db.session.flush()
    after = _snapshot(session)
    record_audit("training.edit", "training_session", session.id,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v})
    return session


def cancel_training(session: TrainingSession, actor=None, reason: str = "") -> TrainingSession:
    """Cancel a planned session (kept with status ``cancelled``)."""
    _require_status(session, "planned")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise TrainingError({"reason": _("取消原因不能超过 500 个字")})
    session.status = "cancelled"
    if reason:
        session.notes = (session.notes + "\n" if session.notes else "") + _(
            "取消原因：%(reason)s", reason=reason)
    db.session.flush()
    record_audit("training.cancel", "training_session", session.id,
                 before={"status": "planned"}, after={"status": "cancelled", "reason": reason})
    return session


# --------------------------------------------------------------------------- the list


def _roster_people(session: TrainingSession) -> list[tuple[Employee, str]]:
    if session.id is None:
        return []
    return [(e, role) for e, role in db.session.execute(
        select(Employee, Position.role)
        .join(TrainingAttendance, TrainingAttendance.employee_id == Employee.id)
        .outerjoin(Position, Position.id == Employee.position_id)
        .where(TrainingAttendance.session_id == session.id))]


def roster(session: TrainingSession) -> list[TrainingAttendance]:
    """The session's list with each person loaded, by store and number."""
    from sqlalchemy.orm import contains_eager

    return list(db.session.scalars(
        select(TrainingAttendance)
        .join(Employee, Employee.id == TrainingAttendance.employee_id)
        .options(contains_eager(TrainingAttendance.employee))
        .where(TrainingAttendance.session_id == session.id)
        .order_by(Employee.store_id, Employee.employee_no)))


def _attendee_problem(session, employee: Employee, role: str | None
                      ) -> str | None:
    """Why ``employee`` may not be on the session's list, or None."""
    if role != "therapist":
        return _("%(name)s 不是技师", name=employee.name)
    if session.kind == "pre_job":
        if employee.status not in PRE_JOB_STATUSES:
            return _("%(name)s 不在入职或试用期，无需岗前培训", name=employee.name)
    elif employee.status not in EMPLOYED_STATUSES:
        return _("%(name)s 不在职", name=employee.name)
    stores = {session.store_id, session.partner_store_id} - {None}
    if stores and employee.store_id not in stores:
        return _("%(name)s 不属于本次培训的门店", name=employee.name)
    return None


def eligible_people(session: TrainingSession) -> list[Employee]:
    """Therapists who may still be added to the session's list (not on it yet)."""
    query = (select(Employee, Position.role)
             .join(Position, Position.id == Employee.position_id)
             .where(Position.role == "therapist",
                    Employee.status.in_(PRE_JOB_STATUSES if session.kind == "pre_job"
                                        else EMPLOYED_STATUSES),
                    Employee.id.not_in(select(TrainingAttendance.employee_id).where(
                        TrainingAttendance.session_id == session.id)))
             .order_by(Employee.store_id, Employee.employee_no))
    stores = {session.store_id, session.partner_store_id} - {None}
    if stores:
        query = query.where(Employee.store_id.in_(stores))
    return [e for e, role in db.session.execute(query)
            if _attendee_problem(session, e, role) is None]


def add_attendees(session: TrainingSession, employee_ids: list[int], actor=None
                  ) -> list[TrainingAttendance]:
    """Put people on a planned session's list (those already on it are left as they are)."""
    _require_status(session, "planned")
    wanted = []
    for value in employee_ids or []:
        number = _as_int(value)
        if number is not None and number not in wanted:
            wanted.append(number)
    if not wanted:
        raise TrainingError({"employee_ids": _("请选择参加培训的人")})
    people = {e.id: (e, role) for e, role in db.session.execute(
        select(Employee, Position.role).outerjoin(Position, Position.id == Employee.position_id)
        .where(Employee.id.in_(wanted)))}
    problems = []
    for employee_id in wanted:
        if employee_id not in people:
            problems.append(_("没有这个员工（%(id)s）", id=employee_id))
        else:
            problem = _attendee_problem(session, *people[employee_id])
            if problem:
                problems.append(problem)
    if problems:
        raise TrainingError({"employee_ids": "；".join(problems)})
    listed = set(db.session.scalars(select(TrainingAttendance.employee_id).where(
        TrainingAttendance.session_id == session.id)))
    added = [TrainingAttendance(session_id=session.id, employee_id=employee_id)
             for employee_id in wanted if employee_id not in listed]
    db.session.add_all(added)
    db.session.flush()
    if added:
        record_audit("training.attendees_add", "training_session", session.id,
                     after={"employee_ids": [a.employee_id for a in added]})
    return added


def attendance_of(session: TrainingSession, employee_id) -> TrainingAttendance | None:
    return db.session.scalar(select(TrainingAttendance).where(
        TrainingAttendance.session_id == session.id,
        TrainingAttendance.employee_id == _as_int(employee_id)))


def remove_attendee(session: TrainingSession, employee_id: int, actor=None) -> None:
    """Take someone off a planned session's list."""
    _require_status(session, "planned")
    row = attendance_of(session, employee_id)
    if row is None:
        raise TrainingError({"employee_id": _("此人不在本次培训名单中")})
    db.session.delete(row)
    db.session.flush()
    record_audit("training.attendee_remove", "training_session", session.id,
                 before={"employee_id": row.employee_id})


# --------------------------------------------------------------------------- attendance


@dataclass
class AttendanceResult:
    session: TrainingSession
    # People whose open 岗前培训 item this step ticked, and those it could not tick.
    ticked: list[Employee]
    not_ticked: list[Employee]


def _flag(value, field: str, errors: dict, who: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    errors.setdefault(field, _("%(name)s：请选择是或否", name=who))
    return None


def record_attendance(session: TrainingSession, entries: list[dict], actor=None
                      ) -> AttendanceResult:
    """Record who came (``attended``) and, for a pre-job training, who passed.

    ``entries``: ``{employee_id, attended, passed, note}`` for people on the
    list.  Checked all together first: one bad entry changes nothing.
    """
    _require_status(session, "planned", "held")
    errors: dict[str, str] = {}
    rows = {row.employee_id: row for row in roster(session)}
    plan = []
    for entry in entries or []:
        row = rows.get(_as_int(entry.get("employee_id")))
        if row is None:
            errors.setdefault("employee_id", _("名单中没有这个人，请先把他加入名单"))
            continue
        who = row.employee.name
        attended = _flag(entry.get("attended"), "attended", errors, who)
        passed = _flag(entry.get("passed"), "passed", errors, who)
        if attended is None and "attended" not in errors:
            errors["attended"] = _("%(name)s：请记录是否出勤", name=who)
        if passed is not None and session.kind != "pre_job":
            errors.setdefault("passed", _("只有岗前培训记录考核结果"))
        if passed and attended is False:
            errors.setdefault("passed", _("%(name)s 缺席，不能记为考核合格", name=who))
        note = (entry.get("note") or "").strip()
        if len(note) > 255:
            errors.setdefault("note", _("备注不能超过 255 个字"))
        plan.append((row, attended, passed, note))
    if not plan and not errors:
        errors["attendance"] = _("请至少记录一人的出勤")
    if errors:
        raise TrainingError(errors)
    newly_passed = []
    recorded = []
    for row, attended, passed, note in plan:
        if passed and row.passed is not True:
            newly_passed.append(row)
        row.attended, row.passed = attended, passed
        row.note = note or row.note
        row.recorded_by_account_id = getattr(actor, "id", None)
        recorded.append({"employee_id": row.employee_id, "attended": attended,
                         "passed": passed})
    db.session.flush()
    record_audit("training.attendance", "training_session", session.id,
                 after={"entries": recorded})
    result = AttendanceResult(session, [], [])
    if session.status == "held":
        _tick_pre_job_items(session, newly_passed, actor, result)
    return result


def mark_held(session: TrainingSession, actor=None, now: datetime | None = None
              ) -> AttendanceResult:
    """培训已举行: every listed person's attendance is recorded and the session has begun."""
    _require_status(session, "planned")
    rows = roster(session)
    if not rows:
        raise TrainingError({"attendance": _("培训名单为空，不能标记为已举行")})
    missing = [row.employee.name for row in rows if row.attended is None]
    if missing:
        raise TrainingError({"attendance": _("还有 %(n)s 人未记录出勤：%(names)s",
                                             n=len(missing), names="、".join(missing))})
    if aware(session.starts_at) > (now or utcnow()):
        raise TrainingError({"starts_at": _("培训还没开始，不能标记为已举行")})
    session.status = "held"
    db.session.flush()
    record_audit("training.held", "training_session", session.id,
                 before={"status": "planned"},
                 after={"status": "held", "attended": sum(1 for r in rows if r.attended)})
    result = AttendanceResult(session, [], [])
    _tick_pre_job_items(session, [r for r in rows if r.passed], actor, result)
    return result


def _tick_pre_job_items(session: TrainingSession, passed: list[TrainingAttendance], actor,
                        result: AttendanceResult) -> None:
    """Tick the open 岗前培训 item of each person who passed this held pre-job training."""
    if session.kind != "pre_job" or not passed:
        return
    ids = [row.employee_id for row in passed]
    open_items = db.session.execute(
        select(ChecklistItem, Employee)
        .join(Onboarding, Onboarding.id == ChecklistItem.onboarding_id)
        .join(Employee, Employee.id == ChecklistItem.employee_id)
        .where(Onboarding.status == "open", ChecklistItem.employee_id.in_(ids),
               ChecklistItem.title == PRE_JOB_ITEM_TITLE,
               ChecklistItem.owner_department == "technical",
               ChecklistItem.done_at.is_(None))
        .order_by(ChecklistItem.id)).all()
    when = aware(session.starts_at).astimezone(checklists.tenant_zone()).strftime("%Y-%m-%d")
    note = _("岗前培训“%(topic)s”（%(date)s）考核合格", topic=session.topic, date=when)
    for item, employee in open_items:
        if not checklists.may_tick(actor, item, employee.store_id):
            result.not_ticked.append(employee)
            continue
        onboarding.tick_item(item, actor, note=note)
        result.ticked.append(employee)


# --------------------------------------------------------------------------- onboarding tie


def has_passed_pre_job(employee_id: int) -> bool:
    """A pre-job training passed (the cross-helper definition)."""
    return db.session.scalar(
        select(TrainingAttendance.id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(TrainingAttendance.employee_id == employee_id,
               TrainingAttendance.passed.is_(True),
               TrainingSession.kind == "pre_job", TrainingSession.status == "held")
        .limit(1)) is not None


def review_guard(employee: Employee) -> str | None:
    """hr's 入职技师审核 asks this before a "pass" (registered in the blueprint)."""
    if has_passed_pre_job(employee.id):
        return None
    return _("%(name)s 尚未通过岗前培训：请先在“培训”中安排岗前培训并记录考核合格，"
             "再通过入职技师审核", name=employee.name)


def waiting_for_pre_job(scope: set[int] | None = None) -> list[tuple[Employee, ChecklistItem]]:
    """New therapists whose onboarding is open with its 岗前培训 item still open."""
    query = (select(Employee, ChecklistItem)
             .join(ChecklistItem, ChecklistItem.employee_id == Employee.id)
             .join(Onboarding, Onboarding.id == ChecklistItem.onboarding_id)
             .where(Onboarding.status == "open", ChecklistItem.title == PRE_JOB_ITEM_TITLE,
                    ChecklistItem.owner_department == "technical",
                    ChecklistItem.done_at.is_(None))
             .order_by(ChecklistItem.due_on, Employee.employee_no))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return [(e, i) for e, i in db.session.execute(query)]


def planned_pre_job_of(employee_ids: list[int]) -> dict[int, TrainingSession]:
    """Each person's next planned pre-job session they are listed on."""
    if not employee_ids:
        return {}
    found: dict[int, TrainingSession] = {}
    for employee_id, session in db.session.execute(
            select(TrainingAttendance.employee_id, TrainingSession)
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .where(TrainingAttendance.employee_id.in_(employee_ids),
                   TrainingSession.kind == "pre_job", TrainingSession.status == "planned")
            .order_by(TrainingSession.starts_at)):
        found.setdefault(employee_id, session)
    return found


# --------------------------------------------------------------------------- lists


@dataclass
class TrainingFilters:
    store_id: int | None = None
    kind: str | None = None
    month: date | None = None  # the first day of a month
    status: str | None = None


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=checklists.tenant_zone()).astimezone(
        UTC)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def training_query(filters: TrainingFilters | None = None, scope: set[int] | None = None):
    """Sessions the scope may see (a store-level supervisor: their stores' sessions)."""
    filters = filters or TrainingFilters()
    query = select(TrainingSession)
    if scope is not None:
        query = query.where(TrainingSession.store_id.in_(scope or [-1]))
    if filters.store_id is not None:
        query = query.where(TrainingSession.store_id == filters.store_id)
    if filters.kind in TRAINING_KINDS:
        query = query.where(TrainingSession.kind == filters.kind)
    if filters.status in TRAINING_STATUSES:
        query = query.where(TrainingSession.status == filters.status)
    if filters.month is not None:
        query = query.where(
            TrainingSession.starts_at >= _local_day_start(filters.month),
            TrainingSession.starts_at < _local_day_start(_next_month(filters.month)))
    return query


def list_trainings(filters: TrainingFilters, scope: set[int] | None
                   ) -> tuple[list[TrainingSession], list[TrainingSession]]:
    """(planned ones, soonest first; held or cancelled ones, newest first)."""
    planned = training_query(TrainingFilters(filters.store_id, filters.kind, filters.month,
                                             "planned"), scope)
    past = training_query(filters, scope).where(TrainingSession.status != "planned")
    return (list(db.session.scalars(planned.order_by(TrainingSession.starts_at))),
            list(db.session.scalars(past.order_by(TrainingSession.starts_at.desc()))))


def roster_counts(session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """session id -> (people listed, people who attended), in one query."""
    if not session_ids:
        return {}
    return {sid: (listed, came or 0) for sid, listed, came in db.session.execute(
        select(TrainingAttendance.session_id, func.count(),
               func.sum(case((TrainingAttendance.attended.is_(True), 1), else_=0)))
        .where(TrainingAttendance.session_id.in_(session_ids))
        .group_by(TrainingAttendance.session_id))}


def attended_trainings(employee_id: int, start: date | None = None, end: date | None = None
                       ) -> list[TrainingSession]:
    """The held sessions the person attended, newest first; ``start``/``end`` are
    the company's calendar days (inclusive)."""
    query = (select(TrainingSession)
             .join(TrainingAttendance, and_(TrainingAttendance.session_id == TrainingSession.id,
                                            TrainingAttendance.employee_id == employee_id))
             .where(TrainingSession.status == "held", TrainingAttendance.attended.is_(True))
             .order_by(TrainingSession.starts_at.desc()))
    if start is not None:
        query = query.where(TrainingSession.starts_at >= _local_day_start(start))
    if end is not None:
        query = query.where(TrainingSession.starts_at
                            < _local_day_start(end + timedelta(days=1)))
    return list(db.session.scalars(query))
