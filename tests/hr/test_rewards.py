"""奖惩: filed by HR or the store manager (their stores), approved by reward.approve,
listed per month and store, cancelled (kept), audited; 422 naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr import rewards, services
from app.blueprints.hr.models import PayrollRun, RewardPenalty
from app.extensions import db
from app.models import AuditEntry
from tests.hr.helpers import add_employee

DAY = date(2026, 11, 12)


def test_amount_rules_by_kind(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        for kind, amount in (("reward", "0"), ("reward", "-10"), ("fine", "0.001"),
                             ("adjustment", "0"), ("fine", "abc"), ("reward", None)):
            with pytest.raises(services.HrError) as error:
                rewards.file_reward(therapist, kind, amount, DAY, "原因")
            assert list(error.value.fields) == ["amount"], (kind, amount)
        with pytest.raises(services.HrError) as error:
            rewards.file_reward(therapist, "bonus", "10", None, "")
        assert set(error.value.fields) >= {"kind", "effective_on", "reason"}
        fine = rewards.file_reward(therapist, "fine", "50", DAY, "迟到三次")
        back = rewards.file_reward(therapist, "adjustment", "-120.50", DAY, "10 月多发餐补")
        assert (fine.amount, fine.status, fine.store_id) == (Decimal("50.00"), "pending",
                                                             company_a.store.id)
        assert rewards.signed_amount(fine) == Decimal("-50.00")
        assert rewards.signed_amount(back) == Decimal("-120.50")
        candidate = add_employee("R1", store=company_a.store, status="candidate")
        with pytest.raises(services.HrError) as error:
            rewards.file_reward(candidate, "reward", "10", DAY, "原因")
        assert "employee_id" in error.value.fields


def test_lifecycle_approve_reject_cancel_and_audit(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        manager = company_a.accounts["hr_manager"]
        reward = rewards.file_reward(therapist, "reward", "100", DAY, "客人表扬",
                                     actor=company_a.accounts["store_manager"])
        rewards.approve_reward(reward, actor=manager)
        assert reward.status == "approved" and reward.decided_by_account_id == manager.id
        with pytest.raises(services.HrError):
            rewards.reject_reward(reward)  # decided already
        fine = rewards.file_reward(therapist, "fine", "30", DAY, "迟到")
        rewards.reject_reward(fine, "情况属实但初犯", actor=manager)
        assert fine.status == "rejected"
        with pytest.raises(services.HrError):
            rewards.cancel_reward(fine)
        rewards.cancel_reward(reward)
        assert reward.status == "cancelled"
        assert db.session.scalar(select(RewardPenalty).where(RewardPenalty.id == reward.id))
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-5:] == ["reward.file", "reward.approve", "reward.file",
                                "reward.reject", "reward.cancel"]


def test_a_month_whose_payroll_is_approved_takes_no_more(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        pending = rewards.file_reward(therapist, "reward", "80", DAY, "好评")
        approved = rewards.file_reward(therapist, "reward", "60", DAY, "好评")
        rewards.approve_reward(approved, actor=company_a.accounts["hr_manager"])
        db.session.add(PayrollRun(month=date(2026, 11, 1), scope="all", status="approved"))
        db.session.flush()
        with pytest.raises(services.HrError) as error:
            rewards.file_reward(therapist, "fine", "10", DAY, "迟到")
        assert list(error.value.fields) == ["effective_on"]
        with pytest.raises(services.HrError):
            rewards.approve_reward(pending, actor=company_a.accounts["hr_manager"])
        with pytest.raises(services.HrError):
            rewards.cancel_reward(approved)
        # The correction goes into a later month as an adjustment.
        later = rewards.file_reward(therapist, "adjustment", "-60", date(2026, 12, 5),
                                    "11 月奖励重复")
        assert later.status == "pending"


def test_list_per_month_and_store_with_totals(company_a, in_tenant):
    with in_tenant(company_a):
        store1, store2 = company_a.stores
        here = add_employee("R10", store=store1)
        there = add_employee("R11", store=store2)
        a = rewards.file_reward(here, "reward", "100", DAY, "表扬")
        rewards.approve_reward(a, actor=company_a.accounts["hr_manager"])
        b = rewards.file_reward(there, "fine", "20", DAY, "迟到")
        rewards.approve_reward(b, actor=company_a.accounts["hr_manager"])
        rewards.file_reward(here, "reward", "999", date(2026, 12, 1), "下月")
        rows = rewards.list_rewards(rewards.RewardFilters(month=date(2026, 11, 30)))
        assert {r.id for r in rows} == {a.id, b.id}
        assert rewards.totals(rows)["reward"] == Decimal("100.00")
        scoped = rewards.list_rewards(rewards.RewardFilters(month=DAY), scope={store2.id})
        assert [r.id for r in scoped] == [b.id]


def test_store_manager_files_for_their_store_hr_manager_approves(client, auth, company_a,
                                                                 in_tenant):
    with in_tenant(company_a):
        other = add_employee("R20", store=company_a.stores[1], name="二店技师")
        db.session.commit()
        other_no = other.employee_no
        own_no = company_a.employees["therapist"].employee_no
    auth.login_as(company_a, "store_manager")
    assert client.get("/hr/rewards/new").status_code == 200
    refused = client.post("/hr/rewards/new", data={
        "employee_no": other_no, "kind": "reward", "amount": "50",
        "effective_on": DAY.isoformat(), "reason": "好评"})
    assert refused.status_code == 422
    assert 'data-field-error="employee_no"' in refused.get_data(as_text=True)
    bad = client.post("/hr/rewards/new", data={
        "employee_no": own_no, "kind": "fine", "amount": "-5",
        "effective_on": DAY.isoformat(), "reason": "迟到"})
    assert bad.status_code == 422 and 'data-field-error="amount"' in bad.get_data(as_text=True)
    filed = client.post("/hr/rewards/new", data={
        "employee_no": own_no, "kind": "reward", "amount": "88.00",
        "effective_on": DAY.isoformat(), "reason": "客人表扬"})
    assert filed.status_code == 302
    with in_tenant(company_a):
        reward_id = db.session.scalar(select(RewardPenalty.id))
    assert client.post(f"/hr/rewards/{reward_id}/approve").status_code == 403
    page = client.get("/hr/rewards?month=2026-11").get_data(as_text=True)
    assert "客人表扬" in page and "待审批" in page
    auth.logout()

    auth.login_as(company_a, "hr_manager")
    assert client.post(f"/hr/rewards/{reward_id}/approve").status_code == 302
    with in_tenant(company_a):
        assert db.session.get(RewardPenalty, reward_id).status == "approved"
    page = client.get("/hr/rewards?month=2026-11").get_data(as_text=True)
    assert "已批准" in page and "88.00" in page


def test_api_list_create_approve_reject_cancel(client, api_token, company_a, company_b,
                                               in_tenant):
    with in_tenant(company_a):
        therapist_id = company_a.employees["therapist"].id
        other_store = add_employee("R30", store=company_a.stores[1]).id
        db.session.commit()
    with in_tenant(company_b):
        foreign_employee = company_b.employees["therapist"].id
    store_manager = api_token(company_a, "store_manager")
    created = client.post("/api/v1/rewards", headers=store_manager, json={
        "employee_id": therapist_id, "kind": "fine", "amount": "30.00",
        "effective_on": "2026-11-12", "reason": "迟到"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending" and body["signed_amount"] == "-30.00"
    assert body["employee"]["id"] == therapist_id
    for payload, field in (
            ({"kind": "reward", "amount": "0"}, "amount"),
            ({"kind": "adjustment", "amount": "0"}, "amount"),
            ({"kind": "gift", "amount": "5"}, "kind"),
            ({"kind": "reward", "amount": "5", "effective_on": "2026-02-30"}, "effective_on"),
            ({"kind": "reward", "amount": "5", "employee_id": other_store}, "employee_id"),
            ({"kind": "reward", "amount": "5", "employee_id": foreign_employee},
             "employee_id")):
        data = {"employee_id": therapist_id, "effective_on": "2026-11-12", "reason": "x",
                **payload}
        response = client.post("/api/v1/rewards", headers=store_manager, json=data)
        assert response.status_code == 422, (payload, response.get_json())
        assert field in response.get_json()["error"]["fields"], payload
    reward_id = body["id"]
    assert client.post(f"/api/v1/rewards/{reward_id}/approve",
                       headers=store_manager).status_code == 403
    hr = api_token(company_a, "hr_manager")
    approved = client.post(f"/api/v1/rewards/{reward_id}/approve", headers=hr)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/rewards/{reward_id}/reject", headers=hr, json={"note": "x"})
    assert again.status_code == 422 and "reward" in again.get_json()["error"]["fields"]
    listing = client.get("/api/v1/rewards?month=2026-11&status=approved", headers=hr)
    assert [r["id"] for r in listing.get_json()["items"]] == [reward_id]
    assert client.get("/api/v1/rewards?month=2026-13", headers=hr).status_code == 422
    cancelled = client.post(f"/api/v1/rewards/{reward_id}/cancel", headers=store_manager)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    other = api_token(company_b, "owner")
    assert client.get(f"/api/v1/rewards/{reward_id}", headers=other).status_code == 404
