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

This module holds the verbs on jobs (assign_rotation, assign_requested,
finish_job, return_job, add_on); the board itself, 上牌/下牌 and the manual moves
are in ``board.py``, what the desk reads of it in ``board_view.py``, the guest's
加钟 confirmation in ``addon_confirm.py``.  The desk's whole interface stays
importable from here.

Rules chosen where specs/dispatch.md is silent (besides those in rotation.py):
* A therapist is dispatched to a guest in a room: an order still in the
  waiting area (no room) gets its therapist once seated.
* 加钟 runs after the job it extends (from its planned end, or now if that has
  passed); the therapist is busy until the last planned end of the chain, and
  one 下钟 (finish) ends the job and its add-ons together.  An add-on needs a
  therapist qualified for the item; a job with an add-on cannot be returned.
* 退钟 needs the guest's reason (it counts in the therapist's assessment); the
  replacement is a rotation job (optionally of a gender).
* A line remembers, between dispatches, what the guest asked for:
  - every therapist they returned (``OrderLine.returned_therapist_ids``): a
    later rotation of the line or a second 退钟 never gives it back to one of
    them (logged as passed over, 已被客人退钟).  A 点钟 by number is the guest's
    own choice and may name one of them again.
  - their gender wish (``OrderLine.gender_wish``), set at check-in or by the
    dispatcher: a dispatch verb called without a gender (``LINE_WISH``) uses
    the line's; one called with a gender keeps it on the line; an empty one
    lifts it (any therapist).
  - the 点钟 number entered at check-in: ``assign_requested`` without a number
    dispatches the line to that therapist.
* A refused dispatch says why in ``error.details["passed_over"]``: each
  therapist with number, name, reason code and reason (the API sends it).
* A job is finished on the board of the day it started (a job running past the
  business day's start stays on yesterday's board).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased

from app.audit import record_audit, register_audit_actions
from app.blueprints.store import orders, rotation
from app.blueprints.store.board import (
    DISPATCHABLE_ORDER_STATUSES,
    DispatchError,
    _aware,
    _load_board,
    _lock_day,
    _pk,
    _write_board,
)
from app.blueprints.store.days import ensure_open, lock_today
from app.blueprints.store.models import (
    BusinessDay,
    Order,
    OrderLine,
    ServiceItem,
    ServiceJob,
    TherapistQualification,
)
from app.blueprints.store.policy import store_policy
from app.blueprints.store.rotation import RotationError
from app.extensions import db
from app.models import Employee, Room
from app.models.base import utcnow

register_audit_actions({"job.addon_cancel": _l("取消未开始的加钟")})


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


class _LineWish:
    """The default gender of the dispatch verbs: the wish kept on the line."""

    def __repr__(self) -> str:
        return "LINE_WISH"


LINE_WISH = _LineWish()


def _clean_wish(gender):
    """LINE_WISH as it is, else a checked gender (None: any)."""
    return gender if gender is LINE_WISH else _clean_gender(gender)


def _wish_of(line: OrderLine, gender) -> str | None:
    """The gender a rotation of the line looks for; a given one becomes the line's wish."""
    if gender is LINE_WISH:
        return line.gender_wish
    if line.gender_wish != gender:
        line.gender_wish = gender
    return gender


def _explained(error: RotationError, board, *others: Employee) -> RotationError:
    """The error with ``details["passed_over"]``: who could not take the line and why."""
    people = {**board.employees, **{e.id: e for e in others}}
    error.details = {"passed_over": [
        {"employee_id": p.therapist_id,
         "number": people[p.therapist_id].employee_no if p.therapist_id in people else "",
         "name": people[p.therapist_id].name if p.therapist_id in people else "",
         "reason_code": p.reason, "reason": str(rotation.PASS_REASONS.get(p.reason, p.reason))}
        for p in error.passed_over]}
    return error


def _clean_gender(gender) -> str | None:
    gender = (gender or "").strip() or None
    if gender is not None and gender not in GENDER_CHOICES:
        raise DispatchError.on("gender", _l("性别只能是女或男"))
    return gender


