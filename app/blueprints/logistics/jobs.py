"""后勤部 background jobs (thin: load ids, call the logistics functions, report
progress): opening the month's asset counts, the monthly fan-out, the reconciliation."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.blueprints.logistics import counting, reconciliation
from app.blueprints.logistics.models import AssetCount
from app.blueprints.logistics.settings import logistics_settings, tenant_now
from app.extensions import db
from app.jobs import commit_and_dispatch, enqueue, job
from app.jobs.models import JobRecord
from app.models import Tenant
from app.tenancy import cross_tenant_access, tenant_context

# The fan-out starts a company's count from its count day and hour up to this many
# days after (a missed hour is caught up; the counts' unique keys make it once).
CATCH_UP_DAYS = 3


def _describe_open(params_list: list[dict]) -> list[str]:
    texts = []
    for params in params_list:
        try:
            period = date.fromisoformat(params.get("period", ""))
        except (TypeError, ValueError):
            texts.append("—")
            continue
        stores = params.get("store_ids")
        texts.append(counting.count_label(period) + (
            _(" · %(n)s 家门店", n=len(stores)) if stores else _(" · 全部门店")))
    return texts


@job(counting.OPEN_JOB, queue="reports", timeout=1800, label=_l("开始资产盘点"),
     describe=_describe_open)
def open_asset_counts(ctx, period: str, store_ids: list[int] | None = None) -> dict:
    """Post the period's depreciation and open its counts, store by store (progress)."""
    def progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(5 + 90 * done // max(1, total),
                         _("已开始 %(n)s / %(total)s 家门店", n=done, total=total))

    if ctx is not None:
        ctx.progress(2, _("读取门店与资产"))
    summary = counting.open_counts(date.fromisoformat(period), store_ids,
                                   job=getattr(ctx, "record_id", None), progress=progress)
    if ctx is not None:
        ctx.progress(100, _("盘点已开始"))
    return summary.as_dict()


def start_open_counts(period: date, store_ids: list[int] | None = None) -> JobRecord:
    """Queue the opening (dispatched after the caller commits)."""
    return enqueue(counting.OPEN_JOB, period=period.isoformat(),
                   store_ids=sorted(store_ids) if store_ids is not None else None)


def start_monthly_if_due(now: datetime | None = None) -> JobRecord | None:
    """The schedule's check for the current tenant: from its count day and hour (local
    time) to CATCH_UP_DAYS later, once per period."""
    settings = logistics_settings()
    local = tenant_now(now)
    day = local.day
    if day < settings.count_day or day > settings.count_day + CATCH_UP_DAYS or (
            day == settings.count_day and local.hour < settings.count_hour):
        return None
    period = counting.period_for(local.date())
    if db.session.scalar(select(AssetCount.id).where(AssetCount.period == period).limit(1)):
        return None
    queued = db.session.scalar(select(JobRecord.id).where(
        JobRecord.kind == counting.OPEN_JOB, JobRecord.status.in_(("queued", "running")))
        .limit(1))
    if queued is not None:
        return None
    return start_open_counts(period)


@job(counting.MONTHLY_JOB, queue="default", fan_out=True, label=_l("月度资产盘点"))
def asset_count_monthly(ctx=None) -> dict:
    """Hourly around the turn of the month: each active company whose local time has
    reached its count day and hour gets last month's counts opened (once)."""
    with cross_tenant_access("logistics.asset_count_monthly: list companies"):
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


@job(counting.RECONCILE_JOB, queue="default", timeout=600, label=_l("资产盘点核对"))
def reconcile_count(ctx, count_id: int) -> dict:
    """The closed count's figures; it then waits for finance."""
    return reconciliation.reconcile(count_id)
