"""/api/v1/reports: the monthly operating reports (月度经营分析报告) — the months with
their status, one month's report as built (a store role gets its stores' parts only),
and (re)building a month (the job ``gm.operating_report``).  The same functions and
permissions as the pages (app/blueprints/gm/report.py, views_reports.py); money as
strings, as stored."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import inputs
from app.blueprints.api.common import Blueprint, parse_month
from app.blueprints.gm import report as service
from app.blueprints.gm.models import REPORT_STATUSES, OperatingReport
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_gm_reports", __name__, url_prefix="/reports",
                description="Monthly operating reports (月度经营分析报告)")


class ReportSummarySchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    status = fields.String(validate=validate.OneOf(REPORT_STATUSES))
    progress = fields.Integer(metadata={"description": "0-100 while being built"})
    job_id = fields.Integer(allow_none=True)
    built_at = fields.DateTime(allow_none=True)


class ReportSchema(ReportSummarySchema):
    chain = fields.Dict(allow_none=True, metadata={
        "description": "the chain's sales, problems, opinions, forecast (null for a "
                       "store role)"})
    stores = fields.List(fields.Dict(), metadata={
        "description": "a part per store: sales (vs target, last month, last year), "
                       "problems, opinions, forecast with its error table"})


class BuildSchema(Schema):
    month = fields.String(required=True, validate=parse_month,
                          metadata={"description": "YYYY-MM"})


class ReportArgsSchema(Schema):
    store_id = fields.Integer(load_default=None)


def _summary(report: OperatingReport, jobs: dict) -> dict:
    status, percent, _message = service.display_status(report, jobs)
    return {"month": service.month_text(report.month), "status": status,
            "progress": percent,
            "job_id": int(report.job_id) if report.job_id and report.job_id.isdigit()
            else None, "built_at": report.built_at}


def _report_or_404(month: str) -> OperatingReport:
    first = inputs.parse_month(month)
    found = service.report_for(first) if first is not None else None
    if found is None:
        abort(404)
    return found


@blp.route("", methods=["GET"])
@blp.response(200, ReportSummarySchema(many=True))
@permission_required("report.view")
def list_reports():
    """The months with a report, newest first (36 at most)."""
    reports = list(db.session.scalars(
        select(OperatingReport).order_by(OperatingReport.month.desc()).limit(36)))
    jobs = service.jobs_of(reports)
    return [_summary(r, jobs) for r in reports]


@blp.route("", methods=["POST"])
@blp.arguments(BuildSchema)
@blp.response(202, ReportSummarySchema)
@permission_required("job.run")
def build(args):
    """Build (or rebuild) a month's report: starting a job (job.run, head office)."""
    report, _record = service.request_report(parse_month(args["month"]), current_user.id)
    db.session.commit()
    return _summary(report, service.jobs_of([report]))


@blp.route("/<month>", methods=["GET"])
@blp.arguments(ReportArgsSchema, location="query")
@blp.response(200, ReportSchema)
@permission_required("report.view")
def get_report(args, month: str):
    """One month's report as built; ``store_id``: that store's part only."""
    found = _report_or_404(month)
    scope = store_scope(current_user)
    if args["store_id"] is not None:
        get_in_scope_or_404(Store, args["store_id"])
    content = found.content or {}
    parts = [p for p in content.get("stores", [])
             if (scope is None or p["store_id"] in scope)
             and (args["store_id"] is None or p["store_id"] == args["store_id"])]
    chain = content.get("chain") if scope is None and args["store_id"] is None else None
    return {**_summary(found, service.jobs_of([found])), "chain": chain, "stores": parts}


@blp.route("/<month>", methods=["POST"])
@blp.response(202, ReportSummarySchema)
@permission_required("job.run")
def rebuild(month: str):
    """Build a month's report again (replaces its content)."""
    found = _report_or_404(month)
    report, _record = service.request_report(found.month, current_user.id)
    db.session.commit()
    return _summary(report, service.jobs_of([report]))
