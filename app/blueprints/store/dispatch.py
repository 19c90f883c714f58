"""派钟 on the database: the rotation board (轮牌) of a store's business day.

Every change takes the day's row lock first (``lock_today`` / ``_lock_day``:
SELECT … FOR UPDATE in PostgreSQL), re-reads the board, applies one rule of
:mod:`app.blueprints.store.rotation`, writes the board back, adds a
:class:`DispatchLog` row (who, when, rule, therapist, job, queue before/after,
passed-over reasons) and bumps ``BusinessDay.board_version``.  Two dispatchers
acting at once therefore queue up behind the lock: one therapist never gets two
jobs and the places stay 1..n.  Plain functions: they add and flush, never commit.

Each desk verb keeps to the front desk's SQL budget (at most 15 statements with
its commit, the same for any size of store or history; see
tests/store/test_dispatch_budget.py): the day lock comes first, the job or line
is re-read with what the verb needs in one query, the board in two, and the
rows of the board that moved go out as one executemany.

Interface for the other desk engineers: clock_in, clock_out, assign_rotation,
assign_requested, finish_job, return_job, add_on, move, board_snapshot,
day_log, addon_confirmations, confirm_addon.

Rules chosen where specs/dispatch.md is silent (besides those in rotation.py):
* A therapist is dispatched to a guest in a room: an order still in the
  waiting area (no room) gets its therapist once seated.
* 加钟 runs after the job it extends (from its planned end, or now if that has
  passed); the therapist is busy until the last planned end of the chain, and
  one 下钟 (finish) ends the job and its add-ons together.  An add-on needs a
  therapist qualified for the item; a job with an add-on cannot be returned.
* 退钟 needs the guest's reason (it counts in the therapist's assessment); the
  replacement is a rotation job (optionally of a gender).
* A job is finished on the board of the day it started (a job running past the
  business day's start stays on yesterday's board).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.state import InstanceState

from app.audit import record_audit
from app.blueprints.store import orders, rotation
from app.blueprints.store.days import ensure_open, get_business_day, lock_today, today_for_store
from app.blueprints.store.models import (
    BoardEntry,
    BusinessDay,
    DispatchLog,
    Order,
    OrderLine,
    ServiceItem,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.store.policy import store_policy
from app.blueprints.store.rotation import Place
from app.extensions import db
from app.models import Employee, Position, Room
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.validation import InputError

GENDER_CHOICES = ("female", "male")
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
    **rotation.MOVE_LABELS,
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


# -- loading and saving the board ------------------------------------------------

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
                 passed_over=(), before: list[Place] | None = None,
                 flush: bool = True) -> DispatchLog:
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
        reason=(reason or "")[:255],
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


def _lock_day_of_job(job: ServiceJob) -> BusinessDay:
    """Lock the day a job belongs to, as the first statement: the day is found from
    the job's id in the same query, so an expired job needs no load first."""
    day = db.session.scalar(
        select(BusinessDay)
        .where(BusinessDay.id == select(ServiceJob.business_day_id)
               .where(ServiceJob.id == _pk(job)).scalar_subquery())
        .with_for_update().execution_options(populate_existing=True))
    if day is None:
        return _lock_day(job.business_day_id)
    ensure_open(day)
    return day


@dataclass
class _JobChain:
    """A job as it is under the day's lock, with what the verbs read of it."""

    job: ServiceJob
    running: list[ServiceJob]  # the therapist's running jobs of the order (job + add-ons)
    order: Order
    line: OrderLine


