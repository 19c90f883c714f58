"""人事变动: request, approve or reject (the HR manager only), applied at once or on the
effective date by the daily job (once), history, audit; logins follow the change."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr import changes, services
from app.blueprints.hr.models import EmployeeChange
from app.extensions import db
from app.jobs.models import JobRecord
from app.jobs.periodic import run_periodic
from app.models import AuditEntry, Employee, PayProfile, TherapistLevel
from app.schedule import PERIODIC
from app.tenancy import cross_tenant_access
from tests.hr.helpers import position


@pytest.fixture
def setup(company_a, in_tenant):
    """Levels 初级 (rank 1) < 高级 (rank 2), two pay profiles, the therapist (with their
    login) at 初级 in store 1."""
    with in_tenant(company_a):
        junior = TherapistLevel(name="初级", commission_multiplier=Decimal("1.0"), rank=1)
        senior = TherapistLevel(name="高级", commission_multiplier=Decimal("1.2"), rank=2)
        basic = PayProfile(name="技师标准", position_id=position("therapist").id,
                           monthly_base=Decimal("3000.00"), commission=True)
        special = PayProfile(name="技师特聘", monthly_base=Decimal("4000.00"), commission=True)
        db.session.add_all([junior, senior, basic, special])
        db.session.flush()
        therapist = company_a.employees["therapist"]
        therapist.level_id = junior.id
        db.session.commit()
        today = services.tenant_today()
        return {"junior": junior.id, "senior": senior.id, "basic": basic.id,
                "special": special.id, "therapist": therapist.id, "today": today,
                "store1": company_a.stores[0].id, "store2": company_a.stores[1].id}


def _employee(employee_id) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.id == employee_id))


def test_each_kind_changes_only_its_own_fields(company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        day = setup["today"]
        cases = [
            ("transfer", {}, "new_store_id"),
            ("transfer", {"new_store_id": setup["store1"]}, "new_store_id"),  # the same store
            ("transfer", {"new_store_id": setup["store2"], "new_level_id": setup["senior"]},
             "new_level_id"),
            ("promotion", {}, "new_position_id"),
            ("promotion", {"new_level_id": setup["junior"]}, "new_level_id"),  # unchanged
            ("demotion", {"new_level_id": setup["senior"]}, "new_level_id"),  # that goes up
            ("pay_change", {}, "new_pay_profile_id"),
            ("pay_change", {"new_monthly_base": "-5"}, "new_monthly_base"),
            ("pay_change", {"new_store_id": setup["store2"]}, "new_store_id"),
        ]
        for kind, values, field in cases:
            with pytest.raises(services.HrError) as error:
                changes.request_change(therapist, kind, day, "原因", **values)
            assert field in error.value.fields, (kind, values, error.value.fields)
        with pytest.raises(services.HrError) as error:
            changes.request_change(therapist, "transfer", None, "  ",
                                   new_store_id=setup["store2"])
        assert set(error.value.fields) == {"effective_on", "reason"}
        cashier = company_a.employees["cashier"]
        with pytest.raises(services.HrError) as error:
            changes.request_change(cashier, "promotion", day, "原因",
                                   new_level_id=setup["senior"])
        assert "只有技师" in error.value.fields["new_level_id"]
        assert db.session.scalars(select(EmployeeChange)).all() == []


def test_one_open_change_of_a_kind_at_a_time(company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        later = setup["today"] + timedelta(days=10)
        first = changes.request_change(therapist, "transfer", later, "二店缺人",
                                       new_store_id=setup["store2"])
        with pytest.raises(services.HrError) as error:
            changes.request_change(therapist, "transfer", later, "再调",
                                   new_store_id=setup["store2"])
        assert "kind" in error.value.fields
        # Another kind is fine; a cancelled one no longer blocks.
        changes.request_change(therapist, "pay_change", later, "调薪",
                               new_monthly_base="3300")
        changes.cancel_change(first)
        changes.request_change(therapist, "transfer", later, "再调",
                               new_store_id=setup["store2"])


def test_approved_with_todays_date_applies_at_once_and_the_login_follows(
        company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        account = company_a.accounts["therapist"]
        version = account.session_version
        hr = company_a.accounts["hr_staff"]
        manager = company_a.accounts["hr_manager"]
        change = changes.request_change(
            therapist, "promotion", setup["today"], "考核通过，升领班",
            new_position_id=position("foreman").id, actor=hr)
        assert change.status == "pending" and therapist.position_id == position("therapist").id
        assert changes.approve_change(change, actor=manager) is True
        assert change.status == "applied" and change.applied_at is not None
        assert change.approved_by_account_id == manager.id
        assert change.requested_by_account_id == hr.id
        assert therapist.position_id == position("foreman").id
        assert change.old_position_id == position("therapist").id
        # Only what the change sets is captured: this is not a level change.
        assert change.old_level_id is None and change.new_level_id is None
        assert change.old_store_id is None
        # The login takes the new post's role now; its open sessions must log in again.
        assert account.role == "foreman" and account.session_version > version
        assert account.store_ids == {setup["store1"]}
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        for action in ("employee.change_request", "employee.change_approve",
                       "employee.promotion", "account.role_change"):
            assert action in actions


def test_a_transfer_moves_the_store_login_and_a_level_change_is_recorded_for_payroll(
        company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        account = company_a.accounts["therapist"]
        day = setup["today"] - timedelta(days=3)  # back-dated: applies on approval
        transfer = changes.request_change(therapist, "transfer", day, "二店缺人",
                                          new_store_id=setup["store2"])
        changes.approve_change(transfer, actor=company_a.accounts["hr_manager"])
        assert therapist.store_id == setup["store2"] and account.store_ids == {setup["store2"]}
        assert (transfer.old_store_id, transfer.new_store_id) == (setup["store1"],
                                                                  setup["store2"])
        assert transfer.old_level_id is None and transfer.new_level_id is None

        promotion = changes.request_change(therapist, "promotion", day, "技能考核",
                                           new_level_id=setup["senior"])
        changes.approve_change(promotion, actor=company_a.accounts["hr_manager"])
        assert therapist.level_id == setup["senior"]
        assert (promotion.old_level_id, promotion.new_level_id) == (setup["junior"],
                                                                    setup["senior"])
        assert promotion.effective_on == day and promotion.status == "applied"
        assert promotion.old_position_id is None and promotion.new_position_id is None

        pay = changes.request_change(therapist, "pay_change", day, "年度调薪",
                                     new_pay_profile_id=setup["special"],
                                     new_monthly_base="4200.00")
        changes.approve_change(pay, actor=company_a.accounts["hr_manager"])
        assert therapist.pay_profile_id == setup["special"]
        assert therapist.monthly_base_override == Decimal("4200.00")
        assert pay.old_pay_profile_id is None and pay.old_monthly_base is None  # "as on file"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "salary.change"))
        assert entry.after["monthly_base_override"] == "4200.00"


def test_a_future_change_waits_and_the_daily_job_applies_it_once(
        company_a, company_b, in_tenant, setup):
    assert any(p.kind == "hr.apply_due_changes" and p.cron == "5 16 * * *" for p in PERIODIC)
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        today = setup["today"]
        later = changes.request_change(therapist, "promotion", today + timedelta(days=1),
                                       "下月升级", new_level_id=setup["senior"])
        assert changes.approve_change(later, actor=company_a.accounts["hr_manager"]) is False
        assert later.status == "approved" and therapist.level_id == setup["junior"]
        assert changes.apply_due_changes(today) == {"applied": 0, "cancelled": 0,
                                                    "today": today.isoformat()}
        # Approved yesterday for today: due now.
        due = changes.request_change(therapist, "transfer", today, "二店缺人",
                                     new_store_id=setup["store2"])
        changes.approve_change(due, actor=company_a.accounts["hr_manager"],
                               today=today - timedelta(days=1))
        assert due.status == "approved" and therapist.store_id == setup["store1"]
        db.session.commit()
        due_id, later_id = due.id, later.id

    assert run_periodic("hr.apply_due_changes") == {"tenants": 2}  # inline without Redis
    with in_tenant(company_a):
        due, later = db.session.get(EmployeeChange, due_id), db.session.get(EmployeeChange,
                                                                            later_id)
        assert due.status == "applied" and later.status == "approved"
        assert _employee(setup["therapist"]).store_id == setup["store2"]
        applied_at = due.applied_at
    assert run_periodic("hr.apply_due_changes") == {"tenants": 2}
    with in_tenant(company_a):
        assert db.session.get(EmployeeChange, due_id).applied_at == applied_at  # once
        audits = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "employee.transfer")).all()
        assert len(audits) == 1
        # Tomorrow's run applies the promotion.
        result = changes.apply_due_changes(setup["today"] + timedelta(days=1))
        assert result["applied"] == 1
        assert _employee(setup["therapist"]).level_id == setup["senior"]
    with cross_tenant_access("test: every company's job records"):
        records = db.session.scalars(select(JobRecord).where(
            JobRecord.kind == "hr.apply_due_changes")).all()
    assert len(records) == 4 and {r.status for r in records} == {"finished"}


def test_reject_and_cancel_keep_the_history(company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        day = setup["today"]
        rejected = changes.request_change(therapist, "pay_change", day, "申请加薪",
                                          new_monthly_base="5000")
        changes.reject_change(rejected, "预算不足", actor=company_a.accounts["hr_manager"])
        assert rejected.status == "rejected" and therapist.monthly_base_override is None
        with pytest.raises(services.HrError):
            changes.approve_change(rejected, actor=company_a.accounts["hr_manager"])
        applied = changes.request_change(therapist, "pay_change", day, "调薪",
                                         new_monthly_base="3200")
        changes.approve_change(applied, actor=company_a.accounts["hr_manager"])
        with pytest.raises(services.HrError):
            changes.cancel_change(applied)  # history: undo with a new change
        rows = changes.changes_of_employee(therapist.id)
        assert {row.change.status for row in rows} == {"rejected", "applied"}
        assert rows[0].approved_by or rows[1].approved_by


def test_only_the_hr_manager_approves_in_the_browser(client, auth, company_a, in_tenant, setup):
    auth.login_as(company_a, "hr_staff")
    employee_id = setup["therapist"]
    bad = client.post(f"/hr/employees/{employee_id}/changes", data={
        "kind": "transfer", "effective_on": setup["today"].isoformat(), "reason": "调店",
        "new_store_id": "", "new_position_id": "", "new_level_id": "",
        "new_pay_profile_id": "", "new_monthly_base": ""})
    assert bad.status_code == 422
    assert 'data-field-error="new_store_id"' in bad.get_data(as_text=True)
    response = client.post(f"/hr/employees/{employee_id}/changes", data={
        "kind": "transfer", "effective_on": setup["today"].isoformat(), "reason": "二店缺人",
        "new_store_id": str(setup["store2"]), "new_position_id": "", "new_level_id": "",
        "new_pay_profile_id": "", "new_monthly_base": ""})
    assert response.status_code == 302
    with in_tenant(company_a):
        change_id = db.session.scalar(select(EmployeeChange.id))
    assert client.post(f"/hr/changes/{change_id}/approve").status_code == 403
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert "待审批" in page and "二店缺人" in page
    auth.logout()

    auth.login_as(company_a, "hr_manager")
    assert "二店缺人" in client.get("/hr/changes").get_data(as_text=True)
    response = client.post(f"/hr/changes/{change_id}/approve")
    assert response.status_code == 302
    with in_tenant(company_a):
        change = db.session.get(EmployeeChange, change_id)
        assert change.status == "applied"
        assert _employee(employee_id).store_id == setup["store2"]
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    history = page.split('data-testid="changes"', 1)[1].split("</table>", 1)[0]
    assert "已生效" in history and "调店" in history
    # Requested by the HR staff, approved by the HR manager: both named.
    assert company_a.accounts["hr_staff"].display_name in history
    assert company_a.accounts["hr_manager"].display_name in history


def test_changes_over_the_api(client, api_token, company_a, company_b, in_tenant, setup):
    staff, manager = api_token(company_a, "hr_staff"), api_token(company_a, "hr_manager")
    employee_id = setup["therapist"]
    bad = client.post(f"/api/v1/employees/{employee_id}/changes", headers=staff, json={
        "kind": "promotion", "effective_on": setup["today"].isoformat(), "reason": "x",
        "new_store_id": setup["store2"]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"new_store_id", "new_position_id"}
    created = client.post(f"/api/v1/employees/{employee_id}/changes", headers=staff, json={
        "kind": "promotion", "effective_on": setup["today"].isoformat(), "reason": "考核通过",
        "new_level_id": setup["senior"]})
    assert created.status_code == 201, created.get_json()
    change_id = created.get_json()["id"]
    assert client.post(f"/api/v1/employees/changes/{change_id}/approve",
                       headers=staff).status_code == 403
    approved = client.post(f"/api/v1/employees/changes/{change_id}/approve", headers=manager)
    body = approved.get_json()
    assert approved.status_code == 200 and body["status"] == "applied"
    assert (body["old_level_id"], body["new_level_id"]) == (setup["junior"], setup["senior"])
    history = client.get(f"/api/v1/employees/{employee_id}/changes", headers=staff)
    assert [c["id"] for c in history.get_json()] == [change_id]
    assert client.get(f"/api/v1/employees/{employee_id}", headers=staff).get_json()[
        "level_id"] == setup["senior"]
    again = client.post(f"/api/v1/employees/changes/{change_id}/cancel", headers=staff)
    assert again.status_code == 422 and "change" in again.get_json()["error"]["fields"]
    outsider = api_token(company_b, "owner")
    assert client.post(f"/api/v1/employees/changes/{change_id}/reject", headers=outsider,
                       json={}).status_code == 404


def test_a_due_change_of_someone_who_left_is_cancelled_not_applied(company_a, in_tenant, setup):
    with in_tenant(company_a):
        therapist = _employee(setup["therapist"])
        tomorrow = setup["today"] + timedelta(days=1)
        change = changes.request_change(therapist, "transfer", tomorrow, "二店缺人",
                                        new_store_id=setup["store2"])
        changes.approve_change(change, actor=company_a.accounts["hr_manager"])
        therapist.status = "left"
        result = changes.apply_due_changes(tomorrow)
        assert result["applied"] == 0 and result["cancelled"] == 1
        assert change.status == "cancelled" and therapist.store_id == setup["store1"]
