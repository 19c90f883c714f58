"""``rq cron app/cron.py``: every periodic job registered, enqueued as JSON, run by our worker."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta

import pytest
from rq.cron import CronScheduler
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.utils import now

from app.extensions import db
from app.jobs.models import JobRecord
from app.jobs.periodic import run_periodic
from app.jobs.queues import get_queue, redis_connection
from app.schedule import PERIODIC
from app.tenancy import cross_tenant_access
from tests.jobs.conftest import run_worker


def load_cron(connection) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, name="muzu-test-cron")
    scheduler.load_config_from_file("app/cron.py")
    return scheduler


@pytest.mark.redis
def test_loading_the_cron_config_registers_every_periodic_job(app):
    scheduler = load_cron(redis_connection())
    registered = {cron_job.name: cron_job for cron_job in scheduler.get_jobs()}
    assert set(registered) == {p.kind for p in PERIODIC}
    for periodic in PERIODIC:
        cron_job = registered[periodic.kind]
        assert cron_job.cron == periodic.cron
        assert cron_job.queue_name == periodic.queue
        assert cron_job.func is run_periodic
        assert cron_job.kwargs == {"kind": periodic.kind}


@pytest.mark.redis
def test_a_cron_tick_enqueues_json_that_our_worker_runs(app, company_a):
    connection = redis_connection()
    scheduler = load_cron(connection)
    for cron_job in scheduler.get_jobs():  # make every job due now
        cron_job.next_enqueue_time = now() - timedelta(seconds=1)
    enqueued = scheduler.enqueue_jobs()
    assert {c.name for c in enqueued} == {p.kind for p in PERIODIC}

    job_ids = get_queue("default").job_ids
    assert len(job_ids) == len(PERIODIC)
    for job_id in job_ids:
        raw = zlib.decompress(connection.hget(f"rq:job:{job_id}", "data"))
        func_name, _instance, args, kwargs = json.loads(raw)  # JSON, not pickle
        assert func_name == "app.jobs.periodic.run_periodic"
        assert kwargs["kind"] in {p.kind for p in PERIODIC}

    run_worker(app, ["default"])

    for job_id in job_ids:
        rq_job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        assert rq_job.is_finished, rq_job.latest_result()
        assert rq_job.return_value() in ({"failed": 0}, {"tenants": 1}, {"started": 0})


@pytest.mark.redis
def test_periodic_per_tenant_kind_starts_one_run_per_active_tenant(app, company_a, company_b):
    from app.models import Tenant

    db.session.get(Tenant, company_b.tenant_id).status = "suspended"
    db.session.commit()
    assert run_periodic("hr.headcount_report") == {"tenants": 1}
    run_worker(app, ["reports"])
    with cross_tenant_access("test: every job record"):
        records = db.session.scalars(db.select(JobRecord)).all()
    assert [(r.tenant_id, r.kind, r.status) for r in records] == [
        (company_a.tenant_id, "hr.headcount_report", "finished")]
