"""工资: payroll runs (计算工资, live progress, approvals, exports), payslips for HR and
finance, and 我的工资条 for every employee (thin: payroll/run.py, lifecycle.py and
payslips.py do the work)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.audit import record_audit
from app.blueprints.hr import bp
from app.blueprints.hr.common import get_by_id, stores
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll import exports
from app.blueprints.hr.payroll import run as payroll
from app.blueprints.hr.payroll.payslips import base_part_lines
from app.extensions import db
from app.models import Employee
from app.permissions import permission_required
from app.validation import show_on_form


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class PayrollStartForm(FlaskForm):
    month = StringField(_l("月份"), validators=[DataRequired()],
                        render_kw={"type": "month", "placeholder": "YYYY-MM"})
    store_id = SelectField(_l("门店"), coerce=_optional_int)

    def __init__(self, *args, store_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store_id.choices = [("", _("全公司（含总部）"))] + [
            (store.id, store.name) for store in store_choices]


class ConfirmForm(FlaskForm):
    """Only the CSRF token (the lifecycle buttons)."""


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(), Length(max=500)])


def _run(run_id: int) -> PayrollRun:
    run = get_by_id(PayrollRun, run_id)
    if run is None:
        abort(404)
    return run


def _default_month() -> str:
    """Last month: payroll is run after the month ends."""
    today = payroll._tenant_today()
    previous = today.replace(day=1) - timedelta(days=1)
    return f"{previous:%Y-%m}"


@bp.route("/payroll")
@permission_required("payroll.view")
def payroll_runs():
    """工资表: every run with its status and totals; 计算工资 for those who may."""
    form = PayrollStartForm(store_choices=stores(), data={"month": _default_month()})
    return _render_runs(form)


def _render_runs(form: PayrollStartForm, status: int = 200):
    runs = payroll.list_runs()
    return render_template("hr/payroll/runs.html", runs=runs, jobs=payroll.jobs_of(runs),
                           form=form, store_names=exports.store_names(),
                           run_status=payroll.display_status,
                           run_status_label=payroll.run_status_label), status


@bp.route("/payroll/runs", methods=["POST"])
@permission_required("payroll.run")
def payroll_start():
    """计算工资: start (or recompute) a month's run; answers with its page."""
    form = PayrollStartForm(store_choices=stores())
    if not form.validate_on_submit():
        return _render_runs(form, 422)
    try:
        run, _record = payroll.start_run(form.month.data, form.store_id.data, actor=current_user)
    except payroll.PayrollError as exc:
        db.session.rollback()
        show_on_form(form, exc.fields)
        return _render_runs(form, 422)
    db.session.commit()  # the job is dispatched after this commit (after_request)
    month = run.month.strftime("%Y-%m")
    flash(_("已开始计算 %(month)s 工资", month=month), "success")
    return redirect(url_for("hr.payroll_run", run_id=run.id))


@bp.route("/payroll/runs/<int:run_id>/recompute", methods=["POST"])
@permission_required("payroll.run")
def payroll_recompute(run_id: int):
    """重新计算 a draft (or failed) run."""
    run = _run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        payroll.start_run(run.month, run.store_id, actor=current_user)
    except payroll.PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已开始重新计算"), "success")
    return redirect(url_for("hr.payroll_run", run_id=run_id))


def _run_page_data(run: PayrollRun) -> dict:
    store_names = exports.store_names()
    rows = exports.run_payslips(run.id)
    store_filter = request.args.get("store", type=int)
    shown = [(slip, employee) for slip, employee in rows
             if store_filter is None or slip.store_id == store_filter]
    record = payroll.job_of(run)
    return {
        "run": run, "job": record, "status": payroll.display_status(run, record),
        "store_names": store_names, "title": exports.run_title(run, store_names),
        "totals": exports.store_totals(rows, store_names),
        "rows": [(slip, exports.payslip_values(slip, employee, store_names))
                 for slip, employee in shown],
        "capped": sum(1 for slip, _employee in rows if slip.deductions_capped),
        "columns": exports.PAYSLIP_COLUMNS, "store_filter": store_filter,
        "skipped": ((record.result or {}).get("skipped", [])
                    if record is not None and record.status == "finished" else []),
        "job_active": payroll.job_active(record),
        "buttons": [action for action in payroll.TRANSITIONS
                    if payroll.may_transition(current_user, run, action)],
        "may_reopen": payroll.may_reopen(current_user, run),
        "may_recompute": (current_user.can("payroll.run")
                          and run.status in payroll.RECOMPUTABLE),
        "confirm_form": ConfirmForm(), "reopen_form": ReopenForm(formdata=None),
        "run_status_label": payroll.run_status_label,
        "bank_ready": run.status in exports.BANK_STATUSES,
        "unlocked": [store_names.get(store_id, "") for store_id in payroll.unlocked_stores(run)]
        if run.status in payroll.RECOMPUTABLE else [],
    }


@bp.route("/payroll/runs/<int:run_id>")
@permission_required("payroll.view")
def payroll_run(run_id: int):
    """工资表 of one run: progress, totals per store, approvals, every payslip, downloads."""
    return render_template("hr/payroll/run.html", **_run_page_data(_run(run_id)))


@bp.route("/payroll/runs/<int:run_id>/progress")
@permission_required("payroll.view")
def payroll_run_progress(run_id: int):
    """The computation's progress (htmx, every second); reloads the page when it ends."""
    run = _run(run_id)
    record = payroll.job_of(run)
    response = make_response(render_template(
        "hr/payroll/_run_progress.html", run=run, job=record,
        run_status_label=payroll.run_status_label))
    if request.headers.get("HX-Request") and not payroll.job_active(record):
        response.headers["HX-Refresh"] = "true"
    return response


