"""The rotation board (轮牌) on the database: read and written back under the day's lock.

Every change takes the day's row lock first (``lock_today`` / ``_lock_day``),
re-reads the board in two queries, applies one rule of
:mod:`app.blueprints.store.rotation`, writes the rows that moved back as one
executemany, adds a :class:`DispatchLog` row and bumps
``BusinessDay.board_version`` (``_write_board``).  The verbs on the board alone
live here: 上牌 ``clock_in``, 下牌 ``clock_out`` and the manual moves ``move``;
the verbs on jobs are in :mod:`app.blueprints.store.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.state import InstanceState

from app.audit import record_audit
from app.blueprints.hr.models.time import ScheduleEntry
from app.blueprints.store import rotation, rotation_moves
from app.blueprints.store.days import ensure_open, get_business_day, lock_today
from app.blueprints.store.models import (
    BoardEntry,
    BoardSuspension,
    BusinessDay,
    DispatchLog,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.store.order_lines import GENDER_WISHES
from app.blueprints.store.rotation import Place
from app.extensions import db
from app.models import Employee, Position
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.validation import InputError

GENDER_CHOICES = GENDER_WISHES
DISPATCHABLE_ORDER_STATUSES = ("waiting", "in_service")

# DispatchLog.action -> label (log page, API)
LOG_ACTIONS = {
    "clock_in": _l("上牌"),
    "clock_out": _l("下牌"),
    "assign_rotation": _l("轮钟"),
    "assign_requested": _l("点钟"),
    "finish": _l("下钟"),
    "return": _l("退钟"),
    "add_on": _l("加钟"),
    "cancel_addon": _l("取消未开始的加钟"),
    **rotation_moves.MOVE_LABELS,
}


class DispatchError(InputError):
    """Bad input for a dispatch verb; ``fields`` names the field, nothing changed."""


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _health_ok(employee: Employee, today: date) -> bool:
    """健康证: valid through its expiry date on the store's business date; no expiry on
    file counts as valid (Employee.health_cert_valid_on).  The date comes with the
    therapist row the board already loads: no extra query."""
    return employee.health_cert_valid_on(today)


@dataclass
class _Board:
    day: BusinessDay
    entries: dict[int, BoardEntry]  # therapist id -> entry
    queue: list[Place]
    employees: dict[int, Employee]


def _load_board(day: BusinessDay) -> _Board:
    """The day's board as a rotation queue, in two queries whatever its size: the
    entries with their therapists and the type of their current job, then the
    therapists' qualifications."""
    rows = db.session.execute(
        select(BoardEntry, Employee, ServiceJob.job_type)
        .join(Employee, Employee.id == BoardEntry.therapist_id)
        .outerjoin(ServiceJob, ServiceJob.id == BoardEntry.current_job_id)
        .where(BoardEntry.business_day_id == day.id)
        .order_by(BoardEntry.position, BoardEntry.id)
        .execution_options(populate_existing=True)).all()
    entries = [entry for entry, _, _ in rows]
    employees = {employee.id: employee for _, employee, _ in rows}
    job_types = {entry.therapist_id: job_type for entry, _, job_type in rows}
    therapist_ids = [e.therapist_id for e in entries]
    qualified: dict[int, set[int]] = {tid: set() for tid in therapist_ids}
    if entries:
        for employee_id, item_id in db.session.execute(
                select(TherapistQualification.employee_id, TherapistQualification.service_item_id)
                .where(TherapistQualification.employee_id.in_(therapist_ids))):
            qualified[employee_id].add(item_id)
    today = day.business_date
    queue = []
    for entry in entries:
        employee = employees[entry.therapist_id]
        queue.append(Place(
            therapist_id=entry.therapist_id, position=entry.position, status=entry.status,
            suspended=entry.suspended, held_for=entry.held_for,
            keeps_place=entry.status == rotation.BUSY
            and job_types[entry.therapist_id] == rotation.REQUESTED,
            gender=employee.gender, qualified=frozenset(qualified[entry.therapist_id]),
            health_ok=_health_ok(employee, today), number=employee.employee_no))
    return _Board(day, {e.therapist_id: e for e in entries}, rotation.in_order(queue), employees)


# The board columns a change may touch.  Every entry that changes gets all of them
# in its UPDATE, so the ORM sends the rows that moved as one executemany.
_ENTRY_COLUMNS = ("position", "status", "suspended", "held_for", "current_job_id")


def _same_update_for_changed_entries(entries) -> None:
    for entry in entries:
        state = sa_inspect(entry)
        if not state.persistent:
            continue
        if any(state.attrs[column].history.has_changes() for column in _ENTRY_COLUMNS):
            for column in _ENTRY_COLUMNS:
                flag_modified(entry, column)


