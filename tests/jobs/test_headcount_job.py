"""人员统计 end to end: started over HTTP, run by a real RQ worker or inline."""

from __future__ import annotations

from datetime import date

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from app.extensions import db
from app.jobs.models import JobRecord, rq_job_id
from app.jobs.queues import get_queue, redis_connection
from app.models import Employee, Position, Store
from app.permissions import HEAD_OFFICE, ROLES
from app.tenancy import tenant_context
from tests.jobs.conftest import run_worker

# Also on SQLite: job params and results in a JSON column; inline jobs are `make run`'s.
pytestmark = pytest.mark.both_backends


def expected_counts(company) -> dict:
    """What the factories built: one active person per role; store roles in store 1."""
    store_roles = sorted(r for r, role in ROLES.items() if role.scope != HEAD_OFFICE)
    office_roles = sorted(r for r, role in ROLES.items()
                          if role.scope == HEAD_OFFICE and r != "owner")
    return {
        "S01": {"total": len(store_roles), "by_role": {r: {"active": 1} for r in store_roles},
                "by_status": {"active": len(store_roles)}},
        "S02": {"total": 0, "by_role": {}, "by_status": {}},
        "head_office": {"total": len(office_roles),
                        "by_role": {r: {"active": 1} for r in office_roles},
                        "by_status": {"active": len(office_roles)}},
        "total": len(store_roles) + len(office_roles),
    }


def summary_counts(result: dict) -> dict:
    counts = {s["code"]: {k: s[k] for k in ("total", "by_role", "by_status")}
              for s in result["stores"]}
    counts["head_office"] = result["head_office"]
    counts["total"] = result["total"]
    return counts


def crowd_company_b(company_b) -> None:
    """Give the other company people the report of company A must not count."""
    with tenant_context(company_b.tenant_id):
        therapist = db.session.scalar(select(Position).where(Position.role == "therapist"))
        second_store = db.session.scalar(select(Store).where(Store.code == "S02"))
        for n in range(7):
            db.session.add(Employee(employee_no=f"B9{n:02d}", name=f"贝塔技师{n}",
                                    store_id=second_store.id, position_id=therapist.id,
                                    status="probation", hire_date=date(2026, 1, 1)))
        db.session.commit()


def start_over_http(client, auth, company) -> int:
    auth.login_as(company, "hr_manager")
    response = client.post("/jobs/start")
    assert response.status_code == 302
    job_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert response.location.endswith(f"/jobs/{job_id}")
    return job_id


def load_record(job_id: int, company) -> JobRecord:
    db.session.expire_all()
    with tenant_context(company.tenant_id):
        return db.session.get(JobRecord, job_id)


@pytest.mark.redis
def test_report_runs_in_a_real_worker_with_its_tenant_only(
        app, client, auth, company_a, company_b, progress_log):
    crowd_company_b(company_b)
    job_id = start_over_http(client, auth, company_a)

    record = load_record(job_id, company_a)
    assert record.status == "queued", "with Redis the request only enqueues"
    assert record.queue == "reports"
    assert get_queue("reports").count == 1

    run_worker(app)

    record = load_record(job_id, company_a)
    assert record.status == "finished", record.error
    assert record.progress == 100
    assert record.started_at is not None and record.finished_at is not None
    assert summary_counts(record.result) == expected_counts(company_a)
    with tenant_context(company_a.tenant_id):
        own_store_ids = set(db.session.scalars(select(Store.id)))
    assert {s["store_id"] for s in record.result["stores"]} == own_store_ids

    # Progress was committed while the job ran, store by store, for the page to poll.
    seen = progress_log()
    assert [e["progress"] for e in seen] == [0, 33, 66, 100]
    assert all(e["status"] == "running" for e in seen)
    assert any(0 < e["progress"] < 100 for e in seen)
    assert "已统计" in seen[1]["message"]
    # ... and mirrored in the RQ job's meta (JSON-serialized job).
    rq_job = Job.fetch(rq_job_id(job_id), connection=redis_connection(),
                       serializer=JSONSerializer)
    assert rq_job.is_finished
    assert rq_job.meta["progress"] == 100

    # The page shows the finished run.
    page = client.get(f"/jobs/{job_id}/progress")
    assert page.status_code == 200
    assert 'data-status="finished"' in page.get_data(as_text=True)


def test_inline_mode_gives_the_same_result(app, client, auth, company_a, company_b):
    crowd_company_b(company_b)
    job_id = start_over_http(client, auth, company_a)

    record = load_record(job_id, company_a)
    assert record.status == "finished", record.error
    assert record.progress == 100
    assert summary_counts(record.result) == expected_counts(company_a)
    detail = client.get(f"/jobs/{job_id}")
    assert detail.status_code == 200
    assert 'data-status="finished"' in detail.get_data(as_text=True)


def test_other_company_report_counts_its_own_people(app, client, auth, company_a, company_b):
    crowd_company_b(company_b)
    job_id = start_over_http(client, auth, company_b)
    record = load_record(job_id, company_b)
    counts = summary_counts(record.result)
    assert counts["S02"]["total"] == 7
    assert counts["S02"]["by_role"] == {"therapist": {"probation": 7}}
    assert counts["total"] == expected_counts(company_b)["total"] + 7


def test_jobs_page_offers_the_button_to_those_who_may_run_jobs(client, auth, company_a):
    auth.login_as(company_a, "hr_manager")
    assert "生成人员统计" in client.get("/jobs").get_data(as_text=True)
    auth.logout()
    auth.login_as(company_a, "hr_staff")  # job.view without job.run
    assert "生成人员统计" not in client.get("/jobs").get_data(as_text=True)
    assert client.post("/jobs/start").status_code == 403
