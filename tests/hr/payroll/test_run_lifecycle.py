"""The payroll run's lifecycle as services: one run per month and scope, reruns of a
draft replace its payslips with identical ones, approvals in order and audited,
approved runs frozen, a failed computation leaves what was there."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.models import AuditEntry, Tenant
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data

COMPARED = (*payroll.MONEY_COLUMNS, "employee_id", "store_id", "month", "deductions_capped",
            "detail")


def computed_run(company, month="2026-11", store_id=None) -> int:
    """Start and (inline) compute a run; returns its id."""
    with tenant_context(company.tenant_id):
        run, _record = payroll.start_run(month, store_id)
        run_id = run.id
        commit_and_dispatch()
    return run_id


def payslips(company, run_id) -> list[dict]:
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        slips = db.session.scalars(select(Payslip).where(Payslip.run_id == run_id)
                                   .order_by(Payslip.employee_id)).all()
        return [{name: getattr(s, name) for name in COMPARED} for s in slips]


def load_run(company, run_id) -> PayrollRun:
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        return db.session.get(PayrollRun, run_id)


def step(company, run_id, action, role):
    with tenant_context(company.tenant_id):
        run = payroll.transition(run_id, action, actor=company.accounts[role])
        db.session.commit()
        return run.status


def test_rerun_of_a_draft_gives_identical_payslips(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    first = payslips(company_a, run_id)
    assert len(first) > 1

    again = computed_run(company_a)

    assert again == run_id  # the same run, recomputed
    second = payslips(company_a, run_id)
    assert second == first  # replaced by identical payslips, none added
    with tenant_context(company_a.tenant_id):
        assert db.session.query(PayrollRun).count() == 2  # November, and October's history
        assert load_run(company_a, run_id).employee_count == len(first)


def test_rerun_sees_changed_inputs(app, company_a):
    with tenant_context(company_a.tenant_id):
        therapist = data.worked_example(company_a)
        db.session.commit()
        therapist_id = therapist.id
    run_id = computed_run(company_a)
    with tenant_context(company_a.tenant_id):
        data.reward(db.session.get(type(therapist), therapist_id), company_a.stores[0],
                    "50.00", kind="fine")
        db.session.commit()
    computed_run(company_a)
    slip = next(s for s in payslips(company_a, run_id) if s["employee_id"] == therapist_id)
    assert slip["fines"] == Decimal("50.00")
    assert slip["gross"] == data.WORKED_EXAMPLE["gross"] - Decimal("50.00")


def test_the_whole_lifecycle_is_audited(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    assert load_run(company_a, run_id).status == "draft"

    assert step(company_a, run_id, "submit", "hr_manager") == "submitted"
    assert step(company_a, run_id, "review", "finance_manager") == "reviewed"
    assert step(company_a, run_id, "approve", "general_manager") == "approved"
    assert step(company_a, run_id, "pay", "finance_manager") == "paid"

    run = load_run(company_a, run_id)
    assert run.submitted_by_account_id == company_a.accounts["hr_manager"].id
    assert run.reviewed_by_account_id == company_a.accounts["finance_manager"].id
    assert run.approved_by_account_id == company_a.accounts["general_manager"].id
    assert run.paid_by_account_id == company_a.accounts["finance_manager"].id
    with tenant_context(company_a.tenant_id):
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "payroll_run",
                                            AuditEntry.object_id == str(run_id))
            .order_by(AuditEntry.id)).all()
    assert actions == ["payroll.compute", "payroll.submit", "payroll.review",
                       "payroll.approve", "payroll.pay"]


def test_steps_only_in_order(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    for action in ("review", "approve", "pay"):
        with tenant_context(company_a.tenant_id), pytest.raises(payroll.PayrollError) as err:
            payroll.transition(run_id, action, actor=company_a.accounts["owner"])
        assert "草稿" in err.value.message
        db.session.rollback()
    assert load_run(company_a, run_id).status == "draft"


def test_approved_and_paid_runs_cannot_be_recomputed(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    before = payslips(company_a, run_id)
    for action, role in (("submit", "hr_manager"), ("review", "finance_manager"),
                         ("approve", "general_manager")):
        step(company_a, run_id, action, role)
    for label in ("已审批", "已发放"):
        with tenant_context(company_a.tenant_id), pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-11")
        assert err.value.field == "month" and label in err.value.message
        db.session.rollback()
        if label == "已审批":
            step(company_a, run_id, "pay", "finance_manager")
    assert load_run(company_a, run_id).status == "paid"
    assert payslips(company_a, run_id) == before
    # Nor sent back.
    with tenant_context(company_a.tenant_id), pytest.raises(payroll.PayrollError):
        payroll.reopen_run(run_id, "算错了", actor=company_a.accounts["owner"])


def test_a_submitted_run_goes_back_to_draft_with_a_reason(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    step(company_a, run_id, "submit", "hr_manager")
    with tenant_context(company_a.tenant_id):
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-11")  # submitted: not recomputed
        assert "已提交" in err.value.message
        db.session.rollback()
        with pytest.raises(payroll.PayrollError) as err:
            payroll.reopen_run(run_id, "  ", actor=company_a.accounts["hr_manager"])
        assert err.value.field == "reason"
        db.session.rollback()
        payroll.reopen_run(run_id, "漏了一笔奖励", actor=company_a.accounts["hr_manager"])
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payroll.reopen"))
        assert entry.before == {"status": "submitted"}
        assert entry.after["reason"] == "漏了一笔奖励"
        run = db.session.get(PayrollRun, run_id)
        assert (run.status, run.submitted_at) == ("draft", None)
    assert computed_run(company_a) == run_id  # a draft again: may be recomputed


def test_who_may_press_which_button(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    run = load_run(company_a, run_id)
    hr, finance, gm = (company_a.accounts[r] for r in
                       ("hr_manager", "finance_manager", "general_manager"))
    assert payroll.may_transition(hr, run, "submit")
    assert not payroll.may_transition(finance, run, "submit")
    assert not payroll.may_transition(hr, run, "approve")
    run.status = "reviewed"
    assert payroll.may_transition(gm, run, "approve")
    assert not payroll.may_transition(hr, run, "approve")
    assert payroll.may_reopen(gm, run) and not payroll.may_reopen(hr, run)
    db.session.rollback()


def test_one_run_per_month_and_scope(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    store = company_a.stores[0]
    store_run = computed_run(company_a, store_id=store.id)
    with tenant_context(company_a.tenant_id):
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-11")
        assert err.value.field == "store_id" and "按门店" in err.value.message
        db.session.rollback()
        # The other store's run may exist next to it.
        other, _ = payroll.start_run("2026-11", company_a.stores[1].id)
        assert other.id != store_run and other.scope == f"store:{company_a.stores[1].id}"
        commit_and_dispatch()
        # October: an approved company-wide run (the example's history): no store run,
        # and no recomputation.
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-10", store.id)
        assert "全公司" in err.value.message
        db.session.rollback()
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-10")
        assert "已审批" in err.value.message
        db.session.rollback()
        this_month = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
        next_month = (this_month + timedelta(days=32)).strftime("%Y-%m")
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run(next_month)  # not over yet: nothing to pay
        assert err.value.field == "month"
        with pytest.raises(payroll.PayrollError) as err:
            payroll.start_run("2026-13")
        assert err.value.field == "month"


def test_a_store_run_holds_that_stores_people_only(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        second = data.add_therapist(company_a.stores[1], "950")
        db.session.commit()
        second_id = second.id
    store_run = computed_run(company_a, store_id=company_a.stores[1].id)
    slips = payslips(company_a, store_run)
    assert second_id in {s["employee_id"] for s in slips}
    assert {s["store_id"] for s in slips} == {company_a.stores[1].id}


def test_first_failure_marks_the_run_failed_then_a_rerun_fixes_it(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        tenant = db.session.get(Tenant, company_a.tenant_id)
        tenant.policies = {"payroll": {"pay_days_per_month": "zero"}}
        db.session.commit()
        run, record = payroll.start_run("2026-11")
        run_id, job_id = run.id, record.id
        with pytest.raises(payroll.PayrollInputError):
            commit_and_dispatch()  # inline under TESTING: the error reaches the caller
    assert load_run(company_a, run_id).status == "failed"
    with tenant_context(company_a.tenant_id):
        record = db.session.get(JobRecord, job_id)
        assert record.status == "failed" and "pay_days_per_month" in record.error
        db.session.get(Tenant, company_a.tenant_id).policies = {}
        db.session.commit()
    assert computed_run(company_a) == run_id
    assert load_run(company_a, run_id).status == "draft"
    assert payslips(company_a, run_id)


def test_a_failed_recompute_leaves_the_draft_as_it_was(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        db.session.commit()
    run_id = computed_run(company_a)
    before = payslips(company_a, run_id)
    with tenant_context(company_a.tenant_id):
        db.session.get(Tenant, company_a.tenant_id).policies = {
            "payroll": {"sick_pay_ratio": "2"}}
        db.session.commit()
        payroll.start_run("2026-11")
        with pytest.raises(payroll.PayrollInputError):
            commit_and_dispatch()
    run = load_run(company_a, run_id)
    assert run.status == "draft"
    assert payroll.display_status(run) == "draft"
    assert payslips(company_a, run_id) == before


def test_people_without_a_pay_profile_are_listed_not_paid(app, company_a):
    with tenant_context(company_a.tenant_id):
        therapist = data.worked_example(company_a)
        cashier_id = company_a.employees["cashier"].id
        db.session.commit()
        run, record = payroll.start_run("2026-11")
        run_id, job_id = run.id, record.id
        commit_and_dispatch()
        result = db.session.get(JobRecord, job_id).result
    paid = {s["employee_id"] for s in payslips(company_a, run_id)}
    assert therapist.id in paid and cashier_id not in paid
    assert cashier_id in {s["employee_id"] for s in result["skipped"]}
    assert {s["reason"] for s in result["skipped"]} == {"no_pay_profile"}


def test_earlier_payslips_of_failed_runs_do_not_count_as_tax_history(app, company_a):
    with tenant_context(company_a.tenant_id):
        therapist = data.worked_example(company_a, with_history=False)
        data.opening_balance(therapist, "8000.00", "90.00")
        data.earlier_payslip(therapist, date(2026, 10, 1), "9000.00", "120.00")
        # A later run of October replaced the first one's figures; a failed one is ignored.
        later = PayrollRun(month=date(2026, 10, 1), scope="store:0", status="draft")
        failed = PayrollRun(month=date(2026, 10, 1), scope="store:1", status="failed")
        db.session.add_all([later, failed])
        db.session.flush()
        for run, (taxable, iit) in ((later, ("9000.00", "120.00")),
                                    (failed, ("50000.00", "9000.00"))):
            data.earlier_payslip(therapist, date(2026, 10, 1), taxable, iit, run=run)
        db.session.commit()
    run_id = computed_run(company_a)
    slip = next(s for s in payslips(company_a, run_id) if s["employee_id"] == therapist.id)
    assert slip["iit"] == data.WORKED_EXAMPLE["iit"]
    assert slip["detail"]["tax"]["earlier_taxable"] == "9000.00"


def test_overtime_in_a_year_without_a_holiday_calendar_fails_the_run_clearly(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        setup["profile"].overtime_eligible = True
        person = data.add_therapist(store, "H1", hire_date=date(2024, 1, 2))
        data.overtime(person, store, date(2024, 12, 3), "2")
        db.session.commit()
        run, record = payroll.start_run("2024-12")
        run_id, job_id = run.id, record.id
        with pytest.raises(payroll.PayrollError) as err:
            commit_and_dispatch()
    assert err.value.field == "month" and "2024 年法定节假日日历未知" in err.value.message
    assert load_run(company_a, run_id).status == "failed"
    with tenant_context(company_a.tenant_id):
        assert "法定节假日日历未知" in db.session.get(JobRecord, job_id).error
