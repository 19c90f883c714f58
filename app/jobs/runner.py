"""Runs one job record: in an RQ work horse, or inline without Redis.

The job's own writes and its final status are committed together, so a
worker killed mid-run leaves no half-written result: the record stays
``running`` until the housekeeping job marks it failed, and a rerun starts
from a clean state.  Progress is committed separately so the Jobs page can
show it while the job runs.
"""

from __future__ import annotations

import logging
import traceback

from flask import current_app, has_app_context
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.jobs.models import JobRecord
from app.models.base import utcnow
from app.tenancy import tenant_context

log = logging.getLogger(__name__)


class JobContext:
    """What a job function gets besides its parameters."""

    def __init__(self, record: JobRecord, live_progress: bool):
        self.record_id = record.id
        self.tenant_id = record.tenant_id
        self.kind = record.kind
        self._live = live_progress

    def progress(self, percent: int, message: str = "") -> None:
        """Report 0–100; visible at once on the Jobs page when run by a worker."""
        percent = max(0, min(100, int(percent)))
        values = {"progress": percent, "message": message[:255]}
        if self._live:
            _write_apart(self.record_id, values)
        else:
            db.session.execute(
                update(JobRecord).where(JobRecord.id == self.record_id).values(**values)
            )
        try:
            from rq import get_current_job

            rq_job = get_current_job()
        except Exception:  # noqa: BLE001 - progress must never fail a job
            rq_job = None
        if rq_job is not None:
            rq_job.meta["progress"] = percent
            rq_job.save_meta()


def run_job(record_id: int, tenant_id: int) -> dict | None:
    """RQ entry point (JSON-serialisable arguments: two ids).

    Runs in the app of the process: the web process (inline), or the work
    horse forked from ``worker.py``, which builds the app (and so fills the job
    registry) before it starts working.
    """
    require_app_context()
    from app.jobs import REGISTRY, queues

    live = not queues.is_inline()
    with tenant_context(tenant_id):
        try:
            record = db.session.get(JobRecord, record_id)
            if record is None:
                raise LookupError(f"job record {record_id} not found for tenant {tenant_id}")
            if record.status == "finished":
                return record.result  # already done: a redelivery must not redo it
            spec = REGISTRY[record.kind]
            started = {"status": "running", "started_at": utcnow(), "error": None}
            if live:
                _write_apart(record_id, started)
                # Already committed apart: load the values without dirtying the
                # record, or the job's first autoflush would lock its row until the
                # end of the job and every progress write would wait on it
                # (PostgreSQL: forever; SQLite: "database is locked").
                for key, value in started.items():
                    set_committed_value(record, key, value)
            else:
                for key, value in started.items():
                    setattr(record, key, value)
            params = dict(record.params or {})
            result = spec.func(JobContext(record, live), **params)
            record = db.session.get(JobRecord, record_id)
            record.status = "finished"
            record.progress = 100
            record.result = result
            record.finished_at = utcnow()
            db.session.commit()
            return result
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s failed", record_id)
            _write_apart(
                record_id,
                {
                    "status": "failed",
                    "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}",
                    "finished_at": utcnow(),
                },
            )
            if live or current_app.testing:
                raise
            return None
        finally:
            if live:
                # A work horse may run many jobs: never carry an identity map over.
                db.session.remove()


def require_app_context() -> None:
    """Refuse to run a job outside an app: the machinery never builds one itself."""
    if not has_app_context():
        raise RuntimeError("Muzu jobs run inside the app: start workers with `python worker.py`, "
                           "which builds the app and its job registry")


def _write_apart(record_id: int, values: dict) -> None:
    """Commit ``values`` on the job record outside the job's own transaction."""
    with Session(db.engine) as session:
        session.execute(update(JobRecord).where(JobRecord.id == record_id).values(**values))
        session.commit()
