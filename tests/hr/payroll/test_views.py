"""The payroll pages: runs list and 计算工资, the run page (progress, totals per store,
buttons by role, every payslip), the payslip page, and 我的工资条 for the employee."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.blueprints.hr import services as hr_services
from app.blueprints.hr.models import AttendanceSheet, PayrollRun, Payslip
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.models import Account, AuditEntry
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data


def seed(company) -> dict:
    with tenant_context(company.tenant_id):
        therapist = data.worked_example(company)
        # The therapist with a login works in store 1 too: a payslip of their own.
        own = company.employees["therapist"]
        data.reward(own, company.stores[0], "1000.00", kind="fine")
        db.session.commit()
        return {"example": therapist.id, "own": own.id}


def start(client, month="2026-11", store=""):
    return client.post("/hr/payroll/runs", data={"month": month, "store_id": store})


def run_of(company, month=date(2026, 11, 1)) -> PayrollRun:
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        return db.session.scalar(select(PayrollRun).where(PayrollRun.month == month,
                                                          PayrollRun.scope == "all"))


def slip_id(company, run_id, employee_id) -> int:
    with tenant_context(company.tenant_id):
        return db.session.scalar(select(Payslip.id).where(Payslip.run_id == run_id,
                                                          Payslip.employee_id == employee_id))


def test_hr_computes_a_month_and_sees_every_payslip(client, auth, company_a):
    ids = seed(company_a)
    auth.login_as(company_a, "hr_manager")
    page = client.get("/hr/payroll")
    assert page.status_code == 200 and 'data-testid="payroll-start"' in page.text

    response = start(client)
    assert response.status_code == 302
    run = run_of(company_a)
    assert response.location.endswith(f"/hr/payroll/runs/{run.id}")
    assert run.status == "draft"  # inline: computed within the request

    page = client.get(f"/hr/payroll/runs/{run.id}").text
    assert 'data-run-status="draft"' in page
    assert 'data-testid="store-totals"' in page and "9,557.07" in page and "8,969.31" in page
    assert 'data-action="submit"' in page and 'data-action="recompute"' in page
    assert 'data-action="approve"' not in page and 'data-action="review"' not in page
    assert 'data-testid="run-skipped"' in page  # staff without a pay profile are listed
    example = slip_id(company_a, run.id, ids["example"])
    assert f'data-payslip-id="{example}"' in page
    for label in ("基本工资", "提成", "餐补", "全勤奖", "迟到早退扣款", "住房公积金", "个人所得税",
                  "实发工资"):
        assert label in page

    # HR locks the month's attendance sheet before payroll: until then the page says so.
    assert 'data-testid="run-unlocked"' in page
    with tenant_context(company_a.tenant_id):
        db.session.add(AttendanceSheet(store_id=company_a.stores[0].id, month=date(2026, 11, 1),
                                       status="locked"))
        db.session.commit()
    assert 'data-testid="run-unlocked"' not in client.get(f"/hr/payroll/runs/{run.id}").text

    detail = client.get(f"/hr/payroll/payslips/{example}").text
    for figure in ("2,862.07", "6,240.00", "375.00", "9,557.07", "465.00", "122.76",
                   "8,969.31"):
        assert figure in detail
    assert "轮钟 120 个，点钟 40 个，等级系数 1.200" in detail


def test_the_run_page_polls_and_reloads_when_the_job_ends(client, auth, company_a):
    seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    fragment = client.get(f"/hr/payroll/runs/{run.id}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'data-job-status="finished"' in fragment.text and "hx-trigger" not in fragment.text
    assert fragment.headers.get("HX-Refresh") == "true"


def test_buttons_and_steps_by_role(client, auth, company_a):
    seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    url = f"/hr/payroll/runs/{run.id}"
    assert client.post(f"{url}/approve").status_code == 403  # HR cannot approve
    assert client.post(f"{url}/submit").status_code == 302
    assert run_of(company_a).status == "submitted"
    auth.logout()

    auth.login_as(company_a, "finance_manager")
    page = client.get(url).text
    assert 'data-action="review"' in page and 'data-action="submit"' not in page
    assert 'data-action="recompute"' not in page
    assert client.post(f"{url}/submit").status_code == 403  # finance cannot submit
    assert client.post("/hr/payroll/runs", data={"month": "2026-11"}).status_code == 403
    assert client.post(f"{url}/review").status_code == 302
    assert client.post(f"{url}/approve").status_code == 403
    auth.logout()

    auth.login_as(company_a, "general_manager")
    page = client.get(url).text
    assert 'data-action="approve"' in page and 'data-testid="run-reopen"' in page
    assert client.post(f"{url}/approve").status_code == 302
    assert run_of(company_a).status == "approved"
    auth.logout()

    # An approved run cannot be recomputed: HR is told so and nothing changes.
    auth.login_as(company_a, "hr_manager")
    before = run_of(company_a).computed_at
    response = client.post(f"{url}/recompute", follow_redirects=True)
    assert "已审批，不能重新计算" in response.text
    response = start(client)
    assert response.status_code == 422 and "已审批，不能重新计算" in response.text
    assert run_of(company_a).computed_at == before
    assert 'data-action' not in client.get(url).text.split('data-testid="run-actions"')[1][:300]


def test_a_reason_sends_a_submitted_run_back(client, auth, company_a):
    seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    url = f"/hr/payroll/runs/{run.id}"
    client.post(f"{url}/submit")
    client.post(f"{url}/reopen", data={"reason": ""})
    assert run_of(company_a).status == "submitted"
    client.post(f"{url}/reopen", data={"reason": "奖惩漏录"})
    assert run_of(company_a).status == "draft"
    with tenant_context(company_a.tenant_id):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payroll.reopen"))
        assert entry.after["reason"] == "奖惩漏录"
        assert entry.actor_account_id == company_a.accounts["hr_manager"].id


def test_the_cap_is_shown_where_it_applied(client, auth, company_a):
    ids = seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    with tenant_context(company_a.tenant_id):
        own = db.session.get(Payslip, slip_id(company_a, run.id, ids["own"]))
        assert own.deductions_capped  # a 1,000.00 fine on a base of 3,000.00: capped at 600.00
        cap = own.detail["cap"]["cap"]
    page = client.get(f"/hr/payroll/runs/{run.id}").text
    assert 'data-testid="cap-note"' in page and "已按 20% 封顶" in page
    detail = client.get(f"/hr/payroll/payslips/{own.id}").text
    assert 'data-testid="cap-explained"' in detail and f"只扣 {cap}" in detail


def test_a_therapist_sees_only_their_own_approved_payslips(client, auth, company_a):
    ids = seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    own, other = (slip_id(company_a, run.id, ids[k]) for k in ("own", "example"))
    auth.logout()

    auth.login_as(company_a, "therapist")
    assert client.get("/hr/payroll").status_code == 403
    assert client.get(f"/hr/payroll/payslips/{own}").status_code == 403
    assert f'data-payslip-id="{own}"' not in client.get("/hr/me/payslips").text
    assert client.get(f"/hr/me/payslips/{own}").status_code == 404  # a draft: not yet
    auth.logout()

    with tenant_context(company_a.tenant_id):
        for action, role in (("submit", "hr_manager"), ("review", "finance_manager"),
                             ("approve", "general_manager")):
            payroll.transition(run.id, action, actor=company_a.accounts[role])
        db.session.commit()

    auth.login_as(company_a, "therapist")
    listing = client.get("/hr/me/payslips").text
    assert f'data-payslip-id="{own}"' in listing and f'data-payslip-id="{other}"' not in listing
    mine = client.get(f"/hr/me/payslips/{own}")
    assert mine.status_code == 200
    for label in ("实发工资", "基本工资", "提成", "餐补", "社保公积金合计", "本月个税", "排班天数",
                  "出勤天数", "迟到早退次数"):
        assert label in mine.text
    assert 'data-testid="cap-explained"' in mine.text
    assert client.get(f"/hr/me/payslips/{other}").status_code == 404  # another's: not found
    auth.logout()

    # Moved to another store since (a transfer): last month's payslip is still theirs.
    with tenant_context(company_a.tenant_id):
        account = db.session.get(Account, company_a.accounts["therapist"].id)
        hr_services.set_login_stores(account, [company_a.stores[1].id])
        db.session.commit()
    auth.login_as(company_a, "therapist")
    assert client.get(f"/hr/me/payslips/{own}").status_code == 200
    assert client.get("/hr/me/payslips/999999").status_code == 404


def test_hr_following_a_my_payslip_link_of_someone_else_lands_on_the_hr_view(
        client, auth, company_a):
    ids = seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    example = slip_id(company_a, run_of(company_a).id, ids["example"])
    response = client.get(f"/hr/me/payslips/{example}")
    assert response.status_code == 302
    assert response.location.endswith(f"/hr/payroll/payslips/{example}")


def test_downloads_from_the_run_page(client, auth, company_a):
    seed(company_a)
    auth.login_as(company_a, "hr_manager")
    start(client)
    run = run_of(company_a)
    xlsx = client.get(f"/hr/payroll/runs/{run.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    # No bank file before approval.
    refused = client.get(f"/hr/payroll/runs/{run.id}/bank.csv", follow_redirects=True)
    assert "审批后才能导出" in refused.text
    with tenant_context(company_a.tenant_id):
        run = db.session.get(PayrollRun, run.id)
        run.status = "approved"
        db.session.commit()
    bank = client.get(f"/hr/payroll/runs/{run.id}/bank.csv")
    assert bank.status_code == 200 and bank.data.startswith("\ufeff工号".encode())
    assert "901,技师901,,,8969.31" in bank.data.decode("utf-8-sig").splitlines()
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "payroll.bank_export")) is not None


def test_finance_reaches_payroll_and_pay_settings_from_its_page(client, auth, company_a):
    """Finance holds no hr.view, so its own page is the way to the runs and the settings."""
    auth.login_as(company_a, "finance_manager")
    page = client.get("/finance/").get_data(as_text=True)
    assert 'data-testid="finance-payroll-link"' in page
    assert 'data-testid="finance-pay-settings-link"' in page
    assert client.get("/hr/payroll").status_code == 200
    assert client.get("/hr/pay").status_code == 200
    auth.logout()
    auth.login_as(company_a, "finance_staff")
    page = client.get("/finance/").get_data(as_text=True)
    assert 'data-testid="finance-payroll-link"' in page
    assert 'data-testid="finance-pay-settings-link"' not in page
