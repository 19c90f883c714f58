"""A complaint about a finished job, for the investigation tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.blueprints.store import orders
from app.blueprints.store.feedback import open_complaint
from app.blueprints.store.models import ServiceItem, ServiceJob, TherapistQualification
from app.extensions import db
from app.models import Employee, Position, Room, Store
from app.models.base import utcnow
from tests.store.helpers import make_catalogue


def room_of_store(store_id: int) -> int:
    return db.session.scalar(select(Room.id).where(Room.store_id == store_id).order_by(Room.id))


def _therapists(store_id: int, number_from: int, item) -> list[Employee]:
    position = db.session.scalar(select(Position).where(Position.role == "therapist"))
    found = []
    for number in (number_from, number_from + 1):
        employee = Employee(employee_no=str(number), name=f"技师{number}", gender="female",
                            store_id=store_id, position_id=position.id, status="active")
        db.session.add(employee)
        db.session.flush()
        db.session.add(TherapistQualification(employee_id=employee.id, service_item_id=item.id))
        found.append(employee)
    db.session.flush()
    return found


def complaint_with_job(company, store_index: int = 0, *, number_from=801):
    """A finished job of a therapist of the store, and a complaint about it.

    Returns (case, served therapist, another therapist of the same store)."""
    # By query, not company.stores: a test may have emptied the session in between.
    store = db.session.scalars(select(Store).order_by(Store.id)).all()[store_index]
    room = db.session.scalars(select(Room).where(Room.store_id == store.id,
                                                 Room.status == "free")
                              .order_by(Room.id)).first()
    foot = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ZL60"))
    items = {"foot": foot} if foot is not None else make_catalogue()
    served, other = _therapists(store.id, number_from, items["foot"])
    order = orders.open_order(store.id, room_id=room.id if room else None)
    line = orders.add_service_line(order, items["foot"].id)
    now = utcnow()
    db.session.add(ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                              order_id=order.id, order_line_id=line.id,
                              therapist_id=served.id,
                              room_id=order.room_id or room_of_store(store.id),
                              job_type="rotation", status="finished",
                              started_at=now - timedelta(minutes=70),
                              planned_end_at=now - timedelta(minutes=10)))
    db.session.flush()
    case = open_complaint(store.id, "按摩力度太重，脚底很痛", order_id=order.id,
                          therapist_id=served.id)
    return case, served, other