def _job_chain(job: ServiceJob) -> _JobChain:
    """Re-read a job under the lock in one query: the job itself, the therapist's
    other running jobs of its order (its add-ons), the order, the job's line and
    item, and the order's room (which 下钟 may send to cleaning)."""
    this = aliased(ServiceJob)
    job_id = _pk(job)
    rows = db.session.execute(
        select(ServiceJob, Order, OrderLine, ServiceItem, Room)
        .join(this, and_(this.id == job_id, this.order_id == ServiceJob.order_id,
                         this.therapist_id == ServiceJob.therapist_id))
        .join(Order, Order.id == ServiceJob.order_id)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .outerjoin(ServiceItem, ServiceItem.id == OrderLine.service_item_id)
        .outerjoin(Room, Room.id == Order.room_id)
        .where(or_(ServiceJob.id == job_id, ServiceJob.status == "in_service"))
        .order_by(ServiceJob.started_at, ServiceJob.id)
        .execution_options(populate_existing=True)).all()
    mine = next((row for row in rows if row[0].id == job_id), None)
    if mine is None:  # not of this tenant: load it as before (and fail the same way)
        db.session.refresh(job)
        raise DispatchError.on("service_job_id", _l("该钟已经结束"))
    return _JobChain(job=mine[0], running=[row[0] for row in rows if row[0].status == "in_service"],
                     order=mine[1], line=mine[2])


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


# -- clock-in / out ----------------------------------------------------------------

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


def clock_in(store_id: int, therapist_id, actor) -> BoardEntry:
    """上牌: the therapist joins today's board at the tail (or, with the store's
    "yesterday" start rule and before the day's first dispatch, in yesterday's
    closing order)."""
    employee = _store_therapist(store_id, therapist_id)
    day = lock_today(store_id)
    board = _load_board(day)
    yesterday = None
    if day.board_start_rule == "yesterday" and not _day_has_started(day):
        yesterday = _yesterdays_order(day)
    newcomer = Place(therapist_id=employee.id, gender=employee.gender, number=employee.employee_no)
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


# -- dispatch -----------------------------------------------------------------------

def _dispatchable(line: OrderLine, *, fresh: bool = False) -> tuple[Order, ServiceItem]:
    """The line may get a therapist now: checked once before the lock and again,
    ``fresh`` from the database, under it.  One query reads the line, its order,
    its item and whether a therapist already has it."""
    taken = (select(ServiceJob.id)
             .where(ServiceJob.order_line_id == OrderLine.id,
                    ServiceJob.status.in_(("in_service", "finished")))
             .exists())
    row = db.session.execute(
        select(OrderLine, Order, ServiceItem, taken.label("taken"))
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(ServiceItem, ServiceItem.id == OrderLine.service_item_id)
        .where(OrderLine.id == _pk(line))
        .execution_options(populate_existing=fresh)).one_or_none()
    if row is None:  # not of this tenant: load it as before (and fail the same way)
        db.session.refresh(line)
        raise DispatchError.on("line_id", _l("该项目已取消"))
    line, order, item, taken = row
    if line.kind != "service" or line.service_item_id is None:
        raise DispatchError.on("line_id", _l("只有服务项目需要派钟"))
    if line.status != "active":
        raise DispatchError.on("line_id", _l("该项目已取消"))
    if line.addon_of_line_id is not None:
        raise DispatchError.on("line_id", _l("加钟项目由原技师完成"))
    if order.status not in DISPATCHABLE_ORDER_STATUSES:
        raise DispatchError.on("line_id", _l("该消费单已结账或已取消"))
    if order.room_id is None:
        raise DispatchError.on("line_id", _l("客人还在等候区：请先安排房间再派钟"))
    if taken:
        raise DispatchError.on("line_id", _l("该项目已经派过钟"))
    return order, item


def _start_job(day: BusinessDay, order: Order, line: OrderLine, item: ServiceItem,
               therapist_id: int, job_type: str, *, start: datetime | None = None,
               parent: ServiceJob | None = None) -> ServiceJob:
    """起钟: a job starts now (an add-on after its parent) and ends after the item's duration."""
    started = start or utcnow()
    job = ServiceJob(store_id=order.store_id, business_day_id=day.id, order_id=order.id,
                     order_line_id=line.id, therapist_id=therapist_id, room_id=order.room_id,
                     job_type=job_type, status="in_service", started_at=started,
                     planned_end_at=started + timedelta(minutes=item.duration_minutes),
                     is_addon=parent is not None,
                     parent_job_id=parent.id if parent is not None else None,
                     addon_token=secrets.token_urlsafe(24) if parent is not None else None)
    db.session.add(job)
    db.session.flush()
    return job


