"""入职 pages: start an onboarding, its checklist, cancel it, the probation review."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp, services
from app.blueprints.hr import onboarding as onboarding_services
from app.blueprints.hr.forms_lifecycle import (
    CandidateForm,
    ProbationReviewForm,
    ReasonForm,
)
from app.blueprints.hr.models import (
    Offboarding,
    Onboarding,
)
from app.blueprints.hr.views_lifecycle import (
    after_onboarding_step,
    get_or_404,
    render_onboarding,
    render_refused,
    visible_employee_or_404,
    visible_stores,
)
from app.extensions import db
from app.permissions import can_see_store, permission_required
from app.validation import show_on_form


@bp.route("/onboarding/new", methods=["GET", "POST"])
@permission_required("employee.onboard")
def onboarding_new():
    """新员工入职: the candidate's short file, then the checklist at once."""
    form = CandidateForm(stores=visible_stores(), positions=services.positions())
    if form.validate_on_submit():
        if form.store_id.data is not None and not can_see_store(current_user, form.store_id.data):
            form.store_id.errors = [*form.store_id.errors, _("没有这个门店")]
        else:
            try:
                employee = onboarding_services.create_candidate(
                    employee_no=form.employee_no.data, name=form.name.data,
                    position_id=form.position_id.data, store_id=form.store_id.data,
                    gender=form.gender.data, phone=form.phone.data or "",
                    hire_date=form.hire_date.data)
                result = onboarding_services.start_onboarding(employee, actor=current_user)
            except services.HrError as exc:
                db.session.rollback()
                show_on_form(form, exc.fields)
            else:
                db.session.commit()
                return after_onboarding_step(result, _("已开始办理入职：%(name)s",
                                                        name=employee.name))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/onboarding_new.html", form=form), status


@bp.route("/employees/<int:employee_id>/onboarding", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_start(employee_id: int):
    """开始入职 for an existing candidate's file."""
    employee = visible_employee_or_404(employee_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    try:
        result = onboarding_services.start_onboarding(employee, actor=current_user)
    except services.HrError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
        return redirect(url_for("hr.employee_detail", employee_id=employee_id))
    db.session.commit()
    return after_onboarding_step(result, _("已开始办理入职：%(name)s", name=employee.name))


@bp.route("/onboarding/<int:onboarding_id>")
@permission_required("employee.view")
def onboarding_detail(onboarding_id: int):
    """One person's onboarding checklist, grouped by owner department."""
    return render_onboarding(get_or_404(Onboarding, onboarding_id))


@bp.route("/onboarding/<int:onboarding_id>/cancel", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_cancel(onboarding_id: int):
    onboarding = get_or_404(Onboarding, onboarding_id)
    visible_employee_or_404(onboarding.employee_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            onboarding_services.cancel_onboarding(onboarding, current_user,
                                                  reason=form.reason.data or "")
        except services.HrError as exc:
            db.session.rollback()
            return render_refused(onboarding_id, None, exc, 422)
        db.session.commit()
        flash(_("已取消入职"), "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=onboarding_id))


@bp.route("/onboarding/<int:onboarding_id>/review", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_review(onboarding_id: int):
    """转正: confirm (active) or end employment (a termination for the HR manager)."""
    onboarding = get_or_404(Onboarding, onboarding_id)
    visible_employee_or_404(onboarding.employee_id)
    form = ProbationReviewForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return render_onboarding(onboarding, status=422)
    try:
        outcome = onboarding_services.review_probation(
            onboarding, form.outcome.data, current_user, note=form.note.data or "",
            last_day=form.last_day.data)
    except services.HrError as exc:
        db.session.rollback()
        return render_refused(onboarding_id, None, exc, 422)
    db.session.commit()
    if isinstance(outcome, Offboarding):
        flash(_("已提交辞退申请，待人力资源经理审批"), "success")
        return redirect(url_for("hr.offboarding_detail", offboarding_id=outcome.id))
    flash(_("已转正"), "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=onboarding_id))


@bp.route("/employees/<int:employee_id>/probation-review", methods=["POST"])
@permission_required("employee.onboard")
def employee_probation_review(employee_id: int):
    """转正 from the employee page (also for people on probation without an onboarding)."""
    employee = visible_employee_or_404(employee_id)
    form = ProbationReviewForm()
    if form.validate_on_submit():
        try:
            outcome = onboarding_services.review_probation_of(
                employee, form.outcome.data, current_user, note=form.note.data or "",
                last_day=form.last_day.data)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            if isinstance(outcome, Offboarding):
                flash(_("已提交辞退申请，待人力资源经理审批"), "success")
                return redirect(url_for("hr.offboarding_detail", offboarding_id=outcome.id))
            flash(_("已转正"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("hr.employee_detail", employee_id=employee_id))
