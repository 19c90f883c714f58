"""The one approval flow (app/approvals.py): its rules, each as the findings of the
outside security test (issue 9) reproduced, and the one "what waits for me"."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.hr import changes, rewards
from app.blueprints.hr.common import tenant_today
from app.blueprints.hr.models import EmployeeChange, RewardPenalty
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.models import AuditEntry, Employee, Tenant
from app.models.approval import ApprovalDecision
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data
from tests.hr.payroll.test_run_lifecycle import computed_run, load_run

DAY = date(2026, 11, 20)


def _employee(company, role) -> Employee:
    return db.session.get(Employee, company.employees[role].id)


def _pay_change_for(company, role: str, filed_by: str) -> EmployeeChange:
    return changes.request_change(
        _employee(company, role), "pay_change", tenant_today(), "年度调薪",
        new_monthly_base="88888", actor=company.accounts[filed_by])


def test_the_hr_manager_cannot_approve_their_own_pay_change(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["hr_manager"]
        change = _pay_change_for(company_a, "hr_manager", filed_by="hr_staff")
        db.session.commit()
        with pytest.raises(approvals.InputError) as refused:
            changes.approve_change(change, actor=manager)
        assert refused.value.field == "status" and "关于自己" in refused.value.message
        db.session.rollback()
    with in_tenant(company_a):
        change = db.session.get(EmployeeChange, change.id)
        assert change.status == "pending"
        assert _employee(company_a, "hr_manager").monthly_base_override is None
        # Someone else with the permission decides it: the owner.
        changes.approve_change(change, actor=company_a.accounts["owner"])
        assert change.status == "applied"
        assert _employee(company_a, "hr_manager").monthly_base_override == Decimal("88888.00")
        decision = db.session.scalar(select(ApprovalDecision).where(
            ApprovalDecision.kind == "employee_change", ApprovalDecision.object_id == change.id))
        assert (decision.verdict, decision.actor_account_id) == (
            "approved", company_a.accounts["owner"].id)


def test_nobody_approves_a_request_they_filed(company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["hr_manager"]
        change = _pay_change_for(company_a, "therapist", filed_by="hr_manager")
        assert not approvals.may_decide("employee_change", change, manager)
        with pytest.raises(approvals.InputError) as refused:
            changes.approve_change(change, actor=manager)
        assert "自己提交" in refused.value.message


def test_the_hr_manager_cannot_approve_their_own_reward(company_a, in_tenant, client, auth,
                                                         api_token):
    with in_tenant(company_a):
        own = rewards.file_reward(_employee(company_a, "hr_manager"), "reward", "5000", DAY,
                                  "自己奖励自己", actor=company_a.accounts["hr_staff"])
        db.session.commit()
        reward_id = own.id
    response = client.post(f"/api/v1/approvals/reward/{reward_id}/decision",
                           headers=api_token(company_a, "hr_manager"),
                           json={"verdict": "approved"})
    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["fields"]
    # The reward's own page and its own endpoint refuse the same way.
    response = client.post(f"/api/v1/rewards/{reward_id}/approve",
                           headers=api_token(company_a, "hr_manager"))
    assert response.status_code == 422
    auth.login_as(company_a, "hr_manager")
    response = client.post(f"/hr/rewards/{reward_id}/approve", data={})
    assert "关于自己" in client.get(response.location).get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.get(RewardPenalty, reward_id).status == "pending"
        assert db.session.scalar(select(func.count()).select_from(ApprovalDecision)) == 0


def _submitted_run(company, submitter="hr_manager") -> int:
    with tenant_context(company.tenant_id):
        data.worked_example(company)
        db.session.commit()
    run_id = computed_run(company)
    with tenant_context(company.tenant_id):
        payroll.transition(run_id, "submit", actor=company.accounts[submitter])
        db.session.commit()
    return run_id


def test_submitter_reviewer_and_approver_of_a_payroll_run_are_three_people(company_a):
    run_id = _submitted_run(company_a, submitter="owner")
    owner = company_a.accounts["owner"]
    with tenant_context(company_a.tenant_id):
        # The owner holds every permission, and still may not review what they submitted.
        with pytest.raises(payroll.PayrollError) as refused:
            payroll.transition(run_id, "review", actor=owner)
        assert refused.value.field == "status"
        db.session.rollback()
        payroll.transition(run_id, "review", actor=company_a.accounts["finance_manager"])
        db.session.commit()
        assert not payroll.may_transition(owner, load_run(company_a, run_id), "approve")
        with pytest.raises(payroll.PayrollError):
            payroll.transition(run_id, "approve", actor=owner)
        db.session.rollback()
    with tenant_context(company_a.tenant_id):
        # The reviewer may not approve either.
        with pytest.raises(payroll.PayrollError):
            payroll.transition(run_id, "approve", actor=company_a.accounts["finance_manager"])
        db.session.rollback()
        payroll.transition(run_id, "approve", actor=company_a.accounts["general_manager"])
        db.session.commit()
    run = load_run(company_a, run_id)
    assert run.status == "approved"
    assert len({run.submitted_by_account_id, run.reviewed_by_account_id,
                run.approved_by_account_id}) == 3


def test_a_one_person_office_lets_the_owner_waive_it_audited(company_a, client, api_token):
    run_id = _submitted_run(company_a, submitter="owner")
    owner = api_token(company_a, "owner")
    # Nobody but the owner may switch the waiver on.
    with tenant_context(company_a.tenant_id):
        with pytest.raises(approvals.InputError):
            approvals.save_approval_settings(company_a.accounts["general_manager"],
                                             one_person_office=True)
    response = client.put("/api/v1/approvals/settings", headers=owner,
                          json={"one_person_office": True, "thresholds": {}})
    assert response.status_code == 200 and response.get_json()["one_person_office"] is True
    for expected in ("reviewed", "approved"):
        response = client.post(f"/api/v1/approvals/payroll_run/{run_id}/decision",
                               headers=owner, json={"verdict": "approved", "note": "一人公司"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == expected
    with tenant_context(company_a.tenant_id):
        waived = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "approval.waive")).all()
        assert [e.after["step"] for e in waived] == ["review", "approve"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "approvals.settings")) == 1


def test_the_waiver_is_the_owners_alone(company_a):
    run_id = _submitted_run(company_a, submitter="finance_manager")
    with tenant_context(company_a.tenant_id):
        approvals.save_approval_settings(company_a.accounts["owner"], one_person_office=True)
        db.session.commit()
        with pytest.raises(payroll.PayrollError):
            payroll.transition(run_id, "review", actor=company_a.accounts["finance_manager"])


def test_sending_a_run_back_is_a_decision_and_taking_it_back_is_not(company_a):
    run_id = _submitted_run(company_a, submitter="hr_manager")
    with tenant_context(company_a.tenant_id):
        # The submitter takes it back (撤回): allowed, no decision recorded.
        payroll.reopen_run(run_id, "算错了", actor=company_a.accounts["hr_manager"])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ApprovalDecision)) == 0
        payroll.transition(run_id, "submit", actor=company_a.accounts["hr_manager"])
        payroll.reopen_run(run_id, "提成不对", actor=company_a.accounts["finance_manager"])
        db.session.commit()
        decision = db.session.scalar(select(ApprovalDecision))
        assert (decision.step, decision.verdict, decision.note) == ("review", "rejected",
                                                                   "提成不对")


def test_what_waits_for_me_across_every_kind(company_a, in_tenant, client, auth, api_token):
    with in_tenant(company_a):
        store_reward = rewards.file_reward(_employee(company_a, "therapist"), "reward", "50",
                                           DAY, "好评", actor=company_a.accounts["store_manager"])
        own = rewards.file_reward(_employee(company_a, "hr_manager"), "reward", "50", DAY,
                                  "好评", actor=company_a.accounts["hr_staff"])
        mine_filed = _pay_change_for(company_a, "cashier", filed_by="hr_manager")
        other_change = _pay_change_for(company_a, "foreman", filed_by="hr_staff")
        db.session.commit()
        waiting = approvals.waiting_for(company_a.accounts["hr_manager"])
        found = {(w.kind.name, w.obj.id) for w in waiting}
        assert ("reward", store_reward.id) in found
        assert ("employee_change", other_change.id) in found
        assert ("reward", own.id) not in found  # about themselves
        assert ("employee_change", mine_filed.id) not in found  # filed by themselves
        # A cashier decides nothing.
        assert approvals.waiting_for(company_a.accounts["cashier"]) == []
    listed = client.get("/api/v1/approvals", headers=api_token(company_a, "hr_manager")
                        ).get_json()
    assert {(i["kind"], i["object_id"]) for i in listed["items"]} == found
    auth.login_as(company_a, "hr_manager")
    page = client.get("/approvals").get_data(as_text=True)
    assert f"waiting-reward-{store_reward.id}" in page
    assert f"waiting-reward-{own.id}" not in page
    response = client.post(f"/approvals/reward/{store_reward.id}/decision",
                           data={"verdict": "approved"})
    assert response.status_code == 302
    with in_tenant(company_a):
        assert db.session.get(RewardPenalty, store_reward.id).status == "approved"
    assert f"waiting-reward-{store_reward.id}" not in client.get("/approvals").get_data(
        as_text=True)


def test_a_store_manager_sees_the_refunds_of_their_store_not_the_cashiers_own(
        company_a, in_tenant, client, api_token):
    from tests.store.test_checkout_http import _to_pay  # noqa: PLC0415

    order_id, _customer_id, _items = _to_pay(company_a)
    cashier = api_token(company_a, "cashier")
    paid = client.post(f"/api/v1/orders/{order_id}/checkout", headers=cashier,
                       json={"payments": [{"method": "cash", "amount": "146"}]})
    assert paid.status_code == 200, paid.get_json()
    asked = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                        json={"amount": "20", "method": "cash", "reason": "服务不满意"})
    assert asked.status_code == 201
    refund_id = asked.get_json()["id"]
    with in_tenant(company_a):
        manager = company_a.accounts["store_manager"]
        assert [(w.kind.name, w.obj.id) for w in approvals.waiting_for(manager)] == [
            ("refund", refund_id)]
        # The cashier who asked is not among its deciders; a store manager of another
        # store never sees it.
        assert approvals.waiting_for(company_a.accounts["cashier"]) == []
        manager.store_ids  # noqa: B018  (loaded before the change below)
    manager_headers = api_token(company_a, "store_manager")
    decided = client.post(f"/api/v1/approvals/refund/{refund_id}/decision",
                          headers=manager_headers, json={"verdict": "rejected"})
    assert decided.status_code == 422 and "note" in decided.get_json()["error"]["fields"]
    decided = client.post(f"/api/v1/approvals/refund/{refund_id}/decision",
                          headers=manager_headers, json={"verdict": "approved", "note": "同意"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"


def test_a_step_above_the_tenants_threshold_goes_higher(company_a, in_tenant):
    """Amount thresholds come from the tenant's settings (the kinds of the next
    departments use them: expenses, purchases); here a kind made up for the test."""
    kind = ApprovalKind(
        name="test_big_reward", label="测试", model=RewardPenalty,
        steps=(Step("gm", "pending", "payroll.approve", "总经理", scoped=False,
                    above_setting="test_big"),
               Step("hr", "pending", "reward.approve", "人力资源")),
        submitter=lambda r: r.requested_by_account_id, subject=lambda r: r.employee_id,
        store=lambda r: r.store_id, amount=lambda r: r.amount,
        approve=lambda r, a, n: approvals.decide("test_big_reward", r, a, "approved", n),
        reject=lambda r, a, n: None, describe=str, url=lambda r: "/")
    approvals.register_kind(kind)
    try:
        with in_tenant(company_a):
            small = rewards.file_reward(_employee(company_a, "therapist"), "reward", "100",
                                        DAY, "好评", actor=company_a.accounts["hr_staff"])
            big = rewards.file_reward(_employee(company_a, "therapist"), "reward", "5000",
                                      DAY, "大奖", actor=company_a.accounts["hr_staff"])
            # No threshold set: the first step applies to every amount.
            assert approvals.current_step(kind, small).name == "gm"
            approvals.save_approval_settings(company_a.accounts["owner"],
                                             one_person_office=False,
                                             thresholds={"test_big": "1000"})
            assert approvals.current_step(kind, small).name == "hr"
            assert approvals.current_step(kind, big).name == "gm"
            assert not approvals.may_decide(kind, big, company_a.accounts["hr_manager"])
            assert approvals.may_decide(kind, big, company_a.accounts["general_manager"])
            with pytest.raises(approvals.InputError) as bad:
                approvals.save_approval_settings(company_a.accounts["owner"],
                                                 one_person_office=False,
                                                 thresholds={"test_big": "-1"})
            assert list(bad.value.fields) == ["thresholds.test_big"]
            tenant = db.session.get(Tenant, company_a.tenant_id)
            assert tenant.policies["approvals"]["thresholds"] == {"test_big": "1000.00"}
    finally:
        approvals.KINDS.pop("test_big_reward", None)


def test_another_tenants_request_is_a_404_to_the_decision_endpoint(
        company_a, company_b, in_tenant, client, api_token):
    with in_tenant(company_b):
        theirs = rewards.file_reward(_employee(company_b, "therapist"), "reward", "50", DAY,
                                     "好评", actor=company_b.accounts["hr_staff"])
        db.session.commit()
    headers = api_token(company_a, "hr_manager")
    response = client.post(f"/api/v1/approvals/reward/{theirs.id}/decision", headers=headers,
                           json={"verdict": "approved"})
    assert response.status_code == 404
    assert client.post("/api/v1/approvals/nothing/1/decision", headers=headers,
                       json={"verdict": "approved"}).status_code == 404


def test_leave_filed_by_a_store_manager_for_a_therapist_goes_to_someone_else(
        company_a, in_tenant):
    from app.blueprints.hr.time import NotAllowed
    from app.blueprints.hr.time import leave as service

    with in_tenant(company_a):
        manager = company_a.accounts["store_manager"]
        start = tenant_today() + timedelta(days=14)
        filed = service.request_leave(_employee(company_a, "therapist"), "sick", start, start,
                                      False, "电话请假", manager)
        with pytest.raises(NotAllowed):
            service.approve_leave(filed, manager)
        service.approve_leave(filed, company_a.accounts["hr_manager"])
        assert filed.status == "approved"


def test_the_approver_of_a_change_must_be_allowed_to_give_its_new_role(company_a, in_tenant):
    """The HR manager may not make a general manager by approving a change the owner
    filed (app/duties.py); they may approve a cashier's transfer."""
    from app.models import Position

    with in_tenant(company_a):
        gm_post = db.session.scalar(select(Position).where(Position.role == "general_manager"))
        promotion = changes.request_change(
            _employee(company_a, "cashier"), "promotion", tenant_today(), "提拔",
            new_position_id=gm_post.id, actor=company_a.accounts["owner"])
        hr_manager = company_a.accounts["hr_manager"]
        assert not approvals.may_decide("employee_change", promotion, hr_manager)
        with pytest.raises(approvals.InputError) as refused:
            changes.approve_change(promotion, actor=hr_manager)
        assert "总经理" in refused.value.message