def _clean_gender(gender) -> str | None:
    gender = (gender or "").strip() or None
    if gender is not None and gender not in GENDER_CHOICES:
        raise DispatchError.on("gender", _l("性别只能是女或男"))
    return gender


def assign_rotation(line: OrderLine, actor, gender: str | None = None) -> ServiceJob:
    """轮钟: the first waiting therapist in queue order who is qualified for the
    item (and of ``gender``) gets the line."""
    gender = _clean_gender(gender)
    _dispatchable(line)
    day = lock_today(line.store_id)
    order, item = _dispatchable(line, fresh=True)
    board = _load_board(day)
    pick = rotation.pick_for_rotation(board.queue, item.id, gender)
    job = _start_job(day, order, line, item, pick.therapist_id, rotation.ROTATION)
    board.entries[pick.therapist_id].current_job_id = job.id
    wanted = {"female": "，指定女技师", "male": "，指定男技师"}.get(gender or "", "")
    _write_board(board, pick.queue, action="assign_rotation", actor=actor,
                 rule=f"轮钟：队列中第一位空闲且会做「{item.name}」的技师{wanted}",
                 therapist_id=pick.therapist_id, job=job, passed_over=pick.passed_over)
    return job


def assign_requested(line: OrderLine, therapist_no, actor) -> ServiceJob:
    """点钟: the guest names a therapist by number; they must be waiting.  The
    therapist keeps their place in the queue (点钟不占轮)."""
    number = str(therapist_no or "").strip()
    if not number:
        raise DispatchError.on("therapist_no", _l("请输入技师工号"))
    _dispatchable(line)
    employee = db.session.scalar(
        select(Employee).where(Employee.employee_no == number,
                               Employee.store_id == line.store_id))
    if employee is None:
        raise DispatchError.on("therapist_no", _l("本店没有 %(no)s 号技师", no=number))
    day = lock_today(line.store_id)
    order, item = _dispatchable(line, fresh=True)
    board = _load_board(day)
    pick = rotation.pick_requested(board.queue, employee.id, item.id)
    line.requested_therapist_id = employee.id
    job = _start_job(day, order, line, item, employee.id, rotation.REQUESTED)
    board.entries[employee.id].current_job_id = job.id
    _write_board(board, pick.queue, action="assign_requested", actor=actor,
                 rule="点钟：客人指定技师，点钟不占轮（保留原位）",
                 therapist_id=employee.id, job=job)
    return job


def finish_job(job: ServiceJob, actor) -> ServiceJob:
    """下钟: the job (with its add-ons) ends; a rotation therapist goes to the tail,
    a requested one stays; the order goes to the cashier when nothing runs."""
    day = _lock_day_of_job(job)
    chain = _job_chain(job)
    job = chain.job
    if job.status != "in_service":
        raise DispatchError.on("service_job_id", _l("该钟已经结束"))
    now = utcnow()
    for running in chain.running:
        running.status, running.ended_at = "finished", now
    board = _load_board(day)
    place = next((p for p in board.queue if p.therapist_id == job.therapist_id), None)
    if place is not None and place.status == rotation.BUSY:
        board.entries[job.therapist_id].current_job_id = None
        after = rotation.end_job(board.queue, job.therapist_id, job.job_type)
        rule = ("下钟：点钟不占轮，留在原位" if job.job_type == rotation.REQUESTED
                else "下钟：轮钟结束，排到队尾")
        _write_board(board, after, action="finish", actor=actor, rule=rule,
                     therapist_id=job.therapist_id, job=job)
    db.session.flush()
    orders.after_job_ended(chain.order)
    return job


