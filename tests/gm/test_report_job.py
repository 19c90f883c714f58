"""The report job end to end on PostgreSQL and Redis with a real RQ worker: started from
the page, built by the worker (progress per store), ready; a rerun replaces the one
row's content.  The monthly fan-out: from the 1st at 04:00 company time, once per
company."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.blueprints.gm import jobs_report
from app.blueprints.gm import report as service
from app.blueprints.gm.models import OperatingReport
from app.blueprints.logistics import settings as logistics_settings
from app.extensions import db
from app.jobs.models import JobRecord
from app.tenancy import cross_tenant_access, tenant_context
from tests.gm.report_data import MONTH, Rows, spread, target
from tests.jobs.conftest import app, progress_log, run_worker  # noqa: F401  (fixtures)

# 2026-11-01 04:30 in Shanghai (the factory's companies' time zone).
FIRST_AT_0430 = datetime(2026, 10, 31, 20, 30, tzinfo=UTC)
FIRST_AT_0330 = datetime(2026, 10, 31, 19, 30, tzinfo=UTC)


def _reports(company) -> list[OperatingReport]:
    with tenant_context(company.tenant_id):
        return list(db.session.scalars(select(OperatingReport)))


@pytest.mark.redis
def test_the_report_job_with_a_worker(app, client, auth, company_a,  # noqa: F811
                                      progress_log):  # noqa: F811
    # The worker closes the test's session: keep plain ids.
    first_store, second_store = (s.id for s in company_a.stores)
    with tenant_context(company_a.tenant_id):
        rows = Rows()
        spread(rows, first_store, MONTH, 5, "1200.00", 10)
        target(first_store, MONTH, "10000.00")
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    assert client.post("/gm/reports", data={"month": "2026-10"}).status_code == 302
    queued = client.get("/gm/reports")
    assert 'data-status="queued"' in queued.text and "hx-get" in queued.text  # polls
    run_worker(app)
    (report,) = _reports(company_a)
    assert report.status == "ready"
    assert report.content["stores"][0]["sales"]["actual"]["revenue"] == "6000.00"
    assert any("营业额低于目标 40%" in p for p in report.content["chain"]["problems"])
    first_built = report.built_at
    with tenant_context(company_a.tenant_id):
        record = db.session.get(JobRecord, int(report.job_id))
        assert (record.kind, record.status, record.progress) == (
            "gm.operating_report", "finished", 100)
    steps = [e["message"] for e in progress_log()]
    assert any("1 / 2" in m for m in steps) and any("2 / 2" in m for m in steps)
    page = client.get("/gm/reports")
    assert 'data-status="ready"' in page.text and "hx-get" not in page.text

    # A rerun replaces the content of the same row (new figures, nothing twice).
    with tenant_context(company_a.tenant_id):
        spread(rows, second_store, MONTH, 2, "100.00", 1)
        db.session.commit()
    assert client.post("/gm/reports/2026-10/rebuild").status_code == 302
    run_worker(app)
    (report,) = _reports(company_a)
    assert report.status == "ready" and report.built_at > first_built
    assert report.content["chain"]["sales"]["actual"]["revenue"] == "6200.00"
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(JobRecord).where(
            JobRecord.kind == "gm.operating_report")) == 2


@pytest.mark.redis
def test_the_monthly_fan_out_enqueues_once_per_company(app, company_a, company_b,  # noqa: F811
                                                        monkeypatch):
    monkeypatch.setattr(logistics_settings, "utcnow", lambda: FIRST_AT_0330)
    assert jobs_report.operating_report_monthly() == {"started": 0}  # before 04:00
    monkeypatch.setattr(logistics_settings, "utcnow", lambda: FIRST_AT_0430)
    assert jobs_report.operating_report_monthly() == {"started": 2}
    assert jobs_report.operating_report_monthly() == {"started": 0}  # once
    with cross_tenant_access("test: the fan-out's runs"):
        runs = db.session.execute(select(JobRecord.tenant_id, JobRecord.params).where(
            JobRecord.kind == service.REPORT_JOB)).all()
    assert sorted(tenant for tenant, _params in runs) == sorted(
        [company_a.tenant_id, company_b.tenant_id])
    assert all(params == {"month": "2026-10"} for _tenant, params in runs)
    run_worker(app)
    for company in (company_a, company_b):
        (report,) = _reports(company)
        assert (report.month, report.status) == (MONTH, "ready")
