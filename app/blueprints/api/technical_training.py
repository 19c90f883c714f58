"""培训 (training sessions): plan, edit, cancel, the list of people, attendance.

Over app/blueprints/technical/training.py (the rules are there).  Reading needs
``technical.view``, writing ``training.manage``; a store-level supervisor sees
and manages the sessions of their stores only (another store's is a 404).
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate, validates

from app.blueprints.api.common import (
    Blueprint,
    PageArgsSchema,
    UtcDateTime,
    page_schema,
    paginate,
    parse_month,
)
from app.blueprints.technical import training
from app.blueprints.technical.models import (
    TRAINING_KINDS,
    TRAINING_STATUSES,
    TrainingSession,
)
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_technical_training", __name__, url_prefix="/trainings",
                description="Training sessions and attendance (培训)")


class TrainingAttendanceSchema(Schema):
    employee_id = fields.Integer()
    employee_no = fields.Function(lambda row: row.employee.employee_no)
    name = fields.Function(lambda row: row.employee.name)
    attended = fields.Boolean(allow_none=True, metadata={"description": "null: not recorded"})
    passed = fields.Boolean(allow_none=True,
                            metadata={"description": "pre-job training result; else null"})
    note = fields.String()


class TrainingSchema(Schema):
    id = fields.Integer()
    topic = fields.String()
    kind = fields.String(validate=validate.OneOf(TRAINING_KINDS),
                         metadata={"description": "regular | pre_job | exchange"})
    status = fields.String(validate=validate.OneOf(TRAINING_STATUSES),
                           metadata={"description": "planned | held | cancelled"})
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: head office"})
    partner_store_id = fields.Integer(allow_none=True,
                                      metadata={"description": "exchange: the visiting store"})
    trainer_employee_id = fields.Integer(allow_none=True)
    trainer_name = fields.String(metadata={"description": "an outside trainer"})
    service_item_id = fields.Integer(allow_none=True)
    starts_at = UtcDateTime()
    duration_minutes = fields.Integer()
    notes = fields.String()
    complaint_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class TrainingDetailSchema(TrainingSchema):
    attendance = fields.List(fields.Nested(TrainingAttendanceSchema))


class TrainingQueryArgsSchema(PageArgsSchema):
    month = fields.String(metadata={"description": "YYYY-MM (start time in that month)"})
    store_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(TRAINING_KINDS))
    status = fields.String(validate=validate.OneOf(TRAINING_STATUSES))

    @validates("month")
    def _month(self, value, **_kwargs):
        parse_month(value)




class TrainingPatchSchema(Schema):
    topic = fields.String(validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(TRAINING_KINDS))
    store_id = fields.Integer(allow_none=True)
    partner_store_id = fields.Integer(allow_none=True)
    trainer_employee_id = fields.Integer(allow_none=True)
    trainer_name = fields.String(validate=validate.Length(max=64))
    service_item_id = fields.Integer(allow_none=True)
    starts_at = fields.AwareDateTime()
    duration_minutes = fields.Integer()
    notes = fields.String(validate=validate.Length(max=2000))
    complaint_id = fields.Integer(allow_none=True)


class TrainingCreateSchema(TrainingPatchSchema):
    topic = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(load_default="regular", validate=validate.OneOf(TRAINING_KINDS))
    starts_at = fields.AwareDateTime(required=True)
    employee_ids = fields.List(fields.Integer(), load_default=list,
                               metadata={"description": "people to put on the list"})


class TrainingAttendeesSchema(Schema):
    employee_ids = fields.List(fields.Integer(), required=True,
                               validate=validate.Length(min=1, max=500))


class TrainingAttendeeSchema(Schema):
    employee_id = fields.Integer(required=True)


class TrainingAttendanceEntrySchema(Schema):
    employee_id = fields.Integer(required=True)
    attended = fields.Boolean(required=True)
    passed = fields.Boolean(allow_none=True, load_default=None,
                            metadata={"description": "pre-job training only"})
    note = fields.String(load_default="", validate=validate.Length(max=255))


class TrainingCancelSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


TrainingPageSchema = page_schema(TrainingSchema, "TrainingPage")


def _act(training_id: int, verb) -> dict:
    """Run ``verb(session)`` on a session in scope, commit, answer with the session."""
    verb(get_in_scope_or_404(TrainingSession, training_id))
    db.session.commit()
    return _detail(training_id)


def _detail(training_id: int) -> dict:
    session = get_in_scope_or_404(TrainingSession, training_id)
    data = {column: getattr(session, column) for column in TrainingSchema._declared_fields}
    data["attendance"] = training.roster(session)
    return data


@blp.route("")
@blp.arguments(TrainingQueryArgsSchema, location="query")
@blp.response(200, TrainingPageSchema)
@permission_required("technical.view")
def list_trainings(args):
    """Sessions of your stores (head office: all), newest first."""
    filters = training.TrainingFilters(
        store_id=args.get("store_id"), kind=args.get("kind"), status=args.get("status"),
        month=parse_month(args["month"]) if args.get("month") else None)
    query = training.training_query(filters, store_scope(current_user)).order_by(
        TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    return paginate(query, args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(TrainingCreateSchema)
@blp.response(201, TrainingDetailSchema)
@permission_required("training.manage")
def create_training(data):
    """Plan a session (status ``planned``), optionally with its list of people."""
    people = data.pop("employee_ids", [])
    session = training.plan_training(current_user, **data)
    if people:
        training.add_attendees(session, people, current_user)
    db.session.commit()
    return _detail(session.id)


@blp.route("/<int:training_id>")
@blp.response(200, TrainingDetailSchema)
@permission_required("technical.view")
def get_training(training_id: int):
    return _detail(training_id)


@blp.route("/<int:training_id>", methods=["PATCH"])
@blp.arguments(TrainingPatchSchema)
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def update_training(data, training_id: int):
    """Change a planned session (fields not sent keep their values)."""
    return _act(training_id, lambda s: training.edit_training(s, current_user, **data))


@blp.route("/<int:training_id>/cancel", methods=["POST"])
@blp.arguments(TrainingCancelSchema)
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def cancel_training(data, training_id: int):
    """Cancel a planned session (kept, status ``cancelled``)."""
    return _act(training_id, lambda s: training.cancel_training(s, current_user,
                                                                data["reason"]))


@blp.route("/<int:training_id>/attendees", methods=["POST"])
@blp.arguments(TrainingAttendeesSchema)
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def add_attendees(data, training_id: int):
    """Put people on a planned session's list."""
    return _act(training_id, lambda s: training.add_attendees(s, data["employee_ids"],
                                                              current_user))


@blp.route("/<int:training_id>/attendees/remove", methods=["POST"])
@blp.arguments(TrainingAttendeeSchema)
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def remove_attendee(data, training_id: int):
    """Take someone off a planned session's list."""
    return _act(training_id, lambda s: training.remove_attendee(s, data["employee_id"],
                                                                current_user))


@blp.route("/<int:training_id>/attendance", methods=["PUT"])
@blp.arguments(TrainingAttendanceEntrySchema(many=True))
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def record_attendance(data, training_id: int):
    """Record who came and (pre-job training) who passed; a pass on a held pre-job
    training ticks the person's open 岗前培训 onboarding item."""
    return _act(training_id, lambda s: training.record_attendance(s, data, current_user))


@blp.route("/<int:training_id>/held", methods=["POST"])
@blp.response(200, TrainingDetailSchema)
@permission_required("training.manage")
def mark_held(training_id: int):
    """Mark held: every listed person's attendance recorded, the session begun."""
    return _act(training_id, lambda s: training.mark_held(s, current_user))
