"""费用报销: the route through the one approval flow (store manager -> finance -> general
manager above the tenant's threshold), who may not decide, withdraw and pay."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import approvals
from app.blueprints.finance import expenses as service
from app.blueprints.finance.models import ExpenseClaim
from app.extensions import db
from app.models import Department
from app.models.approval import ApprovalDecision


def claim_values(company, amount="300.00", **more) -> dict:
    return {"store_id": company.store.id, "category": "utilities", "amount": amount,
            "spent_on": (date.today() - timedelta(days=2)).isoformat(),
            "description": "十一月电费", "payee": "供电局", **more}


def steps_of(claim) -> list[tuple[str, str]]:
    return [(d.step, d.verdict) for d in db.session.scalars(select(ApprovalDecision).where(
        ApprovalDecision.kind == "expense", ApprovalDecision.object_id == claim.id)
        .order_by(ApprovalDecision.id))]


def test_input_is_checked_field_by_field(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["store_manager"]
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        with pytest.raises(service.ExpenseError) as error:
            service.submit({"store_id": company_a.stores[1].id, "category": "yacht",
                            "amount": "1.005", "spent_on": tomorrow, "description": " "},
                           manager)
        assert set(error.value.fields) == {"store_id", "category", "amount", "spent_on",
                                           "description"}
        for amount in ("0", "-5", "10000000.00", "abc", "NaN"):
            with pytest.raises(service.ExpenseError) as error:
                service.submit(claim_values(company_a, amount), manager)
            assert list(error.value.fields) == ["amount"], amount
        with pytest.raises(service.ExpenseError) as error:  # a store claims for itself only
            service.submit(claim_values(
                company_a, claimant_employee_id=company_a.employees["cashier"].id), manager)
        assert list(error.value.fields) == ["claimant_employee_id"]
        assert db.session.scalar(select(ExpenseClaim.id)) is None
        top = service.submit(claim_values(company_a, "9999999.99"), manager)
        assert top.amount == Decimal("9999999.99")


def test_store_claim_below_threshold_goes_store_manager_then_finance(company_a, in_tenant):
    with in_tenant(company_a):
        claim = service.submit(claim_values(company_a, "4999.99"),
                               company_a.accounts["logistics_head"])
        assert claim.status == "pending_store"
        finance = company_a.accounts["finance_manager"]
        assert not approvals.may_decide("expense", claim, finance)
        with pytest.raises(service.ExpenseError):
            service.approve(claim, finance)
        service.approve(claim, company_a.accounts["store_manager"], "属实")
        assert claim.status == "pending_finance"
        assert not approvals.may_decide("expense", claim, company_a.accounts["general_manager"])
        service.approve(claim, finance)
        assert claim.status == "approved" and claim.decided_at is not None
        assert steps_of(claim) == [("store", "approved"), ("finance", "approved")]


def test_above_threshold_waits_for_the_general_manager(company_a, in_tenant):
    with in_tenant(company_a):
        claim = service.submit(claim_values(company_a, "5000.01"),
                               company_a.accounts["logistics_head"])
        service.approve(claim, company_a.accounts["store_manager"])
        service.approve(claim, company_a.accounts["finance_manager"])
        assert claim.status == "pending_gm"
        waiting = approvals.waiting_for(company_a.accounts["general_manager"])
        assert [(w.kind.name, w.obj.id) for w in waiting] == [("expense", claim.id)]
        service.approve(claim, company_a.accounts["general_manager"])
        assert claim.status == "approved"
        assert [s for s, _v in steps_of(claim)] == ["store", "finance", "gm"]


def test_department_and_store_manager_claims_start_at_finance(company_a, in_tenant):
    with in_tenant(company_a):
        department = db.session.scalars(select(Department)).first()
        hq = service.submit({**claim_values(company_a), "store_id": None,
                             "department_id": department.id},
                            company_a.accounts["hr_staff"])
        assert (hq.status, hq.store_id, hq.department_id) == (
            "pending_finance", None, department.id)
        own = service.submit(claim_values(company_a), company_a.accounts["store_manager"])
        assert own.status == "pending_finance"
        assert own.claimant_employee_id == company_a.employees["store_manager"].id
        # The store manager sees no department claim, nor does the inbox offer one.
        assert hq.id not in {c.id for c in db.session.scalars(
            service.visible_claims(company_a.accounts["store_manager"]))}


def test_a_new_tenant_threshold_reroutes(company_a, in_tenant):
    with in_tenant(company_a):
        approvals.save_approval_settings(company_a.accounts["owner"], one_person_office=False,
                                         thresholds={"expense_gm": "1000"})
        small = service.submit(claim_values(company_a, "1000.00"),
                               company_a.accounts["store_manager"])
        large = service.submit(claim_values(company_a, "1000.01"),
                               company_a.accounts["store_manager"])
        finance = company_a.accounts["finance_manager"]
        service.approve(small, finance)
        service.approve(large, finance)
        assert (small.status, large.status) == ("approved", "pending_gm")
        # Raised again: what already waits for the GM stays theirs to decide.
        approvals.save_approval_settings(company_a.accounts["owner"], one_person_office=False,
                                         thresholds={"expense_gm": "20000"})
        assert approvals.may_decide("expense", large, company_a.accounts["general_manager"])
        service.approve(large, company_a.accounts["general_manager"])
        assert large.status == "approved"


def test_nobody_decides_their_own_claim_or_one_about_themselves(company_a, in_tenant):
    with in_tenant(company_a):
        finance = company_a.accounts["finance_manager"]
        department = db.session.scalars(select(Department)).first()
        own = service.submit({**claim_values(company_a), "store_id": None,
                              "department_id": department.id,
                              "claimant_employee_id": company_a.employees["hr_staff"].id},
                             finance)
        with pytest.raises(service.ExpenseError) as error:
            service.approve(own, finance)
        assert error.value.fields == {"status": "不能审批自己提交的申请"}
        about = service.submit({**claim_values(company_a), "store_id": None,
                                "department_id": department.id,
                                "claimant_employee_id": company_a.employees["finance_manager"].id},
                               company_a.accounts["hr_manager"])
        with pytest.raises(service.ExpenseError) as error:
            service.approve(about, finance)
        assert error.value.fields == {"status": "不能审批关于自己的申请"}
        assert own.id not in {w.obj.id for w in approvals.waiting_for(finance)}
        service.approve(about, company_a.accounts["owner"])  # someone else can
        assert about.status == "approved"
        with pytest.raises(service.ExpenseError):  # nor pay money to oneself
            service.pay(about, finance)
        service.pay(about, company_a.accounts["owner"])
        assert about.status == "paid"


def test_reject_needs_a_note_cancel_only_by_the_submitter_while_waiting(company_a, in_tenant):
    with in_tenant(company_a):
        claim = service.submit(claim_values(company_a), company_a.accounts["store_manager"])
        finance = company_a.accounts["finance_manager"]
        with pytest.raises(Exception) as error:
            service.reject(claim, finance, " ")
        assert list(error.value.fields) == ["note"]
        with pytest.raises(service.ExpenseError):
            service.cancel(claim, finance)
        service.cancel(claim, company_a.accounts["store_manager"])
        assert claim.status == "cancelled"
        with pytest.raises(service.ExpenseError):
            service.approve(claim, finance)
        other = service.submit(claim_values(company_a), company_a.accounts["store_manager"])
        service.reject(other, finance, "发票抬头不对")
        assert other.status == "rejected" and steps_of(other) == [("finance", "rejected")]
        with pytest.raises(service.ExpenseError):
            service.cancel(other, company_a.accounts["store_manager"])


def test_pay_only_an_approved_claim(company_a, in_tenant):
    with in_tenant(company_a):
        claim = service.submit(claim_values(company_a), company_a.accounts["store_manager"])
        finance = company_a.accounts["finance_manager"]
        with pytest.raises(service.ExpenseError):
            service.pay(claim, finance)
        service.approve(claim, finance)
        with pytest.raises(service.ExpenseError):
            service.pay(claim, company_a.accounts["general_manager"])  # no expense.pay
        service.pay(claim, finance)
        assert (claim.status, claim.paid_by_account_id) == ("paid", finance.id)
        with pytest.raises(service.ExpenseError):
            service.pay(claim, finance)
