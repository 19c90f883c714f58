"""违纪 (discipline records): list, record, the step a new one would get, approve,
reject, cancel; and the caller's own records.

Over app/blueprints/technical/discipline.py (the rules and the escalation ladder are
there).  ``discipline.record`` (supervisors, store managers, the technical
director) lists and records within their stores; ``discipline.approve`` (the
technical director, the HR manager) decides.  An approved fine is filed as an
approved 奖惩 fine, paid in the month of ``effective_on`` (else of the approval).
"""

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate, validates
from sqlalchemy import select

from app.blueprints.api.common import (
    Blueprint,
    Money,
    PageArgsSchema,
    page_schema,
    paginate,
    parse_month,
)
from app.blueprints.technical import discipline
from app.blueprints.technical.models import (
    DISCIPLINE_STATUSES,
    DISCIPLINE_STEPS,
    DisciplineRecord,
)
from app.extensions import db
from app.models import Employee
from app.permissions import can_see_store, get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_technical_discipline", __name__, url_prefix="",
                description="Discipline records and their escalation (违纪)")


class DisciplineEmployeeSchema(Schema):
    id = fields.Integer()
    employee_no = fields.String()
    name = fields.String()


class DisciplineSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    employee = fields.Nested(DisciplineEmployeeSchema)
    store_id = fields.Integer(allow_none=True)
    category = fields.String(validate=validate.OneOf(discipline.CATEGORIES), metadata={
        "description": "lateness 迟到早退 | grooming 仪容仪表 | service 服务规范 | "
                       "technique 技术手法 | hygiene 卫生 | labour 劳动纪律 | other 其他"})
    occurred_on = fields.Date()
    description = fields.String()
    step = fields.String(validate=validate.OneOf(DISCIPLINE_STEPS), metadata={
        "description": "verbal 口头警告 | written 书面警告 | fine 罚款"})
    repeat_no = fields.Integer(metadata={
        "description": "which repeat of its kind within the window (1: first)"})
    fine_amount = Money(allow_none=True)
    effective_on = fields.Date(allow_none=True, metadata={
        "description": "the fine's payroll month (null: the month it is approved)"})
    complaint_id = fields.Integer(allow_none=True)
    reward_id = fields.Integer(allow_none=True, metadata={
        "description": "the approved 奖惩 fine filed when the fine was approved"})
    status = fields.String(validate=validate.OneOf(DISCIPLINE_STATUSES))
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    created_at = fields.DateTime()


class DisciplineQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    category = fields.String(validate=validate.OneOf(discipline.CATEGORIES))
    step = fields.String(validate=validate.OneOf(DISCIPLINE_STEPS))
    status = fields.String(validate=validate.OneOf(DISCIPLINE_STATUSES))
    month = fields.String(metadata={"description": "YYYY-MM (occurred_on in that month)"})
    employee_id = fields.Integer()

    @validates("month")
    def _month(self, value, **_kwargs):
        parse_month(value)




