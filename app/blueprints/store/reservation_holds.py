"""Rooms held for bookings: held before the booked time, released as no-show after it (the tick)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import Reservation
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.models import Room
from app.models.base import utcnow

# A booking still expected: it may hold a room and become a no-show.
EXPECTED = ("booked", "confirmed")


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes, which are UTC here."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --------------------------------------------------------------------------- the tick


def run_reservation_tick(now: datetime | None = None,
                         store_ids: list[int] | None = None) -> dict:
    """Release no-shows, then hold rooms for bookings now due; every store of the tenant.

    Idempotent: a second run at the same moment changes nothing.  Each store's
    business-day row is locked first, as check-in does, so a room is never held
    and checked into at once.
    """
    now = as_utc(now or utcnow())
    policy = store_policy()
    late = timedelta(minutes=policy.no_show_after_minutes)
    hold = timedelta(minutes=policy.reservation_hold_minutes)
    no_shows = select(Reservation).where(Reservation.status.in_(EXPECTED),
                                         Reservation.starts_at <= now - late)
    due = select(Reservation).where(Reservation.status.in_(EXPECTED),
                                    Reservation.room_id.is_(None),
                                    Reservation.starts_at <= now + hold,
                                    Reservation.starts_at > now - late)
    if store_ids is not None:
        no_shows = no_shows.where(Reservation.store_id.in_(store_ids or [-1]))
        due = due.where(Reservation.store_id.in_(store_ids or [-1]))
    work: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"release": [], "hold": []})
    for reservation_id, store_id in db.session.execute(
            no_shows.with_only_columns(Reservation.id, Reservation.store_id)):
        work[store_id]["release"].append(reservation_id)
    for reservation_id, store_id in db.session.execute(
            due.with_only_columns(Reservation.id, Reservation.store_id)
            .order_by(Reservation.starts_at, Reservation.id)):
        work[store_id]["hold"].append(reservation_id)
    released = held = unseated = 0
    business_date = today_for_store(now)
    for store_id in sorted(work):
        get_business_day(store_id, business_date, lock=True)
        for reservation_id in work[store_id]["release"]:
            reservation = _reload(reservation_id)
            if reservation.status in EXPECTED:  # re-read under the lock
                _release_room(reservation)
                reservation.status = "no_show"
                released += 1
        for reservation_id in work[store_id]["hold"]:
            reservation = _reload(reservation_id)
            if reservation.status not in EXPECTED or reservation.room_id is not None:
                continue
            if _hold(reservation):
                held += 1
            else:
                unseated += 1
    db.session.flush()
    return {"held": held, "no_show": released, "no_room": unseated, "at": now.isoformat()}


# --------------------------------------------------------------------------- internals


def _reload(reservation_id: int) -> Reservation:
    return db.session.scalar(select(Reservation).where(Reservation.id == reservation_id)
                             .execution_options(populate_existing=True))


def _is_due(reservation: Reservation, now: datetime) -> bool:
    policy = store_policy()
    starts = as_utc(reservation.starts_at)
    return (starts - timedelta(minutes=policy.reservation_hold_minutes) <= now
            < starts + timedelta(minutes=policy.no_show_after_minutes))


def _hold_if_due(reservation: Reservation, now: datetime) -> None:
    if reservation.room_id is None and _is_due(reservation, now):
        get_business_day(reservation.store_id, today_for_store(now), lock=True)
        _hold(reservation)


def _hold(reservation: Reservation) -> bool:
    room = _pick_room(reservation.store_id, reservation.party_size)
    if room is None:
        return False
    room.status = "reserved"
    reservation.room_id = room.id
    return True


def _pick_room(store_id: int, party_size: int) -> Room | None:
    """The free room with the fewest beds that seats the party."""
    return db.session.scalar(
        select(Room).where(Room.store_id == store_id, Room.status == "free",
                           Room.beds >= party_size)
        .order_by(Room.beds, Room.number, Room.id).limit(1).with_for_update())


def _release_room(reservation: Reservation) -> None:
    """Give the held room back (only if it is still held: the desk may have used it)."""
    if reservation.room_id is None:
        return
    room = db.session.get(Room, reservation.room_id)
    if room is not None and room.status == "reserved":
        room.status = "free"
    reservation.room_id = None