def return_job(job: ServiceJob, actor, reason: str, gender: str | None = None
               ) -> ServiceJob | None:
    """退钟: within return_window_minutes of 起钟 the guest rejects the therapist.
    The job is marked returned (no commission), the therapist goes back to their
    place waiting, and the next qualified waiting therapist gets the same line
    (None when nobody is free: the line waits for a dispatch)."""
    reason = (reason or "").strip()
    if not reason:
        raise DispatchError.on("reason", _l("请填写退钟原因"))
    gender = _clean_gender(gender)
    day = _lock_day_of_job(job)
    chain = _job_chain(job)
    job = chain.job
    if job.status != "in_service":
        raise DispatchError.on("service_job_id", _l("该钟已经结束"))
    if job.is_addon:
        raise DispatchError.on("service_job_id", _l("加钟不能退钟"))
    if len(chain.running) > 1:
        raise DispatchError.on("service_job_id", _l("已加钟的钟不能退钟"))
    window = store_policy().return_window_minutes
    if not rotation.within_return_window(_aware(job.started_at), utcnow(), window):
        raise DispatchError.on("service_job_id",
                               _l("已超过退钟时限（起钟后 %(n)d 分钟内）", n=window))
    line, order = chain.line, chain.order
    item = db.session.get(ServiceItem, line.service_item_id)
    job.status, job.ended_at, job.return_reason = "returned", utcnow(), reason[:255]
    if job.job_type == rotation.REQUESTED:
        line.requested_therapist_id = None  # the guest no longer wants them
    board = _load_board(day)
    before = board.queue
    back = rotation.end_requested_job(before, job.therapist_id)  # waiting, same place
    after, pick = rotation.return_job(before, job.therapist_id, item.id, gender)
    replacement = None
    if pick is not None and order.room_id is not None \
            and order.status in DISPATCHABLE_ORDER_STATUSES:
        # Started first (its id goes into the second log entry), so that the board,
        # both log entries and the audit entry go out in one flush.
        replacement = _start_job(day, order, line, item, pick.therapist_id, rotation.ROTATION)
    board.entries[job.therapist_id].current_job_id = None
    if replacement is not None:
        board.entries[pick.therapist_id].current_job_id = replacement.id
    _write_board(board, back, action="return", actor=actor,
                 rule="退钟：回到派钟前的位置，等待下一个钟", therapist_id=job.therapist_id,
                 job=job, reason=reason, before=before, flush=False)
    record_audit("job.return", "service_job", job.id,
                 before={"status": "in_service", "therapist_id": job.therapist_id},
                 after={"status": "returned", "reason": reason[:255]}, actor=actor)
    if replacement is None:
        db.session.flush()
        return None
    _write_board(board, after, action="assign_rotation", actor=actor,
                 rule=f"退钟后改派：下一位空闲且会做「{item.name}」的其他技师",
                 therapist_id=pick.therapist_id, job=replacement,
                 passed_over=pick.passed_over)
    return replacement


