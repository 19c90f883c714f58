"""消费单 verbs shared by the desk: check in, cancel lines, seat and move a
party (入房, 转房), the tea round (续水), and what happens when its services end.
Plain functions: they add and flush, write the audit entry, never commit.

Rules chosen where specs/dispatch.md is silent:
* An order opened with no room waits in the waiting area (status ``waiting``),
  in order of arrival; it gets a room when one is free (``seat_order``).
* A room is ``occupied`` from check-in until every service of the order has
  ended; then it is ``cleaning`` and the order is ``to_pay``.  Moving a party
  to another room (转房) leaves the old room ``cleaning``: someone sat in it.
* Prices: the store's own price when it has one, else the head-office price.
* A service line can be added while the party is waiting or in service (not
  once the order went to the cashier); a product line until it is paid.
  (Pricing and adding lines: order_lines.py, re-exported here.)
* A service added with no guest named is for the first guest of the party who
  has no service line yet, else guest 1 (order_lines.guest_for_new_line); at
  check-in the n-th row is for guest n (:func:`next_guest`).
* A line is cancelled (never deleted) only while no therapist has started or
  finished it; an order is cancelled only while nothing was served or paid.
  Both are audited: a cancelled line is money that did not come in.
* 续水: the receptionist's round is due ``tea_round_minutes`` after the last
  refill; seating a party counts as the first cup (入房奉茶), so the clock
  starts at check-in (or at seating, for a party that waited).
* A requested therapist (点钟) is named by number: a therapist of this store
  who is on staff.  Whether they are free or qualified is the dispatcher's
  check when the job starts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from app.audit import record_audit
from app.blueprints.store.days import lock_today
from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    ServiceJob,
)

# The lines (pricing, 点钟 by number, adding a line) live in order_lines.py; the
# names are re-exported so ``orders.add_service_line`` and the like keep working.
from app.blueprints.store.order_lines import (  # noqa: F401
    GENDER_WISHES,
    OPEN_STATUSES,
    SERVING_STATUSES,
    OrderError,
    ProductRequest,
    ServiceRequest,
    _active_by_id,
    _as_int,
    _ensure_open,
    _is_int,
    _priced_items,
    add_product_line,
    add_service_line,
    clean_gender_wish,
    guest_for_new_line,
    product_line_values,
    service_line_values,
    service_price,
    therapists_by_number,
)
from app.extensions import db
from app.models import Room, Store
from app.models.base import utcnow

# Jobs that mean a therapist has started (or done) the line's work.
STARTED_JOB_STATUSES = ("in_service", "finished")
MAX_PARTY = 20
MAX_LINES = 40


def order_number(order: Order, day: BusinessDay) -> str:
    """The number printed on the slip: business date and the day's sequence."""
    return f"{day.business_date:%Y%m%d}-{order.seq:03d}"


def format_order_number(business_date, seq: int) -> str:
    """``order_number`` from its two parts, for lists that load them in one query."""
    return f"{business_date:%Y%m%d}-{seq:03d}"


def open_order(store_id: int, *, room_id: int | None = None, customer_id: int | None = None,
               guest_name: str = "", party_size: int = 1, actor=None,
               reserved_room_ok: bool = False) -> Order:
    """Check a guest (or a party) in: a new order in a free room or the waiting area.

    ``reserved_room_ok``: the guest is the one the room is held for (预订到店).
    """
    store = db.session.get(Store, store_id)
    if store is None:
        raise OrderError.on("store_id", _("门店不存在"))
    if not _is_int(party_size) or not 1 <= int(party_size) <= MAX_PARTY:
        raise OrderError.on("party_size", _("人数应为 1–%(n)d", n=MAX_PARTY))
    if customer_id is not None and db.session.get(Customer, customer_id) is None:
        raise OrderError.on("customer_id", _("客户不存在"))
    day = lock_today(store_id)
    room = (_free_room(store_id, room_id, reserved_room_ok)
            if room_id is not None else None)
    day.last_order_seq += 1
    order = Order(
        store_id=store_id,
        business_day_id=day.id,
        seq=day.last_order_seq,
        customer_id=customer_id,
        guest_name=(guest_name or "").strip()[:64],
        party_size=int(party_size),
        room_id=room.id if room else None,
        status="in_service" if room else "waiting",
        opened_by_account_id=getattr(actor, "id", None),
    )
    if room is not None:
        room.status = "occupied"
    db.session.add(order)
    db.session.flush()
    return order


def next_guest(row: int, party_size: int) -> int:
    """The guest a service row is for when nobody said: row n is guest n, and after
    the last guest it starts again at guest 1 (a party of two with four rows: 1, 2, 1, 2)."""
    return row % max(party_size, 1) + 1


