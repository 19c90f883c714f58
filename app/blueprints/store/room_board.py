"""The live room board (房态): each room with its party, their lines, jobs and timers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    Order,
    OrderLine,
    ServiceJob,
)
from app.blueprints.store.orders import OPEN_STATUSES, aware, format_order_number, tea_due_at
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.models.org import ROOM_STATUSES, Room, Store


@dataclass
class BoardJob:
    """The therapist on a line (钟): who, since when, until when."""

    id: int
    therapist_id: int
    therapist_no: str
    therapist_name: str
    job_type: str  # rotation / requested
    is_addon: bool
    status: str
    started_at: datetime
    planned_end_at: datetime
    minutes_left: int  # negative: overrun (超时)
    ending_soon: bool  # 催钟: within overrun_warning_minutes of the planned end
    overrun: bool


@dataclass
class BoardLine:
    id: int
    kind: str
    guest_no: int
    name: str
    quantity: int
    amount: object
    status: str
    requested_no: str | None
    addon_of_line_id: int | None
    job: BoardJob | None = None  # the current (or last finished) job


@dataclass
class BoardOrder:
    order: Order
    number: str
    customer_name: str | None
    lines: list[BoardLine] = field(default_factory=list)
    tea_due_at: datetime | None = None
    tea_due: bool = False
    waited_minutes: int = 0

    @property
    def guest_label(self) -> str:
        return self.customer_name or self.order.guest_name or ""

    @property
    def services(self) -> list[BoardLine]:
        return [line for line in self.lines if line.kind == "service"
                and line.status == "active"]

    @property
    def ends_at(self) -> datetime | None:
        """When the last running job of the party is planned to end."""
        ends = [line.job.planned_end_at for line in self.services
                if line.job and line.job.status == "in_service"]
        return max(ends) if ends else None

    @property
    def undispatched(self) -> int:
        return sum(1 for line in self.services if line.job is None)


@dataclass(frozen=True)
class RoomCleaned:
    """Who last handed a room back clean (打扫完毕), and when."""

    by: str
    at: datetime


@dataclass
class BoardRoom:
    room: Room
    order: BoardOrder | None = None
    cleaned: RoomCleaned | None = None


# ``fn(store_id) -> {room_id: RoomCleaned}``, one query per board whatever the number of
# rooms; registered by the service department (the store never imports it).
_CLEANING_READERS: list = []


def register_cleaning_reader(fn) -> None:
    if fn not in _CLEANING_READERS:
        _CLEANING_READERS.append(fn)


def _last_cleanings(store_id: int) -> dict[int, RoomCleaned]:
    found: dict[int, RoomCleaned] = {}
    for reader in _CLEANING_READERS:
        found.update(reader(store_id))
    return found


@dataclass
class RoomBoard:
    """Everything the 房态 page shows for one store, loaded in a fixed number of queries."""

    store: Store
    now: datetime
    rooms: list[BoardRoom]
    waiting: list[BoardOrder]  # 等位区, in order of arrival
    to_pay: list[BoardOrder]  # services ended, at the cashier
    tea_round_minutes: int

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ROOM_STATUSES, 0)
        for entry in self.rooms:
            counts[entry.room.status] = counts.get(entry.room.status, 0) + 1
        return counts

    @property
    def free_rooms(self) -> list[Room]:
        return [entry.room for entry in self.rooms if entry.room.status == "free"]

    @property
    def tea_due_count(self) -> int:
        return sum(1 for entry in self.rooms if entry.order and entry.order.tea_due)


def rooms_of_store(store_id: int) -> list[Room]:
    """The rooms of one store, by number."""
    return list(db.session.scalars(
        select(Room).where(Room.store_id == store_id).order_by(Room.number, Room.id)))


def room_board(store: Store, now: datetime | None = None) -> RoomBoard:
    """The live board: every room, the party in each, their lines, therapists and
    planned ends, the tea round, the waiting area and the orders at the cashier.

    Four queries whatever the size of the store or its history (only open orders
    are read), plus the tenant's policy and one for who cleaned each room last.
    Rooms waiting to be cleaned (待清洁) come first, so the cleaner sees them at the
    top; the rest keep their number order.
    """
    now = aware(now or utcnow())
    policy = store_policy()
    rooms = rooms_of_store(store.id)
    rows = db.session.execute(
        select(Order, BusinessDay.business_date, Customer.name)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(Order.store_id == store.id, Order.status.in_(OPEN_STATUSES))
        .order_by(Order.opened_at, Order.id)).all()
    orders = {order.id: BoardOrder(order, format_order_number(day, order.seq), name)
              for order, day, name in rows}
    if orders:
        _attach_lines(orders, now, policy.overrun_warning_minutes)
    by_room: dict[int, BoardOrder] = {}
    waiting, to_pay = [], []
    for entry in orders.values():
        order = entry.order
        if order.status == "to_pay":
            to_pay.append(entry)
        elif order.room_id is None:
            entry.waited_minutes = max(0, int((now - aware(order.opened_at)).total_seconds()
                                              // 60))
            waiting.append(entry)
        else:
            entry.tea_due_at = tea_due_at(order, policy.tea_round_minutes)
            entry.tea_due = entry.tea_due_at <= now
            by_room[order.room_id] = entry
    cleaned = _last_cleanings(store.id)
    rooms = sorted(rooms, key=lambda room: room.status != "cleaning")
    return RoomBoard(store=store, now=now,
                     rooms=[BoardRoom(room, by_room.get(room.id), cleaned.get(room.id))
                            for room in rooms],
                     waiting=waiting, to_pay=to_pay,
                     tea_round_minutes=policy.tea_round_minutes)


def _attach_lines(orders: dict[int, BoardOrder], now: datetime, warn_minutes: int) -> None:
    """Lines of the open orders (one query) and their jobs with therapist numbers (one)."""
    lines: dict[int, BoardLine] = {}
    for line, requested_no in db.session.execute(
            select(OrderLine, Employee.employee_no)
            .outerjoin(Employee, Employee.id == OrderLine.requested_therapist_id)
            .where(OrderLine.order_id.in_(list(orders)))
            .order_by(OrderLine.order_id, OrderLine.guest_no, OrderLine.id)):
        board_line = BoardLine(line.id, line.kind, line.guest_no, line.name, line.quantity,
                               line.amount, line.status, requested_no, line.addon_of_line_id)
        lines[line.id] = board_line
        orders[line.order_id].lines.append(board_line)
    jobs = db.session.execute(
        select(ServiceJob, Employee.employee_no, Employee.name)
        .join(Employee, Employee.id == ServiceJob.therapist_id)
        .where(ServiceJob.order_id.in_(list(orders)),
               ServiceJob.status.in_(("in_service", "finished")))
        .order_by(ServiceJob.id)).all()
    for job, number, name in jobs:
        line = lines.get(job.order_line_id)
        if line is None:
            continue
        # A running job wins over a finished one of the same line.
        if line.job is not None and line.job.status == "in_service":
            continue
        line.job = board_job(job, number, name, now, warn_minutes)


def board_job(job: ServiceJob, number: str, name: str, now: datetime,
              warn_minutes: int) -> BoardJob:
    """A job as the desk sees it: minutes left, 催钟 and overrun flags."""
    end = aware(job.planned_end_at)
    left = (end - now).total_seconds() / 60
    minutes_left = int(left) if left >= 0 else -int(-left + 0.999)
    running = job.status == "in_service"
    return BoardJob(job.id, job.therapist_id, number, name, job.job_type, job.is_addon,
                    job.status, aware(job.started_at), end, minutes_left,
                    ending_soon=running and 0 <= left <= warn_minutes,
                    overrun=running and left < 0)
