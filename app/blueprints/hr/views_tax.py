"""个税期初 on the employee page: file a request, approve or reject it (hr/tax_opening.py)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp, services, tax_opening
from app.blueprints.hr.forms import NoteForm, TaxOpeningForm
from app.blueprints.hr.views_shared import employee_or_404, render_detail
from app.extensions import db
from app.permissions import permission_required
from app.validation import show_on_form


@bp.route("/employees/<int:employee_id>/tax-opening", methods=["POST"])
@permission_required("payroll.settings")
def employee_tax_opening(employee_id: int):
    """个税期初: file the year's amounts for approval; what is on file stays until then."""
    employee = employee_or_404(employee_id)
    form = TaxOpeningForm()
    if form.validate_on_submit():
        try:
            tax_opening.file_request(employee, form.year.data, form.cumulative_taxable.data,
                                     form.cumulative_tax.data, actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已提交 %(year)s 年个税期初数，等待人力资源经理审批", year=form.year.data),
                  "success")
            return redirect(url_for("hr.employee_detail", employee_id=employee_id) + "#tax")
    employee = employee_or_404(employee_id)
    return render_detail(employee, tax_form=form, status=422)


def _decide(request_id: int, verb, done: str):
    row = tax_opening.request_or_404(request_id)
    employee_or_404(row.employee_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            verb(row, current_user, form.note.data or "")
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for("hr.employee_detail", employee_id=row.employee_id) + "#tax")


@bp.route("/tax-opening/<int:tax_request_id>/approve", methods=["POST"])
@permission_required("employee.change_approve")
def tax_opening_approve(tax_request_id: int):
    return _decide(tax_request_id, tax_opening.approve_request, _("已批准，个税期初数已更新"))


@bp.route("/tax-opening/<int:tax_request_id>/reject", methods=["POST"])
@permission_required("employee.change_approve")
def tax_opening_reject(tax_request_id: int):
    return _decide(tax_request_id, tax_opening.reject_request, _("已驳回"))




@bp.route("/tax-opening/<int:tax_request_id>/cancel", methods=["POST"])
@permission_required("payroll.settings")
def tax_opening_cancel(tax_request_id: int):
    return _decide(tax_request_id, lambda row, actor, _note: tax_opening.cancel_request(
        row, actor=actor), _("已撤销"))
