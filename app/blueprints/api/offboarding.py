"""离职 over the API: file a resignation or termination with a last day, read it,
decide it, cancel it (app/blueprints/hr/offboarding.py holds every rule).

The only way a person leaves: ``PATCH /employees/{id}`` never sets ``status``.
Permissions as on the pages: ``employee.offboard`` files (HR staff, the HR
manager, the owner); ``employee.change_approve`` approves, rejects and cancels
(the HR manager, the owner).  A decision goes through the one approval flow,
here or at ``POST /approvals/offboarding/{id}/decision`` alike: nobody decides
their own request or one about themselves.  Reading needs ``employee.view`` and
the person in the caller's stores; the settlement only with ``payroll.view``, the
exit interview only with ``employee.view_personal`` (hr/visibility.py groups).

On approval the person is ``offboarding`` with ``last_day`` set, and the month's
payroll run pays them for the days up to it; after the last day the job
``hr.offboard_employee`` sets ``left`` and disables their logins.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, UtcDateTime
from app.blueprints.hr import offboarding as offboarding_services
from app.blueprints.hr import services, visibility
from app.blueprints.hr.models import Offboarding
from app.blueprints.hr.models.lifecycle import OFFBOARDING_KINDS, OFFBOARDING_STATUSES
from app.extensions import db
from app.models import Employee
from app.permissions import permission_required, store_scope

blp = Blueprint("api_offboarding", __name__, description="Offboarding (离职)")


class OffboardingItemSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    owner_department = fields.String()
    due_on = fields.Date(allow_none=True)
    required = fields.Boolean()
    done_at = UtcDateTime(allow_none=True)
    note = fields.String()


class OffboardingSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(OFFBOARDING_KINDS),
                         metadata={"description": "resignation (主动离职) | termination (辞退)"})
    reason = fields.String()
    last_day = fields.Date(metadata={"description": "the last working day, paid"})
    status = fields.String(validate=validate.OneOf(OFFBOARDING_STATUSES))
    requested_by_account_id = fields.Integer(allow_none=True)
    approved_by_account_id = fields.Integer(allow_none=True,
                                            metadata={"description": "who decided it"})
    approved_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    handover_note = fields.String()
    exit_interview = fields.String(metadata={"description": "with employee.view_personal"})
    settlement_amount = Money(metadata={"description": "with payroll.view; positive: the "
                                                      "company owes the person"})
    settlement_note = fields.String(metadata={"description": "with payroll.view"})
    items = fields.List(fields.Nested(OffboardingItemSchema),
                        metadata={"description": "the checklist, once approved"})
    created_at = UtcDateTime()


class OffboardingCreateSchema(Schema):
    kind = fields.String(load_default="resignation", validate=validate.OneOf(OFFBOARDING_KINDS),
                         metadata={"description": "resignation | termination (needs a reason)"})
    last_day = fields.Date(required=True, metadata={"description": "last working day"})
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class OffboardingReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


_PERSONAL_ONLY = ("exit_interview",)
_PAY_ONLY = ("settlement_amount", "settlement_note")


def _employee_in_scope(employee_id: int) -> Employee:
    employee = db.session.scalar(
        services.employee_query(scope=store_scope(current_user)).where(Employee.id == employee_id))
    if employee is None:
        abort(404)
    return employee


def _offboarding(offboarding_id: int) -> Offboarding:
    """The offboarding (tenant checked centrally) of a person in the caller's stores."""
    row = services.get_by_id(Offboarding, offboarding_id)
    if row is None:
        abort(404)
    _employee_in_scope(row.employee_id)
    return row


def _shown(row: Offboarding) -> dict:
    groups = visibility.field_groups(current_user)
    hidden = (() if visibility.PERSONAL in groups else _PERSONAL_ONLY) + (
        () if visibility.PAY in groups else _PAY_ONLY)
    shown = {name: getattr(row, name) for name in OffboardingSchema().fields
             if name not in hidden and name != "items"}
    shown["items"] = offboarding_services.items_of(row)
    return shown


@blp.route("/employees/<int:employee_id>/offboarding", methods=["POST"])
@blp.arguments(OffboardingCreateSchema)
@blp.response(201, OffboardingSchema)
@permission_required("employee.offboard")
def file_offboarding(data, employee_id: int):
    """离职申请 with the last working day, status ``requested``; the HR manager decides it."""
    employee = _employee_in_scope(employee_id)
    row = offboarding_services.request_offboarding(
        employee, kind=data["kind"], last_day=data["last_day"], reason=data["reason"],
        actor=current_user)
    db.session.commit()
    return _shown(row)


@blp.route("/employees/<int:employee_id>/offboarding")
@blp.response(200, OffboardingSchema(many=True))
@permission_required("employee.view")
def list_offboardings(employee_id: int):
    """The person's offboardings, newest first (at most one open)."""
    _employee_in_scope(employee_id)
    rows = db.session.scalars(select(Offboarding).where(Offboarding.employee_id == employee_id)
                              .order_by(Offboarding.id.desc()))
    return [_shown(row) for row in rows]


@blp.route("/offboarding/<int:offboarding_id>")
@blp.response(200, OffboardingSchema)
@permission_required("employee.view")
def get_offboarding(offboarding_id: int):
    return _shown(_offboarding(offboarding_id))


def _decide(offboarding_id: int, verb) -> dict:
    row = _offboarding(offboarding_id)
    verb(row)
    db.session.commit()
    return _shown(row)


@blp.route("/offboarding/<int:offboarding_id>/approve", methods=["POST"])
@blp.response(200, OffboardingSchema)
@permission_required("employee.change_approve")
def approve_offboarding(offboarding_id: int):
    """批准: ``offboarding`` status and last day on the file, the checklist starts."""
    return _decide(offboarding_id, lambda row: offboarding_services.approve_offboarding(
        row, current_user))


@blp.route("/offboarding/<int:offboarding_id>/reject", methods=["POST"])
@blp.arguments(OffboardingReasonSchema)
@blp.response(200, OffboardingSchema)
@permission_required("employee.change_approve")
def reject_offboarding(data, offboarding_id: int):
    return _decide(offboarding_id, lambda row: offboarding_services.reject_offboarding(
        row, current_user, data["reason"]))


@blp.route("/offboarding/<int:offboarding_id>/cancel", methods=["POST"])
@blp.arguments(OffboardingReasonSchema)
@blp.response(200, OffboardingSchema)
@permission_required("employee.change_approve")
def cancel_offboarding(data, offboarding_id: int):
    """撤销 a requested or approved offboarding before its last day is processed: the
    person is back on probation or active, the last day cleared."""
    return _decide(offboarding_id, lambda row: offboarding_services.cancel_offboarding(
        row, current_user, data["reason"]))
