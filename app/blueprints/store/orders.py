"""消费单 verbs shared by the desk: open an order, add lines, and what happens when
its services end.  Plain functions: they add and flush, never commit.

Rules chosen where specs/dispatch.md is silent:
* An order opened with no room waits in the waiting area (status ``waiting``);
  it gets a room when one is free (``seat_order``).
* A room is ``occupied`` from check-in until every service of the order has
  ended; then it is ``cleaning`` and the order is ``to_pay``.
* Prices: the store's own price when it has one, else the head-office price.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update

from app.blueprints.store.days import lock_today
from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    Order,
    OrderLine,
    Product,
    ServiceItem,
    ServiceJob,
    StoreServicePrice,
)
from app.extensions import db
from app.models import Room, Store
from app.validation import InputError

OPEN_STATUSES = ("waiting", "in_service", "to_pay")


class OrderError(InputError):
    """Bad input for an order; ``fields`` maps each field to its message."""


def order_number(order: Order, day: BusinessDay) -> str:
    """The number printed on the slip: business date and the day's sequence."""
    return f"{day.business_date:%Y%m%d}-{order.seq:03d}"


def service_price(store_id: int, item: ServiceItem) -> Decimal:
    override = db.session.scalar(
        select(StoreServicePrice.price).where(StoreServicePrice.store_id == store_id,
                                              StoreServicePrice.service_item_id == item.id))
    return override if override is not None else item.price


def open_order(store_id: int, *, room_id: int | None = None, customer_id: int | None = None,
               guest_name: str = "", party_size: int = 1, actor=None,
               reserved_room_ok: bool = False) -> Order:
    """Check a guest (or a party) in: a new order in a free room or the waiting area.

    ``reserved_room_ok``: the guest is the one the room is held for (预订到店).
    """
    store = db.session.get(Store, store_id)
    if store is None:
        raise OrderError.on("store_id", "门店不存在")
    if not 1 <= int(party_size) <= 20:
        raise OrderError.on("party_size", "人数应为 1–20")
    if customer_id is not None and db.session.get(Customer, customer_id) is None:
        raise OrderError.on("customer_id", "客户不存在")
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


def seat_order(order: Order, room_id: int) -> Order:
    """Give a waiting order a room, or move a seated one to another (转房)."""
    _ensure_open(order)
    room = _free_room(order.store_id, room_id)
    if order.room_id is not None:
        previous = db.session.get(Room, order.room_id)
        previous.status = "cleaning"
    room.status = "occupied"
    order.room_id = room.id
    if order.status == "waiting":
        order.status = "in_service"
    db.session.execute(
        update(ServiceJob)
        .where(ServiceJob.order_id == order.id, ServiceJob.status == "in_service")
        .values(room_id=room.id))
    return order


def add_service_line(order: Order, service_item_id: int, *, guest_no: int = 1,
                     requested_therapist_id: int | None = None,
                     addon_of_line_id: int | None = None) -> OrderLine:
    """A service for one guest of the order; a therapist is dispatched to it next."""
    _ensure_open(order)
    item = db.session.get(ServiceItem, service_item_id)
    if item is None or not item.is_active:
        raise OrderError.on("service_item_id", "没有这个服务项目")
    if not 1 <= int(guest_no) <= order.party_size:
        raise OrderError.on("guest_no", f"客人序号应为 1–{order.party_size}")
    price = service_price(order.store_id, item)
    line = OrderLine(order_id=order.id, store_id=order.store_id, kind="service",
                     service_item_id=item.id, name=item.name, quantity=1, unit_price=price,
                     amount=price, guest_no=int(guest_no),
                     requested_therapist_id=requested_therapist_id,
                     addon_of_line_id=addon_of_line_id)
    db.session.add(line)
    db.session.flush()
    return line


def add_product_line(order: Order, product_id: int, quantity: int = 1) -> OrderLine:
    _ensure_open(order)
    product = db.session.get(Product, product_id)
    if product is None or not product.is_active:
        raise OrderError.on("product_id", "没有这个商品")
    if not 1 <= int(quantity) <= 99:
        raise OrderError.on("quantity", "数量应为 1–99")
    line = OrderLine(order_id=order.id, store_id=order.store_id, kind="product",
                     product_id=product.id, name=product.name, quantity=int(quantity),
                     unit_price=product.price, amount=product.price * int(quantity))
    db.session.add(line)
    db.session.flush()
    return line


def after_job_ended(order: Order) -> None:
    """Called when a job of the order ends: once no service is running or still
    waiting for a therapist, the room goes to cleaning and the order to the cashier."""
    if order.status not in ("in_service", "waiting"):
        return
    running = db.session.scalar(
        select(func.count(ServiceJob.id))
        .where(ServiceJob.order_id == order.id, ServiceJob.status == "in_service"))
    if running:
        return
    undispatched = db.session.scalar(
        select(func.count(OrderLine.id))
        .where(OrderLine.order_id == order.id, OrderLine.kind == "service",
               OrderLine.status == "active",
               ~select(ServiceJob.id)
               .where(ServiceJob.order_line_id == OrderLine.id,
                      ServiceJob.status.in_(("in_service", "finished")))
               .exists()))
    if undispatched:
        return
    order.status = "to_pay"
    if order.room_id is not None:
        db.session.get(Room, order.room_id).status = "cleaning"


def _free_room(store_id: int, room_id: int, reserved_ok: bool = False) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.store_id != store_id:
        raise OrderError.on("room_id", "房间不存在")
    if room.status != "free" and not (reserved_ok and room.status == "reserved"):
        raise OrderError.on("room_id", f"房间 {room.number} 当前不是空闲状态")
    return room


def _ensure_open(order: Order) -> None:
    if order.status not in OPEN_STATUSES:
        raise OrderError.on("order", "该消费单已结账或已取消")
