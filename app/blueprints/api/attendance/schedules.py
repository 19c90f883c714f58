"""/api/v1 考勤: shift templates (班次: list, create, change) and schedules (排班): read, set a
cell, set a batch (bulk upsert), publish, copy a week.

The bulk upsert is all or nothing: any bad entry answers 422 with every bad entry under
``fields.entries.<index>.<field>`` (the shape marshmallow gives a malformed entry) and
nothing is written.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select

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
    BulkScheduleResultSchema,
    BulkScheduleSchema,
    CopyResultSchema,
    CopyWeekSchema,
    PublishResultSchema,
    ScheduleCellSchema,
    ScheduleEntryPageSchema,
    ScheduleEntrySchema,
    ScheduleQuerySchema,
    ScheduleWeekSchema,
    ShiftQuerySchema,
    ShiftTemplateCreateSchema,
    ShiftTemplatePatchSchema,
    ShiftTemplateSchema,
)
from app.blueprints.api.common import paginate
from app.blueprints.hr.models.time import ScheduleEntry, ShiftTemplate
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import shifts as shift_service
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@blp.route("/shift-templates")
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftTemplateSchema(many=True))
@permission_required("attendance.view")
def list_shift_templates(args):
    """班次 of a store (active and deactivated)."""
    store = body_store(args["store_id"])
    return shift_service.store_shifts(store.id)


@blp.route("/shift-templates", methods=["POST"])
@blp.arguments(ShiftTemplateCreateSchema)
@blp.response(201, ShiftTemplateSchema)
@permission_required("schedule.manage")
def create_shift_template(data):
    """A new 班次 of a store (as HR's 班次 page adds one): a name unique in the store, local
    start and end times (an end not after the start crosses midnight)."""
    store = body_store(data["store_id"])
    return run_verb(lambda: shift_service.create_shift(store.id, data["name"],
                                                       data["starts_at"], data["ends_at"]))


@blp.route("/shift-templates/<int:shift_template_id>", methods=["PATCH"])
@blp.arguments(ShiftTemplatePatchSchema)
@blp.response(200, ShiftTemplateSchema)
@permission_required("schedule.manage")
def update_shift_template(data, shift_template_id: int):
    """Rename, re-time, deactivate or reactivate a 班次.  Cells already set keep the times
    they copied; a deactivated shift is no longer offered for new cells."""
    shift = get_in_scope_or_404(ShiftTemplate, shift_template_id)

    def change():
        if {"name", "starts_at", "ends_at"} & data.keys():
            shift_service.update_shift(shift, data.get("name", shift.name),
                                       data.get("starts_at", shift.starts_at),
                                       data.get("ends_at", shift.ends_at))
        if "is_active" in data:
            shift_service.set_shift_active(shift, data["is_active"])
        return shift

    return run_verb(change)


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


@blp.route("/schedules/bulk", methods=["POST"])
@blp.arguments(BulkScheduleSchema)
@blp.response(200, BulkScheduleResultSchema)
@permission_required("schedule.manage")
def set_schedule_cells(data):
    """Upsert up to 2,000 cells in one call (a month of a store), all or nothing.

    Each entry: ``employee_id``, ``date``, ``shift_template_id`` (a shift of the store) or
    null — with ``is_rest`` true a rest day (排休), else the cell is cleared.  The rules of
    ``POST /schedules``: your stores only, the person's own store, employed that day, an
    active shift, an open month; a changed cell becomes a draft until its week is
    published, an unchanged one keeps its state.  Any bad entry: 422 listing each one
    (``fields.entries.<index>.<field>``), nothing written.
    """
    if data.get("store_id") is not None:
        body_store(data["store_id"])
    entries = data["entries"]
    scope = store_scope(current_user)
    home = dict(db.session.execute(
        select(Employee.id, Employee.store_id)
        .where(Employee.id.in_({entry["employee_id"] for entry in entries}))).all())
    problems: dict[int, dict[str, list[str]]] = {}
    cells = []
    for index, entry in enumerate(entries):
        employee_id = entry["employee_id"]
        if employee_id not in home or (scope is not None and home[employee_id] not in scope):
            problems[index] = {"employee_id": ["没有这个员工"]}
            continue
        store_id = data.get("store_id") or home[employee_id]
        if store_id is None:
            problems[index] = {"employee_id": ["没有所属门店，请指定 store_id"]}
            continue
        if entry["is_rest"] and entry["shift_template_id"] is not None:
            problems[index] = {"shift_template_id": ["排休时不能同时指定班次"]}
            continue
        value = schedule_service.REST if entry["is_rest"] else entry["shift_template_id"]
        cells.append((index, store_id, schedule_service.CellChange(
            employee_id, entry["work_date"], value)))
    batch = [(store_id, cell) for _index, store_id, cell in cells]
    if problems:
        refusals = schedule_service.check_cells(batch) if batch else []
    else:
        try:
            saved = run_verb(lambda: schedule_service.upsert_cells(batch, current_user))
        except schedule_service.CellsRefused as refused:
            db.session.rollback()
            refusals = refused.problems
        else:
            return {"created": len(saved.created), "updated": len(saved.updated),
                    "cleared": saved.cleared, "unchanged": saved.unchanged}
    for problem in refusals:
        field = "date" if problem.field == "work_date" else problem.field
        problems.setdefault(cells[problem.index][0], {})[field] = [problem.message]
    first = problems[min(problems)]
    abort(422, message=next(iter(first.values()))[0],
          errors={"json": {"entries": dict(sorted(problems.items()))}})


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