class DisciplineCreateSchema(Schema):
    employee_id = fields.Integer(required=True)
    category = fields.String(required=True, validate=validate.OneOf(discipline.CATEGORIES))
    occurred_on = fields.Date(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    fine_amount = fields.Decimal(as_string=True, allow_none=True, load_default=None, metadata={
        "description": "the agreed amount; required (> 0) when the step is fine, "
                       "refused otherwise (see /discipline/next-step)"})
    effective_on = fields.Date(allow_none=True, load_default=None)
    complaint_id = fields.Integer(allow_none=True, load_default=None)


class NextStepArgsSchema(Schema):
    employee_id = fields.Integer(required=True)
    category = fields.String(required=True, validate=validate.OneOf(discipline.CATEGORIES))
    occurred_on = fields.Date(required=True)


class NextStepSchema(Schema):
    step = fields.String(validate=validate.OneOf(DISCIPLINE_STEPS))
    repeat_no = fields.Integer()
    window_days = fields.Integer()
    window_start = fields.Date(metadata={"description": "first day of the inclusive window"})
    earlier_ids = fields.Function(lambda ladder: [row.id for row in ladder.earlier], metadata={
        "description": "the pending/approved records of the kind that count"})


class DisciplineNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


DisciplinePageSchema = page_schema(DisciplineSchema, "DisciplinePage")


def _record(discipline_id: int) -> DisciplineRecord:
    """Tenant and store scope (resolved centrally as well), with its employee loaded."""
    get_in_scope_or_404(DisciplineRecord, discipline_id)
    return discipline.load_record(discipline_id)


def _employee(employee_id: int) -> Employee:
    employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
    if employee is None or not can_see_store(current_user, employee.store_id):
        message = "没有这个员工"
        abort(422, message=message, errors={"json": {"employee_id": [message]}})
    return employee


@blp.route("/discipline")
@blp.arguments(DisciplineQueryArgsSchema, location="query")
@blp.response(200, DisciplinePageSchema)
@permission_required("discipline.record")
def list_discipline(args):
    """One page of discipline records of your stores, newest first."""
    return _page(args)


def _page(args):
    filters = discipline.DisciplineFilters(
        store_id=args.get("store_id"), category=args.get("category"), step=args.get("step"),
        status=args.get("status"), employee_id=args.get("employee_id"),
        month=parse_month(args["month"]) if args.get("month") else None)
    return paginate(discipline.discipline_query(filters, store_scope(current_user)),
                    args["page"], args["page_size"])


@blp.route("/discipline/review")
@blp.arguments(DisciplineQueryArgsSchema, location="query")
@blp.response(200, DisciplinePageSchema)
@permission_required("discipline.approve")
def review_discipline(args):
    """The approvers' list (the HR manager records none): every store, newest first."""
    return _page(args)


@blp.route("/discipline", methods=["POST"])
@blp.arguments(DisciplineCreateSchema)
@blp.response(201, DisciplineSchema)
@permission_required("discipline.record")
def create_discipline(data):
    """Record an offence (status ``pending``) at the step the ladder gives."""
    employee = _employee(data["employee_id"])
    row = discipline.record_discipline(
        employee, data["category"], data["occurred_on"], data["description"], current_user,
        fine_amount=data["fine_amount"], effective_on=data["effective_on"],
        complaint_id=data["complaint_id"])
    db.session.commit()
    return _record(row.id)


@blp.route("/discipline/next-step")
@blp.arguments(NextStepArgsSchema, location="query")
@blp.response(200, NextStepSchema)
@permission_required("discipline.record")
def discipline_next_step(args):
    """The step a new record of that kind on that day would get (nothing written)."""
    return discipline.next_step(_employee(args["employee_id"]), args["category"],
                                args["occurred_on"])


@blp.route("/discipline/<int:discipline_id>")
@blp.response(200, DisciplineSchema)
@permission_required("discipline.record")
def get_discipline(discipline_id: int):
    return _record(discipline_id)


def _act(discipline_id: int, verb):
    row = _record(discipline_id)
    verb(row)
    db.session.commit()
    return _record(discipline_id)


@blp.route("/discipline/<int:discipline_id>/approve", methods=["POST"])
@blp.arguments(DisciplineNoteSchema)
@blp.response(200, DisciplineSchema)
@permission_required("discipline.approve")
def approve_discipline(data, discipline_id: int):
    """Approve: a fine becomes an approved 奖惩 fine for its month's payroll."""
    return _act(discipline_id, lambda row: discipline.approve_discipline(
        row, current_user, data["note"]))


@blp.route("/discipline/<int:discipline_id>/reject", methods=["POST"])
@blp.arguments(DisciplineNoteSchema)
@blp.response(200, DisciplineSchema)
@permission_required("discipline.approve")
def reject_discipline(data, discipline_id: int):
    """Reject with a note (required); the record no longer counts on the ladder."""
    return _act(discipline_id, lambda row: discipline.reject_discipline(
        row, current_user, data["note"]))


@blp.route("/discipline/<int:discipline_id>/cancel", methods=["POST"])
@blp.response(200, DisciplineSchema)
@permission_required("discipline.record")
def cancel_discipline(discipline_id: int):
    """Cancel (kept, status ``cancelled``): by the one who recorded it, while pending."""
    return _act(discipline_id, lambda row: discipline.cancel_discipline(row, current_user))


@blp.route("/me/discipline")
@blp.response(200, DisciplineSchema(many=True))
@permission_required("self.view")
def my_discipline():
    """我的违纪: the caller's own records (cancelled ones left out), newest first."""
    return discipline.my_records(current_user.employee_id)