def add_on(job: ServiceJob, service_item_id, actor) -> ServiceJob:
    """加钟: another item for the same guest by the same therapist, same job type;
    it runs after the job (the therapist's planned end moves on) and carries a
    token for the guest's QR confirmation."""
    try:
        service_item_id = int(service_item_id)
    except (TypeError, ValueError):
        raise DispatchError.on("service_item_id", _l("请选择加钟项目")) from None
    day = _lock_day_of_job(job)
    chain = _job_chain(job)
    job = chain.job
    rotation.add_on_terms(job.therapist_id, job.job_type, running=job.status == "in_service")
    qualified = (select(TherapistQualification.id)
                 .where(TherapistQualification.employee_id == job.therapist_id,
                        TherapistQualification.service_item_id == ServiceItem.id)
                 .exists())
    row = db.session.execute(
        select(ServiceItem, qualified.label("qualified"))
        .where(ServiceItem.id == service_item_id)).one_or_none()
    item, qualified = row if row is not None else (None, False)
    if item is None or not item.is_active:
        raise DispatchError.on("service_item_id", _l("没有这个服务项目"))
    if not qualified:
        raise DispatchError.on("service_item_id", _l("该技师不会做这个项目"))
    order, parent_line = chain.order, chain.line
    line = orders.add_service_line(order, item.id, guest_no=parent_line.guest_no,
                                   requested_therapist_id=parent_line.requested_therapist_id,
                                   addon_of_line_id=parent_line.id)
    chain_end = max(_aware(j.planned_end_at) for j in chain.running)
    addon = _start_job(day, order, line, item, job.therapist_id, job.job_type,
                       start=max(chain_end, utcnow()), parent=job)
    board = _load_board(day)
    kind = "点钟" if job.job_type == rotation.REQUESTED else "轮钟"
    if job.therapist_id in board.entries:
        board.entries[job.therapist_id].current_job_id = addon.id
        _write_board(board, board.queue, action="add_on", actor=actor,
                     rule=f"加钟「{item.name}」：同一技师、同一钟型（{kind}）",
                     therapist_id=job.therapist_id, job=addon)
    return addon


def move(entry: BoardEntry, action: str, reason: str, actor) -> BoardEntry:
    """Manual moves with a reason: 置尾 to_tail, 奖头 to_head, 停牌 suspend /
    复牌 resume, 留牌 hold (the reason names the expected guest) / release."""
    if action not in rotation.MOVE_ACTIONS:
        raise DispatchError.on("action", _l("无效的操作"))
    day = _lock_day(entry.business_day_id)
    board = _load_board(day)
    entry = board.entries[entry.therapist_id]
    after = rotation.apply_move(board.queue, entry.therapist_id, action, reason)
    label = str(rotation.MOVE_LABELS[action])
    _write_board(board, after, action=action, actor=actor, rule=f"人工调整：{label}",
                 therapist_id=entry.therapist_id, reason=reason.strip())
    record_audit("board.move", "board_entry", entry.id,
                 after={"action": action, "reason": reason.strip()[:255],
                        "therapist_id": entry.therapist_id}, actor=actor)
    return entry


# -- reading -------------------------------------------------------------------------

@dataclass
class RunningJob:
    """A busy therapist's current job chain, as the board shows it."""

    job_id: int  # the latest job of the chain (finish / add-on act on it)
    root_job_id: int
    order_id: int
    order_number: str
    room_number: str
    items: list[str]
    job_type: str
    started_at: datetime
    busy_until: datetime
    timer: str  # running / due_soon / overrun
    minutes_left: int  # negative: minutes over
    can_return: bool
    addons: list[dict] = field(default_factory=list)  # {job_id, item, token, confirmed}


@dataclass
class BoardRow:
    entry_id: int
    therapist_id: int
    number: str
    name: str
    gender: str
    position: int
    status: str
    suspended: bool
    held_for: str | None
    clocked_in_at: datetime
    job: RunningJob | None = None


@dataclass
class WaitingLine:
    line_id: int
    order_id: int
    order_number: str
    room_number: str
    guest_name: str
    guest_no: int
    item: str
    service_item_id: int
    duration_minutes: int
    requested_no: str
    waiting_since: datetime
    returned: bool


@dataclass
class BoardSnapshot:
    store_id: int
    business_date: date
    board_version: int
    now: datetime
    queue: list[BoardRow]
    ready: list[BoardRow]
    waiting_lines: list[WaitingLine]
    warnings: list[BoardRow]  # busy therapists due soon (催钟) or over time
    off_board: list[Employee]  # the store's therapists not on the board (to clock in)


