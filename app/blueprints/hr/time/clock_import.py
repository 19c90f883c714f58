"""打卡机 import: punches sent by clock devices, stored row by row (bad rows reported,
a row already stored counted as a duplicate, so a device may resend a batch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.hr.models.time import CLOCK_KINDS, ClockRecord, ScheduleEntry
from app.blueprints.hr.payroll.attendance import Shift
from app.blueprints.hr.time import (
    actor_id,
    aware,
    local_date,
    tenant_zone,
    utc,
)
from app.blueprints.hr.time.locks import MonthLockedError, ensure_month_open, locked_months
from app.blueprints.hr.time.punches import FUTURE_TOLERANCE, shift_for_punch
from app.blueprints.hr.time.schedules import schedulable_on
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow


@dataclass
class ImportResult:
    """``created`` rows stored, ``duplicates`` already stored (or repeated in the batch),
    ``errors``: ``{"index", "field", "message"}`` of each refused row (nothing stored)."""

    created: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)
    records: list[ClockRecord] = field(default_factory=list)


def _text(value, limit: int) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        return None
    return value.strip()


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


def import_punches(rows: list, actor, scope: set[int] | None,
                   now: datetime | None = None) -> ImportResult:
    """Bulk import from clock devices, per row (module docstring), idempotent on
    (device_id, device_record_id).  ``scope``: the caller's store ids (None: all); an
    employee outside it is reported as unknown.  A fixed number of statements."""
    now = utc(now or utcnow())
    zone = tenant_zone()
    result = ImportResult()
    parsed: list[tuple[int, dict]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            result.errors.append({"index": index, "field": "row", "message": _("每行须为对象")})
            continue
        values = {
            "employee_no": _text(row.get("employee_no"), 16),
            "at": _moment(row.get("at")),
            "kind": row.get("kind") if row.get("kind") in CLOCK_KINDS else None,
            "device_id": _text(row.get("device_id"), 64),
            "device_record_id": _text(row.get("device_record_id"), 64),
        }
        messages = {
            "employee_no": _("请填写工号"),
            "at": _("时间须为带时区的 ISO 8601，如 2026-11-02T09:58:00+08:00"),
            "kind": _("kind 须为 in 或 out"),
            "device_id": _("请填写考勤机编号（最多 64 个字符）"),
            "device_record_id": _("请填写考勤机记录编号（最多 64 个字符）"),
        }
        bad = next((name for name, value in values.items() if value is None), None)
        if bad is not None:
            result.errors.append({"index": index, "field": bad, "message": messages[bad]})
            continue
        parsed.append((index, values))
    if not parsed:
        result.errors.sort(key=lambda error: error["index"])
        return result

    numbers = {values["employee_no"] for _i, values in parsed}
    employees = {e.employee_no: e for e in db.session.scalars(
        select(Employee).where(Employee.employee_no.in_(numbers)))
        if scope is None or e.store_id in scope}
    stored = {(device_id, record_id) for device_id, record_id in db.session.execute(
        select(ClockRecord.device_id, ClockRecord.device_record_id).where(
            ClockRecord.device_id.in_({v["device_id"] for _i, v in parsed}),
            ClockRecord.device_record_id.in_({v["device_record_id"] for _i, v in parsed})))}
    days = [local_date(v["at"], zone) for _i, v in parsed]
    first, last = min(days) - timedelta(days=1), max(days) + timedelta(days=1)
    people = [e.id for e in employees.values()]
    shifts: dict[int, list[Shift]] = {}
    for entry in db.session.scalars(select(ScheduleEntry).where(
            ScheduleEntry.employee_id.in_(people or [-1]),
            ScheduleEntry.published_at.is_not(None), ScheduleEntry.is_rest.is_(False),
            ScheduleEntry.work_date >= first, ScheduleEntry.work_date <= last)):
        if entry.starts_at is not None and entry.ends_at is not None:
            shifts.setdefault(entry.employee_id, []).append(
                Shift(entry.work_date, aware(entry.starts_at), aware(entry.ends_at)))
    locked = locked_months({e.store_id for e in employees.values()}, first, last)

    for index, values in parsed:
        pair = (values["device_id"], values["device_record_id"])
        if pair in stored:
            result.duplicates += 1
            continue
        employee = employees.get(values["employee_no"])
        at = values["at"]
        if employee is None:
            result.errors.append({"index": index, "field": "employee_no",
                                  "message": _("没有这个工号")})
            continue
        day = local_date(at, zone)
        if at > now + FUTURE_TOLERANCE:
            result.errors.append({"index": index, "field": "at",
                                  "message": _("打卡时间不能晚于现在")})
            continue
        if not schedulable_on(employee, day):
            result.errors.append({"index": index, "field": "at",
                                  "message": _("该员工当天不在职")})
            continue
        shift = shift_for_punch(shifts.get(employee.id, []), values["kind"], at)
        try:
            for checked in {day, shift.work_date if shift else day}:
                ensure_month_open(employee.store_id, checked, field="at", locked=locked)
        except MonthLockedError as exc:
            result.errors.append({"index": index, "field": "at", "message": exc.message})
            continue
        record = ClockRecord(employee_id=employee.id, store_id=employee.store_id,
                             kind=values["kind"], at=utc(at), source="device",
                             device_id=values["device_id"],
                             device_record_id=values["device_record_id"],
                             recorded_by_account_id=actor_id(actor))
        db.session.add(record)
        stored.add(pair)
        result.records.append(record)
        result.created += 1
    db.session.flush()
    result.errors.sort(key=lambda error: error["index"])
    return result
