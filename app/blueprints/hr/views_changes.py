"""人事变动 pages: request on the employee page, approve / reject / cancel, the list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.blueprints.hr import bp, changes, services
from app.blueprints.hr.forms import NoteForm
from app.blueprints.hr.models import EmployeeChange
from app.blueprints.hr.views_shared import employee_or_404, new_change_form, render_detail
from app.extensions import db
from app.models import Employee
from app.permissions import permission_required, store_scope
from app.validation import show_on_form


def _change_or_404(change_id: int) -> EmployeeChange:
    """The change (tenant checked centrally) whose employee the user may see."""
    change = services.get_by_id(EmployeeChange, change_id)
    if change is None:
        abort(404)
    employee_or_404(change.employee_id)
    return change


def _back(change: EmployeeChange):
    target = request.form.get("next") or ""
    if target == "list":
        return redirect(url_for("hr.changes_list"))
    return redirect(url_for("hr.employee_detail", employee_id=change.employee_id) + "#changes")


@bp.route("/changes")
@permission_required("employee.manage")
def changes_list():
    """待审批的人事变动, and the latest decided ones."""
    scope = store_scope(current_user)
    status = request.args.get("status") or "pending"
    query = (select(EmployeeChange).join(EmployeeChange.employee)
             .options(contains_eager(EmployeeChange.employee))
             .order_by(EmployeeChange.effective_on.desc(), EmployeeChange.id.desc()).limit(200))
    if status in changes.STATUS_LABELS:
        query = query.where(EmployeeChange.status == status)
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    rows = db.session.scalars(query).all()
    return render_template(
        "hr/changes.html", rows=rows, status=status, statuses=changes.STATUS_LABELS,
        kind_label=changes.kind_label, status_label=changes.status_label,
        store_names={s.id: s.name for s in services.stores()},
        position_names={p.id: p.name for p in services.positions()},
        note_form=NoteForm(formdata=None))


@bp.route("/employees/<int:employee_id>/changes", methods=["POST"])
@permission_required("employee.manage")
def change_request(employee_id: int):
    """申请调店 / 晋升 / 降级 / 调薪 (the HR manager approves)."""
    employee = employee_or_404(employee_id)
    form = new_change_form()
    if form.validate_on_submit():
        try:
            changes.request_change(
                employee, form.kind.data, form.effective_on.data, form.reason.data,
                new_store_id=form.new_store_id.data, new_position_id=form.new_position_id.data,
                new_level_id=form.new_level_id.data,
                new_pay_profile_id=form.new_pay_profile_id.data,
                new_monthly_base=form.new_monthly_base.data or None,
                new_bank_name=form.new_bank_name.data or None,
                new_bank_account_no=form.new_bank_account_no.data or None,
                new_si_enrolled=form.si_enrolled_value(),
                new_si_base=form.new_si_base.data or None,
                new_monthly_special_deduction=form.new_monthly_special_deduction.data or None,
                actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已提交%(kind)s申请，等待人力资源经理审批",
                    kind=changes.kind_label(form.kind.data)), "success")
            return redirect(url_for("hr.employee_detail", employee_id=employee_id) + "#changes")
    employee = employee_or_404(employee_id)
    return render_detail(employee, change_form=form, status=422)


def _decide(change_id: int, verb, done_message):
    change = _change_or_404(change_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            result = verb(change, form)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(done_message(result), "success")
    return _back(change)


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@permission_required("employee.change_approve")
def change_approve(change_id: int):
    return _decide(
        change_id,
        lambda change, form: changes.approve_change(change, actor=current_user),
        lambda applied: _("已批准，已生效") if applied else _("已批准，将于生效日期自动生效"))


@bp.route("/changes/<int:change_id>/reject", methods=["POST"])
@permission_required("employee.change_approve")
def change_reject(change_id: int):
    return _decide(
        change_id,
        lambda change, form: changes.reject_change(change, form.note.data or "",
                                                   actor=current_user),
        lambda _result: _("已驳回"))


@bp.route("/changes/<int:change_id>/cancel", methods=["POST"])
@permission_required("employee.manage")
def change_cancel(change_id: int):
    return _decide(
        change_id,
        lambda change, form: changes.cancel_change(change, actor=current_user),
        lambda _result: _("已撤销"))
