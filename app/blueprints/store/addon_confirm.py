"""加钟 confirmation: the guest's QR scan (token, details, confirm), and what checkout reads."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.blueprints.store.board import DispatchError, _aware
from app.blueprints.store.models import (
    OrderLine,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee, Room
from app.models.base import utcnow
from app.tenancy import cross_tenant_access


def addon_by_token(token: str) -> ServiceJob | None:
    """The add-on job of a QR token, of any tenant (the guest is not logged in):
    the token is a 192-bit secret; the caller enters the job's tenant next."""
    if not token or len(token) > 64:
        return None
    with cross_tenant_access("guest add-on QR code"):
        return db.session.scalar(
            select(ServiceJob).where(ServiceJob.addon_token == token,
                                     ServiceJob.is_addon.is_(True)))


def addon_details(job: ServiceJob) -> dict:
    """What the guest sees before confirming: item, therapist number, room."""
    line = db.session.get(OrderLine, job.order_line_id)
    therapist = db.session.get(Employee, job.therapist_id)
    room = db.session.get(Room, job.room_id) if job.room_id else None
    return {"item": line.name, "amount": line.amount, "therapist_no": therapist.employee_no,
            "room": room.number if room else "", "planned_end_at": _aware(job.planned_end_at),
            "confirmed_at": _aware(job.addon_confirmed_at), "running": job.status == "in_service"}


def confirm_addon(job: ServiceJob) -> ServiceJob:
    """The guest confirms the add-on; only while the job runs (the QR expires with it)."""
    if job.status != "in_service":
        raise DispatchError.on("token", _l("该加钟已结束，二维码已失效"))
    if job.addon_confirmed_at is None:
        job.addon_confirmed_at = utcnow()
        db.session.flush()
    return job


def addon_confirmations(order_id: int) -> dict[int, datetime | None]:
    """For checkout: add-on line id -> when the guest confirmed it (None: unconfirmed)."""
    confirmed: dict[int, datetime | None] = {}
    for line_id, at in db.session.execute(
            select(ServiceJob.order_line_id, ServiceJob.addon_confirmed_at)
            .where(ServiceJob.order_id == order_id, ServiceJob.is_addon.is_(True),
                   ServiceJob.status.in_(("in_service", "finished")))):
        confirmed[line_id] = _aware(at)
    return confirmed