def check_in(store_id: int, *, room_id: int | None = None, customer_id: int | None = None,
             guest_name: str = "", party_size: int = 1,
             services: list[ServiceRequest] = (), products: list[ProductRequest] = (),
             actor=None) -> Order:
    """开单: open an order with its services (per guest, optional 点钟 and gender
    wish) and products.

    Every input is checked before anything is written, so a bad line changes
    nothing; errors name the field, e.g. ``services.1.therapist_no``.  A service
    with no guest number is for the next guest (:func:`next_guest`).  The
    lines are priced and named as add_service_line / add_product_line do
    (:func:`service_line_values`, :func:`product_line_values`) and written in
    one statement, so a party of any size checks in within the desk's budget.
    """
    services, products = list(services), list(products)
    errors: dict[str, str] = {}
    if not _is_int(party_size) or not 1 <= int(party_size) <= MAX_PARTY:
        errors["party_size"] = _("人数应为 1–%(n)d", n=MAX_PARTY)
    if len(services) + len(products) > MAX_LINES:
        errors["services"] = _("一次最多 %(n)d 行", n=MAX_LINES)
    priced = _priced_items(store_id, [s.service_item_id for s in services])
    goods = _active_by_id(Product, [p.product_id for p in products])
    therapists = therapists_by_number(store_id, [s.therapist_no for s in services])
    party = int(party_size) if "party_size" not in errors else MAX_PARTY
    services = [wanted if wanted.guest_no not in (None, "")
                else replace(wanted, guest_no=next_guest(i, party))
                for i, wanted in enumerate(services)]
    for i, wanted in enumerate(services):
        if _as_int(wanted.service_item_id) not in priced:
            errors[f"services.{i}.service_item_id"] = _("没有这个服务项目")
        if not _is_int(wanted.guest_no) or not 1 <= int(wanted.guest_no) <= party:
            errors[f"services.{i}.guest_no"] = _("客人序号应为 1–%(n)d", n=party)
        number = (wanted.therapist_no or "").strip()
        if number and number not in therapists:
            errors[f"services.{i}.therapist_no"] = _("本店没有 %(no)s 号技师", no=number)
        try:
            clean_gender_wish(wanted.gender)
        except ValueError:
            errors[f"services.{i}.gender"] = _("性别只能是女或男")
    for i, wanted in enumerate(products):
        if _as_int(wanted.product_id) not in goods:
            errors[f"products.{i}.product_id"] = _("没有这个商品")
        if not _is_int(wanted.quantity) or not 1 <= int(wanted.quantity) <= 99:
            errors[f"products.{i}.quantity"] = _("数量应为 1–99")
    if errors:
        raise OrderError(errors)
    order = open_order(store_id, room_id=room_id, customer_id=customer_id,
                       guest_name=guest_name, party_size=party_size, actor=actor)
    rows = []
    for wanted in services:
        item, price = priced[_as_int(wanted.service_item_id)]
        therapist = therapists.get((wanted.therapist_no or "").strip())
        rows.append(service_line_values(order, item, price, int(wanted.guest_no),
                                        therapist.id if therapist else None,
                                        gender_wish=clean_gender_wish(wanted.gender)))
    for wanted in products:
        rows.append(product_line_values(order, goods[_as_int(wanted.product_id)],
                                        int(wanted.quantity)))
    if rows:
        # A bulk insert skips the flush stamp: the tenant is in each row.
        db.session.execute(insert(OrderLine), [dict(row, tenant_id=order.tenant_id)
                                               for row in rows])
    return order


def seat_order(order: Order, room_id: int) -> Order:
    """Give a waiting order a room (入房), or move a seated one to another (转房).

    The room left behind goes to ``cleaning``; running jobs follow the party.
    """
    if order.status not in SERVING_STATUSES:
        raise OrderError.on("order", _("该消费单的服务已结束，不能入房或转房"))
    if order.room_id is not None and order.room_id == room_id:
        raise OrderError.on("room_id", _("客人已在这个房间"))
    room = _free_room(order.store_id, room_id)
    if order.room_id is not None:
        previous = db.session.get(Room, order.room_id)
        previous.status = "cleaning"
    room.status = "occupied"
    order.room_id = room.id
    if order.status == "waiting":
        order.status = "in_service"
        order.last_tea_at = utcnow()  # 入房奉茶: the round starts when they sit down
    db.session.execute(
        update(ServiceJob)
        .where(ServiceJob.order_id == order.id, ServiceJob.status == "in_service")
        .values(room_id=room.id))
    db.session.flush()
    return order


def cancel_line(line: OrderLine, reason: str = "", actor=None) -> OrderLine:
    """Cancel a line not yet started (status ``cancelled``; the row is kept, audited).

    When it was the last service still waiting for a therapist and the others
    have ended, the order goes to the cashier and the room to cleaning.
    """
    order = db.session.get(Order, line.order_id)
    if line.status == "cancelled":
        raise OrderError.on("line", _("该项目已取消"))
    _ensure_open(order)
    started = db.session.scalar(
        select(func.count(ServiceJob.id))
        .where(ServiceJob.order_line_id == line.id,
               ServiceJob.status.in_(STARTED_JOB_STATUSES)))
    if started:
        raise OrderError.on("line", _("技师已上钟，不能取消；请走退钟或结账流程"))
    reason = (reason or "").strip()[:255]
    line.status = "cancelled"
    db.session.flush()
    record_audit("order.line_cancel", "order_line", line.id,
                 before={"status": "active"},
                 after={"status": "cancelled", "order_id": order.id, "name": line.name,
                        "amount": str(line.amount), "reason": reason}, actor=actor)
    if line.kind == "service" and _has_served(order):
        after_job_ended(order)
    return line


