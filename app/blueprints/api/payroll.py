"""Payroll (工资): start a month's run, follow its job, take it through its approvals,
read and export its payslips; every employee reads their own payslips."""

from __future__ import annotations

import io

from flask import abort, send_file
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.audit import record_audit
from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.api.jobs import JobSchema
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.month_so_far import month_so_far
from app.blueprints.hr.payroll import exports
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_payroll", __name__, url_prefix="",
                description="Payroll runs and payslips (工资表、工资条)")


class PayrollStoreTotalSchema(Schema):
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: head office"})
    name = fields.String()
    employees = fields.Integer()
    gross = Money()
    si_total = Money()
    iit = Money()
    net = Money()


class PayrollRunSchema(Schema):
    id = fields.Integer()
    month = fields.Function(lambda run: f"{run.month:%Y-%m}", metadata={"example": "2026-11"})
    scope = fields.String(metadata={"description": '"all" or "store:<id>"'})
    store_id = fields.Integer(allow_none=True)
    status = fields.Function(payroll.display_status, metadata={
        "description": "queued, draft, submitted, reviewed, approved, paid or failed"})
    employee_count = fields.Integer()
    total_gross = Money()
    total_si = Money()
    total_iit = Money()
    total_net = Money()
    computed_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    policy_snapshot = fields.Dict()
    job = fields.Function(lambda run: JobSchema().dump(payroll.job_of(run))
                          if run.job_record_id else None,
                          metadata={"description": "the latest computation job"})


class PayrollRunDetailSchema(PayrollRunSchema):
    store_totals = fields.List(fields.Nested(PayrollStoreTotalSchema))
    capped_payslips = fields.Integer(metadata={
        "description": "payslips whose fines + late deduction were capped at 20%"})


class PayrollRunStartSchema(Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"),
                          metadata={"example": "2026-11"})
    store_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "null: the whole company"})


class PayrollReopenSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


PayslipSchema = Schema.from_dict({
    "id": fields.Integer(),
    "run_id": fields.Integer(),
    "employee_id": fields.Integer(),
    "employee_no": fields.Function(lambda s: (s.detail or {}).get("employee_no")),
    "name": fields.Function(lambda s: (s.detail or {}).get("name")),
    "month": fields.Function(lambda s: f"{s.month:%Y-%m}"),
    "store_id": fields.Integer(allow_none=True),
    **{name: Money() for name in payroll.MONEY_COLUMNS},
    "deductions_capped": fields.Boolean(),
    "detail": fields.Dict(metadata={
        "description": "attendance facts and days, overtime hours, job counts, pay profile, "
                       "level, the cap, SI base and the tax computation; ``base_parts``: "
                       "when a pay change (调薪) took effect within the month, one entry "
                       "per part (first_day, last_day, monthly_base, daily_rate, "
                       "scheduled, share_days / month_days, attended, paid_leave, "
                       "sick_leave, unpaid_leave, absent, amount), empty otherwise"}),
}, name="Payslip")
PayslipPageSchema = page_schema(PayslipSchema, "PayslipPage")
PayrollRunPageSchema = page_schema(PayrollRunSchema, "PayrollRunPage")


class PayrollRunStartedSchema(Schema):
    run = fields.Nested(PayrollRunSchema)
    job = fields.Nested(JobSchema)


def _run_or_404(run_id: int) -> PayrollRun:
    return get_in_scope_or_404(PayrollRun, run_id)


def _detail(run: PayrollRun) -> PayrollRun:
    rows = exports.run_payslips(run.id)
    run.store_totals = exports.store_totals(rows, exports.store_names())
    run.capped_payslips = sum(1 for slip, _employee in rows if slip.deductions_capped)
    return run


@blp.route("/payroll/runs", methods=["POST"])
@blp.arguments(PayrollRunStartSchema)
@blp.response(202, PayrollRunStartedSchema)
@permission_required("payroll.run")
def start_run(data):
    """计算工资: start (or recompute) the run of a month, for one store or the company.

    Answers the run and its job; a run whose computation is queued or running answers
    that same job.  Poll ``GET /payroll/runs/{id}`` (or ``/jobs/{job_id}``).
    """
    run, record = payroll.start_run(data["month"], data["store_id"], actor=current_user)
    db.session.commit()  # dispatched after this commit (after_request)
    return {"run": run, "job": record}


@blp.route("/payroll/runs", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, PayrollRunPageSchema)
@permission_required("payroll.view")
def list_runs(args):
    """The company's runs, newest month first."""
    query = select(PayrollRun).order_by(PayrollRun.month.desc(), PayrollRun.scope,
                                        PayrollRun.id.desc())
    return paginate(query, args["page"], args["page_size"])


@blp.route("/payroll/runs/<int:run_id>", methods=["GET"])
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.view")
def get_run(run_id: int):
    """One run: status, job progress, totals, totals per store."""
    return _detail(_run_or_404(run_id))


@blp.route("/payroll/runs/<int:run_id>/recompute", methods=["POST"])
@blp.response(202, PayrollRunStartedSchema)
@permission_required("payroll.run")
def recompute_run(run_id: int):
    """重新计算 a draft or failed run (422 for a submitted, reviewed, approved or paid one)."""
    run = _run_or_404(run_id)
    run, record = payroll.start_run(run.month, run.store_id, actor=current_user)
    db.session.commit()
    return {"run": run, "job": record}


def _step(run_id: int, action: str):
    run = _run_or_404(run_id)
    run = payroll.transition(run, action, actor=current_user)
    db.session.commit()
    return _detail(run)