def assign_rotation(line: OrderLine, actor, gender=LINE_WISH) -> ServiceJob:
    """轮钟: the first waiting therapist in queue order who is qualified for the
    item (and of ``gender``, by default the line's wish) gets the line, never one
    the guest returned on it."""
    gender = _clean_wish(gender)
    _dispatchable(line)
    day = lock_today(line.store_id)
    order, item = _dispatchable(line, fresh=True)
    board = _load_board(day)
    gender = _wish_of(line, gender)
    try:
        pick = rotation.pick_for_rotation(board.queue, item.id, gender,
                                          exclude=line.returned_therapist_ids or ())
    except RotationError as error:
        raise _explained(error, board) from None
    job = _start_job(day, order, line, item, pick.therapist_id, rotation.ROTATION)
    board.entries[pick.therapist_id].current_job_id = job.id
    wanted = {"female": "，指定女技师", "male": "，指定男技师"}.get(gender or "", "")
    _write_board(board, pick.queue, action="assign_rotation", actor=actor,
                 rule=f"轮钟：队列中第一位空闲且会做「{item.name}」的技师{wanted}",
                 therapist_id=pick.therapist_id, job=job, passed_over=pick.passed_over)
    return job


def assign_requested(line: OrderLine, therapist_no, actor) -> ServiceJob:
    """点钟: the guest names a therapist by number (none given: the number entered
    for the line at check-in); they must be waiting.  The therapist keeps their
    place in the queue (点钟不占轮)."""
    number = str(therapist_no or "").strip()
    _dispatchable(line)
    if number:
        employee = db.session.scalar(
            select(Employee).where(Employee.employee_no == number,
                                   Employee.store_id == line.store_id))
        if employee is None:
            raise DispatchError.on("therapist_no", _l("本店没有 %(no)s 号技师", no=number))
    else:
        employee = (db.session.get(Employee, line.requested_therapist_id)
                    if line.requested_therapist_id is not None else None)
        if employee is None:
            raise DispatchError.on("therapist_no", _l("请输入技师工号"))
    day = lock_today(line.store_id)
    order, item = _dispatchable(line, fresh=True)
    board = _load_board(day)
    try:
        pick = rotation.pick_requested(board.queue, employee.id, item.id)
    except RotationError as error:
        raise _explained(error, board, employee) from None
    line.requested_therapist_id = employee.id
    job = _start_job(day, order, line, item, employee.id, rotation.REQUESTED)
    board.entries[employee.id].current_job_id = job.id
    _write_board(board, pick.queue, action="assign_requested", actor=actor,
                 rule="点钟：客人指定技师，点钟不占轮（保留原位）",
                 therapist_id=employee.id, job=job)
    return job


def minutes_short_of(planned_end: datetime, now: datetime) -> int:
    """Minutes (rounded) between ``now`` and the planned end (0 when on time or over)."""
    return max(round((planned_end - now).total_seconds() / 60), 0)


