"""rq-dashboard at /platform/rq: operators only, JSON jobs, or a note when inline."""

from __future__ import annotations

import pytest

from app.jobs import commit_and_dispatch, enqueue
from app.tenancy import tenant_context


def test_without_redis_the_page_says_jobs_run_inline(client, platform_login):
    platform_login()
    page = client.get("/platform/rq")
    assert page.status_code == 200
    assert 'data-testid="rq-inline"' in page.get_data(as_text=True)
    assert client.get("/platform/rq/").status_code == 404  # not mounted


@pytest.mark.redis
def test_dashboard_is_mounted_for_operators(client, platform_login, company_a):
    with tenant_context(company_a.tenant_id):
        enqueue("hr.headcount_report")
        commit_and_dispatch()
    platform_login()
    assert client.get("/platform/rq").location.endswith("/platform/rq/")
    overview = client.get("/platform/rq/")
    assert overview.status_code == 200
    assert "RQ" in overview.get_data(as_text=True)
    queues = client.get("/platform/rq/0/data/queues.json")
    assert queues.status_code == 200
    counts = {q["name"]: q["count"] for q in queues.get_json()["queues"]}
    assert counts["reports"] == 1
    # The JSON-serialized job reads back through the dashboard.
    detail = client.get("/platform/rq/0/data/job/muzu-job-1.json")
    assert detail.status_code == 200, detail.get_data(as_text=True)[:500]
    assert "hr.headcount_report" in detail.get_json()["description"]


@pytest.mark.redis
@pytest.mark.parametrize("path", ["/platform/rq", "/platform/rq/", "/platform/rq/0/view/workers",
                                  "/platform/rq/0/data/queues.json"])
def test_tenant_accounts_get_404_on_the_dashboard(client, auth, company_a, path):
    auth.login_as(company_a, "owner")
    assert client.get(path).status_code == 404
    auth.logout()
    assert client.get(path).status_code in (302, 404)  # anonymous: never the dashboard


@pytest.mark.redis
def test_dashboard_actions_need_a_same_origin_request(client, platform_login, company_a):
    with tenant_context(company_a.tenant_id):
        enqueue("hr.headcount_report")
        commit_and_dispatch()
    platform_login()
    forged = client.post("/platform/rq/queue/reports/compact")
    assert forged.status_code == 403
    same_site = client.post("/platform/rq/queue/reports/compact",
                            headers={"Origin": "http://localhost"})
    assert same_site.status_code == 200
    assert client.get("/platform/rq/requeue/reports").status_code == 403