_TRANSITION_MESSAGES = {
    "submit": _l("已提交工资表，等待财务复核"),
    "review": _l("已复核，等待总经理审批"),
    "approve": _l("已审批"),
    "pay": _l("已标记为已发放"),
}


def _transition(run_id: int, action: str):
    run = _run(run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        payroll.transition(run, action, actor=current_user)
    except payroll.PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(str(_TRANSITION_MESSAGES[action]), "success")
    return redirect(url_for("hr.payroll_run", run_id=run_id))


@bp.route("/payroll/runs/<int:run_id>/submit", methods=["POST"])
@permission_required("payroll.run")
def payroll_submit(run_id: int):
    """提交 (HR)."""
    return _transition(run_id, "submit")


@bp.route("/payroll/runs/<int:run_id>/review", methods=["POST"])
@permission_required("payroll.review")
def payroll_review(run_id: int):
    """复核 (finance)."""
    return _transition(run_id, "review")


@bp.route("/payroll/runs/<int:run_id>/approve", methods=["POST"])
@permission_required("payroll.approve")
def payroll_approve(run_id: int):
    """审批 (general manager)."""
    return _transition(run_id, "approve")


@bp.route("/payroll/runs/<int:run_id>/pay", methods=["POST"])
@permission_required("payroll.pay")
def payroll_pay(run_id: int):
    """已发放 (finance)."""
    return _transition(run_id, "pay")


@bp.route("/payroll/runs/<int:run_id>/reopen", methods=["POST"])
@permission_required("payroll.view")
def payroll_reopen(run_id: int):
    """退回: back to draft with a reason (HR or finance from submitted; finance or the GM
    from reviewed)."""
    run = _run(run_id)
    if not payroll.may_reopen(current_user, run):
        abort(403)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("请填写退回原因"), "danger")
        return redirect(url_for("hr.payroll_run", run_id=run_id))
    try:
        payroll.reopen_run(run, form.reason.data, actor=current_user)
    except payroll.PayrollError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已退回为草稿"), "success")
    return redirect(url_for("hr.payroll_run", run_id=run_id))


@bp.route("/payroll/runs/<int:run_id>/export.xlsx")
@permission_required("payroll.view")
def payroll_export_xlsx(run_id: int):
    """工资表.xlsx: every payslip with every component, totals, a sheet per store."""
    run = _run(run_id)
    return send_file(io.BytesIO(exports.payroll_workbook(run)), as_attachment=True,
                     download_name=exports.export_filename(run, "xlsx"),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/payroll/runs/<int:run_id>/bank.csv")
@permission_required("payroll.view")
def payroll_export_bank(run_id: int):
    """银行代发文件 (approved or paid runs); the export is audited (full account numbers)."""
    run = _run(run_id)
    try:
        content = exports.bank_transfer_csv(run)
    except payroll.PayrollError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("hr.payroll_run", run_id=run_id))
    record_audit("payroll.bank_export", "payroll_run", run.id,
                 after={"month": f"{run.month:%Y-%m}", "scope": run.scope})
    db.session.commit()
    return send_file(io.BytesIO(content), as_attachment=True,
                     download_name=exports.export_filename(run, "csv"),
                     mimetype="text/csv; charset=utf-8")


def _payslip_context(slip: Payslip) -> dict:
    run = db.session.get(PayrollRun, slip.run_id)
    employee = db.session.get(Employee, slip.employee_id)
    store_names = exports.store_names()
    cap = (slip.detail or {}).get("cap", {})
    return {"slip": slip, "run": run, "employee": employee,
            "cap_total": (Decimal(cap.get("fines_uncapped", "0"))
                          + Decimal(cap.get("late_deduction_uncapped", "0"))),
            "values": exports.payslip_values(slip, employee, store_names),
            "d": slip.detail or {}, "run_status_label": payroll.run_status_label,
            "base_parts": base_part_lines(slip.detail or {}, (run.policy_snapshot or {})
                                          .get("sick_pay_ratio", "0.8")),
            "store_name": (store_names.get(slip.store_id, "") if slip.store_id
                           else _("总部"))}


@bp.route("/payroll/payslips/<int:payslip_id>")
@permission_required("payroll.view")
def payroll_payslip(payslip_id: int):
    """工资条 of one employee, every component and the attendance behind it (HR/finance)."""
    slip = get_by_id(Payslip, payslip_id)
    if slip is None:
        abort(404)
    return render_template("hr/payroll/payslip.html", for_employee=False,
                           **_payslip_context(slip))


@bp.route("/me/payslips")
@permission_required("self.view")
def my_payslips():
    """我的工资条: one's own payslips of approved or paid runs."""
    employee_id = current_user.employee_id
    rows = payroll.my_payslips(employee_id) if employee_id else []
    return render_template("hr/payroll/my_payslips.html", rows=rows)


@bp.route("/me/payslips/<int:payslip_id>")
@permission_required("self.view")
def my_payslip(payslip_id: int):
    """One's own payslip (phone-friendly).  Anyone else's: 404 — except for those who
    keep the payroll, who are sent to the HR view of it."""
    slip = get_by_id(Payslip, payslip_id)
    if slip is None:
        abort(404)
    if not payroll.visible_to_employee(slip, current_user.employee_id):
        if current_user.can("payroll.view"):
            return redirect(url_for("hr.payroll_payslip", payslip_id=payslip_id))
        abort(404)
    return render_template("hr/payroll/payslip.html", for_employee=True,
                           **_payslip_context(slip))
