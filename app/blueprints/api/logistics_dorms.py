"""宿舍 over the API (head office, ``dorm.manage``): dormitories with occupancy, beds,
stays (move in, move out, move to another bed), histories.

Rules in app/blueprints/logistics/dorms.py: one person per bed, one open stay per
person, the dormitory's gender, nobody who has left.
"""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money
from app.blueprints.logistics import dorms as rules
from app.blueprints.logistics.models import DormAssignment, DormBed, Dormitory
from app.extensions import db
from app.models import Employee
from app.models.people import GENDERS
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_logistics_dorms", __name__, description="Staff dormitory (宿舍)")


class DormitorySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    store_id = fields.Integer(allow_none=True, load_default=None,
                              metadata={"description": "the store it serves; None: several"})
    gender = fields.String(allow_none=True, load_default=None,
                           validate=validate.OneOf(GENDERS),
                           metadata={"description": "female | male | null (either)"})
    monthly_rent = Money(allow_none=True, load_default=None)
    is_active = fields.Boolean(load_default=True)
    beds = fields.Integer(dump_only=True)
    occupied = fields.Integer(dump_only=True)
    free = fields.Integer(dump_only=True)


class BedSchema(Schema):
    id = fields.Integer(dump_only=True)
    dormitory_id = fields.Integer(dump_only=True)
    room_no = fields.String(required=True, validate=validate.Length(min=1, max=16))
    bed_no = fields.String(required=True, validate=validate.Length(min=1, max=16))
    is_active = fields.Boolean(dump_only=True)
    employee_id = fields.Integer(dump_only=True, allow_none=True,
                                 metadata={"description": "who sleeps there now"})
    employee_name = fields.String(dump_only=True, allow_none=True)
    moved_in_on = fields.Date(dump_only=True, allow_none=True)


class StaySchema(Schema):
    id = fields.Integer()
    bed_id = fields.Integer()
    employee_id = fields.Integer()
    moved_in_on = fields.Date()
    moved_out_on = fields.Date(allow_none=True, metadata={"description": "null: still there"})
    note = fields.String()


class MoveInSchema(Schema):
    employee_id = fields.Integer(required=True)
    bed_id = fields.Integer(required=True)
    moved_in_on = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=255))


class MoveOutSchema(Schema):
    moved_out_on = fields.Date(required=True)


class MoveSchema(Schema):
    bed_id = fields.Integer(required=True)
    moved_in_on = fields.Date(required=True, metadata={"description": "the day of the move"})


class HistoryQuerySchema(Schema):
    employee_id = fields.Integer(load_default=None)
    bed_id = fields.Integer(load_default=None)


def _dorm_shown(dorm: Dormitory, occupancy: rules.Occupancy) -> dict:
    shown = {name: getattr(dorm, name) for name in
             ("id", "name", "address", "store_id", "gender", "monthly_rent", "is_active")}
    shown.update(beds=occupancy.beds, occupied=occupancy.occupied, free=occupancy.free)
    return shown


@blp.route("/dormitories")
@blp.response(200, DormitorySchema(many=True))
@permission_required("dorm.manage")
def list_dormitories():
    """Active dormitories with beds, occupied and free."""
    return [_dorm_shown(d, occ) for d, occ in rules.list_dormitories()]


@blp.route("/dormitories", methods=["POST"])
@blp.arguments(DormitorySchema)
@blp.response(201, DormitorySchema)
@permission_required("dorm.manage")
def create_dormitory(data):
    dorm = rules.save_dormitory(None, actor=current_user, **data)
    db.session.commit()
    return _dorm_shown(dorm, rules.occupancy_of(dorm.id))


@blp.route("/dormitories/<int:dormitory_id>", methods=["PUT"])
@blp.arguments(DormitorySchema)
@blp.response(200, DormitorySchema)
@permission_required("dorm.manage")
def update_dormitory(data, dormitory_id: int):
    """Replace the dormitory's fields; ``is_active: false`` archives it (when empty)."""
    dorm = get_in_scope_or_404(Dormitory, dormitory_id)
    rules.save_dormitory(dorm, actor=current_user, **data)
    db.session.commit()
    return _dorm_shown(dorm, rules.occupancy_of(dorm.id))


@blp.route("/dormitories/<int:dormitory_id>/beds")
@blp.response(200, BedSchema(many=True))
@permission_required("dorm.manage")
def list_beds(dormitory_id: int):
    """Every bed with who is in it and since when."""
    dorm = get_in_scope_or_404(Dormitory, dormitory_id)
    return [{"id": r.bed.id, "dormitory_id": dorm.id, "room_no": r.bed.room_no,
             "bed_no": r.bed.bed_no, "is_active": r.bed.is_active,
             "employee_id": r.person.id if r.person else None,
             "employee_name": r.person.name if r.person else None,
             "moved_in_on": r.stay.moved_in_on if r.stay else None}
            for r in rules.bed_grid(dorm)]


@blp.route("/dormitories/<int:dormitory_id>/beds", methods=["POST"])
@blp.arguments(BedSchema)
@blp.response(201, BedSchema)
@permission_required("dorm.manage")
def create_bed(data, dormitory_id: int):
    dorm = get_in_scope_or_404(Dormitory, dormitory_id)
    bed = rules.add_bed(dorm, room_no=data["room_no"], bed_no=data["bed_no"],
                        actor=current_user)
    db.session.commit()
    return bed


@blp.route("/dorm-stays")
@blp.arguments(HistoryQuerySchema, location="query")
@blp.response(200, StaySchema(many=True))
@permission_required("dorm.manage")
def list_stays(args):
    """Stays of a person or a bed (or the latest ones), newest first."""
    return [row[0] for row in rules.history(**args)]


@blp.route("/dorm-stays", methods=["POST"])
@blp.arguments(MoveInSchema)
@blp.response(201, StaySchema)
@permission_required("dorm.manage")
def move_in(data):
    """入住."""
    person = get_in_scope_or_404(Employee, data["employee_id"])
    bed = get_in_scope_or_404(DormBed, data["bed_id"])
    stay = rules.move_in(person, bed, data["moved_in_on"], note=data["note"],
                         actor=current_user)
    db.session.commit()
    return stay


@blp.route("/dorm-stays/<int:dorm_assignment_id>/move-out", methods=["POST"])
@blp.arguments(MoveOutSchema)
@blp.response(200, StaySchema)
@permission_required("dorm.manage")
def move_out(data, dorm_assignment_id: int):
    """退宿."""
    stay = get_in_scope_or_404(DormAssignment, dorm_assignment_id)
    rules.move_out(stay, data["moved_out_on"], current_user)
    db.session.commit()
    return stay


@blp.route("/dorm-stays/<int:dorm_assignment_id>/move", methods=["POST"])
@blp.arguments(MoveSchema)
@blp.response(201, StaySchema)
@permission_required("dorm.manage")
def move(data, dorm_assignment_id: int):
    """调换床位: closes this stay and returns the new one."""
    stay = get_in_scope_or_404(DormAssignment, dorm_assignment_id)
    bed = get_in_scope_or_404(DormBed, data["bed_id"])
    new = rules.move_to_bed(stay, bed, data["moved_in_on"], current_user)
    db.session.commit()
    return new
