"""考勤表 lock: a locked month refuses every change dated inside it; lock and unlock, audited.

:func:`ensure_month_open` is the one check, called by every verb of the package
(the rules are in sheets.py's docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record_audit
from app.blueprints.hr.models.time import AttendanceSheet
from app.blueprints.hr.time import (
    NotAllowed,
    TimeError,
    actor_id,
    aware,
    month_start,
    next_month,
)
from app.extensions import db
from app.models.base import utcnow

# Roles that may unlock a locked sheet (with a reason).
UNLOCK_ROLES = frozenset({"hr_manager", "owner"})


class MonthLockedError(TimeError):
    """The attendance sheet of that store and month is locked: nothing dated inside it
    may change until HR unlocks it."""


def locked_months(store_ids: Iterable[int | None], first: date, last: date
                  ) -> set[tuple[int, date]]:
    """``{(store_id, month)}`` of the locked sheets of these stores between the months of
    ``first`` and ``last`` (one statement); pass it to :func:`ensure_month_open` to check
    many days without a query each."""
    ids = sorted({s for s in store_ids if s is not None})
    if not ids:
        return set()
    rows = db.session.execute(
        select(AttendanceSheet.store_id, AttendanceSheet.month)
        .where(AttendanceSheet.store_id.in_(ids), AttendanceSheet.status == "locked",
               AttendanceSheet.month >= month_start(first),
               AttendanceSheet.month <= month_start(last)))
    return {(store_id, month) for store_id, month in rows}


def ensure_month_open(store_id: int | None, day: date, *, field: str = "date",
                      locked: set[tuple[int, date]] | None = None) -> None:
    """Refuse a change dated ``day`` at ``store_id`` when that store's month is locked.

    Raises :class:`MonthLockedError` on ``field``.  ``locked`` (from
    :func:`locked_months`) answers without a query; otherwise one statement.  No store
    (head office): never locked.
    """
    if store_id is None:
        return
    month = month_start(day)
    if locked is None:
        is_locked = db.session.scalar(
            select(AttendanceSheet.id).where(
                AttendanceSheet.store_id == store_id, AttendanceSheet.month == month,
                AttendanceSheet.status == "locked")) is not None
    else:
        is_locked = (store_id, month) in locked
    if is_locked:
        raise MonthLockedError.on(field, _(
            "%(year)s年%(month)s月的考勤表已锁定，不能再修改（需人力资源经理解锁）",
            year=month.year, month=month.month))


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def get_sheet(store_id: int, month: date) -> AttendanceSheet | None:
    return db.session.scalar(select(AttendanceSheet).where(
        AttendanceSheet.store_id == store_id, AttendanceSheet.month == month_start(month)))


def lock_sheet(store_id: int, month: date, actor, note: str = "") -> AttendanceSheet:
    """HR reviewed the month: lock it (created on first lock).  Audited."""
    month = month_start(month)
    sheet = get_sheet(store_id, month)
    if sheet is None:
        sheet = AttendanceSheet(store_id=store_id, month=month, status="open")
        db.session.add(sheet)
    if sheet.status == "locked":
        raise TimeError.on("month", _("该月考勤表已经锁定"))
    sheet.status = "locked"
    sheet.locked_at = utcnow()
    sheet.locked_by_account_id = actor_id(actor)
    sheet.note = (note or "").strip()[:255]
    db.session.flush()
    record_audit("attendance.lock", "attendance_sheet", sheet.id,
                 before={"status": "open"},
                 after={"status": "locked", "store_id": store_id,
                        "month": month.isoformat(), "note": sheet.note})
    return sheet


def unlock_sheet(sheet: AttendanceSheet, actor, reason: str) -> AttendanceSheet:
    """Re-open a locked month (only the HR manager or the owner, with a reason).  Audited."""
    if getattr(actor, "role", None) not in UNLOCK_ROLES:
        raise NotAllowed.on("month", _("只有人力资源经理或企业主可以解锁考勤表"))
    reason = (reason or "").strip()
    if not reason:
        raise TimeError.on("reason", _("请填写解锁原因"))
    if sheet.status != "locked":
        raise TimeError.on("month", _("该月考勤表没有锁定"))
    sheet.status = "open"
    sheet.note = reason[:255]
    before = {"status": "locked", "locked_at": aware(sheet.locked_at).isoformat()
              if sheet.locked_at else None, "locked_by_account_id": sheet.locked_by_account_id}
    sheet.locked_at = None
    sheet.locked_by_account_id = None
    db.session.flush()
    record_audit("attendance.unlock", "attendance_sheet", sheet.id, before=before,
                 after={"status": "open", "store_id": sheet.store_id,
                        "month": sheet.month.isoformat(), "reason": reason})
    return sheet
