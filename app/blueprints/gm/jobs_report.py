"""总经理 background jobs of the monthly operating report (thin: the building is in
report.py): one month's build, with a progress step per store, and the monthly fan-out
that starts last month's on the 1st at 04:00 company time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.blueprints.gm import report as service
from app.blueprints.gm.models import REPORT_FAILED, REPORT_READY, REPORT_RUNNING, OperatingReport
from app.blueprints.gm.rollups import refresh_days
from app.extensions import db
from app.jobs import commit_and_dispatch, job, queues
from app.jobs.models import JobRecord
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import cross_tenant_access, tenant_context


def _describe(params_list: list[dict]) -> list[str]:
    return [_("%(month)s 月度经营分析报告", month=params.get("month", "—"))
            for params in params_list]


def _write_apart(report_id: int, values: dict) -> None:
    """Commit the report's status outside the job's transaction, so the list shows
    "生成中" (or the failure) while the job's own writes are still uncommitted."""
    with Session(db.engine) as session:
        session.execute(update(OperatingReport).where(OperatingReport.id == report_id)
                        .values(**values))
        session.commit()


@job(service.REPORT_JOB, queue="reports", timeout=1800, label=_l("月度经营分析报告"),
     describe=_describe)
def operating_report(ctx, month: str) -> dict:
    """Build ``month``'s report into its row (created if missing; a rerun replaces the
    content of the same row)."""
    first = date.fromisoformat(f"{month}-01")
    report = service.report_for(first)
    if report is None:
        report = OperatingReport(month=first)
        db.session.add(report)
        db.session.flush()
    live = ctx is not None and not queues.is_inline()
    if live:
        _write_apart(report.id, {"status": REPORT_RUNNING})
    else:
        report.status = REPORT_RUNNING

    def progress(done: int, total: int, name: str) -> None:
        if ctx is not None:
            ctx.progress(5 + 90 * done // max(1, total),
                         _("已完成 %(n)s / %(total)s 家门店：%(name)s", n=done, total=total,
                           name=name))

    if ctx is not None:
        ctx.progress(2, _("读取本月数据"))
    try:
        # At 04:00 on the 1st the month's last business day has closed (日结) but the
        # nightly rollup refresh comes only when the next business day starts: make
        # the month's last two days exact from the source rows first.
        last_day = service.sales.add_months(first, 1) - timedelta(days=1)
        refresh_days(last_day - timedelta(days=1), last_day)
        content = service.build_report(first, progress=progress)
    except Exception as exc:
        if live:
            _write_apart(report.id, {"status": REPORT_FAILED,
                                     "error": f"{type(exc).__name__}: {exc}"[:2000]})
        raise
    report.content = content
    report.status = REPORT_READY
    report.error = ""
    report.built_at = utcnow()
    if ctx is not None:
        report.job_id = str(ctx.record_id)
    db.session.flush()
    return {"month": month, "stores": len(content["stores"]),
            "problems": len(content["chain"]["problems"])}


def start_monthly_if_due(now: datetime | None = None):
    """The schedule's check for the current tenant: from the 1st at 04:00 company time
    (to CATCH_UP_DAYS later), last month's report once."""
    from app.blueprints.logistics.settings import tenant_now

    local = tenant_now(now)
    if local.day < service.BUILD_DAY or local.day > service.BUILD_DAY + service.CATCH_UP_DAYS \
            or (local.day == service.BUILD_DAY and local.hour < service.BUILD_HOUR):
        return None
    month = service.sales.add_months(local.date().replace(day=1), -1)
    if service.report_for(month) is not None:
        return None
    queued = db.session.scalar(select(JobRecord.id).where(
        JobRecord.kind == service.REPORT_JOB, JobRecord.status.in_(("queued", "running")))
        .limit(1))
    if queued is not None:
        return None
    return service.request_report(month)[1]


@job(service.MONTHLY_JOB, queue="default", fan_out=True, label=_l("月度经营分析报告（定时）"))
def operating_report_monthly(ctx=None) -> dict:
    """Hourly around the turn of the month: each active company whose local time has
    reached the 1st at 04:00 gets last month's report built (once)."""
    with cross_tenant_access("gm.operating_report_monthly: list companies"):
        tenant_ids = db.session.scalars(
            select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)).all()
    started = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            if start_monthly_if_due() is not None:
                started += 1
            commit_and_dispatch()
        db.session.remove()
    return {"started": started}