def finish_job(job: ServiceJob, actor, reason: str = "") -> ServiceJob:
    """下钟: the job (with its add-ons) ends; a rotation therapist goes to the tail,
    a requested one stays; the order goes to the cashier when nothing runs.

    Finishing more than ``early_finish_reason_minutes`` before the planned end of
    what has started asks for a ``reason``; the log keeps it with the minutes short.
    An add-on (加钟) that has not started yet is cancelled — its job and its line,
    so it is neither charged nor paid — and logged; no job ends before it started.
    """
    reason = (reason or "").strip()[:255]
    day = _lock_day_of_job(job)
    chain = _job_chain(job)
    job = chain.job
    if job.status != "in_service":
        raise DispatchError.on("service_job_id", _l("该钟已经结束"))
    now = utcnow()
    started = [j for j in chain.running if _aware(j.started_at) <= now]
    not_started = [j for j in chain.running if _aware(j.started_at) > now]
    planned_end = max((_aware(j.planned_end_at) for j in started), default=now)
    minutes_short = minutes_short_of(planned_end, now)
    if minutes_short and not reason:
        # The policy costs a statement: read only when the job ends early.
        threshold = store_policy().early_finish_reason_minutes
        if minutes_short > threshold:
            raise DispatchError.on("reason", _l(
                "提前 %(n)d 分钟下钟（超过 %(limit)d 分钟）：请填写提前下钟原因",
                n=minutes_short, limit=threshold))
    for running in started:
        running.status, running.ended_at = "finished", now
    for addon in not_started:
        addon.status = "cancelled"  # never started: no end time, no pay
    if not_started:
        db.session.execute(
            update(OrderLine).where(OrderLine.id.in_([a.order_line_id for a in not_started]))
            .values(status="cancelled"))
    board = _load_board(day)
    place = next((p for p in board.queue if p.therapist_id == job.therapist_id), None)
    if place is not None and place.status == rotation.BUSY:
        board.entries[job.therapist_id].current_job_id = None
        after = rotation.end_job(board.queue, job.therapist_id, job.job_type)
        rule = ("下钟：点钟不占轮，留在原位" if job.job_type == rotation.REQUESTED
                else "下钟：轮钟结束，排到队尾")
        finished = next((j for j in started if j.id == job.id), started[0] if started else job)
        _write_board(board, after, action="finish", actor=actor, rule=rule,
                     therapist_id=job.therapist_id, job=finished, reason=reason,
                     minutes_short=minutes_short, flush=False)
        for addon in not_started:
            _write_board(board, board.queue, action="cancel_addon", actor=actor,
                         rule="加钟未开始，下钟时取消（不计费、不计提成）",
                         therapist_id=job.therapist_id, job=addon, reason=reason,
                         flush=False)
    for addon in not_started:
        record_audit("job.addon_cancel", "service_job", addon.id,
                     before={"status": "in_service"},
                     after={"status": "cancelled", "order_line_id": addon.order_line_id,
                            "reason": reason}, actor=actor)
    db.session.flush()
    orders.after_job_ended(chain.order)
    return job


def return_job(job: ServiceJob, actor, reason: str, gender=LINE_WISH) -> ServiceJob | None:
    """退钟: within return_window_minutes of 起钟 the guest rejects the therapist.
    The job is marked returned (no commission), the line remembers the therapist,
    who goes back to their place waiting, and the next qualified waiting therapist
    the guest has not returned (of ``gender``, by default the line's wish) gets
    the same line (None when nobody is free: the line waits for a dispatch)."""
    reason = (reason or "").strip()
    if not reason:
        raise DispatchError.on("reason", _l("请填写退钟原因"))
    gender = _clean_wish(gender)
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
    returned = sorted({*(line.returned_therapist_ids or ()), job.therapist_id})
    line.returned_therapist_ids = returned
    gender = _wish_of(line, gender)
    board = _load_board(day)
    before = board.queue
    back = rotation.end_requested_job(before, job.therapist_id)  # waiting, same place
    after, pick = rotation.return_job(before, job.therapist_id, item.id, gender,
                                      exclude=returned)
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
                 rule=f"退钟后改派：下一位空闲且会做「{item.name}」、未被客人退钟的技师",
                 therapist_id=pick.therapist_id, job=replacement,
                 passed_over=pick.passed_over)
    return replacement


def why_nobody_replaces(job: ServiceJob) -> list[dict]:
    """After a 退钟 that found no replacement: each therapist on the job's board and
    why rotation passes them over for its line now (busy, not qualified, the wrong
    gender, 停牌, returned by this guest…), as a refused dispatch explains itself."""
    line = db.session.get(OrderLine, job.order_line_id)
    board = _load_board(db.session.get(BusinessDay, job.business_day_id))
    try:
        rotation.pick_for_rotation(board.queue, line.service_item_id, line.gender_wish,
                                   exclude=line.returned_therapist_ids or ())
    except RotationError as error:
        return _explained(error, board).details["passed_over"]
    return []  # someone is free now: the line waits only for a dispatch


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


# The desk's interface, importable from here as before the module was split.
from app.blueprints.store.addon_confirm import (  # noqa: E402,F401
    addon_by_token,
    addon_confirmations,
    addon_details,
    confirm_addon,
)
from app.blueprints.store.board import (  # noqa: E402,F401
    GENDER_CHOICES,
    LOG_ACTIONS,
    clock_in,
    clock_out,
    move,
)
from app.blueprints.store.board_view import (  # noqa: E402,F401
    BoardRow,
    BoardSnapshot,
    RunningJob,
    WaitingLine,
    board_snapshot,
    day_log,
    waiting_lines,
)
