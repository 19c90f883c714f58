"""/api/v1 考勤: clock records (打卡): list, punch, one's own punch, device import, void."""

from __future__ import annotations

from flask_login import current_user

from app.blueprints.api.attendance import (
    blp,
    body_employee,
    body_store,
    date_range,
    own_employee_id,
    run_verb,
    sees_store_records,
)
from app.blueprints.api.attendance.schemas import (
    ClockImportResultSchema,
    ClockImportSchema,
    ClockQuerySchema,
    ClockRecordPageSchema,
    ClockRecordSchema,
    ClockVoidSchema,
    OwnPunchResultSchema,
    OwnPunchSchema,
    PunchSchema,
)
from app.blueprints.api.common import paginate
from app.blueprints.hr.models.time import ClockRecord
from app.blueprints.hr.time import clocks as clock_service
from app.blueprints.hr.time import day_bounds, tenant_zone
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@blp.route("/clock-records")
@blp.arguments(ClockQuerySchema, location="query")
@blp.response(200, ClockRecordPageSchema)
@permission_required("self.view")
def list_clock_records(args):
    """打卡 records whose moment falls in the local days ``from``..``to`` (voided ones
    included unless ``include_voided=false``).  Holders of ``attendance.view``: their
    stores'; everyone else: their own."""
    first, last = date_range(args)
    zone = tenant_zone()
    since, until = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    if sees_store_records("attendance.view"):
        if args.get("store_id") is not None:
            body_store(args["store_id"])
        query = clock_service.list_records(
            store_scope(current_user), store_id=args.get("store_id"),
            employee_id=args.get("employee_id"), first=since, last=until,
            include_voided=args["include_voided"])
    else:
        query = clock_service.list_records(None, employee_id=own_employee_id(), first=since,
                                           last=until, include_voided=args["include_voided"])
    return paginate(query, args["page"], args["page_size"])


@blp.route("/clock-records", methods=["POST"])
@blp.arguments(PunchSchema)
@blp.response(201, ClockRecordSchema)
@permission_required("attendance.record")
def record_punch(data):
    """代打卡 / 补卡 for an employee, with a reason (audited).  Within 15 minutes of now it
    is a foreman punch, earlier a correction (``source``: foreman / correction)."""
    employee = body_employee(data["employee_id"])
    store_id = data.get("store_id")
    if store_id is not None:
        body_store(store_id)
    return run_verb(lambda: clock_service.record_punch(employee, data["kind"], data["at"],
                                                   data["reason"], current_user,
                                                   store_id=store_id))


@blp.route("/clock-records/own", methods=["POST"])
@blp.arguments(OwnPunchSchema)
@blp.response(201, OwnPunchResultSchema)
@permission_required("self.view")
def punch_own(data):
    """上班/下班打卡 now, as yourself (a therapist's clock-in also puts them on the board)."""
    result = run_verb(lambda: clock_service.clock_self(current_user, data["kind"]))
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
    result = run_verb(lambda: clock_service.import_punches(
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
    return run_verb(lambda: clock_service.void_punch(record, data["reason"], current_user))
