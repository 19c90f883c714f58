"""/api/v1 考勤: shift templates, schedules (排班), clock records (打卡, with the bulk import
from clock devices), leave (请假) and overtime (加班) requests.

The same services as the pages (app.blueprints.hr.time).  Bad input answers 422 naming
the field (``{"error": {"code", "message", "fields": {field: [message]}}}``); a rule that
the caller may not apply (e.g. a store manager approving leave that needs HR) answers 403;
ids in the path of another tenant or store answer 404.  Ids in the body (store_id,
employee_id) outside the caller's stores answer 422 naming the field.

Reading lists: callers holding ``attendance.view`` (or, for requests, ``leave.approve``)
see their stores; everyone else sees only their own records (and only published
schedules).

Bulk import (``POST /clock-records/import``) is PER ROW, not all-or-nothing: each valid
row is stored, each invalid row is reported with its index and field and stores nothing,
and a row whose ``(device_id, device_record_id)`` is already stored (or repeated in the
batch) counts as a duplicate — so a device may resend a whole batch safely.  The answer is
200 with the counts; only a malformed body (no ``records`` list, more than 2,000 rows)
answers 422.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from app.blueprints.api.attendance_schemas import (
    MAX_LIST_DAYS,
    ClockImportResultSchema,
    ClockImportSchema,
    ClockQuerySchema,
    ClockRecordPageSchema,
    ClockRecordSchema,
    ClockVoidSchema,
    CopyResultSchema,
    CopyWeekSchema,
    LeaveCreateSchema,
    LeaveRequestPageSchema,
    LeaveRequestSchema,
    OvertimeCreateSchema,
    OvertimeRequestPageSchema,
    OvertimeRequestSchema,
    OwnPunchResultSchema,
    OwnPunchSchema,
    PublishResultSchema,
    PunchSchema,
    RequestDecisionSchema,
    ScheduleCellSchema,
    ScheduleEntryPageSchema,
    ScheduleEntrySchema,
    ScheduleQuerySchema,
    ScheduleWeekSchema,
    ShiftQuerySchema,
    ShiftTemplateSchema,
    TimeRequestQuerySchema,
)
from app.blueprints.api.common import paginate
from app.blueprints.hr.models.time import (
    ClockRecord,
    LeaveRequest,
    OvertimeRequest,
    ScheduleEntry,
)
from app.blueprints.hr.time import NotAllowed, TimeError, day_bounds, tenant_zone
from app.blueprints.hr.time import clocks as clock_service
from app.blueprints.hr.time import leave as leave_service
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import shifts as shift_service
from app.extensions import db
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError, abort_unprocessable

blp = Blueprint("api_attendance", __name__,
                description="Time and attendance (考勤): schedules, clock records with the "
                            "device import, leave and overtime")


# -- helpers -------------------------------------------------------------------------

def _unprocessable(field: str, message: str):
    abort_unprocessable(TimeError.on(field, message))


def _run(verb):
    """Run a service verb: 422 naming the field, 403 for a rule the caller may not apply."""
    try:
        result = verb()
    except NotAllowed as error:
        db.session.rollback()
        abort(403, message=error.message)
    except InputError as error:
        abort_unprocessable(error)
    db.session.commit()
    return result


def _body_store(store_id: int) -> Store:
    scope = store_scope(current_user)
    store = db.session.scalar(select(Store).where(Store.id == store_id))
    if store is None or (scope is not None and store.id not in scope):
        _unprocessable("store_id", "没有这个门店")
    return store


def _body_employee(employee_id: int) -> Employee:
    scope = store_scope(current_user)
    employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
    if employee is None or (scope is not None and employee.store_id not in scope
                            and employee.id != current_user.employee_id):
        _unprocessable("employee_id", "没有这个员工")
    return employee


def _range(args) -> tuple:
    first, last = args["date_from"], args["date_to"]
    if last < first:
        _unprocessable("to", "结束日期不能早于开始日期")
    if (last - first).days + 1 > MAX_LIST_DAYS:
        _unprocessable("to", f"一次最多查询 {MAX_LIST_DAYS} 天")
    return first, last


def _sees_store_records(*permissions: str) -> bool:
    return any(current_user.can(p) for p in permissions)


def _own_id() -> int:
    own = getattr(current_user, "employee_id", None)
    if own is None:
        abort(403, message="您的账号没有关联员工档案")
    return own


# -- shift templates and schedules -----------------------------------------------------

@blp.route("/shift-templates")
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftTemplateSchema(many=True))
@permission_required("attendance.view")
def list_shift_templates(args):
    """班次 of a store (active and deactivated)."""
    store = _body_store(args["store_id"])
    return shift_service.store_shifts(store.id)


@blp.route("/schedules")
@blp.arguments(ScheduleQuerySchema, location="query")
@blp.response(200, ScheduleEntryPageSchema)
@permission_required("self.view")
def list_schedules(args):
    """排班 cells of a date range (``from``..``to``), by work date.

    Holders of ``attendance.view`` or ``schedule.manage``: their stores' cells, drafts
    included (filter by ``store_id`` / ``employee_id``).  Everyone else: their own
    published cells.
    """
    first, last = _range(args)
    if _sees_store_records("attendance.view", "schedule.manage"):
        if args.get("store_id") is not None:
            _body_store(args["store_id"])
        query = schedule_service.list_entries(
            store_scope(current_user), first, last, store_id=args.get("store_id"),
            employee_id=args.get("employee_id"))
    else:
        query = schedule_service.list_entries(None, first, last, employee_id=_own_id(),
                                              published_only=True)
    return paginate(query, args["page"], args["page_size"])


@blp.route("/schedules", methods=["POST"])
@blp.arguments(ScheduleCellSchema)
@blp.response(200, ScheduleEntrySchema)
@permission_required("schedule.manage")
def set_schedule_cell(data):
    """Upsert one cell: ``shift_template_id`` (a shift of the store) or ``is_rest`` (排休).

    The cell becomes a draft until its week is published.  To clear a cell,
    ``DELETE /schedules/{schedule_entry_id}``.
    """
    store = _body_store(data["store_id"])
    _body_employee(data["employee_id"])
    if data["is_rest"]:
        value = schedule_service.REST
    elif data.get("shift_template_id") is not None:
        value = data["shift_template_id"]
    else:
        _unprocessable("shift_template_id", "请选择班次，或 is_rest 排休")
    return _run(lambda: schedule_service.set_cell(store.id, data["employee_id"],
                                                  data["work_date"], value, current_user))


@blp.route("/schedules/<int:schedule_entry_id>", methods=["DELETE"])
@blp.response(204)
@permission_required("schedule.manage")
def clear_schedule_cell(schedule_entry_id: int):
    """Clear a planned cell (its month must not be locked)."""
    entry = get_in_scope_or_404(ScheduleEntry, schedule_entry_id)
    _run(lambda: schedule_service.clear_entry(entry))


@blp.route("/schedules/publish", methods=["POST"])
@blp.arguments(ScheduleWeekSchema)
@blp.response(200, PublishResultSchema)
@permission_required("schedule.manage")
def publish_week(data):
    """发布: every draft of the store in that week (Monday to Sunday)."""
    store = _body_store(data["store_id"])
    week = schedule_service.week_start_of(data["week"])
    count = _run(lambda: schedule_service.publish_week(store.id, week, current_user))
    return {"store_id": store.id, "week": week, "published": count}


@blp.route("/schedules/copy", methods=["POST"])
@blp.arguments(CopyWeekSchema)
@blp.response(200, CopyResultSchema)
@permission_required("schedule.manage")
def copy_week(data):
    """复制: the store's cells of ``from_week`` into the empty cells of ``to_week`` (drafts);
    people who left or moved, deactivated shifts and locked days are skipped and reported."""
    store = _body_store(data["store_id"])
    result = _run(lambda: schedule_service.copy_week(store.id, data["from_week"],
                                                     data["to_week"], current_user))
    cells = [{"employee_id": employee.id, "work_date": day, "outcome": outcome}
             for outcome in ("copied", "filled", "left", "inactive_shift", "locked")
             for employee, day in getattr(result, outcome)]
    return {**result.counts(), "cells": cells}


# -- clock records ---------------------------------------------------------------------

@blp.route("/clock-records")
@blp.arguments(ClockQuerySchema, location="query")
@blp.response(200, ClockRecordPageSchema)
@permission_required("self.view")
def list_clock_records(args):
    """打卡 records whose moment falls in the local days ``from``..``to`` (voided ones
    included unless ``include_voided=false``).  Holders of ``attendance.view``: their
    stores'; everyone else: their own."""
    first, last = _range(args)
    zone = tenant_zone()
    since, until = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    if _sees_store_records("attendance.view"):
        if args.get("store_id") is not None:
            _body_store(args["store_id"])
        query = clock_service.list_records(
            store_scope(current_user), store_id=args.get("store_id"),
            employee_id=args.get("employee_id"), first=since, last=until,
            include_voided=args["include_voided"])
    else:
        query = clock_service.list_records(None, employee_id=_own_id(), first=since,
                                           last=until, include_voided=args["include_voided"])
    return paginate(query, args["page"], args["page_size"])


