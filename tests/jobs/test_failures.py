"""A failing job ends ``failed`` with its error; a rolled-back job is never sent."""

from __future__ import annotations

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from app.extensions import db
from app.jobs import commit_and_dispatch, dispatch_committed_jobs, enqueue, job
from app.jobs.models import JobRecord, rq_job_id
from app.jobs.queues import get_queue, redis_connection
from app.tenancy import tenant_context
from tests.jobs.conftest import run_worker


class PlannedFailure(RuntimeError):
    pass


@job("tests.always_fails", queue="default")
def always_fails(ctx, store_id: int) -> dict:
    ctx.progress(40, "半途")
    raise PlannedFailure(f"门店 {store_id} 数据不全")


def load(job_id: int, company) -> JobRecord:
    db.session.expire_all()
    with tenant_context(company.tenant_id):
        return db.session.get(JobRecord, job_id)


@pytest.mark.redis
def test_failing_job_in_a_worker_ends_failed_with_its_error(app, company_a):
    with tenant_context(company_a.tenant_id):
        record = enqueue("tests.always_fails", store_id=7)
        job_id = record.id
        commit_and_dispatch()

    run_worker(app, ["default"])

    record = load(job_id, company_a)
    assert record.status == "failed"
    assert "PlannedFailure: 门店 7 数据不全" in record.error
    assert record.finished_at is not None
    assert record.progress == 40  # how far it got stays visible
    assert rq_job_id(job_id) in get_queue("default").failed_job_registry.get_job_ids()
    rq_job = Job.fetch(rq_job_id(job_id), connection=redis_connection(),
                       serializer=JSONSerializer)
    assert rq_job.is_failed


def test_failing_job_inline_ends_failed_with_its_error(app, company_a):
    with tenant_context(company_a.tenant_id):
        record = enqueue("tests.always_fails", store_id=3)
        job_id = record.id
        # Inline under TESTING the error propagates to the caller, after being recorded.
        with pytest.raises(PlannedFailure):
            commit_and_dispatch()
    record = load(job_id, company_a)
    assert record.status == "failed"
    assert "门店 3 数据不全" in record.error


@pytest.mark.redis
def test_rolled_back_job_is_never_dispatched(app, company_a):
    with tenant_context(company_a.tenant_id):
        enqueue("hr.headcount_report")
        db.session.rollback()
        assert dispatch_committed_jobs() == []
        assert commit_and_dispatch() == []
        assert db.session.query(JobRecord).count() == 0
    assert get_queue("reports").count == 0
    assert redis_connection().keys("rq:job:*") == []


def test_rolled_back_job_does_not_run_inline(app, company_a, monkeypatch):
    ran = []
    monkeypatch.setattr("app.jobs.runner.run_job", lambda *a: ran.append(a))
    with tenant_context(company_a.tenant_id):
        enqueue("hr.headcount_report")
        db.session.rollback()
        assert commit_and_dispatch() == []
    assert ran == []