def board_snapshot(store_id: int, now: datetime | None = None) -> BoardSnapshot:
    """The board as the dispatcher sees it, in a fixed number of queries: the
    queue, who is busy until when (催钟, overruns), the get-ready list, the lines
    waiting for a therapist and the therapists who could still clock in."""
    now = now or utcnow()
    policy = store_policy()
    day = get_business_day(store_id, today_for_store(now), create=False)
    rows: list[BoardRow] = []
    queue: list[Place] = []
    if day is not None:
        board = _load_board(day)
        queue = board.queue
        running = _running_jobs(store_id, now, policy)
        for place in queue:
            entry = board.entries[place.therapist_id]
            employee = board.employees[place.therapist_id]
            rows.append(BoardRow(entry.id, place.therapist_id, employee.employee_no,
                                 employee.name, employee.gender, place.position, place.status,
                                 place.suspended, place.held_for,
                                 _aware(entry.clocked_in_at),
                                 running.get(place.therapist_id)))
    by_id = {row.therapist_id: row for row in rows}
    ready = [by_id[p.therapist_id] for p in rotation.ready_list(queue, policy.ready_notice_count)]
    on_board = {row.therapist_id for row in rows if row.status != rotation.AWAY}
    off_board = [e for e in db.session.scalars(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Employee.store_id == store_id, Position.role == "therapist",
               Employee.status.in_(ON_STAFF_STATUSES))
        .order_by(Employee.employee_no)) if e.id not in on_board]
    return BoardSnapshot(
        store_id=store_id, business_date=day.business_date if day else today_for_store(now),
        board_version=day.board_version if day else 0, now=now, queue=rows, ready=ready,
        waiting_lines=waiting_lines(store_id),
        warnings=[row for row in rows if row.job and row.job.timer != "running"],
        off_board=off_board)


def _running_jobs(store_id: int, now: datetime, policy) -> dict[int, RunningJob]:
    """therapist id -> their running job chain (one query)."""
    result = db.session.execute(
        select(ServiceJob, OrderLine.name, Order.seq, BusinessDay.business_date, Room.number)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .join(Order, Order.id == ServiceJob.order_id)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .outerjoin(Room, Room.id == ServiceJob.room_id)
        .where(ServiceJob.store_id == store_id, ServiceJob.status == "in_service")
        .order_by(ServiceJob.started_at, ServiceJob.id))
    chains: dict[int, RunningJob] = {}
    for job, item_name, seq, business_date, room_number in result:
        started, end = _aware(job.started_at), _aware(job.planned_end_at)
        chain = chains.get(job.therapist_id)
        if chain is None:
            chain = chains[job.therapist_id] = RunningJob(
                job_id=job.id, root_job_id=job.id, order_id=job.order_id,
                order_number=f"{business_date:%Y%m%d}-{seq:03d}",
                room_number=room_number or "", items=[], job_type=job.job_type,
                started_at=started, busy_until=end, timer="running", minutes_left=0,
                can_return=(not job.is_addon and rotation.within_return_window(
                    started, now, policy.return_window_minutes)))
        else:
            chain.job_id = job.id
            chain.busy_until = max(chain.busy_until, end)
            chain.can_return = False
        chain.items.append(item_name)
        if job.is_addon:
            chain.addons.append({"job_id": job.id, "item": item_name, "token": job.addon_token,
                                 "confirmed": job.addon_confirmed_at is not None})
    for chain in chains.values():
        chain.timer = rotation.timer_state(chain.busy_until, now, policy.overrun_warning_minutes)
        seconds = (chain.busy_until - now).total_seconds()
        # "3 分钟" while 2m10s are left; "-1" as soon as the end has passed
        chain.minutes_left = math.ceil(seconds / 60) if seconds >= 0 else -math.ceil(-seconds / 60)
    return chains


