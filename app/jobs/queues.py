"""Redis connection and RQ queues (JSON serializer, never pickle)."""

from __future__ import annotations

from flask import current_app
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from app.jobs.models import rq_job_id

RUNNER = "app.jobs.runner.run_job"


def is_inline() -> bool:
    """No Redis configured: the embedded default runs jobs in the web process."""
    return not current_app.config.get("REDIS_URL")


def redis_connection() -> Redis:
    conn = current_app.extensions.get("muzu_redis")
    if conn is None:
        conn = Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["muzu_redis"] = conn
    return conn


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection(), serializer=JSONSerializer)


def enqueue_record(record_id: int, tenant_id: int) -> None:
    """Put the run of a committed job record on its RQ queue."""
    from app.extensions import db
    from app.jobs import REGISTRY
    from app.jobs.models import JobRecord
    from app.tenancy import tenant_context

    with tenant_context(tenant_id):
        record = db.session.get(JobRecord, record_id)
        spec = REGISTRY[record.kind]
    get_queue(spec.queue).enqueue(
        RUNNER,
        record_id,
        tenant_id,
        job_id=rq_job_id(record_id),
        job_timeout=spec.timeout,
        description=f"{spec.kind} #{record_id} (tenant {tenant_id})",
    )
