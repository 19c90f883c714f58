"""/api/v1/stores/<id>/reservations and /api/v1/reservations/<id>: 预订."""

from datetime import date

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.store import reservations as service
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import Reservation
from app.blueprints.store.models.reservations import RESERVATION_STATUSES
from app.blueprints.store.order_lines import GENDER_WISHES
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_reservations", __name__, description="Reservations (预订)")

GENDER_WISH_DESCRIPTION = ("the guest's wish for a female or male therapist (null: any); "
                           "every order line the arrival opens carries it, and rotation "
                           "dispatches them by it")


class ReservationSchema(Schema):
    id = fields.Integer(dump_only=True)
    store_id = fields.Integer(dump_only=True)
    customer_id = fields.Integer(allow_none=True)
    name = fields.String()
    phone = fields.String()
    starts_at = fields.AwareDateTime(required=True,
                                     metadata={"description": "ISO 8601 with offset"})
    party_size = fields.Integer(strict=True)
    service_item_ids = fields.List(fields.Integer(strict=True))
    requested_therapist_id = fields.Integer(allow_none=True, strict=True)
    gender_wish = fields.String(allow_none=True, validate=validate.OneOf(GENDER_WISHES),
                                metadata={"description": GENDER_WISH_DESCRIPTION})
    room_id = fields.Integer(dump_only=True, allow_none=True,
                             metadata={"description": "the room held for it"})
    status = fields.String(validate=validate.OneOf(RESERVATION_STATUSES), dump_only=True)
    order_id = fields.Integer(dump_only=True, allow_none=True)
    note = fields.String()
    created_at = fields.DateTime(dump_only=True)


class ReservationWriteSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=64))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    customer_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    party_size = fields.Integer(load_default=1, strict=True)
    service_item_ids = fields.List(fields.Integer(strict=True), load_default=list)
    requested_therapist_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    gender_wish = fields.String(load_default=None, allow_none=True,
                                validate=validate.OneOf(GENDER_WISHES),
                                metadata={"description": GENDER_WISH_DESCRIPTION})
    note = fields.String(load_default="", validate=validate.Length(max=200))


class ReservationUpdateSchema(Schema):
    """A change of a booking still expected: only the fields given change."""

    starts_at = fields.AwareDateTime()
    name = fields.String(validate=validate.Length(max=64))
    phone = fields.String(validate=validate.Length(max=32))
    customer_id = fields.Integer(allow_none=True, strict=True)
    party_size = fields.Integer(strict=True)
    service_item_ids = fields.List(fields.Integer(strict=True))
    requested_therapist_id = fields.Integer(allow_none=True, strict=True)
    gender_wish = fields.String(allow_none=True, validate=validate.OneOf(GENDER_WISHES),
                                metadata={"description": GENDER_WISH_DESCRIPTION})
    note = fields.String(validate=validate.Length(max=200))


class DayArgsSchema(Schema):
    date = fields.Date(metadata={"description": "business day; today when absent"})


class CancelSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=100))


class CheckInSchema(Schema):
    reservation = fields.Nested(ReservationSchema)
    order_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    skipped_items = fields.List(fields.String())


class ReservationListSchema(Schema):
    date = fields.Date()
    items = fields.List(fields.Nested(ReservationSchema))


@blp.route("/stores/<int:store_id>/reservations")
@blp.arguments(DayArgsSchema, location="query")
@blp.response(200, ReservationListSchema)
@permission_required("reservation.manage")
def list_reservations(args, store_id: int):
    """The reservations of one business day of the store, by time."""
    store = get_in_scope_or_404(Store, store_id)
    day: date = args.get("date") or today_for_store()
    return {"date": day,
            "items": [row.reservation for row in service.reservations_of_day(store.id, day)]}


@blp.route("/stores/<int:store_id>/reservations", methods=["POST"])
@blp.arguments(ReservationWriteSchema)
@blp.response(201, ReservationSchema)
@permission_required("reservation.manage")
def create_reservation(data, store_id: int):
    """Book: ``customer_id`` or ``name`` + ``phone``; holds a room at once when due."""
    store = get_in_scope_or_404(Store, store_id)
    reservation = service.create_reservation(store.id, **data, actor=current_user)
    db.session.commit()
    return reservation


@blp.route("/reservations/<int:reservation_id>")
@blp.response(200, ReservationSchema)
@permission_required("reservation.manage")
def get_reservation(reservation_id: int):
    return get_in_scope_or_404(Reservation, reservation_id)


@blp.route("/reservations/<int:reservation_id>", methods=["PATCH"])
@blp.arguments(ReservationUpdateSchema)
@blp.response(200, ReservationSchema)
@permission_required("reservation.manage")
def update_reservation(data, reservation_id: int):
    """Change a booking still expected (time, party, items, 点钟, gender wish, guest,
    note), as the page does; a new time or a bigger party holds a room again."""
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    service.update_reservation(reservation, **data)
    db.session.commit()
    return reservation


@blp.route("/reservations/<int:reservation_id>/confirm", methods=["POST"])
@blp.response(200, ReservationSchema)
@permission_required("reservation.manage")
def confirm_reservation(reservation_id: int):
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    service.confirm_reservation(reservation)
    db.session.commit()
    return reservation


@blp.route("/reservations/<int:reservation_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200, ReservationSchema)
@permission_required("reservation.manage")
def cancel_reservation(data, reservation_id: int):
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    service.cancel_reservation(reservation, data["reason"])
    db.session.commit()
    return reservation


@blp.route("/reservations/<int:reservation_id>/arrive", methods=["POST"])
@blp.response(201, CheckInSchema)
@permission_required("reservation.manage")
def arrive(reservation_id: int):
    """到店: opens the order in the held room with the reserved items (needs order.create)."""
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    if not current_user.can("order.create"):
        abort(403)
    check_in = service.check_in_reservation(reservation, actor=current_user)
    db.session.commit()
    return {"reservation": reservation, "order_id": check_in.order.id,
            "room_id": check_in.order.room_id, "skipped_items": check_in.skipped_items}
