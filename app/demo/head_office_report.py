"""Demo: last month's 月度经营分析报告, built in place (the job's own build function)
when the demo company has none for that month; runs last, after the rollups, targets,
complaints and the guest care plan it reads.  A second load changes nothing."""

from __future__ import annotations

from app.blueprints.gm import report as service
from app.blueprints.gm.models import REPORT_READY, OperatingReport
from app.extensions import db
from app.models.base import utcnow


def load(demo) -> None:
    month = service.sales.add_months(demo.today.replace(day=1), -1)
    if service.report_for(month) is not None:
        return
    content = service.build_report(month, as_of=demo.today)
    db.session.add(OperatingReport(month=month, status=REPORT_READY, content=content,
                                   built_at=utcnow()))
    db.session.flush()
    demo.add("operating reports", 1)
