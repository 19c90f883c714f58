"""Issue 9 §4: a payroll run's totals are not on the jobs page (or API) of a head-office
role without payroll.view; the run itself still is (job.view follows every run)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs.models import JobRecord
from app.tenancy import tenant_context

TOTAL = "987654.32"


@pytest.fixture
def payroll_job(app, company_a) -> int:
    with tenant_context(company_a.tenant_id):
        record = JobRecord(kind="payroll.run", params={"run_id": 1}, queue="payroll",
                           status="finished", progress=100, message="已计算 3/3 人",
                           result={"run_id": 1, "month": "2026-10", "payslips": 3,
                                   "total_net": TOTAL})
        db.session.add(record)
        db.session.commit()
        return record.id


@pytest.mark.parametrize("role", ["service_manager", "technical_director", "logistics_head"])
def test_head_office_without_payroll_view_does_not_see_the_payroll_total(
        client, auth, api_token, company_a, payroll_job, role):
    auth.login_as(company_a, role)
    for path in ("/jobs", f"/jobs/{payroll_job}", f"/jobs/{payroll_job}/progress"):
        response = client.get(path)
        assert response.status_code == 200 and TOTAL not in response.get_data(as_text=True)
    headers = api_token(company_a, role)
    one = client.get(f"/api/v1/jobs/{payroll_job}", headers=headers)
    assert one.status_code == 200 and one.get_json()["status"] == "finished"
    assert "result" not in one.get_json() and TOTAL not in one.get_data(as_text=True)
    listing = client.get("/api/v1/jobs", headers=headers)
    assert TOTAL not in listing.get_data(as_text=True)


@pytest.mark.parametrize("role", ["finance_staff", "hr_staff", "general_manager"])
def test_payroll_readers_still_see_the_run_result(
        client, auth, api_token, company_a, payroll_job, role):
    auth.login_as(company_a, role)
    assert TOTAL in client.get(f"/jobs/{payroll_job}").get_data(as_text=True)
    headers = api_token(company_a, role)
    body = client.get(f"/api/v1/jobs/{payroll_job}", headers=headers).get_json()
    assert body["result"]["total_net"] == TOTAL
