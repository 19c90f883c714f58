"""月度经营分析报告 (the monthly operating report): built by the RQ job
``gm.operating_report`` (app/blueprints/gm/jobs_report.py) into ``OperatingReport.content``
and read as built by the page, the Excel file, the print layout and the API.

``build_report(month)`` assembles the parts, each in its own module:

* report_sales.py — sales against target, last month and last year (rollups);
* report_problems.py — the problems found, one sentence each with its cause;
* report_opinions.py — ratings, complaint kinds, lowest-rated items and therapists;
* report_forecast.py — next month's forecast and its error on past months;
* ``care_follow_ups`` below — the guest care plan's contacts (app/blueprints/service/care.py).

The content is JSON-safe: money as decimal strings, percentages as strings, months as
``YYYY-MM``.  Plain functions: no request, no commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.gm import report_forecast, report_opinions, report_problems
from app.blueprints.gm import report_sales as sales
from app.blueprints.gm.models import (
    REPORT_FAILED,
    REPORT_QUEUED,
    REPORT_READY,
    REPORT_RUNNING,
    OperatingReport,
)
from app.extensions import db
from app.models import Store
from app.models.base import utcnow

REPORT_JOB = "gm.operating_report"
MONTHLY_JOB = "gm.operating_report_monthly"
# Company time of the scheduled build: the 1st of the month from 04:00, for the month
# before (days 1-3 catch a missed hour up), so it is ready well before the 5th.
BUILD_DAY, BUILD_HOUR, CATCH_UP_DAYS = 1, 4, 3


def care_follow_ups(month: date, store_ids: set[int] | None) -> dict:
    """客户回访 of the month per store: ``{store_id: {"planned", "contacted", "unhappy"}}``
    (the service department's care plans of the weeks starting in the month)."""
    from app.blueprints.service.care import care_counts

    ids = store_ids if store_ids is not None else set(db.session.scalars(select(Store.id)))
    return care_counts(month, ids)


def month_text(month: date) -> str:
    return f"{month:%Y-%m}"


def _stores(store_ids: set[int] | None) -> list[Store]:
    stmt = select(Store).order_by(Store.code, Store.id)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(sorted(store_ids) or [-1]))
    return list(db.session.scalars(stmt))


def build_report(month: date, store_ids: set[int] | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 as_of: date | None = None) -> dict:
    """The report of ``month`` (its first day) for the stores (None: every store).

    ``progress(done, total, store name)`` is called after each store's part;
    ``as_of``: the day overdue asset counts are judged on (default: the company's today).
    """
    from app.blueprints.logistics.settings import tenant_today

    month = month.replace(day=1)
    stores = _stores(store_ids)
    history = sales.months_back(month, report_forecast.HISTORY_MONTHS)
    sums = sales.month_sums(history, store_ids)
    last_month, last_year = sales.add_months(month, -1), sales.add_months(month, -12)
    targets = sales.target_sums(sales.targets_of(month, store_ids))
    actual_pnl, budgets = report_problems.budget_figures(month, store_ids)
    complaints = report_problems.complaints_by_store(month, store_ids)
    complaints_before = report_opinions.complaint_counts(last_month, store_ids)
    overdue = report_problems.overdue_by_store(as_of or tenant_today(), store_ids)
    attendance = report_problems.attendance_by_store(month, store_ids)
    opinions = report_opinions.opinions_by_store(month, store_ids, complaints)
    care = care_follow_ups(month, store_ids)

    parts = []
    for done, store in enumerate(stores, start=1):
        this = sums[month].get(store.id) or sales.empty_sums()
        before = sums[last_month].get(store.id)
        year_ago = sums[last_year].get(store.id)
        target = targets.get(store.id)
        name = f"{store.code} {store.name}".strip()
        problems = [
            *report_problems.target_problems(name, this, before, target),
            *report_problems.budget_problems(name, actual_pnl.get(store.id) or _no_pnl(),
                                             budgets.get(store.id)),
            *report_problems.complaint_problems(name, complaints.get(store.id, []),
                                                complaints_before.get(store.id, 0)),
            *report_problems.overdue_problems(name, overdue.get(store.id, [])),
            *report_problems.attendance_problems(name, attendance.get(store.id)),
            *report_problems.return_problems(name, this, before),
        ]
        series = {m: sums[m][store.id]["revenue"] for m in history if store.id in sums[m]}
        parts.append({
            "store_id": store.id, "code": store.code, "name": store.name,
            "sales": sales.sales_section(this, before, year_ago, target),
            "problems": problems,
            "opinions": opinions.get(store.id) or report_opinions.empty_opinions(),
            "forecast": report_forecast.forecast_section(series, month),
            "trend": _trend(series, month),
            "care": care.get(store.id, {}),
        })
        if progress is not None:
            progress(done, len(stores), store.name)

    chain_by_month = {m: sales.chain_sums(sums[m]) for m in history}
    chain_series = {m: chain_by_month[m]["revenue"] for m in history if sums[m]}
    chain = {
        "sales": sales.sales_section(
            chain_by_month[month], chain_by_month[last_month] if sums[last_month] else None,
            chain_by_month[last_year] if sums[last_year] else None,
            sales.chain_target(targets)),
        "problems": [p for part in parts for p in part["problems"]],
        "opinions": report_opinions.chain_opinions(
            {part["store_id"]: part["opinions"] for part in parts}),
        "forecast": report_forecast.forecast_section(chain_series, month),
        "trend": _trend(chain_series, month),
        "ranking": [{"store_id": p["store_id"], "name": p["name"],
                     "revenue": p["sales"]["actual"]["revenue"],
                     "achieved": (p["sales"]["achieved"] or {}).get("revenue")}
                    for p in sorted(parts, key=lambda p: -Decimal(
                        p["sales"]["actual"]["revenue"]))],
    }
    return {"month": month_text(month), "built_at": utcnow().isoformat(),
            "chain": chain, "stores": parts}


