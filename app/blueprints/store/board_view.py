"""What the desk reads of the rotation board: its snapshot, the waiting lines, the day's log."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select

from app.blueprints.store import rotation
from app.blueprints.store.board import DISPATCHABLE_ORDER_STATUSES, _aware, _load_board
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import (
    BoardSuspension,
    BusinessDay,
    DispatchLog,
    Order,
    OrderLine,
    ServiceItem,
    ServiceJob,
)
from app.blueprints.store.policy import store_policy
from app.blueprints.store.rotation import Place
from app.extensions import db
from app.models import Employee, Position, Room
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES


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
    gender_wish: str | None = None  # the guest's, pre-selected for a 退钟 replacement
    # 下钟 now would be more than early_finish_reason_minutes early: the form asks why.
    needs_finish_reason: bool = False
    started_until: datetime | None = None  # planned end of the jobs already started


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
    health_ok: bool = True  # False: 健康证 expired (rotation passes them over)


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
    gender_wish: str | None = None  # the guest's wish, pre-selected on the board
    returned_therapist_ids: list[int] = field(default_factory=list)  # 退钟 by this guest


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
    # 停牌 outlives the day: those of off_board still suspended (shown when clocking in)
    suspended_off_board: frozenset[int] = frozenset()


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
                                 running.get(place.therapist_id), place.health_ok))
    by_id = {row.therapist_id: row for row in rows}
    ready = [by_id[p.therapist_id] for p in rotation.ready_list(queue, policy.ready_notice_count)]
    on_board = {row.therapist_id for row in rows if row.status != rotation.AWAY}
    off_board, suspended_off_board = [], set()
    for employee, suspension_id in db.session.execute(
            select(Employee, BoardSuspension.id).join(Position, Position.id == Employee.position_id)
            .outerjoin(BoardSuspension, and_(BoardSuspension.therapist_id == Employee.id,
                                             BoardSuspension.store_id == store_id))
            .where(Employee.store_id == store_id, Position.role == "therapist",
                   Employee.status.in_(ON_STAFF_STATUSES))
            .order_by(Employee.employee_no)):
        if employee.id in on_board:
            continue
        off_board.append(employee)
        if suspension_id is not None:
            suspended_off_board.add(employee.id)
    return BoardSnapshot(
        store_id=store_id, business_date=day.business_date if day else today_for_store(now),
        board_version=day.board_version if day else 0, now=now, queue=rows, ready=ready,
        waiting_lines=waiting_lines(store_id),
        warnings=[row for row in rows if row.job and row.job.timer != "running"],
        off_board=off_board, suspended_off_board=frozenset(suspended_off_board))


def _running_jobs(store_id: int, now: datetime, policy) -> dict[int, RunningJob]:
    """therapist id -> their running job chain (one query)."""
    result = db.session.execute(
        select(ServiceJob, OrderLine.name, Order.seq, BusinessDay.business_date, Room.number,
               OrderLine.gender_wish)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .join(Order, Order.id == ServiceJob.order_id)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .outerjoin(Room, Room.id == ServiceJob.room_id)
        .where(ServiceJob.store_id == store_id, ServiceJob.status == "in_service")
        .order_by(ServiceJob.started_at, ServiceJob.id))
    chains: dict[int, RunningJob] = {}
    for job, item_name, seq, business_date, room_number, gender_wish in result:
        started, end = _aware(job.started_at), _aware(job.planned_end_at)
        chain = chains.get(job.therapist_id)
        if chain is None:
            chain = chains[job.therapist_id] = RunningJob(
                job_id=job.id, root_job_id=job.id, order_id=job.order_id,
                order_number=f"{business_date:%Y%m%d}-{seq:03d}",
                room_number=room_number or "", items=[], job_type=job.job_type,
                started_at=started, busy_until=end, timer="running", minutes_left=0,
                can_return=(not job.is_addon and rotation.within_return_window(
                    started, now, policy.return_window_minutes)),
                gender_wish=gender_wish)
        else:
            chain.job_id = job.id
            chain.busy_until = max(chain.busy_until, end)
            chain.can_return = False
        if started <= now:
            chain.started_until = max(filter(None, (chain.started_until, end)))
        chain.items.append(item_name)
        if job.is_addon:
            chain.addons.append({"job_id": job.id, "item": item_name, "token": job.addon_token,
                                 "confirmed": job.addon_confirmed_at is not None})
    for chain in chains.values():
        chain.timer = rotation.timer_state(chain.busy_until, now, policy.overrun_warning_minutes)
        chain.needs_finish_reason = chain.started_until is not None and (
            chain.started_until - now).total_seconds() > policy.early_finish_reason_minutes * 60
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
                        _aware(line.created_at), bool(returned), line.gender_wish,
                        list(line.returned_therapist_ids or []))
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