def cancel_order(order: Order, reason: str, actor=None) -> Order:
    """Cancel a visit before anything was served or paid (the guest left).

    Its lines are cancelled too (kept); a room they sat in goes to cleaning.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderError.on("reason", _("请填写取消原因"))
    if order.status not in SERVING_STATUSES:
        raise OrderError.on("order", _("只有等位或服务中的消费单可以取消"))
    if _has_served(order, include_running=True):
        raise OrderError.on("order", _("已有技师上钟，不能取消消费单"))
    paid = db.session.scalar(select(func.count(Payment.id)).where(Payment.order_id == order.id))
    if paid:
        raise OrderError.on("order", _("已有收款，不能取消消费单"))
    db.session.execute(
        update(OrderLine).where(OrderLine.order_id == order.id, OrderLine.status == "active")
        .values(status="cancelled"))
    before = {"status": order.status, "room_id": order.room_id}
    if order.room_id is not None:
        db.session.get(Room, order.room_id).status = "cleaning"
    order.status = "cancelled"
    order.closed_at = utcnow()
    order.closed_by_account_id = getattr(actor, "id", None)
    order.notes = (order.notes + "\n" if order.notes else "") + _("取消：%(r)s", r=reason[:200])
    db.session.flush()
    record_audit("order.cancel", "order", order.id, before=before,
                 after={"status": "cancelled", "reason": reason[:255]}, actor=actor)
    return order


def record_tea(order: Order, when: datetime | None = None) -> Order:
    """已续水: the receptionist refilled the party's tea; the next round is due later."""
    if order.status != "in_service" or order.room_id is None:
        raise OrderError.on("order", _("客人不在房间里，无需续水"))
    order.last_tea_at = when or utcnow()
    db.session.flush()
    return order


def tea_due_at(order: Order, round_minutes: int) -> datetime:
    """When the next refill is due: ``round_minutes`` after the last (or check-in)."""
    return aware(order.last_tea_at or order.opened_at) + timedelta(minutes=round_minutes)


def after_job_ended(order: Order) -> None:
    """Called when a job of the order ends: once no service is running or still
    waiting for a therapist, the room goes to cleaning and the order to the cashier."""
    if order.status not in ("in_service", "waiting"):
        return
    # Both questions in one query: is a service running, is one still waiting?
    running = (select(ServiceJob.id)
               .where(ServiceJob.order_id == order.id, ServiceJob.status == "in_service")
               .exists())
    undispatched = (select(OrderLine.id)
                    .where(OrderLine.order_id == order.id, OrderLine.kind == "service",
                           OrderLine.status == "active",
                           ~select(ServiceJob.id)
                           .where(ServiceJob.order_line_id == OrderLine.id,
                                  ServiceJob.status.in_(("in_service", "finished")))
                           .exists())
                    .exists())
    if db.session.scalar(select(Order.id).where(Order.id == order.id,
                                                running | undispatched)) is not None:
        return
    order.status = "to_pay"
    if order.room_id is not None:
        db.session.get(Room, order.room_id).status = "cleaning"


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes; make them aware for arithmetic."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _has_served(order: Order, include_running: bool = False) -> bool:
    statuses = ("in_service", "finished") if include_running else ("finished",)
    return bool(db.session.scalar(
        select(func.count(ServiceJob.id))
        .where(ServiceJob.order_id == order.id, ServiceJob.status.in_(statuses))))


def _free_room(store_id: int, room_id: int, reserved_ok: bool = False) -> Room:
    room = db.session.get(Room, _as_int(room_id)) if _is_int(room_id) else None
    if room is None or room.store_id != store_id:
        raise OrderError.on("room_id", _("房间不存在"))
    if room.status != "free" and not (reserved_ok and room.status == "reserved"):
        raise OrderError.on("room_id", _("房间 %(number)s 当前不是空闲状态", number=room.number))
    return room


def day_orders_query(store_id: int, business_date, status: str | None = None):
    """今日消费单: (order, business date, room number, customer name, amount) rows of
    one store's business day, for the order list page and the API."""
    totals = (select(OrderLine.order_id, func.sum(OrderLine.amount).label("amount"))
              .where(OrderLine.status == "active", OrderLine.store_id == store_id)
              .group_by(OrderLine.order_id).subquery())
    query = (select(Order, BusinessDay.business_date, Room.number, Customer.name,
                    totals.c.amount)
             .join(BusinessDay, BusinessDay.id == Order.business_day_id)
             .outerjoin(Room, Room.id == Order.room_id)
             .outerjoin(Customer, Customer.id == Order.customer_id)
             .outerjoin(totals, totals.c.order_id == Order.id)
             .where(Order.store_id == store_id, BusinessDay.business_date == business_date))
    if status:
        query = query.where(Order.status == status)
    return query

