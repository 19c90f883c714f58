"""我的考勤 / 我的排班: a person's own schedule, punches, PIN and leave / overtime requests."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    ConfirmForm,
    LeaveForm,
    OvertimeForm,
    OwnPinForm,
)
from app.blueprints.hr.models.time import (
    LeaveRequest,
    OvertimeRequest,
)
from app.blueprints.hr.time import (
    TimeError,
    month_start,
    tenant_zone,
)
from app.blueprints.hr.time import clocks as clock_service
from app.blueprints.hr.time import leave as leave_service
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import sheets as sheet_service
from app.blueprints.hr.views_time import (
    LABELS,
    decide,
    flash_errors,
    hr_days,
    local_today,
    own_employee,
    week_arg,
)
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required
from app.security import verify_password
from app.validation import show_on_form


@bp.route("/time/my/schedule")
@permission_required("self.view")
def time_my_schedule():
    """我的排班: the person's published schedule, two weeks from the chosen Monday."""
    employee = own_employee()
    week = week_arg()
    entries = []
    if employee is not None:
        entries = schedule_service.published_schedule(employee.id, week,
                                                      week + timedelta(days=13))
    shifts = schedule_service.shift_names(e.shift_template_id for e in entries)
    by_day = {e.work_date: e for e in entries}
    days = [week + timedelta(days=n) for n in range(14)]
    return render_template("hr/time/my_schedule.html", employee=employee, days=days,
                           by_day=by_day, shifts=shifts, week=week, today=local_today(),
                           prev_week=week - timedelta(days=14),
                           next_week=week + timedelta(days=14), zone=tenant_zone(),
                           labels=LABELS)


def _render_mine(employee: Employee | None, *, leave_form=None, overtime_form=None,
                 pin_form=None, status: int = 200):
    today = local_today()
    month = month_start(today)
    view = sheet_service.employee_month(employee.id, month) if employee else None
    punches = (clock_service.punches_on(today, employee_id=employee.id)
               if employee else [])
    requests = {"leave": [], "overtime": []}
    if employee is not None:
        requests["leave"] = list(db.session.scalars(leave_service.leave_query(
            None, employee_id=employee.id).limit(20)))
        requests["overtime"] = list(db.session.scalars(leave_service.overtime_query(
            None, employee_id=employee.id).limit(20)))
    return render_template(
        "hr/time/my_attendance.html", employee=employee, today=today, month=month,
        view=view, punches=punches, requests=requests, zone=tenant_zone(), labels=LABELS,
        leave_form=leave_form or LeaveForm(formdata=None),
        overtime_form=overtime_form or OvertimeForm(formdata=None),
        pin_form=pin_form or OwnPinForm(formdata=None),
        confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/my/attendance")
@permission_required("self.view")
def time_my_attendance():
    """我的考勤: 上班/下班打卡, today's punches, this month, my leave and overtime."""
    return _render_mine(own_employee())


@bp.route("/time/my/clock", methods=["POST"])
@permission_required("self.view")
def time_my_clock():
    if ConfirmForm().validate_on_submit():
        try:
            result = clock_service.clock_self(current_user, request.form.get("kind", ""))
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(result.message, "warning" if result.board == "refused" else "success")
    return redirect(url_for("hr.time_my_attendance"))


@bp.route("/time/my/pin", methods=["POST"])
@permission_required("self.view")
def time_my_pin():
    employee = own_employee()
    form = OwnPinForm()
    if employee is None:
        abort(404)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors = [*form.password.errors, _("登录密码不正确")]
        elif form.pin.data != form.confirm.data:
            form.confirm.errors = [*form.confirm.errors, _("两次输入的密码不一致")]
        else:
            try:
                clock_service.set_clock_pin(employee, form.pin.data, current_user,
                                            by_self=True)
            except TimeError as exc:
                db.session.rollback()
                show_on_form(form, exc.fields)
            else:
                db.session.commit()
                flash(_("打卡密码已设置"), "success")
                return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(employee, pin_form=form, status=422)


@bp.route("/time/my/leave", methods=["POST"])
@permission_required("self.view")
def time_my_leave():
    employee = own_employee()
    if employee is None:
        abort(404)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            leave = leave_service.request_leave(
                employee, form.kind.data, form.starts_on.data, form.ends_on.data,
                form.half_day.data, form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("请假申请已提交（%(days)s 天），等待%(who)s审批", days=hr_days(leave.days),
                    who=_("人力资源") if leave.needs_hr else _("店长")), "success")
            return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(own_employee(), leave_form=form, status=422)


@bp.route("/time/my/overtime", methods=["POST"])
@permission_required("self.view")
def time_my_overtime():
    employee = own_employee()
    if employee is None:
        abort(404)
    form = OvertimeForm()
    if form.validate_on_submit():
        try:
            leave_service.request_overtime(employee, form.work_date.data, form.hours.data,
                                           form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("加班申请已提交，等待审批"), "success")
            return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(own_employee(), overtime_form=form, status=422)


def _mine_or_404(model, object_id: int):
    obj = get_in_scope_or_404(model, object_id)
    if obj.employee_id != current_user.employee_id or current_user.employee_id is None:
        abort(404)
    return obj


@bp.route("/time/my/leave/<int:leave_id>/cancel", methods=["POST"])
@permission_required("self.view")
def time_my_leave_cancel(leave_id: int):
    leave = _mine_or_404(LeaveRequest, leave_id)
    if ConfirmForm().validate_on_submit():
        decide(lambda: leave_service.cancel_leave(leave, current_user), _("已取消请假"))
    return redirect(url_for("hr.time_my_attendance"))


@bp.route("/time/my/overtime/<int:overtime_id>/cancel", methods=["POST"])
@permission_required("self.view")
def time_my_overtime_cancel(overtime_id: int):
    overtime = _mine_or_404(OvertimeRequest, overtime_id)
    if ConfirmForm().validate_on_submit():
        decide(lambda: leave_service.cancel_overtime(overtime, current_user),
                _("已取消加班申请"))
    return redirect(url_for("hr.time_my_attendance"))
