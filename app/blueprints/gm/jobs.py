"""总经理 background jobs that keep the daily rollups (app/blueprints/gm/rollups.py)
current: a tenant's refresh of recent days (nightly, and after a store's 日结), the
nightly fan-out that starts it per company, and a rebuild of a whole range."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.blueprints.gm.rollups import refresh_days
from app.blueprints.store.models import BusinessDay
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.jobs import commit_and_dispatch, enqueue, job
from app.jobs.models import JobRecord
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import cross_tenant_access, current_tenant_id, tenant_context

REFRESH_JOB = "gm.refresh_rollups"
REBUILD_JOB = "gm.rebuild_rollups"
NIGHTLY_JOB = "gm.refresh_rollups_nightly"
# The nightly refresh goes back this many days before yesterday: late feedback, a
# refund after the closing, a re-opened and re-closed day are caught within a week.
LOOK_BACK_DAYS = 6
# A rebuild refreshes this many days per step (one transaction, one progress step).
REBUILD_STEP_DAYS = 31


def _today() -> date:
    from app.blueprints.store.days import today_for_store

    return today_for_store()


def _range_text(params: dict) -> str:
    first, last = params.get("first"), params.get("last")
    text = (_("%(first)s 至 %(last)s", first=first, last=last) if first and last
            else _("最近 %(n)s 天", n=LOOK_BACK_DAYS + 1) if not first and not last
            else first or last)
    stores = params.get("store_ids")
    return text + (_(" · %(n)s 家门店", n=len(stores)) if stores else _(" · 全部门店"))


def _describe(params_list: list[dict]) -> list[str]:
    return [_range_text(params or {}) for params in params_list]


def _dates(first: str | None, last: str | None) -> tuple[date, date]:
    today = _today()
    last_day = date.fromisoformat(last) if last else today - timedelta(days=1)
    first_day = date.fromisoformat(first) if first else last_day - timedelta(days=LOOK_BACK_DAYS)
    return first_day, last_day


@job(REFRESH_JOB, queue="default", timeout=1800, label=_l("刷新营业日汇总"),
     describe=_describe)
def refresh_rollups(ctx, first: str | None = None, last: str | None = None,
                    store_ids: list[int] | None = None) -> dict:
    """The rollups of ``first..last`` (default: yesterday and the 6 days before) made
    equal to the source rows; the runner commits."""
    first_day, last_day = _dates(first, last)
    rows = refresh_days(first_day, last_day, set(store_ids) if store_ids is not None else None)
    return {"first": first_day.isoformat(), "last": last_day.isoformat(), "rows": rows}


def start_refresh(first: date | None = None, last: date | None = None,
                  store_ids: list[int] | None = None) -> JobRecord:
    """Queue a refresh (dispatched after the caller commits; inline without Redis)."""
    return enqueue(REFRESH_JOB, first=first.isoformat() if first else None,
                   last=last.isoformat() if last else None,
                   store_ids=sorted(store_ids) if store_ids is not None else None)


def refresh_after_closing(day: BusinessDay) -> None:
    """The store's hook after its 日结: that day's rollup from the closed figures."""
    start_refresh(day.business_date, day.business_date, [day.store_id])


def refresh_if_due(now: datetime | None = None) -> JobRecord | None:
    """The nightly check for the current company: in the hour its business day starts
    (its local time), yesterday's day has just ended — refresh the last week once."""
    tenant = db.session.get(Tenant, current_tenant_id())
    from zoneinfo import ZoneInfo

    local = (now or utcnow()).astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai"))
    if local.hour != store_policy(tenant).business_day_starts_at.hour:
        return None
    return start_refresh()


@job(NIGHTLY_JOB, queue="default", fan_out=True, label=_l("每晚刷新营业日汇总"))
def refresh_rollups_nightly(ctx=None) -> dict:
    """Hourly: each active company whose business day has just started gets the last
    week of rollups refreshed (a company's hour comes once a day)."""
    with cross_tenant_access("gm.refresh_rollups_nightly: list companies"):
        tenant_ids = db.session.scalars(
            select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)).all()
    started = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            if refresh_if_due() is not None:
                started += 1
            commit_and_dispatch()
        db.session.remove()
    return {"started": started}


def first_activity() -> date | None:
    """The first business day of the company (the start of a full rebuild)."""
    return db.session.scalar(select(func.min(BusinessDay.business_date)))


def rebuild(first: date, last: date, progress=None, commit: bool = False) -> int:
    """Refresh ``first..last`` a month at a time; ``progress(done, total)`` after each
    step; ``commit`` each step (the CLI: a long rebuild keeps what it has done)."""
    steps = []
    day = first
    while day <= last:
        end = min(last, day + timedelta(days=REBUILD_STEP_DAYS - 1))
        steps.append((day, end))
        day = end + timedelta(days=1)
    rows = 0
    for done, (start, end) in enumerate(steps, start=1):
        rows += refresh_days(start, end)
        if commit:
            db.session.commit()
        if progress is not None:
            progress(done, len(steps))
    return rows


@job(REBUILD_JOB, queue="reports", timeout=3600, startable=True, label=_l("重建营业日汇总"),
     describe=_describe)
def rebuild_rollups(ctx, first: str | None = None, last: str | None = None) -> dict:
    """Every rollup of ``first..last`` (default: from the first business day to
    yesterday) rebuilt from the source rows, a month per progress step."""
    last_day = date.fromisoformat(last) if last else _today() - timedelta(days=1)
    if first:
        first_day = date.fromisoformat(first)
    else:
        first_day = first_activity() or last_day

    def progress(done: int, total: int) -> None:
        if ctx is not None:
            ctx.progress(100 * done // max(1, total),
                         _("已完成 %(done)s / %(total)s 个月段", done=done, total=total))

    if ctx is not None:
        ctx.progress(0, _range_text({"first": first_day.isoformat(),
                                     "last": last_day.isoformat()}))
    rows = rebuild(first_day, last_day, progress) if first_day <= last_day else 0
    return {"first": first_day.isoformat(), "last": last_day.isoformat(), "rows": rows}
