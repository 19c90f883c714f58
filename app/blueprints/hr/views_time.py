"""考勤 pages: what they share (lookups, arguments, flashes, labels, template filters).

The pages themselves, one module per area: views_time_schedule.py (shifts, the
week schedule 排班), views_time_clocks.py (打卡机, 代打卡/补卡), views_time_leave.py
(leave and overtime approvals), views_time_sheets.py (the monthly attendance
sheet) and views_time_mine.py (each person's 我的考勤 / 我的排班).
Thin: parse the input, check permission and scope, call app.blueprints.hr.time, commit.
Store pages take the store in the path (``store_id``: another store's id is 404 by the
central resolution); a person's own requests are checked to be theirs (else 404).
The front desk's menu gets these pages too (store.subnav.SUBNAV, appended below).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import bp
from app.blueprints.hr.time import (
    CLOCK_KIND_LABELS,
    CLOCK_SOURCE_LABELS,
    LEAVE_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    WEEKDAYS,
    TimeError,
    aware,
    local_now,
    parse_month,
    tenant_zone,
)
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.store.subnav import SUBNAV, SubnavItem
from app.extensions import db
from app.models import Employee, Store
from app.models.people import EMPLOYED_STATUSES
from app.permissions import get_in_scope_or_404, store_scope

# The desk's menu (门店前台): the foreman and store manager find these beside the board.
SUBNAV.extend([
    SubnavItem(_l("排班"), "hr.time_schedule", "schedule.manage", "schedule", "people"),
    SubnavItem(_l("打卡记录"), "hr.time_clocks", "attendance.view", "clocks", "people"),
    SubnavItem(_l("打卡机"), "hr.time_kiosk", "attendance.kiosk", "kiosk", "people"),
    SubnavItem(_l("请假加班"), "hr.time_leave", "leave.approve", "leave", "people"),
    SubnavItem(_l("考勤表"), "hr.time_sheet", "attendance.view", "attendance", "people"),
])

LABELS = {
    "kinds": CLOCK_KIND_LABELS,
    "sources": CLOCK_SOURCE_LABELS,
    "leave_kinds": LEAVE_KIND_LABELS,
    "statuses": REQUEST_STATUS_LABELS,
    "weekdays": WEEKDAYS,
}


# --------------------------------------------------------------------------- helpers


@bp.app_template_filter("hr_local")
def hr_local(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A stored moment in the tenant's time zone (SQLite's naive values are UTC)."""
    if moment is None:
        return ""
    return aware(moment).astimezone(tenant_zone()).strftime(fmt)


def store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def visible_stores() -> list[Store]:
    scope = store_scope(current_user)
    query = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(db.session.scalars(query))


def first_store_or_none() -> Store | None:
    stores = visible_stores()
    return stores[0] if stores else None


def redirect_to_first_store(endpoint: str):
    store = first_store_or_none()
    if store is None:
        flash(_("您还没有可查看的门店"), "warning")
        return redirect(url_for("main.me"))
    # The store chosen here wins over a store_id in the query (one the user may not see).
    return redirect(url_for(endpoint, **{**request.args.to_dict(), "store_id": store.id}))


@bp.app_template_filter("hr_days")
def hr_days(days) -> str:
    """5.0 -> "5", 0.5 -> "0.5" (leave days, overtime hours)."""
    if days is None:
        return ""
    return f"{Decimal(days).normalize():f}"


def flash_errors(fields: dict) -> None:
    for message in fields.values():
        flash(str(message), "danger")


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def local_today() -> date:
    return local_now().date()


def date_arg(name: str, default: date) -> date:
    raw = request.args.get(name) or request.form.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        flash(_("日期格式应为 2026-01-31"), "danger")
        return default


def week_arg() -> date:
    return schedule_service.week_start_of(date_arg("week", local_today()))


def month_arg() -> date:
    return parse_month(request.args.get("month") or request.form.get("month"), local_today())


def own_employee() -> Employee | None:
    if not current_user.employee_id:
        return None
    return db.session.scalar(select(Employee).where(Employee.id == current_user.employee_id))


def store_employees(store_id: int) -> list[Employee]:
    return list(db.session.scalars(
        select(Employee).where(Employee.store_id == store_id,
                               Employee.status.in_(EMPLOYED_STATUSES))
        .order_by(Employee.employee_no)))


def employee_by_no(employee_no: str | None) -> Employee | None:
    """An employee by 工号 within the viewer's stores (head office: anyone)."""
    number = (employee_no or "").strip()
    if not number:
        return None
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == number))
    scope = store_scope(current_user)
    if employee is None or (scope is not None and employee.store_id not in scope):
        return None
    return employee


def local_input(moment: datetime | None) -> datetime | None:
    """A datetime-local field's naive value is the tenant's local time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=tenant_zone()) if moment.tzinfo is None else moment


def redirect_back(default: str):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


def decide(verb, done: str) -> bool:
    """Run a request's decision: commit and flash ``done``, or roll back and flash why."""
    try:
        verb()
    except TimeError as exc:
        db.session.rollback()
        flash_errors(exc.fields)
        return False
    db.session.commit()
    flash(done, "success")
    return True