@blp.route("/clock-records", methods=["POST"])
@blp.arguments(PunchSchema)
@blp.response(201, ClockRecordSchema)
@permission_required("attendance.record")
def record_punch(data):
    """代打卡 / 补卡 for an employee, with a reason (audited).  Within 15 minutes of now it
    is a foreman punch, earlier a correction (``source``: foreman / correction)."""
    employee = _body_employee(data["employee_id"])
    store_id = data.get("store_id")
    if store_id is not None:
        _body_store(store_id)
    return _run(lambda: clock_service.record_punch(employee, data["kind"], data["at"],
                                                   data["reason"], current_user,
                                                   store_id=store_id))


@blp.route("/clock-records/own", methods=["POST"])
@blp.arguments(OwnPunchSchema)
@blp.response(201, OwnPunchResultSchema)
@permission_required("self.view")
def punch_own(data):
    """上班/下班打卡 now, as yourself (a therapist's clock-in also puts them on the board)."""
    result = _run(lambda: clock_service.clock_self(current_user, data["kind"]))
    return {"record": result.record, "board": result.board,
            "board_message": result.board_message, "message": result.message}


@blp.route("/clock-records/import", methods=["POST"])
@blp.arguments(ClockImportSchema)
@blp.response(200, ClockImportResultSchema)
@permission_required("attendance.record")
def import_clock_records(data):
    """Bulk import from clock devices, per row, idempotent on (device_id,
    device_record_id); see the module description.  Rows for people outside your stores
    are reported as unknown ``employee_no``."""
    result = _run(lambda: clock_service.import_punches(
        data["records"], current_user, store_scope(current_user)))
    return {"created": result.created, "duplicates": result.duplicates,
            "errors": result.errors}


