"""预订: book, confirm, cancel, check in on arrival; hold a room before the time and
release no-shows after it.  Plain functions: they add and flush, never commit.

Rules of specs/dispatch.md: a reservation holds a room from
``reservation_hold_minutes`` [15] before its time and is released as no-show
``no_show_after_minutes`` [30] after it (store_policy(); reservation_holds.py).
Both boundaries are inclusive: a 15:00 booking is held from 14:45:00 and is a
no-show at 15:30:00.

Rules chosen where the spec is silent:
* The held room is the free room of the store with the fewest beds that seats
  the whole party (then by room number); when no free room seats the party,
  nothing is held and the greeter's list says so (the tick tries again).
* A booking made inside the hold window holds its room at once.
* Times are stored in UTC; the greeter types and reads the store's local time
  (the company's time zone); a day's list is the business day (06:00–06:00)
  (reservation_lists.py).
* A late guest whose booking was released as no-show can still be checked in
  (the desk picks a room or the party waits).
* On check-in the reserved items become order lines, shared out over the party
  (item 1 → guest 1, item 2 → guest 2, … round again); the requested therapist
  goes on the first line.  An item no longer sold is skipped and reported.
* The guest's gender wish (``gender_wish``: female / male, None for any; a
  guest on the phone says "要女技师") is for the whole party: every line the
  arrival opens carries it, so each rotation of those lines honours it.  A
  requested therapist (点钟) on the first line is dispatched by number and is
  not checked against it.
* A booking by phone is linked to the company's customer file with that phone
  (at booking and again at arrival); no customer file is created without the desk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.store import orders
from app.blueprints.store.customers import find_by_phone, normalise_phone, phone_error
from app.blueprints.store.models import Customer, Order, Reservation, ServiceItem

# Holding rooms and the no-show tick live in reservation_holds.py, the greeter's
# list and the local-time helpers in reservation_lists.py; their names are
# re-exported so ``reservations.run_reservation_tick``, ``reservations.to_local``
# and the like keep working.
from app.blueprints.store.reservation_holds import (  # noqa: F401
    EXPECTED,
    _hold_if_due,
    _is_due,
    _pick_room,
    _release_room,
    as_utc,
    run_reservation_tick,
)
from app.blueprints.store.reservation_lists import (  # noqa: F401
    bookable_items,
    local_to_utc,
    reservation_row,
    reservations_of_day,
    store_therapists,
    to_local,
)
from app.extensions import db
from app.models import Employee, Room, Store
from app.models.base import utcnow
from app.validation import InputError

MAX_PARTY = 20
MAX_ITEMS = 20


class ReservationError(InputError):
    """Bad reservation input; ``fields`` maps each field to its message."""


@dataclass
class CheckIn:
    """What arrival produced: the order, and reserved items that could not be added."""

    order: Order
    skipped_items: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- verbs


def create_reservation(store_id: int, *, starts_at: datetime, name: str = "", phone: str = "",
                       customer_id: int | None = None, party_size: int = 1,
                       service_item_ids: list[int] | None = None,
                       requested_therapist_id: int | None = None,
                       gender_wish: str | None = None, note: str = "",
                       actor=None, now: datetime | None = None) -> Reservation:
    """Book a visit: a known guest (``customer_id``) or a name and phone."""
    now = as_utc(now or utcnow())
    values = _check(store_id, {
        "starts_at": starts_at, "name": name, "phone": phone, "customer_id": customer_id,
        "party_size": party_size, "service_item_ids": service_item_ids or [],
        "requested_therapist_id": requested_therapist_id, "gender_wish": gender_wish,
        "note": note}, now=now)
    reservation = Reservation(store_id=store_id, status="booked",
                              created_by_account_id=getattr(actor, "id", None), **values)
    db.session.add(reservation)
    db.session.flush()
    _hold_if_due(reservation, now)
    return reservation


def update_reservation(reservation: Reservation, *, now: datetime | None = None,
                       **changes) -> Reservation:
    """Change time, party, items, therapist, gender wish, guest or note of a booking
    still expected."""
    _ensure_expected(reservation)
    now = as_utc(now or utcnow())
    allowed = {"starts_at", "name", "phone", "customer_id", "party_size", "service_item_ids",
               "requested_therapist_id", "gender_wish", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ReservationError({name: _("不能修改此字段") for name in sorted(unknown)})
    merged = {name: getattr(reservation, name) for name in allowed} | changes
    new_time = changes.get("starts_at")
    time_changed = isinstance(new_time, datetime) and \
        as_utc(new_time) != as_utc(reservation.starts_at)
    values = _check(reservation.store_id, merged, now=now, time_changed=time_changed)
    for name, value in values.items():
        setattr(reservation, name, value)
    # A new time or a bigger party may no longer suit the room held: hold again.
    if reservation.room_id is not None:
        room = db.session.get(Room, reservation.room_id)
        if not _is_due(reservation, now) or room.beds < reservation.party_size:
            _release_room(reservation)
    db.session.flush()
    _hold_if_due(reservation, now)
    return reservation


def confirm_reservation(reservation: Reservation) -> Reservation:
    """The guest confirmed (e.g. called back): booked → confirmed."""
    if reservation.status != "booked":
        raise ReservationError.on("status", _("只有待确认的预订可以确认"))
    reservation.status = "confirmed"
    db.session.flush()
    return reservation


def cancel_reservation(reservation: Reservation, reason: str = "") -> Reservation:
    """The guest cancelled: the held room (if any) is free again; the booking is kept."""
    _ensure_expected(reservation)
    reason = (reason or "").strip()
    if reason:
        reservation.note = (f"{reservation.note} / " if reservation.note else "") + \
            _("取消原因：%(reason)s", reason=reason)
        reservation.note = reservation.note[:255]
    _release_room(reservation)
    reservation.status = "cancelled"
    db.session.flush()
    return reservation


def check_in_reservation(reservation: Reservation, *, room_id: int | None = None,
                         actor=None) -> CheckIn:
    """到店: open the order in the held room (or ``room_id``) with the reserved items."""
    if reservation.status not in (*EXPECTED, "no_show"):
        raise ReservationError.on("status", _("该预订已到店或已取消"))
    held = reservation.room_id
    chosen = room_id if room_id is not None else held
    if chosen is not None and chosen == held:
        room = db.session.get(Room, held)
        if room.status not in ("reserved", "free"):
            chosen = None  # the desk gave the held room away meanwhile: find another
    if chosen is None:
        room = _pick_room(reservation.store_id, reservation.party_size)
        chosen = room.id if room is not None else None
    if held is not None and chosen != held:
        _release_room(reservation)
    customer_id = reservation.customer_id
    if customer_id is None:
        known = find_by_phone(reservation.phone)
        customer_id = known.id if known is not None else None
    try:
        order = orders.open_order(reservation.store_id, room_id=chosen, customer_id=customer_id,
                                  guest_name=reservation.name,
                                  party_size=reservation.party_size, actor=actor,
                                  reserved_room_ok=chosen is not None and chosen == held)
    except orders.OrderError as exc:
        raise ReservationError(exc.fields) from None
    order.notes = _("预订到店 #%(id)s", id=reservation.id) + (
        f" · {reservation.note}" if reservation.note else "")
    skipped = []
    items = {item.id: item for item in db.session.scalars(
        select(ServiceItem).where(ServiceItem.id.in_(reservation.service_item_ids or [-1])))}
    for index, item_id in enumerate(reservation.service_item_ids or []):
        item = items.get(item_id)
        if item is None or not item.is_active:
            skipped.append(item.name if item else str(item_id))
            continue
        orders.add_service_line(
            order, item_id, guest_no=index % reservation.party_size + 1,
            requested_therapist_id=reservation.requested_therapist_id if index == 0 else None,
            gender_wish=reservation.gender_wish)
    reservation.status = "arrived"
    reservation.customer_id = customer_id
    reservation.order_id = order.id
    reservation.room_id = order.room_id
    db.session.flush()
    return CheckIn(order, skipped)


# --------------------------------------------------------------------------- internals


def _ensure_expected(reservation: Reservation) -> None:
    if reservation.status not in EXPECTED:
        raise ReservationError.on("status", _("该预订已到店、已取消或已爽约，不能再修改"))


def _check(store_id: int, values: dict, *, now: datetime, time_changed: bool = True) -> dict:
    """Validated, cleaned values of a booking; raises every field error at once."""
    errors: dict[str, str] = {}
    if db.session.get(Store, store_id) is None:
        raise ReservationError.on("store_id", _("门店不存在"))
    customer = None
    if values.get("customer_id") not in (None, "", 0):
        customer = db.session.get(Customer, int(values["customer_id"]))
        if customer is None:
            errors["customer_id"] = _("客户不存在")
    phone = normalise_phone(values.get("phone")) or (customer.phone if customer else "")
    if customer is None and "customer_id" not in errors and phone:
        customer = find_by_phone(phone)  # a regular who phoned: link their file
    name = (values.get("name") or "").strip() or (customer.name if customer else "")
    if not name:
        errors["name"] = _("必填")
    elif len(name) > 64:
        errors["name"] = _("不能超过 %(n)d 个字符", n=64)
    message = phone_error(phone)
    if message:
        errors["phone"] = message
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = _("请填写预订时间")
    else:
        starts_at = as_utc(starts_at)
        if time_changed and starts_at < now - timedelta(minutes=1):
            errors["starts_at"] = _("预订时间已过")
        elif starts_at > now + timedelta(days=366):
            errors["starts_at"] = _("只能预订一年以内")
    party_size = values.get("party_size")
    if isinstance(party_size, bool) or not isinstance(party_size, int) \
            or not 1 <= party_size <= MAX_PARTY:
        errors["party_size"] = _("人数应为 1–%(n)d", n=MAX_PARTY)
    item_ids = values.get("service_item_ids") or []
    if not isinstance(item_ids, list | tuple) or len(item_ids) > MAX_ITEMS \
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in item_ids):
        errors["service_item_ids"] = _("服务项目无效")
    else:
        found = set(db.session.scalars(
            select(ServiceItem.id).where(ServiceItem.id.in_(item_ids or [-1]),
                                         ServiceItem.is_active.is_(True))))
        if set(item_ids) - found:
            errors["service_item_ids"] = _("没有这个服务项目")
    therapist_id = values.get("requested_therapist_id")
    if therapist_id in ("", 0):
        therapist_id = None
    if therapist_id is not None:
        therapist = db.session.get(Employee, therapist_id)
        if therapist is None or therapist.store_id != store_id or therapist.status == "left":
            errors["requested_therapist_id"] = _("本店没有这位技师")
    try:
        gender_wish = orders.clean_gender_wish(values.get("gender_wish"))
    except ValueError:
        gender_wish = None
        errors["gender_wish"] = _("性别只能是女或男")
    note = (values.get("note") or "").strip()
    if len(note) > 200:
        errors["note"] = _("不能超过 %(n)d 个字符", n=200)
    if errors:
        raise ReservationError(errors)
    return {"starts_at": starts_at, "name": name, "phone": phone,
            "customer_id": customer.id if customer else None, "party_size": party_size,
            "service_item_ids": list(item_ids), "requested_therapist_id": therapist_id,
            "gender_wish": gender_wish, "note": note}
