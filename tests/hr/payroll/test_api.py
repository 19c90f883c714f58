"""/api/v1/payroll and /api/v1/me/payslips: start a run, read it, its payslips and
exports, the approvals by role, and one's own payslips."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.extensions import db
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data


def seed(company):
    with tenant_context(company.tenant_id):
        example = data.worked_example(company)
        own = company.employees["therapist"]
        data.reward(own, company.stores[0], "88.00")
        db.session.commit()
        return example.id, own.id


def test_start_read_and_approve_a_run(client, api_token, company_a):
    example_id, own_id = seed(company_a)
    hr, finance, gm, therapist = (api_token(company_a, role) for role in (
        "hr_manager", "finance_manager", "general_manager", "therapist"))

    assert client.post("/api/v1/payroll/runs", json={"month": "2026-11"},
                       headers=finance).status_code == 403
    bad = client.post("/api/v1/payroll/runs", json={"month": "11/2026"}, headers=hr)
    assert bad.status_code == 422 and "month" in bad.get_json()["error"]["fields"]

    started = client.post("/api/v1/payroll/runs", json={"month": "2026-11"}, headers=hr)
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    run_id, job_id = body["run"]["id"], body["job"]["id"]
    assert body["run"]["month"] == "2026-11" and body["job"]["kind"] == "payroll.run"

    run = client.get(f"/api/v1/payroll/runs/{run_id}", headers=finance).get_json()
    assert run["status"] == "draft" and run["job"]["id"] == job_id
    assert run["job"]["status"] == "finished"
    assert sum(t["employees"] for t in run["store_totals"]) == run["employee_count"]
    assert run["policy_snapshot"]["late_deduction"] == "20.00"
    listing = client.get("/api/v1/payroll/runs", headers=hr).get_json()
    assert [r["id"] for r in listing["items"]] == [run_id, listing["items"][1]["id"]]

    payslips = client.get(f"/api/v1/payroll/runs/{run_id}/payslips?page_size=200",
                          headers=hr).get_json()
    assert payslips["total"] == run["employee_count"]
    slip = next(s for s in payslips["items"] if s["employee_id"] == example_id)
    assert (slip["base"], slip["commission"], slip["gross"], slip["si_total"], slip["iit"],
            slip["net"]) == ("2862.07", "6240.00", "9557.07", "465.00", "122.76", "8969.31")
    assert slip["employee_no"] == "901" and slip["detail"]["jobs"]["rotation"] == 120

    # Lifecycle by role.
    url = f"/api/v1/payroll/runs/{run_id}"
    assert client.post(f"{url}/approve", headers=hr).status_code == 403
    assert client.post(f"{url}/submit", headers=finance).status_code == 403
    early = client.get(f"{url}/bank.csv", headers=finance)
    assert early.status_code == 422
    assert client.post(f"{url}/submit", headers=hr).get_json()["status"] == "submitted"
    assert client.post(f"{url}/review", headers=finance).get_json()["status"] == "reviewed"
    assert client.post(f"{url}/reopen", json={"reason": "x"}, headers=hr).status_code == 403
    assert client.post(f"{url}/approve", headers=gm).get_json()["status"] == "approved"
    refused = client.post(f"{url}/recompute", headers=hr)
    assert refused.status_code == 422 and "不能重新计算" in refused.get_json()["error"]["message"]
    again = client.post("/api/v1/payroll/runs", json={"month": "2026-11"}, headers=hr)
    assert again.status_code == 422
    assert client.post(f"{url}/pay", headers=finance).get_json()["status"] == "paid"

    # Exports.
    xlsx = client.get(f"{url}/export.xlsx", headers=finance)
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames == ["工资表", "门店汇总"]
    bank = client.get(f"{url}/bank.csv", headers=finance)
    assert bank.status_code == 200 and bank.data.startswith(b"\xef\xbb\xbf")
    assert "901,技师901,,,8969.31" in bank.data.decode("utf-8-sig").splitlines()

    # The therapist reads their own payslip, and only theirs.
    mine = client.get("/api/v1/me/payslips", headers=therapist)
    assert mine.status_code == 200
    assert [s["employee_id"] for s in mine.get_json()] == [own_id]
    assert mine.get_json()[0]["rewards"] == "88.00"
    # Without payroll.view the run is refused before it is looked up (403, the same
    # whether or not it exists: tests/test_permission_matrix.py).
    assert client.get(f"{url}/payslips", headers=therapist).status_code == 403
    assert client.get("/api/v1/payroll/runs", headers=therapist).status_code == 403


def test_a_reviewed_run_goes_back_with_a_reason(client, api_token, company_a):
    seed(company_a)
    hr, finance, gm = (api_token(company_a, r) for r in
                       ("hr_manager", "finance_manager", "general_manager"))
    run_id = client.post("/api/v1/payroll/runs", json={"month": "2026-11"},
                         headers=hr).get_json()["run"]["id"]
    url = f"/api/v1/payroll/runs/{run_id}"
    client.post(f"{url}/submit", headers=hr)
    client.post(f"{url}/review", headers=finance)
    missing = client.post(f"{url}/reopen", json={}, headers=gm)
    assert missing.status_code == 422
    back = client.post(f"{url}/reopen", json={"reason": "提成有误"}, headers=gm)
    assert back.status_code == 200 and back.get_json()["status"] == "draft"
    recomputed = client.post(f"{url}/recompute", headers=hr)
    assert recomputed.status_code == 202
    assert recomputed.get_json()["job"]["id"] != back.get_json()["job"]["id"]


def test_store_and_company_runs_exclude_each_other(client, api_token, company_a):
    seed(company_a)
    hr = api_token(company_a, "hr_manager")
    store_id = company_a.stores[0].id
    run = client.post("/api/v1/payroll/runs", json={"month": "2026-11", "store_id": store_id},
                      headers=hr).get_json()["run"]
    assert run["scope"] == f"store:{store_id}" and run["store_id"] == store_id
    refused = client.post("/api/v1/payroll/runs", json={"month": "2026-11"}, headers=hr)
    assert refused.status_code == 422
    assert "store_id" in refused.get_json()["error"]["fields"]
