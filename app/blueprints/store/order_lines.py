"""An order's lines: what a service or product line holds and costs, 点钟 by number, adding one.

A service line also keeps the guest's gender wish (``gender_wish``: female,
male or None for any), which every rotation dispatch of the line uses.

A service added to an open order without a guest number (the order page's
"add a line" form pre-selects the same guest; the API's omitted ``guest_no``) is
for the first guest of the party who has no service line yet — cancelled lines
do not count, a guest whose only service was cancelled has none — and, when
every guest has one, for guest 1 (:func:`guest_for_new_line`).  A party of 3
whose guests 1 and 2 have their 足疗 gets guest 3's service next.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.store.models import (
    Order,
    OrderLine,
    Product,
    ServiceItem,
    StoreServicePrice,
)
from app.extensions import db
from app.models import Employee, Position
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.validation import InputError

OPEN_STATUSES = ("waiting", "in_service", "to_pay")
GENDER_WISHES = ("female", "male")
# A party may still get services while it waits or is being served.
SERVING_STATUSES = ("waiting", "in_service")


class OrderError(InputError):
    """Bad input for an order; ``fields`` maps each field to its message."""


@dataclass(frozen=True)
class ServiceRequest:
    """One service asked for at check-in: which guest, which item, 点钟 number,
    the guest's wish for a female or male therapist ("" / None: any)."""

    service_item_id: int | None
    guest_no: int | None = None  # None / "": the next guest (see orders.check_in)
    therapist_no: str = ""
    gender: str | None = ""


@dataclass(frozen=True)
class ProductRequest:
    """A product sold at check-in (tea, snacks)."""

    product_id: int | None
    quantity: int = 1


def service_price(store_id: int, item: ServiceItem) -> Decimal:
    override = db.session.scalar(
        select(StoreServicePrice.price).where(StoreServicePrice.store_id == store_id,
                                              StoreServicePrice.service_item_id == item.id))
    return override if override is not None else item.price


def service_line_values(order: Order, item: ServiceItem, price: Decimal, guest_no: int,
                        requested_therapist_id: int | None = None,
                        addon_of_line_id: int | None = None,
                        gender_wish: str | None = None) -> dict:
    """The columns of a service line as sold (name and price kept if the catalogue changes)."""
    return {"order_id": order.id, "store_id": order.store_id, "kind": "service",
            "service_item_id": item.id, "product_id": None, "name": item.name, "quantity": 1,
            "unit_price": price, "amount": price, "guest_no": guest_no,
            "requested_therapist_id": requested_therapist_id, "gender_wish": gender_wish,
            "addon_of_line_id": addon_of_line_id, "status": "active", "created_at": utcnow()}


def product_line_values(order: Order, product: Product, quantity: int) -> dict:
    """The columns of a product line."""
    return {"order_id": order.id, "store_id": order.store_id, "kind": "product",
            "service_item_id": None, "product_id": product.id, "name": product.name,
            "quantity": quantity, "unit_price": product.price,
            "amount": product.price * quantity, "guest_no": 1,
            "requested_therapist_id": None, "gender_wish": None, "addon_of_line_id": None,
            "status": "active", "created_at": utcnow()}


def _priced_items(store_id: int, ids) -> dict[int, tuple[ServiceItem, Decimal]]:
    """Active service items among ``ids`` with the store's price, in one query."""
    wanted = {int(i) for i in ids if _is_int(i)}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(ServiceItem, StoreServicePrice.price)
        .outerjoin(StoreServicePrice,
                   (StoreServicePrice.service_item_id == ServiceItem.id)
                   & (StoreServicePrice.store_id == store_id))
        .where(ServiceItem.id.in_(wanted), ServiceItem.is_active))
    return {item.id: (item, override if override is not None else item.price)
            for item, override in rows}