def _no_pnl():
    from app.blueprints.finance.pnl import Figures

    return Figures()


def _trend(series: dict[date, Decimal], month: date) -> dict:
    """The 12 months ending with ``month`` (for the chart)."""
    months = sales.months_back(month, 12)
    return {"labels": [month_text(m) for m in months],
            "revenue": [str(series.get(m, Decimal("0.00"))) for m in months]}


# --------------------------------------------------------------------------- the rows


def report_for(month: date) -> OperatingReport | None:
    return db.session.scalar(select(OperatingReport).where(OperatingReport.month == month))


def request_report(month: date, account_id: int | None = None):
    """Queue a (re)build of ``month``: one OperatingReport row per month (created here
    when missing, else marked queued again) and a job run.  A build already queued or
    running is not queued twice.  Returns (report, job record or None).  No commit."""
    from app.jobs import enqueue

    month = month.replace(day=1)
    report = report_for(month)
    if report is None:
        report = OperatingReport(month=month, status=REPORT_QUEUED,
                                 requested_by_account_id=account_id)
        db.session.add(report)
        db.session.flush()
    elif report.status in (REPORT_QUEUED, REPORT_RUNNING) and _job_active(report):
        return report, None
    record = enqueue(REPORT_JOB, month=month_text(month))
    report.status = REPORT_QUEUED
    report.job_id = str(record.id)
    report.error = ""
    if account_id is not None:
        report.requested_by_account_id = account_id
    db.session.flush()
    return report, record


def _job_active(report: OperatingReport) -> bool:
    from app.jobs.models import JobRecord

    if not report.job_id or not report.job_id.isdigit():
        return False
    record = db.session.get(JobRecord, int(report.job_id))
    return record is not None and record.status in ("queued", "running")


def store_in(report: OperatingReport, store_id: int) -> dict | None:
    """One store's part of a built report (None: not in it)."""
    for part in (report.content or {}).get("stores", []):
        if part["store_id"] == store_id:
            return part
    return None


def display_status(report: OperatingReport, jobs: dict) -> tuple[str, int, str]:
    """(status, progress 0-100, message) as the list shows it: a queued or running
    report whose job failed reads as failed."""
    record = jobs.get(report.job_id)
    if report.status in (REPORT_QUEUED, REPORT_RUNNING) and record is not None:
        if record.status == "failed":
            return REPORT_FAILED, record.progress or 0, ""
        return report.status, record.progress or 0, record.message or ""
    return report.status, 100 if report.status == REPORT_READY else 0, ""


def jobs_of(reports: list[OperatingReport]) -> dict:
    from app.jobs.models import JobRecord

    ids = [int(r.job_id) for r in reports if r.job_id and r.job_id.isdigit()]
    if not ids:
        return {}
    return {str(j.id): j for j in db.session.scalars(
        select(JobRecord).where(JobRecord.id.in_(ids)))}


def status_labels() -> dict[str, str]:
    return {REPORT_QUEUED: _("排队中"), REPORT_RUNNING: _("生成中"), REPORT_READY: _("已生成"),
            REPORT_FAILED: _("生成失败")}
