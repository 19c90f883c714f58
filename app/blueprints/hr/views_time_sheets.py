"""考勤表 pages: a store's monthly attendance sheet, one person's month, lock and unlock."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    LockForm,
    ReasonForm,
)
from app.blueprints.hr.models.time import AttendanceSheet
from app.blueprints.hr.time import (
    TimeError,
    month_end,
    month_start,
    tenant_zone,
)
from app.blueprints.hr.time import sheets as sheet_service
from app.blueprints.hr.views_time import (
    LABELS,
    flash_errors,
    month_arg,
    redirect_to_first_store,
    store_or_404,
    visible_stores,
)
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required


@bp.route("/time/attendance")
@permission_required("attendance.view")
def time_sheet_home():
    return redirect_to_first_store("hr.time_sheet")


@bp.route("/time/stores/<int:store_id>/attendance")
@permission_required("attendance.view")
def time_sheet(store_id: int):
    """月度考勤表: each person's days: 排班, 出勤, 带薪假, 病假, 事假, 旷工, 迟到/早退, 加班."""
    store = store_or_404(store_id)
    month = month_arg()
    view = sheet_service.sheet_view(store.id, month)
    return render_template(
        "hr/time/sheet.html", store=store, stores=visible_stores(), view=view, month=month,
        prev_month=month_start(month - timedelta(days=1)),
        next_month=month_end(month) + timedelta(days=1),
        lock_form=LockForm(formdata=None, month=month.isoformat()),
        unlock_form=ReasonForm(formdata=None), can_unlock=current_user.role in
        sheet_service.UNLOCK_ROLES)


@bp.route("/time/stores/<int:store_id>/attendance/employees/<int:employee_id>")
@permission_required("attendance.view")
def time_sheet_employee(store_id: int, employee_id: int):
    """The sheet's day-by-day detail of one person."""
    store = store_or_404(store_id)
    employee = get_in_scope_or_404(Employee, employee_id)
    month = month_arg()
    view = sheet_service.employee_month(employee.id, month)
    sheet = sheet_service.get_sheet(store.id, month)
    return render_template("hr/time/sheet_employee.html", store=store, employee=employee,
                           month=month, view=view, zone=tenant_zone(), labels=LABELS,
                           shifts_by_day={s.work_date: s for s in
                                          (view.inputs.shifts if view.inputs else ())},
                           locked=sheet is not None and sheet.status == "locked")


@bp.route("/time/stores/<int:store_id>/attendance/lock", methods=["POST"])
@permission_required("attendance.lock")
def time_sheet_lock(store_id: int):
    store = store_or_404(store_id)
    form = LockForm()
    month = month_arg()
    if form.validate_on_submit():
        try:
            sheet_service.lock_sheet(store.id, month, current_user, form.note.data or "")
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("%(store)s %(month)s 考勤表已锁定", store=store.name,
                    month=month.strftime("%Y-%m")), "success")
    return redirect(url_for("hr.time_sheet", store_id=store.id, month=month.strftime("%Y-%m")))


@bp.route("/time/sheets/<int:sheet_id>")
@permission_required("attendance.view")
def time_sheet_by_id(sheet_id: int):
    sheet = get_in_scope_or_404(AttendanceSheet, sheet_id)
    return redirect(url_for("hr.time_sheet", store_id=sheet.store_id,
                            month=sheet.month.strftime("%Y-%m")))


@bp.route("/time/sheets/<int:sheet_id>/unlock", methods=["POST"])
@permission_required("attendance.lock")
def time_sheet_unlock(sheet_id: int):
    sheet = get_in_scope_or_404(AttendanceSheet, sheet_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            sheet_service.unlock_sheet(sheet, current_user, form.reason.data)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("考勤表已解锁"), "success")
    else:
        flash(_("请填写解锁原因"), "danger")
    return redirect(url_for("hr.time_sheet", store_id=sheet.store_id,
                            month=sheet.month.strftime("%Y-%m")))
