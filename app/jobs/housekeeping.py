"""Jobs that keep the job machinery itself honest."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.jobs import job
from app.jobs.models import JobRecord
from app.models.base import utcnow
from app.tenancy import cross_tenant_access

# A record still queued or running after this long lost its worker.
ABANDONED_AFTER = timedelta(hours=3)


@job("jobs.fail_abandoned", queue="default", fan_out=True, label=_l("清理中断的任务"))
def fail_abandoned_jobs(ctx=None) -> dict:
    """Mark as failed the runs whose worker died, so the page never shows them spinning.

    A declared fan-out: it reads every tenant's job records on purpose.
    """
    cutoff = utcnow() - ABANDONED_AFTER
    with cross_tenant_access("jobs.fail_abandoned"):
        stale = db.session.scalars(
            select(JobRecord)
            .where(JobRecord.status.in_(("queued", "running")), JobRecord.created_at < cutoff)
        ).all()
        for record in stale:
            record.status = "failed"
            record.error = "任务超时未完成（工作进程可能已退出），可重新运行。"
            record.finished_at = utcnow()
        db.session.commit()
    return {"failed": len(stale)}
