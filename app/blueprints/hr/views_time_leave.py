"""请假 / 加班 approvals: a store's requests, filed for someone, approved or refused."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    LeaveForm,
    NoteForm,
    OvertimeForm,
)
from app.blueprints.hr.models.time import (
    LeaveRequest,
    OvertimeRequest,
)
from app.blueprints.hr.time import (
    REQUEST_STATUS_LABELS,
    TimeError,
)
from app.blueprints.hr.time import leave as leave_service
from app.blueprints.hr.views_time import (
    LABELS,
    decide,
    employee_by_no,
    flash_errors,
    flash_form_errors,
    hr_days,
    redirect_back,
    store_or_404,
    visible_stores,
)
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@bp.route("/time/leave")
@permission_required("leave.approve")
def time_leave():
    """请假与加班 of the stores in scope: pending first; approve, reject, file for someone."""
    scope = store_scope(current_user)
    store_id = request.args.get("store_id", type=int)
    store = store_or_404(store_id) if store_id else None
    status = request.args.get("status", "pending")
    status = status if status in REQUEST_STATUS_LABELS else None
    leave = list(db.session.scalars(leave_service.leave_query(
        scope, store_id=store_id, status=status).limit(200)))
    overtime = list(db.session.scalars(leave_service.overtime_query(
        scope, store_id=store_id, status=status).limit(200)))
    ids = {r.employee_id for r in leave + overtime}
    people = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(ids or [-1])))}
    return render_template(
        "hr/time/leave.html", leave=leave, overtime=overtime, people=people, store=store,
        stores=visible_stores(), status=status, labels=LABELS,
        can_decide_leave=lambda r: leave_service.can_decide_leave(current_user, r),
        can_decide_overtime=lambda r: leave_service.can_decide_overtime(current_user, r),
        hr_days=leave_service.hr_approval_days(), note_form=NoteForm(formdata=None),
        leave_form=LeaveForm(formdata=None), overtime_form=OvertimeForm(formdata=None))


@bp.route("/time/leave/new", methods=["POST"])
@permission_required("leave.approve")
def time_leave_new():
    """代员工请假 (by 工号)."""
    form = LeaveForm()
    if form.validate_on_submit():
        employee = employee_by_no(form.employee_no.data)
        try:
            if employee is None:
                raise TimeError.on("employee_no", _("没有这个工号"))
            leave = leave_service.request_leave(
                employee, form.kind.data, form.starts_on.data, form.ends_on.data,
                form.half_day.data, form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 提交请假 %(days)s 天", name=employee.name,
                    days=hr_days(leave.days)),
                  "success")
    else:
        flash_form_errors(form)
    return redirect_back(url_for("hr.time_leave"))


@bp.route("/time/overtime/new", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_new():
    form = OvertimeForm()
    if form.validate_on_submit():
        employee = employee_by_no(form.employee_no.data)
        try:
            if employee is None:
                raise TimeError.on("employee_no", _("没有这个工号"))
            leave_service.request_overtime(employee, form.work_date.data, form.hours.data,
                                           form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 提交加班申请", name=employee.name), "success")
    else:
        flash_form_errors(form)
    return redirect_back(url_for("hr.time_leave"))


def _decide_leave(leave_id: int, action, done: str):
    leave = get_in_scope_or_404(LeaveRequest, leave_id)
    form = NoteForm()
    if form.validate_on_submit():
        decide(lambda: action(leave, current_user, form.note.data or ""), done)
    return redirect_back(url_for("hr.time_leave"))


def _decide_overtime(overtime_id: int, action, done: str):
    overtime = get_in_scope_or_404(OvertimeRequest, overtime_id)
    form = NoteForm()
    if form.validate_on_submit():
        decide(lambda: action(overtime, current_user, form.note.data or ""), done)
    return redirect_back(url_for("hr.time_leave"))


@bp.route("/time/leave/<int:leave_id>/approve", methods=["POST"])
@permission_required("leave.approve")
def time_leave_approve(leave_id: int):
    """批准 (above the HR threshold only holders of leave.approve_long)."""
    return _decide_leave(leave_id, leave_service.approve_leave, _("已批准请假"))


@bp.route("/time/leave/<int:leave_id>/reject", methods=["POST"])
@permission_required("leave.approve")
def time_leave_reject(leave_id: int):
    return _decide_leave(leave_id, leave_service.reject_leave, _("已驳回请假"))


@bp.route("/time/leave/<int:leave_id>/cancel", methods=["POST"])
@permission_required("leave.approve")
def time_leave_cancel(leave_id: int):
    return _decide_leave(leave_id, leave_service.cancel_leave, _("已取消请假"))


@bp.route("/time/overtime/<int:overtime_id>/approve", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_approve(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.approve_overtime, _("已批准加班"))


@bp.route("/time/overtime/<int:overtime_id>/reject", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_reject(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.reject_overtime, _("已驳回加班"))


@bp.route("/time/overtime/<int:overtime_id>/cancel", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_cancel(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.cancel_overtime, _("已取消加班"))