def _actor_fields(actor) -> tuple[int | None, str]:
    """The actor's id and name for the log.  An account expired by an earlier commit
    is reloaded for just these columns (one query, not the account's store links)."""
    state = sa_inspect(actor, raiseerr=False) if actor is not None else None
    if isinstance(state, InstanceState) and state.persistent and state.session is db.session():
        stale = [key for key in ("id", "display_name", "username")
                 if key in state.unloaded and key in state.mapper.attrs]
        if stale:
            with db.session.no_autoflush:  # the board's writes go out in one flush
                db.session.refresh(actor, attribute_names=stale)
    return (getattr(actor, "id", None),
            (getattr(actor, "display_name", "") or getattr(actor, "username", "")
             or "system")[:64])


def _write_board(board: _Board, after: list[Place], *, action: str, actor, rule: str,
                 therapist_id: int | None = None, job: ServiceJob | None = None,
                 order_id: int | None = None, reason: str = "",
                 minutes_short: int | None = None, passed_over=(),
                 before: list[Place] | None = None, flush: bool = True) -> DispatchLog:
    """Store the new queue, log the change and bump the board version (on the day
    row already locked).  ``flush=False`` leaves the writes to the next flush, so
    two changes of one request go out together."""
    after = rotation.in_order(after)
    for place in after:
        entry = board.entries[place.therapist_id]
        entry.position = place.position
        entry.status = place.status
        entry.suspended = place.suspended
        entry.held_for = place.held_for
    _same_update_for_changed_entries(board.entries.values())
    board.day.board_version += 1
    actor_id, actor_name = _actor_fields(actor)
    log = DispatchLog(
        business_day_id=board.day.id, store_id=board.day.store_id, at=utcnow(),
        actor_account_id=actor_id, actor_name=actor_name,
        action=action, rule=rule[:255], therapist_id=therapist_id,
        job_id=job.id if job is not None else None,
        order_id=order_id if order_id is not None else (job.order_id if job else None),
        reason=(reason or "")[:255], minutes_short=minutes_short,
        queue_before=rotation.snapshot(before if before is not None else board.queue),
        queue_after=rotation.snapshot(after),
        passed_over=[{"therapist_id": p.therapist_id, "reason": p.reason} for p in passed_over],
    )
    db.session.add(log)
    if flush:
        db.session.flush()
    board.queue = after
    return log


def _lock_day(business_day_id: int) -> BusinessDay:
    """Lock a given day's row (the day a job or board entry belongs to)."""
    day = db.session.scalar(
        select(BusinessDay).where(BusinessDay.id == business_day_id).with_for_update()
        .execution_options(populate_existing=True))
    ensure_open(day)
    return day


def _pk(obj) -> int:
    """An object's id without loading it (an object expired by a commit keeps its key)."""
    identity = sa_inspect(obj).identity
    return identity[0] if identity else obj.id


def _store_therapist(store_id: int, therapist_id) -> Employee:
    """An on-staff therapist of this store, else a field error."""
    try:
        therapist_id = int(therapist_id)
    except (TypeError, ValueError):
        raise DispatchError.on("therapist_id", _l("请选择技师")) from None
    employee = db.session.scalar(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Employee.id == therapist_id, Employee.store_id == store_id,
               Position.role == "therapist", Employee.status.in_(ON_STAFF_STATUSES)))
    if employee is None:
        raise DispatchError.on("therapist_id", _l("不是本店在职技师"))
    return employee


def _day_has_started(day: BusinessDay) -> bool:
    """Whether anything but clock-ins happened on the board today."""
    return db.session.scalar(
        select(func.count(DispatchLog.id))
        .where(DispatchLog.business_day_id == day.id, DispatchLog.action != "clock_in")) > 0


def _yesterdays_order(day: BusinessDay) -> list[int] | None:
    yesterday = get_business_day(day.store_id, day.business_date - timedelta(days=1),
                                 create=False)
    if yesterday is None:
        return None
    return list(db.session.scalars(
        select(BoardEntry.therapist_id).where(BoardEntry.business_day_id == yesterday.id)
        .order_by(BoardEntry.position, BoardEntry.id)))


def suspension_of(store_id: int, therapist_id: int) -> BoardSuspension | None:
    """The therapist's 停牌 at the store, if any (it outlives a clock-out and the day)."""
    return db.session.scalar(select(BoardSuspension).where(
        BoardSuspension.store_id == store_id, BoardSuspension.therapist_id == therapist_id))


def _keep_suspension(entry: BoardEntry, action: str, reason: str, actor) -> None:
    """停牌 is stored per store and therapist; 复牌 deletes it."""
    current = suspension_of(entry.store_id, entry.therapist_id)
    if action == "suspend" and current is None:
        db.session.add(BoardSuspension(
            store_id=entry.store_id, therapist_id=entry.therapist_id,
            reason=reason.strip()[:255], suspended_at=utcnow(),
            suspended_by_account_id=_actor_fields(actor)[0]))
    elif action == "resume" and current is not None:
        db.session.delete(current)


