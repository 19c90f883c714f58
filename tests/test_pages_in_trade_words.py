"""Issue 10 §4: no English codes or raw JSON on the Chinese pages a store uses all day —
the attendance sheet's headers, the audit log's change list, the jobs page."""

from __future__ import annotations

import re
from datetime import date

from app.audit import record_audit
from app.blueprints.hr.models import PayrollRun
from app.extensions import db
from app.jobs.models import JobRecord
from app.tenancy import tenant_context

ATTENDANCE_CODES = ("A", "PL", "SL", "UL", "AB", "LATE")


def cells(page: str) -> set[str]:
    """The text of every table header and cell."""
    return {text.strip() for text in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", page)}


def table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</table>", start)]


def test_the_attendance_sheet_speaks_the_trade(client, auth, company_a):
    auth.login_as(company_a, "hr_manager")
    store = company_a.store
    employee = company_a.employees["therapist"]
    sheet = client.get(f"/hr/time/stores/{store.id}/attendance?month=2026-11").text
    detail = client.get(f"/hr/time/stores/{store.id}/attendance/employees/{employee.id}"
                        "?month=2026-11").text
    for page in (sheet, detail):
        assert not cells(page) & set(ATTENDANCE_CODES)
        assert "LATE" not in page and " PL " not in page
        for label in ("出勤", "旷工", "迟到/早退"):
            assert f">{label}</th>" in page
    for label in ("带薪假", "病假", "事假"):
        assert f">{label}</th>" in sheet


def test_the_audit_log_is_a_readable_change_list(client, auth, company_a):
    cashier = company_a.accounts["cashier"]
    employee = company_a.employees["therapist"]
    first, second = company_a.stores[0], company_a.stores[1]
    with tenant_context(company_a.tenant_id):
        record_audit("account.role_change", "account", cashier.id,
                     before={"role": "cashier", "store_ids": [first.id]},
                     after={"role": "store_manager", "store_ids": [first.id, second.id]})
        record_audit("employee.update", "employee", employee.id,
                     before={"status": "probation", "si_enrolled": False},
                     after={"status": "active", "si_enrolled": True})
        record_audit("customer.update", "customer", 77, before={"name": "悦悦"},
                     after={"name": "悦足老客"})
        record_audit("leave.approve", "leave_request", 5,
                     before={"status": "pending", "kind": "personal", "employee_id": employee.id},
                     after={"status": "approved", "kind": "personal",
                            "employee_id": employee.id})
        record_audit("store.update", "store", second.id, before={"status": "open"},
                     after={"status": "closed"})
        record_audit("complaint.update", "complaint", 8, before={"status": "open"},
                     after={"status": "closed"})
        record_audit("leave.cancel", "leave_request", 6, before={"kind": "sick", "days": "1"})
        record_audit("payroll.policy_update", "tenant", company_a.tenant_id,
                     before={"late_deduction": "20.00"}, after={"late_deduction": "30.00"})
        db.session.commit()
    auth.login_as(company_a, "hr_manager")
    page = table(client.get("/audit").text, "audit-table")
    assert "\\u" not in page and "{&#34;" not in page and '{"' not in page
    assert f"account {cashier.id}" not in page and f"employee {employee.id}" not in page
    person = company_a.employees["cashier"]
    assert f"账号 {person.employee_no} {person.name}（登录名 cashier）" in page
    assert f"员工 {employee.employee_no} {employee.name}" in page
    changes = re.sub(r"<[^>]+>", "", page)
    changes = re.sub(r"\s+", " ", changes)
    assert "角色： 收银员 → 店长" in changes or "角色：收银员 → 店长" in changes
    assert f"{first.name} → {first.name}、{second.name}" in changes
    assert "状态：试用期 → 在职" in changes
    assert "参加社保：否 → 是" in changes
    assert "悦悦 → 悦足老客" in changes and "客户 #77" in changes
    # Only what changed: the approval's status, not the unchanged kind and person.
    assert "请假申请 #5" in changes and "状态：待审批 → 已批准" in changes
    assert "personal" not in changes and "pending" not in changes
    assert "类型：病假（变更前）" in changes
    # One code, the word of its object: a store 营业中, a complaint 待处理.
    assert f"门店 {second.name} 状态：营业中 → 已停业" in changes
    assert "投诉 #8 状态：待处理 → 已结案" in changes and "sick" not in changes
    assert "每次迟到扣款：20.00 → 30.00" in changes and "late_deduction" not in changes


def test_the_jobs_page_names_runs_in_words(client, auth, api_token, company_a):
    store = company_a.stores[1]
    with tenant_context(company_a.tenant_id):
        company_run = PayrollRun(month=date(2026, 11, 1), scope="all", status="draft")
        store_run = PayrollRun(month=date(2026, 10, 1), scope=f"store:{store.id}",
                               store_id=store.id, status="draft")
        db.session.add_all([company_run, store_run])
        db.session.flush()
        records = [JobRecord(kind="payroll.run", params={"run_id": run.id}, queue="payroll",
                             status="finished", progress=100,
                             result={"run_id": run.id, "month": "2026-11", "payslips": 3,
                                     "total_net": "1234.56",
                                     "skipped": [{"employee_no": "105", "name": "小王",
                                                  "reason": "no_pay_profile"}]})
                   for run in (company_run, store_run)]
        records.append(JobRecord(kind="hr.headcount_report", params={}, queue="reports",
                                 status="finished", progress=100,
                                 result={"total": 5, "by_role": {"cashier": 1}}))
        db.session.add_all(records)
        db.session.commit()
        ids = [record.id for record in records]
    auth.login_as(company_a, "hr_manager")
    page = table(client.get("/jobs").text, "jobs-table")
    assert "payroll.run" not in page and "run_id" not in page and "&#34;" not in page
    assert "计算工资" in page and "生成人员统计" in page
    assert "2026年11月 · 全部门店" in page
    assert f"2026年10月 · {store.name}" in page
    detail = client.get(f"/jobs/{ids[0]}").text
    assert "计算工资" in detail and "2026年11月 · 全部门店" in detail
    assert "payroll.run" not in detail and "run_id" not in detail and "&#34;" not in detail
    assert "工资条：" in detail and "实发合计：" in detail and "1234.56" in detail
    assert "未计算：" in detail and "原因：没有薪资方案" in detail
    assert "no_pay_profile" not in detail and "employee_no" not in detail
    assert "工资" in detail  # the queue by its name, not "payroll"
    report = client.get(f"/jobs/{ids[2]}").text
    assert "by_role" not in report and "cashier" not in report
    assert "合计：" in report and "收银员" in report

    # The API gives the same words beside the codes an integrator programs against.
    listing = client.get("/api/v1/jobs", headers=api_token(company_a, "hr_manager")).get_json()
    by_id = {item["id"]: item for item in listing["items"]}
    assert by_id[ids[0]]["kind"] == "payroll.run" and by_id[ids[0]]["label"] == "计算工资"
    assert by_id[ids[0]]["description"] == "2026年11月 · 全部门店"
