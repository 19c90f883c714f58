"""/api/v1 考勤: shift templates and schedules (排班): read, set a cell, publish, copy a week."""

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
    unprocessable,
)
from app.blueprints.api.attendance.schemas import (
    CopyResultSchema,
    CopyWeekSchema,
    PublishResultSchema,
    ScheduleCellSchema,
    ScheduleEntryPageSchema,
    ScheduleEntrySchema,
    ScheduleQuerySchema,
    ScheduleWeekSchema,
    ShiftQuerySchema,
    ShiftTemplateSchema,
)
from app.blueprints.api.common import paginate
from app.blueprints.hr.models.time import ScheduleEntry
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import shifts as shift_service
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@blp.route("/shift-templates")
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftTemplateSchema(many=True))
@permission_required("attendance.view")
def list_shift_templates(args):
    """班次 of a store (active and deactivated)."""
    store = body_store(args["store_id"])
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
    first, last = date_range(args)
    if sees_store_records("attendance.view", "schedule.manage"):
        if args.get("store_id") is not None:
            body_store(args["store_id"])
        query = schedule_service.list_entries(
            store_scope(current_user), first, last, store_id=args.get("store_id"),
            employee_id=args.get("employee_id"))
    else:
        query = schedule_service.list_entries(None, first, last, employee_id=own_employee_id(),
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
    store = body_store(data["store_id"])
    body_employee(data["employee_id"])
    if data["is_rest"]:
        value = schedule_service.REST
    elif data.get("shift_template_id") is not None:
        value = data["shift_template_id"]
    else:
        unprocessable("shift_template_id", "请选择班次，或 is_rest 排休")
    return run_verb(lambda: schedule_service.set_cell(store.id, data["employee_id"],
                                                  data["work_date"], value, current_user))


@blp.route("/schedules/<int:schedule_entry_id>", methods=["DELETE"])
@blp.response(204)
@permission_required("schedule.manage")
def clear_schedule_cell(schedule_entry_id: int):
    """Clear a planned cell (its month must not be locked)."""
    entry = get_in_scope_or_404(ScheduleEntry, schedule_entry_id)
    run_verb(lambda: schedule_service.clear_entry(entry))


@blp.route("/schedules/publish", methods=["POST"])
@blp.arguments(ScheduleWeekSchema)
@blp.response(200, PublishResultSchema)
@permission_required("schedule.manage")
def publish_week(data):
    """发布: every draft of the store in that week (Monday to Sunday)."""
    store = body_store(data["store_id"])
    week = schedule_service.week_start_of(data["week"])
    count = run_verb(lambda: schedule_service.publish_week(store.id, week, current_user))
    return {"store_id": store.id, "week": week, "published": count}


@blp.route("/schedules/copy", methods=["POST"])
@blp.arguments(CopyWeekSchema)
@blp.response(200, CopyResultSchema)
@permission_required("schedule.manage")
def copy_week(data):
    """复制: the store's cells of ``from_week`` into the empty cells of ``to_week`` (drafts);
    people who left or moved, deactivated shifts and locked days are skipped and reported."""
    store = body_store(data["store_id"])
    result = run_verb(lambda: schedule_service.copy_week(store.id, data["from_week"],
                                                     data["to_week"], current_user))
    cells = [{"employee_id": employee.id, "work_date": day, "outcome": outcome}
             for outcome in ("copied", "filled", "left", "inactive_shift", "locked")
             for employee, day in getattr(result, outcome)]
    return {**result.counts(), "cells": cells}