def waiting_lines(store_id: int) -> list[WaitingLine]:
    """Service lines of the store's open orders with no therapist yet (one query)."""
    has_job = (select(ServiceJob.id)
               .where(ServiceJob.order_line_id == OrderLine.id,
                      ServiceJob.status.in_(("in_service", "finished")))
               .exists())
    was_returned = (select(ServiceJob.id)
                    .where(ServiceJob.order_line_id == OrderLine.id,
                           ServiceJob.status == "returned")
                    .exists())
    result = db.session.execute(
        select(OrderLine, Order, BusinessDay.business_date, Room.number, Employee.employee_no,
               ServiceItem.duration_minutes, was_returned.label("was_returned"))
        .join(Order, Order.id == OrderLine.order_id)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .join(ServiceItem, ServiceItem.id == OrderLine.service_item_id)
        .outerjoin(Room, Room.id == Order.room_id)
        .outerjoin(Employee, Employee.id == OrderLine.requested_therapist_id)
        .where(OrderLine.store_id == store_id, OrderLine.kind == "service",
               OrderLine.status == "active", OrderLine.addon_of_line_id.is_(None),
               Order.status.in_(DISPATCHABLE_ORDER_STATUSES), ~has_job)
        .order_by(OrderLine.created_at, OrderLine.id))
    return [WaitingLine(line.id, order.id, f"{business_date:%Y%m%d}-{order.seq:03d}",
                        room_number or "", order.guest_name, line.guest_no, line.name,
                        line.service_item_id, duration, requested_no or "",
                        _aware(line.created_at), bool(returned))
            for line, order, business_date, room_number, requested_no, duration, returned
            in result]


def day_log(store_id: int, business_date: date) -> tuple[list[DispatchLog], dict[int, Employee]]:
    """The day's dispatch log, oldest first, with the therapists it names."""
    day = get_business_day(store_id, business_date, create=False)
    if day is None:
        return [], {}
    logs = list(db.session.scalars(
        select(DispatchLog).where(DispatchLog.business_day_id == day.id)
        .order_by(DispatchLog.at, DispatchLog.id)))
    named: set[int] = set()
    for log in logs:
        if log.therapist_id:
            named.add(log.therapist_id)
        named.update(p["therapist_id"] for p in (log.passed_over or []))
        named.update(p["therapist_id"] for p in (log.queue_after or []))
    employees = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(named)))} if named else {}
    return logs, employees


# -- add-on confirmation (the guest's QR scan) ------------------------------------------

def addon_by_token(token: str) -> ServiceJob | None:
    """The add-on job of a QR token, of any tenant (the guest is not logged in):
    the token is a 192-bit secret; the caller enters the job's tenant next."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(ServiceJob).where(ServiceJob.addon_token == token, ServiceJob.is_addon.is_(True))
        .execution_options(cross_tenant=True))


def addon_details(job: ServiceJob) -> dict:
    """What the guest sees before confirming: item, therapist number, room."""
    line = db.session.get(OrderLine, job.order_line_id)
    therapist = db.session.get(Employee, job.therapist_id)
    room = db.session.get(Room, job.room_id) if job.room_id else None
    return {"item": line.name, "amount": line.amount, "therapist_no": therapist.employee_no,
            "room": room.number if room else "", "planned_end_at": _aware(job.planned_end_at),
            "confirmed_at": _aware(job.addon_confirmed_at), "running": job.status == "in_service"}


def confirm_addon(job: ServiceJob) -> ServiceJob:
    """The guest confirms the add-on; only while the job runs (the QR expires with it)."""
    if job.status != "in_service":
        raise DispatchError.on("token", _l("该加钟已结束，二维码已失效"))
    if job.addon_confirmed_at is None:
        job.addon_confirmed_at = utcnow()
        db.session.flush()
    return job


def addon_confirmations(order_id: int) -> dict[int, datetime | None]:
    """For checkout: add-on line id -> when the guest confirmed it (None: unconfirmed)."""
    confirmed: dict[int, datetime | None] = {}
    for line_id, at in db.session.execute(
            select(ServiceJob.order_line_id, ServiceJob.addon_confirmed_at)
            .where(ServiceJob.order_id == order_id, ServiceJob.is_addon.is_(True),
                   ServiceJob.status.in_(("in_service", "finished")))):
        confirmed[line_id] = _aware(at)
    return confirmed
