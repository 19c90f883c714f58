"""Jobs of another company are not found (404): pages, progress fragment, API."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs import JobSpec, commit_and_dispatch, enqueue, job
from app.jobs.models import JobRecord
from app.tenancy import tenant_context


@job("tests.not_startable", queue="default")
def not_startable(ctx) -> dict:
    return {}


def run_report_for(company) -> int:
    with tenant_context(company.tenant_id):
        record = enqueue("hr.headcount_report")
        job_id = record.id
        commit_and_dispatch()
    return job_id


@pytest.fixture
def job_of_a(app, company_a, company_b) -> int:
    return run_report_for(company_a)


def test_pages_404_for_another_company_job(client, auth, company_b, job_of_a):
    auth.login_as(company_b, "owner")
    assert client.get(f"/jobs/{job_of_a}").status_code == 404
    assert client.get(f"/jobs/{job_of_a}/progress").status_code == 404
    page = client.get("/jobs").get_data(as_text=True)
    assert f'href="/jobs/{job_of_a}"' not in page
    assert "还没有任务" in page


def test_pages_show_own_job(client, auth, company_a, job_of_a):
    auth.login_as(company_a, "hr_staff")  # job.view is enough to follow a run
    assert client.get(f"/jobs/{job_of_a}").status_code == 200
    fragment = client.get(f"/jobs/{job_of_a}/progress")
    assert fragment.status_code == 200
    assert 'data-progress="100"' in fragment.get_data(as_text=True)


def test_api_404_for_another_company_job(client, api_token, company_a, company_b, job_of_a):
    headers_b = api_token(company_b, "owner")
    response = client.get(f"/api/v1/jobs/{job_of_a}", headers=headers_b)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    listing = client.get("/api/v1/jobs", headers=headers_b).get_json()
    assert listing["total"] == 0 and listing["items"] == []


def test_api_lists_and_shows_own_jobs(client, api_token, company_a, job_of_a):
    headers = api_token(company_a, "hr_staff")
    listing = client.get("/api/v1/jobs?page_size=10", headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["page_size"] == 10
    assert [item["id"] for item in body["items"]] == [job_of_a]
    detail = client.get(f"/api/v1/jobs/{job_of_a}", headers=headers).get_json()
    assert detail["status"] == "finished"
    assert detail["progress"] == 100
    assert detail["result"]["total"] == 19
    assert detail["error"] is None
    assert detail["created_at"] and detail["started_at"] and detail["finished_at"]


def test_api_starts_a_startable_job(client, api_token, company_a, company_b):
    headers = api_token(company_a, "hr_manager")
    response = client.post("/api/v1/jobs", json={"kind": "hr.headcount_report"},
                           headers=headers)
    assert response.status_code == 202, response.get_json()
    started = response.get_json()
    assert started["kind"] == "hr.headcount_report"
    # Inline mode: finished by the time the client asks.
    detail = client.get(f"/api/v1/jobs/{started['id']}", headers=headers).get_json()
    assert detail["status"] == "finished"
    assert detail["result"]["total"] == 19
    with tenant_context(company_b.tenant_id):
        assert db.session.query(JobRecord).count() == 0


@pytest.mark.parametrize("payload, field", [
    ({"kind": "payroll.no_such_job"}, "kind"),
    ({"kind": "tests.not_startable"}, "kind"),
    ({"kind": "jobs.fail_abandoned"}, "kind"),  # a fan-out: never started by a tenant
    ({"kind": "hr.headcount_report", "params": {"month": "2026-11"}}, "params"),
    ({"params": {}}, "kind"),
])
def test_api_refuses_what_cannot_be_started(client, api_token, company_a, payload, field):
    headers = api_token(company_a, "owner")
    response = client.post("/api/v1/jobs", json=payload, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    with tenant_context(company_a.tenant_id):
        assert db.session.query(JobRecord).count() == 0


def test_api_start_needs_job_run(client, api_token, company_a):
    headers = api_token(company_a, "hr_staff")
    response = client.post("/api/v1/jobs", json={"kind": "hr.headcount_report"},
                           headers=headers)
    assert response.status_code == 403
    assert client.get("/api/v1/jobs").status_code == 401


def test_job_spec_stays_backwards_compatible():
    spec = JobSpec("x", lambda ctx: None, "default", 60)
    assert spec.fan_out is False and spec.startable is False
