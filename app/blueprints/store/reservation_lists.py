"""The greeter's list of bookings and what the booking form offers, in the store's local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.blueprints.store.models import Customer, Reservation, ServiceItem
from app.blueprints.store.policy import store_policy
from app.blueprints.store.reservation_holds import as_utc
from app.extensions import db
from app.models import Employee, Room, Tenant
from app.tenancy import current_tenant_id


@dataclass
class ReservationRow:
    """One line of the greeter's list."""

    reservation: Reservation
    room_number: str | None
    therapist: str | None  # "801 王芳"
    customer_taboos: str
    items: list[str]


# --------------------------------------------------------------------------- time


def local_zone() -> ZoneInfo:
    tenant = db.session.get(Tenant, current_tenant_id())
    return ZoneInfo(tenant.timezone if tenant else "Asia/Shanghai")


def local_to_utc(day: date, at: time) -> datetime:
    """A date and wall-clock time typed at the desk, as an aware UTC moment."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(local_zone())


def business_day_window(business_date: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of one business day (from business_day_starts_at)."""
    starts = store_policy().business_day_starts_at
    return (local_to_utc(business_date, starts),
            local_to_utc(business_date + timedelta(days=1), starts))


# --------------------------------------------------------------------------- lists


def reservations_of_day(store_id: int, business_date: date) -> list[ReservationRow]:
    """The greeter's list of a business day, by time (two statements)."""
    start, end = business_day_window(business_date)
    therapist = aliased(Employee)
    rows = db.session.execute(
        select(Reservation, Room.number, therapist.employee_no, therapist.name, Customer.taboos)
        .outerjoin(Room, Room.id == Reservation.room_id)
        .outerjoin(therapist, therapist.id == Reservation.requested_therapist_id)
        .outerjoin(Customer, Customer.id == Reservation.customer_id)
        .where(Reservation.store_id == store_id, Reservation.starts_at >= start,
               Reservation.starts_at < end)
        .order_by(Reservation.starts_at, Reservation.id)
    ).all()
    return _with_items([
        ReservationRow(reservation, number, f"{no} {name}" if no else None, taboos or "", [])
        for reservation, number, no, name, taboos in rows])


def reservation_row(reservation: Reservation) -> ReservationRow:
    room = db.session.get(Room, reservation.room_id) if reservation.room_id else None
    therapist = (db.session.get(Employee, reservation.requested_therapist_id)
                 if reservation.requested_therapist_id else None)
    customer = db.session.get(Customer, reservation.customer_id) if reservation.customer_id \
        else None
    return _with_items([ReservationRow(
        reservation, room.number if room else None,
        f"{therapist.employee_no} {therapist.name}" if therapist else None,
        customer.taboos if customer else "", [])])[0]


def bookable_items() -> list[ServiceItem]:
    return list(db.session.scalars(
        select(ServiceItem).where(ServiceItem.is_active.is_(True))
        .order_by(ServiceItem.category, ServiceItem.code)))


def store_therapists(store_id: int) -> list[Employee]:
    """Therapists of the store a guest may ask for (点钟), by number."""
    from app.models import Position

    return list(db.session.scalars(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", Employee.store_id == store_id,
               Employee.status.in_(("probation", "active")))
        .order_by(Employee.employee_no)))


# --------------------------------------------------------------------------- internals


def _with_items(rows: list[ReservationRow]) -> list[ReservationRow]:
    ids = {item_id for row in rows for item_id in (row.reservation.service_item_ids or [])}
    names = dict(db.session.execute(
        select(ServiceItem.id, ServiceItem.name).where(ServiceItem.id.in_(ids))).all()) \
        if ids else {}
    for row in rows:
        row.items = [names.get(item_id, str(item_id))
                     for item_id in row.reservation.service_item_ids or []]
    return rows
