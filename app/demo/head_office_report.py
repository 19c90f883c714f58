"""Demo: last month's 月度经营分析报告, built in place (the job's own build function)
when the demo company has none for that month; runs last, after the rollups, targets,
complaints and the guest care plan it reads.  A second load changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.blueprints.gm import report as service
from app.blueprints.gm import report_forecast
from app.blueprints.gm.models import REPORT_READY, OperatingReport, StoreDayRollup
from app.blueprints.gm.rollups import refresh_days
from app.extensions import db
from app.models.base import utcnow


def load(demo) -> None:
    month = service.sales.add_months(demo.today.replace(day=1), -1)
    if service.report_for(month) is not None:
        return
    # The report reads the daily rollups: should no step have filled them for the
    # months it reads (its history window up to last month's end), fill them from the
    # source rows now (derived data, rebuilt exactly; nothing if already there).
    first = service.sales.add_months(month, 1 - report_forecast.HISTORY_MONTHS)
    last = service.sales.add_months(month, 1) - timedelta(days=1)
    if db.session.scalar(select(StoreDayRollup.id).where(
            StoreDayRollup.business_date >= first, StoreDayRollup.business_date <= last)
            .limit(1)) is None:
        demo.add("daily rollups", refresh_days(first, last))
    content = service.build_report(month, as_of=demo.today)
    db.session.add(OperatingReport(month=month, status=REPORT_READY, content=content,
                                   built_at=utcnow()))
    db.session.flush()
    demo.add("operating reports", 1)
