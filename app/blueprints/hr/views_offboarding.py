"""离职 pages: request, approve / reject / cancel, the last day, issued items back or charged."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp, services
from app.blueprints.hr import offboarding as offboarding_services
from app.blueprints.hr.forms_lifecycle import (
    ChargeForm,
    OffboardingForm,
    OffboardingRecordForm,
    ReasonForm,
)
from app.blueprints.hr.models import (
    IssuedItem,
    Offboarding,
)
from app.blueprints.hr.views_lifecycle import (
    get_or_404,
    render_offboarding,
    render_refused,
    require_checklist_access,
    visible_employee_or_404,
)
from app.extensions import db
from app.permissions import permission_required
from app.validation import show_on_form


@bp.route("/employees/<int:employee_id>/offboarding/new", methods=["GET", "POST"])
@permission_required("employee.offboard")
def offboarding_new(employee_id: int):
    """离职申请: resignation or termination with the last working day."""
    employee = visible_employee_or_404(employee_id)
    form = OffboardingForm()
    if form.validate_on_submit():
        try:
            offboarding = offboarding_services.request_offboarding(
                employee, kind=form.kind.data, last_day=form.last_day.data,
                reason=form.reason.data or "", actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            employee = visible_employee_or_404(employee_id)
        else:
            db.session.commit()
            flash(_("已提交离职申请，待人力资源经理审批"), "success")
            return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/offboarding_new.html", form=form,
                           employee=employee), status


@bp.route("/offboarding/<int:offboarding_id>")
@permission_required("account.self")
def offboarding_detail(offboarding_id: int):
    """One person's offboarding: approval, checklist, items to return, settlement."""
    require_checklist_access()
    return render_offboarding(get_or_404(Offboarding, offboarding_id))


def _offboarding_action(offboarding_id: int, verb, done_message: str):
    offboarding = get_or_404(Offboarding, offboarding_id)
    visible_employee_or_404(offboarding.employee_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        verb(offboarding, form.reason.data or "")
    except services.HrError as exc:
        db.session.rollback()
        return render_refused(None, offboarding_id, exc, 422)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


@bp.route("/offboarding/<int:offboarding_id>/approve", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_approve(offboarding_id: int):
    """批准离职 (HR manager): the checklist starts; after the last day the job runs."""
    return _offboarding_action(
        offboarding_id,
        lambda off, _reason: offboarding_services.approve_offboarding(off, current_user),
        _("已批准离职"))


@bp.route("/offboarding/<int:offboarding_id>/reject", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_reject(offboarding_id: int):
    return _offboarding_action(
        offboarding_id,
        lambda off, reason: offboarding_services.reject_offboarding(off, current_user, reason),
        _("已驳回离职申请"))


@bp.route("/offboarding/<int:offboarding_id>/cancel", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_cancel(offboarding_id: int):
    return _offboarding_action(
        offboarding_id,
        lambda off, reason: offboarding_services.cancel_offboarding(off, current_user, reason),
        _("已撤销离职"))


@bp.route("/offboarding/<int:offboarding_id>/record", methods=["POST"])
@permission_required("employee.offboard")
def offboarding_record(offboarding_id: int):
    """工作交接 and 离职面谈 notes."""
    offboarding = get_or_404(Offboarding, offboarding_id)
    visible_employee_or_404(offboarding.employee_id)
    form = OffboardingRecordForm()
    if form.validate_on_submit():
        try:
            offboarding_services.update_record(offboarding,
                                               handover_note=form.handover_note.data or "",
                                               exit_interview=form.exit_interview.data or "")
        except services.HrError as exc:
            db.session.rollback()
            return render_refused(None, offboarding_id, exc, 422)
        db.session.commit()
        flash(_("已保存"), "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


def _issued_item_action(issued_item_id: int, verb, done_message: str, form):
    item = get_or_404(IssuedItem, issued_item_id)
    visible_employee_or_404(item.employee_id)
    back = request.form.get("next_offboarding", type=int)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    else:
        try:
            verb(item)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(done_message, "success")
    if back and services.get_by_id(Offboarding, back) is not None:
        return redirect(url_for("hr.offboarding_detail", offboarding_id=back))
    return redirect(url_for("hr.employee_detail", employee_id=item.employee_id))


@bp.route("/issued-items/<int:issued_item_id>/return", methods=["POST"])
@permission_required("items.issue")
def issued_item_return(issued_item_id: int):
    """后勤: the item came back."""
    return _issued_item_action(
        issued_item_id, lambda item: offboarding_services.return_issued_item(item, current_user),
        _("已登记归还"), ReasonForm())


@bp.route("/issued-items/<int:issued_item_id>/charge", methods=["POST"])
@permission_required("items.issue")
def issued_item_charge(issued_item_id: int):
    """后勤: not returned; the person is charged (deducted in the settlement)."""
    form = ChargeForm()
    return _issued_item_action(
        issued_item_id,
        lambda item: offboarding_services.charge_issued_item(item, form.charge.data,
                                                             current_user),
        _("已登记扣款"), form)