@blp.route("/clock-records/<int:clock_id>/void", methods=["POST"])
@blp.arguments(ClockVoidSchema)
@blp.response(200, ClockRecordSchema)
@permission_required("attendance.record")
def void_clock_record(data, clock_id: int):
    """作废 a wrong punch: kept, with who and why (audited)."""
    record = get_in_scope_or_404(ClockRecord, clock_id)
    return _run(lambda: clock_service.void_punch(record, data["reason"], current_user))


# -- leave and overtime ----------------------------------------------------------------

_REQUEST_READERS = ("leave.approve", "leave.approve_long", "attendance.view")


def _readable_request(model, object_id: int):
    """A request the caller may see: in their stores with a reader's permission, or their
    own; else 404."""
    request_row = get_in_scope_or_404(model, object_id)
    if not _sees_store_records(*_REQUEST_READERS) and (
            request_row.employee_id != getattr(current_user, "employee_id", None)):
        abort(404)
    return request_row


def _list_requests(query_of, args):
    first, last = args.get("date_from"), args.get("date_to")
    if _sees_store_records(*_REQUEST_READERS):
        if args.get("store_id") is not None:
            _body_store(args["store_id"])
        query = query_of(store_scope(current_user), store_id=args.get("store_id"),
                         status=args.get("status"), employee_id=args.get("employee_id"),
                         first=first, last=last)
    else:
        query = query_of(None, employee_id=_own_id(), status=args.get("status"),
                         first=first, last=last)
    return paginate(query, args["page"], args["page_size"])


def _requester(data) -> Employee:
    employee_id = data.get("employee_id")
    if employee_id is None:
        employee_id = _own_id()
    return _body_employee(employee_id)


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
    return _run(lambda: leave_service.request_leave(
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
    return _run(lambda: leave_service.approve_leave(leave, current_user, data["note"]))


@blp.route("/leave-requests/<int:leave_id>/reject", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, LeaveRequestSchema)
@permission_required("leave.approve")
def reject_leave_request(data, leave_id: int):
    leave = get_in_scope_or_404(LeaveRequest, leave_id)
    return _run(lambda: leave_service.reject_leave(leave, current_user, data["note"]))


@blp.route("/leave-requests/<int:leave_id>/cancel", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, LeaveRequestSchema)
@permission_required("self.view")
def cancel_leave_request(data, leave_id: int):
    """取消 a pending or approved request (its person, or an approver of the store)."""
    leave = _readable_request(LeaveRequest, leave_id)
    return _run(lambda: leave_service.cancel_leave(leave, current_user, data["note"]))


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
    return _run(lambda: leave_service.request_overtime(
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
    return _run(lambda: leave_service.approve_overtime(overtime, current_user, data["note"]))


@blp.route("/overtime-requests/<int:overtime_id>/reject", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, OvertimeRequestSchema)
@permission_required("leave.approve")
def reject_overtime_request(data, overtime_id: int):
    overtime = get_in_scope_or_404(OvertimeRequest, overtime_id)
    return _run(lambda: leave_service.reject_overtime(overtime, current_user, data["note"]))


@blp.route("/overtime-requests/<int:overtime_id>/cancel", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, OvertimeRequestSchema)
@permission_required("self.view")
def cancel_overtime_request(data, overtime_id: int):
    overtime = _readable_request(OvertimeRequest, overtime_id)
    return _run(lambda: leave_service.cancel_overtime(overtime, current_user, data["note"]))