def _off_schedule(store_id: int, employee_id: int, on: date) -> bool:
    """A rest day for the board: the store plans ``on`` (some schedule entry of the
    store that day, draft or published) and the therapist has no shift in it here
    (排休, nothing, or a shift at another store).  A store that keeps no schedule
    for the day is not asked."""
    mine = db.session.execute(
        select(ScheduleEntry.is_rest, ScheduleEntry.store_id)
        .where(ScheduleEntry.employee_id == employee_id, ScheduleEntry.work_date == on)).first()
    if mine is not None:
        return mine.is_rest or mine.store_id != store_id
    return db.session.scalar(
        select(ScheduleEntry.id)
        .where(ScheduleEntry.store_id == store_id, ScheduleEntry.work_date == on)
        .limit(1)) is not None


def _check_may_clock_in(employee: Employee, day: BusinessDay, first_time_today: bool,
                        confirm_rest_day: bool) -> bool:
    """上牌 checks: an expired 健康证 is refused (no override); a rest day asks for
    ``confirm_rest_day`` (only at the day's first clock-in: back from a break is
    the same day's decision).  Returns whether it is a confirmed rest day."""
    if not _health_ok(employee, day.business_date):
        raise DispatchError.on("therapist_id", _l(
            "%(no)s 号技师的健康证已于 %(date)s 过期：不能上牌，请先更新健康证",
            no=employee.employee_no, date=employee.health_cert_expires_on.isoformat()))
    if not first_time_today or not _off_schedule(day.store_id, employee.id, day.business_date):
        return False
    if not confirm_rest_day:
        raise DispatchError.on("confirm_rest_day", _l(
            "%(no)s 号技师今天是休息日（排班里没有班次）：确认让其上牌吗？",
            no=employee.employee_no))
    return True


def clock_in(store_id: int, therapist_id, actor, *, confirm_rest_day: bool = False
             ) -> BoardEntry:
    """上牌: the therapist joins today's board at the tail (or, with the store's
    "yesterday" start rule and before the day's first dispatch, in yesterday's
    closing order).  Refused with an expired 健康证; on a rest day only with
    ``confirm_rest_day``."""
    employee = _store_therapist(store_id, therapist_id)
    day = lock_today(store_id)
    board = _load_board(day)
    rest_day = _check_may_clock_in(employee, day, employee.id not in board.entries,
                                   confirm_rest_day)
    yesterday = None
    if day.board_start_rule == "yesterday" and not _day_has_started(day):
        yesterday = _yesterdays_order(day)
    newcomer = Place(therapist_id=employee.id, gender=employee.gender, number=employee.employee_no,
                     suspended=suspension_of(store_id, employee.id) is not None)
    after = rotation.clock_in(board.queue, newcomer, yesterday_order=yesterday)
    entry = board.entries.get(employee.id)
    if entry is None:
        entry = BoardEntry(business_day_id=day.id, store_id=store_id, therapist_id=employee.id,
                           position=len(after), status="waiting", clocked_in_at=utcnow())
        db.session.add(entry)
        board.entries[employee.id] = entry
        board.employees[employee.id] = employee
    else:
        entry.clocked_in_at = utcnow()
    rule = ("开工按昨日收牌顺序排位" if yesterday is not None else "上牌排在队尾（按上牌顺序）")
    if newcomer.suspended:
        rule += "；停牌中，复牌前不派钟"
    if rest_day:
        rule += "；休息日上牌（已确认）"
    _write_board(board, after, action="clock_in", actor=actor, rule=rule,
                 therapist_id=employee.id)
    return entry


def clock_out(store_id: int, therapist_id, actor) -> BoardEntry:
    """下牌: the therapist goes on a break or off duty (``away``, no turn)."""
    employee = _store_therapist(store_id, therapist_id)
    day = lock_today(store_id)
    board = _load_board(day)
    if employee.id not in board.entries:
        raise DispatchError.on("therapist_id", _l("该技师今天没有上牌"))
    after = rotation.clock_out(board.queue, employee.id)
    _write_board(board, after, action="clock_out", actor=actor,
                 rule="下牌（休息/下班），不参与轮钟", therapist_id=employee.id)
    return board.entries[employee.id]


def move(entry: BoardEntry, action: str, reason: str, actor) -> BoardEntry:
    """Manual moves with a reason: 置尾 to_tail, 奖头 to_head, 停牌 suspend /
    复牌 resume, 留牌 hold (the reason names the expected guest) / release."""
    if action not in rotation_moves.MOVE_ACTIONS:
        raise DispatchError.on("action", _l("无效的操作"))
    day = _lock_day(entry.business_day_id)
    board = _load_board(day)
    entry = board.entries[entry.therapist_id]
    after = rotation_moves.apply_move(board.queue, entry.therapist_id, action, reason)
    if action in ("suspend", "resume"):
        _keep_suspension(entry, action, reason, actor)
    label = str(rotation_moves.MOVE_LABELS[action])
    _write_board(board, after, action=action, actor=actor, rule=f"人工调整：{label}",
                 therapist_id=entry.therapist_id, reason=reason.strip())
    record_audit("board.move", "board_entry", entry.id,
                 after={"action": action, "reason": reason.strip()[:255],
                        "therapist_id": entry.therapist_id}, actor=actor)
    return entry