@blp.route("/payroll/runs/<int:run_id>/submit", methods=["POST"])
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.run")
def submit_run(run_id: int):
    """提交: draft → submitted (HR)."""
    return _step(run_id, "submit")


@blp.route("/payroll/runs/<int:run_id>/review", methods=["POST"])
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.review")
def review_run(run_id: int):
    """复核: submitted → reviewed (finance)."""
    return _step(run_id, "review")


@blp.route("/payroll/runs/<int:run_id>/approve", methods=["POST"])
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.approve")
def approve_run(run_id: int):
    """审批: reviewed → approved (general manager); approved runs never change."""
    return _step(run_id, "approve")


@blp.route("/payroll/runs/<int:run_id>/pay", methods=["POST"])
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.pay")
def pay_run(run_id: int):
    """发放: approved → paid (finance)."""
    return _step(run_id, "pay")


@blp.route("/payroll/runs/<int:run_id>/reopen", methods=["POST"])
@blp.arguments(PayrollReopenSchema)
@blp.response(200, PayrollRunDetailSchema)
@permission_required("payroll.view")
def reopen_run(data, run_id: int):
    """退回 to draft with a reason: a submitted run (HR or finance), a reviewed run
    (finance or the general manager).  403 for anyone else."""
    run = _run_or_404(run_id)
    if not payroll.may_reopen(current_user, run):
        abort(403)
    run = payroll.reopen_run(run, data["reason"], actor=current_user)
    db.session.commit()
    return _detail(run)


@blp.route("/payroll/runs/<int:run_id>/payslips", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, PayslipPageSchema)
@permission_required("payroll.view")
def list_payslips(args, run_id: int):
    """The run's payslips, every component, by employee number."""
    run = _run_or_404(run_id)
    query = select(Payslip).where(Payslip.run_id == run.id).order_by(Payslip.id)
    return paginate(query, args["page"], args["page_size"])


@blp.route("/payroll/runs/<int:run_id>/export.xlsx", methods=["GET"])
@blp.doc(responses={"200": {"description": "the run as .xlsx (工资表 + 门店汇总)"}})
@permission_required("payroll.view")
def export_xlsx(run_id: int):
    """工资表.xlsx: one row per payslip with every component, totals, a sheet per store."""
    run = _run_or_404(run_id)
    return send_file(io.BytesIO(exports.payroll_workbook(run)), as_attachment=True,
                     download_name=exports.export_filename(run, "xlsx"),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@blp.route("/payroll/runs/<int:run_id>/bank.csv", methods=["GET"])
@blp.doc(responses={"200": {"description": "UTF-8 (BOM) CSV: 工号,姓名,开户行,银行账号,实发金额"}})
@permission_required("payroll.view")
def export_bank(run_id: int):
    """银行代发文件 of an approved or paid run (422 before); the export is audited."""
    run = _run_or_404(run_id)
    content = exports.bank_transfer_csv(run)
    record_audit("payroll.bank_export", "payroll_run", run.id,
                 after={"month": f"{run.month:%Y-%m}", "scope": run.scope})
    db.session.commit()
    return send_file(io.BytesIO(content), as_attachment=True,
                     download_name=exports.export_filename(run, "csv"),
                     mimetype="text/csv; charset=utf-8")


@blp.route("/me/payslips", methods=["GET"])
@blp.response(200, PayslipSchema(many=True))
@permission_required("self.view")
def my_payslips():
    """我的工资条: the caller's own payslips of approved or paid runs, newest first."""
    if not current_user.employee_id:
        return []
    return [slip for slip, _run in payroll.my_payslips(current_user.employee_id)]


class MonthSoFarSchema(Schema):
    month = fields.Function(lambda m: f"{m.month:%Y-%m}", metadata={"example": "2026-11"})
    today = fields.Date(metadata={"description": "today's business date"})
    estimate = fields.Boolean(metadata={
        "description": "always true: 预估, the month's payroll run decides"})
    today_jobs = fields.Integer(metadata={"description": "jobs finished today (business day)"})
    in_service = fields.Integer(metadata={"description": "jobs running now"})
    rotation_jobs = fields.Integer(metadata={"description": "轮钟 finished, add-ons apart"})
    requested_jobs = fields.Integer(metadata={"description": "点钟 finished, add-ons apart"})
    addon_jobs = fields.Integer(metadata={"description": "加钟 finished this month"})
    returned_jobs = fields.Integer(metadata={"description": "退钟 this month (not paid)"})
    paid_jobs = fields.Integer(metadata={"description": "finished jobs payroll counts"})
    has_profile = fields.Boolean(metadata={
        "description": "false: no pay profile, payroll skips the person (figures are 0)"})
    pays_commission = fields.Boolean(metadata={"description": "the pay profile pays commission"})
    commission = Money(metadata={"description": "job commission so far (payroll's rules)"})
    card_sales_count = fields.Integer()
    card_sales_amount = Money()
    card_commission = Money(metadata={"description": "card-sale commission so far"})
    total = Money()


@blp.route("/me/month-so-far", methods=["GET"])
@blp.response(200, MonthSoFarSchema)
@permission_required("self.view")
def my_month_so_far():
    """我的本月 (预估): the caller's jobs of the month by kind and their commission so far,
    computed by payroll's rules (app/blueprints/hr/month_so_far.py); 404 without an
    employee record."""
    employee = (db.session.get(Employee, current_user.employee_id)
                if current_user.employee_id else None)
    if employee is None:
        abort(404)
    return month_so_far(employee)
