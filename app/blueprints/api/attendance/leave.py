"""/api/v1 考勤: leave (请假) and overtime (加班) requests: list, file, read, decide, cancel."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort

from app.blueprints.api.attendance import (
    blp,
    body_employee,
    body_store,
    own_employee_id,
    run_verb,
    sees_store_records,
)
from app.blueprints.api.attendance.schemas import (
    LeaveCreateSchema,
    LeaveRequestPageSchema,
    LeaveRequestSchema,
    OvertimeCreateSchema,
    OvertimeRequestPageSchema,
    OvertimeRequestSchema,
    RequestDecisionSchema,
    TimeRequestQuerySchema,
)
from app.blueprints.api.common import paginate
from app.blueprints.hr.models.time import (
    LeaveRequest,
    OvertimeRequest,
)
from app.blueprints.hr.time import leave as leave_service
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope

_REQUEST_READERS = ("leave.approve", "leave.approve_long", "attendance.view")


def _readable_request(model, object_id: int):
    """A request the caller may see: in their stores with a reader's permission, or their
    own; else 404."""
    request_row = get_in_scope_or_404(model, object_id)
    if not sees_store_records(*_REQUEST_READERS) and (
            request_row.employee_id != getattr(current_user, "employee_id", None)):
        abort(404)
    return request_row


def _list_requests(query_of, args):
    first, last = args.get("date_from"), args.get("date_to")
    if sees_store_records(*_REQUEST_READERS):
        if args.get("store_id") is not None:
            body_store(args["store_id"])
        query = query_of(store_scope(current_user), store_id=args.get("store_id"),
                         status=args.get("status"), employee_id=args.get("employee_id"),
                         first=first, last=last)
    else:
        query = query_of(None, employee_id=own_employee_id(), status=args.get("status"),
                         first=first, last=last)
    return paginate(query, args["page"], args["page_size"])


def _requester(data) -> Employee:
    employee_id = data.get("employee_id")
    if employee_id is None:
        employee_id = own_employee_id()
    return body_employee(employee_id)


@blp.route("/leave-requests")
@blp.arguments(TimeRequestQuerySchema, location="query")
@blp.response(200, LeaveRequestPageSchema)
@permission_required("self.view")
def list_leave_requests(args):
    """请假 requests, newest first (approvers: their stores'; everyone else: their own)."""
    return _list_requests(leave_service.leave_query, args)


@blp.route("/leave-requests", methods=["POST"])
@blp.arguments(LeaveCreateSchema)
@blp.response(201, LeaveRequestSchema)
@permission_required("self.view")
def create_leave_request(data):
    """Ask for leave (yourself, or with ``leave.approve`` for a person of your stores).
    ``days`` are calendar days; more than the tenant's ``leave_hr_approval_days`` sets
    ``needs_hr``.  Overlapping pending/approved leave is refused (422 ``starts_on``)."""
    employee = _requester(data)
    return run_verb(lambda: leave_service.request_leave(
        employee, data["kind"], data["starts_on"], data.get("ends_on"), data["half_day"],
        data["reason"], current_user))


@blp.route("/leave-requests/<int:leave_id>")
@blp.response(200, LeaveRequestSchema)
@permission_required("self.view")
def get_leave_request(leave_id: int):
    return _readable_request(LeaveRequest, leave_id)


@blp.route("/leave-requests/<int:leave_id>/approve", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, LeaveRequestSchema)
@permission_required("leave.approve")
def approve_leave_request(data, leave_id: int):
    """批准 (``needs_hr``: only holders of ``leave.approve_long``, else 403)."""
    leave = get_in_scope_or_404(LeaveRequest, leave_id)
    return run_verb(lambda: leave_service.approve_leave(leave, current_user, data["note"]))


@blp.route("/leave-requests/<int:leave_id>/reject", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, LeaveRequestSchema)
@permission_required("leave.approve")
def reject_leave_request(data, leave_id: int):
    leave = get_in_scope_or_404(LeaveRequest, leave_id)
    return run_verb(lambda: leave_service.reject_leave(leave, current_user, data["note"]))


@blp.route("/leave-requests/<int:leave_id>/cancel", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, LeaveRequestSchema)
@permission_required("self.view")
def cancel_leave_request(data, leave_id: int):
    """取消 a pending or approved request (its person, or an approver of the store)."""
    leave = _readable_request(LeaveRequest, leave_id)
    return run_verb(lambda: leave_service.cancel_leave(leave, current_user, data["note"]))


@blp.route("/overtime-requests")
@blp.arguments(TimeRequestQuerySchema, location="query")
@blp.response(200, OvertimeRequestPageSchema)
@permission_required("self.view")
def list_overtime_requests(args):
    """加班 requests, newest first (approvers: their stores'; everyone else: their own)."""
    return _list_requests(leave_service.overtime_query, args)


@blp.route("/overtime-requests", methods=["POST"])
@blp.arguments(OvertimeCreateSchema)
@blp.response(201, OvertimeRequestSchema)
@permission_required("self.view")
def create_overtime_request(data):
    """Ask for overtime (yourself, or with ``leave.approve`` for a person of your stores)."""
    employee = _requester(data)
    return run_verb(lambda: leave_service.request_overtime(
        employee, data["work_date"], data["hours"], data["reason"], current_user))


@blp.route("/overtime-requests/<int:overtime_id>")
@blp.response(200, OvertimeRequestSchema)
@permission_required("self.view")
def get_overtime_request(overtime_id: int):
    return _readable_request(OvertimeRequest, overtime_id)


@blp.route("/overtime-requests/<int:overtime_id>/approve", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, OvertimeRequestSchema)
@permission_required("leave.approve")
def approve_overtime_request(data, overtime_id: int):
    overtime = get_in_scope_or_404(OvertimeRequest, overtime_id)
    return run_verb(lambda: leave_service.approve_overtime(overtime, current_user, data["note"]))


@blp.route("/overtime-requests/<int:overtime_id>/reject", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, OvertimeRequestSchema)
@permission_required("leave.approve")
def reject_overtime_request(data, overtime_id: int):
    overtime = get_in_scope_or_404(OvertimeRequest, overtime_id)
    return run_verb(lambda: leave_service.reject_overtime(overtime, current_user, data["note"]))


@blp.route("/overtime-requests/<int:overtime_id>/cancel", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, OvertimeRequestSchema)
@permission_required("self.view")
def cancel_overtime_request(data, overtime_id: int):
    overtime = _readable_request(OvertimeRequest, overtime_id)
    return run_verb(lambda: leave_service.cancel_overtime(overtime, current_user, data["note"]))