def therapists_by_number(store_id: int, numbers) -> dict[str, Employee]:
    """employee_no -> therapist of this store on staff, for the numbers given (点钟)."""
    wanted = {str(n).strip() for n in numbers if n and str(n).strip()}
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Employee.employee_no.in_(wanted), Employee.store_id == store_id,
               Employee.status.in_(ON_STAFF_STATUSES), Position.role == "therapist"))
    return {employee.employee_no: employee for employee in rows}


def clean_gender_wish(value) -> str | None:
    """female / male, None for any; anything else raises ValueError."""
    value = value.strip() if isinstance(value, str) else value
    if not value:
        return None
    if value not in GENDER_WISHES:
        raise ValueError(value)
    return value


def guest_for_new_line(order: Order, lines: list[OrderLine] | None = None) -> int:
    """The guest a service added without a guest number is for: the first guest of
    the party with no active service line, else guest 1.  ``lines``: the order's
    lines when already loaded (the order page), else they are queried."""
    if lines is None:
        served = set(db.session.scalars(
            select(OrderLine.guest_no).where(OrderLine.order_id == order.id,
                                             OrderLine.kind == "service",
                                             OrderLine.status == "active")))
    else:
        served = {line.guest_no for line in lines
                  if line.kind == "service" and line.status == "active"}
    return next((n for n in range(1, order.party_size + 1) if n not in served), 1)


def add_service_line(order: Order, service_item_id: int, *, guest_no: int | None = None,
                     requested_therapist_id: int | None = None,
                     addon_of_line_id: int | None = None,
                     gender_wish: str | None = None) -> OrderLine:
    """A service for one guest of the order (with their gender wish); a therapist
    is dispatched to it next.  No ``guest_no`` (None / ""): :func:`guest_for_new_line`."""
    if order.status not in SERVING_STATUSES:
        raise OrderError.on("order", _("该消费单已结账、已取消或服务已结束"))
    item = db.session.get(ServiceItem, _as_int(service_item_id)) if _is_int(service_item_id) \
        else None
    if item is None or not item.is_active:
        raise OrderError.on("service_item_id", _("没有这个服务项目"))
    if guest_no is None or (isinstance(guest_no, str) and not guest_no.strip()):
        guest_no = guest_for_new_line(order)
    if not _is_int(guest_no) or not 1 <= int(guest_no) <= order.party_size:
        raise OrderError.on("guest_no", _("客人序号应为 1–%(n)d", n=order.party_size))
    try:
        gender_wish = clean_gender_wish(gender_wish)
    except ValueError:
        raise OrderError.on("gender", _("性别只能是女或男")) from None
    line = OrderLine(**service_line_values(order, item, service_price(order.store_id, item),
                                           int(guest_no), requested_therapist_id,
                                           addon_of_line_id, gender_wish))
    db.session.add(line)
    db.session.flush()
    return line


def add_product_line(order: Order, product_id: int, quantity: int = 1) -> OrderLine:
    """A product sold on the order (until it is paid)."""
    _ensure_open(order)
    product = db.session.get(Product, _as_int(product_id)) if _is_int(product_id) else None
    if product is None or not product.is_active:
        raise OrderError.on("product_id", _("没有这个商品"))
    if not _is_int(quantity) or not 1 <= int(quantity) <= 99:
        raise OrderError.on("quantity", _("数量应为 1–99"))
    line = OrderLine(**product_line_values(order, product, int(quantity)))
    db.session.add(line)
    db.session.flush()
    return line


def _active_by_id(model, ids) -> dict:
    """Active catalogue rows among ``ids``, loaded in one query (then in the identity map)."""
    wanted = {int(i) for i in ids if _is_int(i)}
    if not wanted:
        return {}
    rows = db.session.scalars(select(model).where(model.id.in_(wanted), model.is_active))
    return {row.id: row for row in rows}


def _as_int(value) -> int | None:
    return int(str(value)) if _is_int(value) else None


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    try:
        int(str(value))
    except (TypeError, ValueError):
        return False
    return True


def _ensure_open(order: Order) -> None:
    if order.status not in OPEN_STATUSES:
        raise OrderError.on("order", _("该消费单已结账或已取消"))
