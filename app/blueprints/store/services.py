"""Room verbs (房间, 房态): add, edit, change state, and the live room board
(plain functions, no commit).

Rules chosen where specs/dispatch.md is silent:
* A room with a party in it (an order in service) keeps ``occupied`` until the
  party leaves or moves (转房): no hand-set state may hide guests.
* The cleaner's one action is ``cleaning`` -> ``free`` (打扫完毕).
* 停用 (out of order) only for a room nobody is in; back in service it is
  ``cleaning`` first, so it is checked before the next guest.  Both audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_audit
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
from app.models.org import ROOM_STATUSES, ROOM_TYPES, Room, Store
from app.validation import InputError

ROOM_FIELDS = ("number", "type", "beds", "status")
MAX_BEDS = 99


class RoomError(InputError):
    """Bad room input; ``fields`` maps each field to its (Chinese) message."""


@dataclass(frozen=True)
class RoomTypeTotal:
    """Rooms of one type in one store, and their beds (logistics' view of a store)."""

    store_id: int
    type: str
    rooms: int
    beds: int


def create_room(store: Store, *, number: str, type: str = "single", beds: int = 1,
                status: str = "free") -> Room:
    """Add a room to ``store``; its number is unique within the store."""
    values = _clean({"number": number, "type": type, "beds": beds, "status": status})
    _check(values, store_id=store.id, room=None)
    room = Room(store_id=store.id, **values)
    db.session.add(room)
    db.session.flush()
    record_audit("room.create", "room", room.id, after=_snapshot(room))
    return room


def update_room(room: Room, **changes) -> Room:
    """Change a room's number, type, beds or state; a room is never deleted, only 停用."""
    unknown = set(changes) - set(ROOM_FIELDS)
    if unknown:
        raise RoomError({name: _("不能修改此字段") for name in sorted(unknown)})
    values = _clean(changes)
    merged = {name: getattr(room, name) for name in ROOM_FIELDS} | values
    _check(merged, store_id=room.store_id, room=room)
    before = _snapshot(room)
    for name, value in values.items():
        setattr(room, name, value)
    after = _snapshot(room)
    if after != before:
        db.session.flush()
        changed = [k for k in after if after[k] != before[k]]
        record_audit("room.update", "room", room.id,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return room


def set_room_status(room: Room, status: str) -> Room:
    """Change the room state (房态): free, occupied, cleaning, reserved, out_of_order.

    The front desk does this many times a day, so only taking a room out of
    service (停用) or back into it is audited.
    """
    if status not in ROOM_STATUSES:
        raise RoomError({"status": _("无效的房态")})
    previous = room.status
    if previous == status:
        return room
    if status != "occupied" and _party_in(room) is not None:
        raise RoomError({"status": _("%(number)s 号房有客人在消费，请先转房或结束服务",
                                     number=room.number)})
    room.status = status
    db.session.flush()
    if "out_of_order" in (previous, status):
        record_audit("room.status", "room", room.id,
                     before={"status": previous}, after={"status": status})
    return room


def mark_room_clean(room: Room) -> Room:
    """打扫完毕: the cleaner hands a room back, ``cleaning`` -> ``free``."""
    if room.status != "cleaning":
        raise RoomError({"status": _("%(number)s 号房不是待清洁状态", number=room.number)})
    room.status = "free"
    db.session.flush()
    return room


def take_room_out_of_order(room: Room) -> Room:
    """停用 a room nobody is in (broken bed, leak...): dispatch will not use it."""
    if room.status == "out_of_order":
        raise RoomError({"status": _("%(number)s 号房已停用", number=room.number)})
    if room.status == "occupied" or _party_in(room) is not None:
        raise RoomError({"status": _("%(number)s 号房有客人，不能停用", number=room.number)})
    return set_room_status(room, "out_of_order")


def return_room_to_service(room: Room) -> Room:
    """恢复使用: the room comes back as ``cleaning`` (checked before the next guest)."""
    if room.status != "out_of_order":
        raise RoomError({"status": _("%(number)s 号房没有停用", number=room.number)})
    return set_room_status(room, "cleaning")


def _party_in(room: Room) -> int | None:
    """The id of the order being served in ``room``, if any."""
    return db.session.scalar(
        select(Order.id).where(Order.room_id == room.id, Order.status == "in_service").limit(1))


# -- The live room board (房态) -------------------------------------------------


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


@dataclass
class BoardRoom:
    room: Room
    order: BoardOrder | None = None


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


def room_board(store: Store, now: datetime | None = None) -> RoomBoard:
    """The live board: every room, the party in each, their lines, therapists and
    planned ends, the tea round, the waiting area and the orders at the cashier.

    Four queries whatever the size of the store or its history (only open orders
    are read), plus the tenant's policy.
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
    return RoomBoard(store=store, now=now,
                     rooms=[BoardRoom(room, by_room.get(room.id)) for room in rooms],
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


def rooms_of_store(store_id: int) -> list[Room]:
    """The rooms of one store, by number."""
    return list(db.session.scalars(
        select(Room).where(Room.store_id == store_id).order_by(Room.number, Room.id)))


def rooms_out_of_order(store_ids: set[int] | None = None) -> list[Room]:
    """Rooms now out of service (停用), of every store or those in ``store_ids``."""
    stmt = select(Room).where(Room.status == "out_of_order").order_by(Room.store_id, Room.number)
    if store_ids is not None:
        stmt = stmt.where(Room.store_id.in_(store_ids))
    return list(db.session.scalars(stmt))


def room_totals_by_type(store_ids: set[int] | None = None) -> dict[int, list[RoomTypeTotal]]:
    """store id -> rooms and beds per room type, in one grouped query."""
    stmt = (
        select(Room.store_id, Room.type, func.count(Room.id), func.coalesce(func.sum(Room.beds), 0))
        .group_by(Room.store_id, Room.type)
        .order_by(Room.store_id, Room.type)
    )
    if store_ids is not None:
        stmt = stmt.where(Room.store_id.in_(store_ids))
    totals: dict[int, list[RoomTypeTotal]] = defaultdict(list)
    for store_id, room_type, rooms, beds in db.session.execute(stmt):
        totals[store_id].append(RoomTypeTotal(store_id, room_type, int(rooms), int(beds)))
    return dict(totals)


def _clean(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _check(values: dict, store_id: int, room: Room | None) -> None:
    errors: dict[str, str] = {}
    number = values.get("number")
    if not number:
        errors["number"] = _("必填")
    elif len(number) > 16:
        errors["number"] = _("不能超过 %(n)d 个字符", n=16)
    if values.get("type") not in ROOM_TYPES:
        errors["type"] = _("无效的房型")
    beds = values.get("beds")
    if isinstance(beds, bool) or not isinstance(beds, int) or not 1 <= beds <= MAX_BEDS:
        errors["beds"] = _("床位数应在 1 到 %(n)d 之间", n=MAX_BEDS)
    if values.get("status") not in ROOM_STATUSES:
        errors["status"] = _("无效的房态")
    if "number" not in errors and _number_taken(store_id, number, room):
        errors["number"] = _("本店已有 %(number)s 号房", number=number)
    if errors:
        raise RoomError(errors)


def _number_taken(store_id: int, number: str, room: Room | None) -> bool:
    stmt = select(Room.id).where(Room.store_id == store_id, Room.number == number)
    if room is not None and room.id is not None:
        stmt = stmt.where(Room.id != room.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _snapshot(room: Room) -> dict:
    return {"store_id": room.store_id, "number": room.number, "type": room.type,
            "beds": room.beds, "status": room.status}


# -- One order as the desk sees it (消费单) -------------------------------------


@dataclass
class SheetLine:
    """A line of the order page, with every job it had (returns stay visible)."""

    line: OrderLine
    requested_no: str | None
    jobs: list[BoardJob] = field(default_factory=list)

    @property
    def job(self) -> BoardJob | None:
        """The running job, else the finished one."""
        running = [j for j in self.jobs if j.status == "in_service"]
        finished = [j for j in self.jobs if j.status == "finished"]
        return (running or finished or [None])[-1]

    @property
    def started(self) -> bool:
        return self.job is not None


@dataclass
class OrderSheet:
    order: Order
    number: str
    business_date: object
    customer: Customer | None
    room: Room | None
    lines: list[SheetLine]
    now: datetime
    return_window_minutes: int
    tea_due_at: datetime | None

    @property
    def total(self):
        """List-price total of the active lines (discounts are the cashier's)."""
        return sum((s.line.amount for s in self.lines if s.line.status == "active"),
                   start=Decimal("0.00"))

    @property
    def tea_due(self) -> bool:
        return self.tea_due_at is not None and self.tea_due_at <= self.now

    def can_return(self, job: BoardJob) -> bool:
        """退钟 is open within the return window of 起钟."""
        return (job.status == "in_service"
                and (self.now - job.started_at).total_seconds()
                <= self.return_window_minutes * 60)


def order_sheet(order: Order, now: datetime | None = None) -> OrderSheet:
    """The order page's data in a fixed number of queries."""
    now = aware(now or utcnow())
    policy = store_policy()
    day = db.session.get(BusinessDay, order.business_day_id)
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    room = db.session.get(Room, order.room_id) if order.room_id else None
    lines: dict[int, SheetLine] = {}
    for line, requested_no in db.session.execute(
            select(OrderLine, Employee.employee_no)
            .outerjoin(Employee, Employee.id == OrderLine.requested_therapist_id)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.kind.desc(), OrderLine.guest_no, OrderLine.id)):
        lines[line.id] = SheetLine(line, requested_no)
    for job, number, name in db.session.execute(
            select(ServiceJob, Employee.employee_no, Employee.name)
            .join(Employee, Employee.id == ServiceJob.therapist_id)
            .where(ServiceJob.order_id == order.id).order_by(ServiceJob.id)):
        if job.order_line_id in lines:
            lines[job.order_line_id].jobs.append(
                board_job(job, number, name, now, policy.overrun_warning_minutes))
    seated = order.status == "in_service" and order.room_id is not None
    return OrderSheet(order=order, number=format_order_number(day.business_date, order.seq),
                      business_date=day.business_date, customer=customer, room=room,
                      lines=list(lines.values()), now=now,
                      return_window_minutes=policy.return_window_minutes,
                      tea_due_at=tea_due_at(order, policy.tea_round_minutes) if seated else None)


def free_rooms(store_id: int) -> list[Room]:
    """Rooms a party can go into now (入房, 转房)."""
    return list(db.session.scalars(
        select(Room).where(Room.store_id == store_id, Room.status == "free")
        .order_by(Room.number, Room.id)))
