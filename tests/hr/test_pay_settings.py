"""薪资设置 (payroll.settings): therapist levels, pay profiles, the payroll policy —
validated (PayrollPolicy.from_settings), audited, deactivated rather than deleted."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr import pay_settings, services
from app.blueprints.hr.forms import PayrollPolicyForm
from app.blueprints.hr.payroll.rules import PayrollPolicy
from app.extensions import db
from app.models import AuditEntry, PayProfile, Tenant, TherapistLevel
from tests.hr.helpers import add_employee, position

# Also on SQLite: the tenant's policies in a JSON column.
pytestmark = pytest.mark.both_backends


def test_levels_validation_update_and_deactivation(company_a, in_tenant):
    with in_tenant(company_a):
        level = pay_settings.create_level(name="金牌", commission_multiplier="1.3", rank="3")
        assert (level.commission_multiplier, level.rank, level.is_active) == (
            Decimal("1.300"), 3, True)
        with pytest.raises(services.HrError) as error:
            pay_settings.create_level(name="金牌", commission_multiplier="0", rank="x")
        assert set(error.value.fields) == {"name", "commission_multiplier", "rank"}
        with pytest.raises(services.HrError) as error:
            pay_settings.create_level(name="钻石", commission_multiplier="1.2345", rank=4)
        assert list(error.value.fields) == ["commission_multiplier"]
        therapist = add_employee("P1", store=company_a.store, level_id=level.id)
        pay_settings.update_level(level, is_active=False)
        assert level.is_active is False and therapist.level_id == level.id  # kept on them
        assert pay_settings.levels(include_inactive=False) == []
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "pay.level_update"))
        assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
        # Not offered for anyone new.
        candidate = add_employee("P2", store=company_a.store, status="candidate")
        with pytest.raises(services.HrError) as error:
            services.update_employee(candidate, level_id=level.id)
        assert "level_id" in error.value.fields


def test_profiles_validation(company_a, in_tenant):
    with in_tenant(company_a):
        profile = pay_settings.create_profile(
            name="技师标准", position_id=position("therapist").id, monthly_base="3000",
            overtime_eligible=False, commission=True, card_sale_rate="0.05",
            meal_allowance_per_day="15", full_attendance_bonus="200")
        assert profile.monthly_base == Decimal("3000.00")
        assert profile.card_sale_rate == Decimal("0.0500") and profile.commission is True
        with pytest.raises(services.HrError) as error:
            pay_settings.create_profile(
                name="技师标准", position_id=999999, monthly_base="-1",
                card_sale_rate="1.5", meal_allowance_per_day="abc",
                full_attendance_bonus="1.005")
        assert set(error.value.fields) == {"name", "position_id", "monthly_base",
                                           "card_sale_rate", "meal_allowance_per_day",
                                           "full_attendance_bonus"}
        pay_settings.update_profile(profile, monthly_base="3200.00")
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "pay.profile_update"))
        assert entry.before == {"monthly_base": "3000.00"}
        assert entry.after == {"monthly_base": "3200.00"}


def test_policy_form_has_every_key_of_payroll_policy():
    assert set(pay_settings.POLICY_KEYS) == {f.name for f in fields(PayrollPolicy)}
    assert set(pay_settings.POLICY_KEYS) <= set(PayrollPolicyForm.__dict__)
    assert set(pay_settings.POLICY_LABELS) == set(pay_settings.POLICY_KEYS)


def test_policy_is_validated_stored_and_audited(company_a, in_tenant):
    with in_tenant(company_a):
        defaults = {key: "" for key in pay_settings.POLICY_KEYS}
        with pytest.raises(services.HrError) as error:
            pay_settings.save_policy({**defaults, "pay_days_per_month": "40",
                                      "pension_rate": "8", "late_grace_minutes": "2.5",
                                      "late_deduction": "-1", "hours_per_day": "abc"})
        assert set(error.value.fields) == {"pay_days_per_month", "pension_rate",
                                           "late_grace_minutes", "late_deduction",
                                           "hours_per_day"}
        assert "31" in error.value.fields["pay_days_per_month"]
        with pytest.raises(services.HrError) as error:
            pay_settings.save_policy({**defaults, "si_base_min": "5000", "si_base_max": "4000"})
        assert list(error.value.fields) == ["si_base_max"]
        with pytest.raises(services.HrError) as error:
            pay_settings.save_policy({**defaults, "late_grace_minutes": "30",
                                      "late_half_day_minutes": "20"})
        assert list(error.value.fields) == ["late_half_day_minutes"]
        with pytest.raises(services.HrError):
            pay_settings.save_policy({"bonus_rate": "1"})
        assert pay_settings.stored_policy() == {}

        policy = pay_settings.save_policy({**defaults, "pay_days_per_month": "21.75",
                                           "late_deduction": "30", "si_base_min": "4000"})
        assert policy.late_deduction == Decimal("30") and policy.si_base_max is None
        tenant = db.session.get(Tenant, company_a.tenant_id)
        stored = tenant.policies["payroll"]
        assert stored["late_deduction"] == "30" and stored["si_base_min"] == "4000"
        assert "si_base_max" not in stored and stored["late_grace_minutes"] == 5
        assert PayrollPolicy.from_settings(stored) == policy  # what payroll will read
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "payroll.policy_update"))
        assert entry.after["late_deduction"] == "30"


def test_pay_pages_for_payroll_settings_holders_only(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "hr_staff")  # no payroll.settings
    assert client.get("/hr/pay").status_code == 403
    auth.logout()
    auth.login_as(company_a, "finance_manager")  # payroll.settings without the HR pages
    assert client.get("/hr/pay").status_code == 200
    response = client.post("/hr/pay/levels/new", data={
        "name": "高级", "commission_multiplier": "1.2", "rank": "2", "is_active": "1"})
    assert response.status_code == 302
    bad = client.post("/hr/pay/levels/new", data={
        "name": "高级", "commission_multiplier": "x", "rank": "2", "is_active": "1"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'data-field-error="name"' in page and 'data-field-error="commission_multiplier"' in page
    with in_tenant(company_a):
        level_id = db.session.scalar(select(TherapistLevel.id))
        therapist_position = position("therapist").id
    response = client.post(f"/hr/pay/levels/{level_id}/edit", data={
        "name": "高级", "commission_multiplier": "1.25", "rank": "2", "is_active": ""})
    assert response.status_code == 302
    response = client.post("/hr/pay/profiles/new", data={
        "name": "技师标准", "position_id": str(therapist_position), "monthly_base": "3000",
        "overtime_eligible": "", "commission": "1", "card_sale_rate": "0.05",
        "meal_allowance_per_day": "15", "full_attendance_bonus": "200", "is_active": "1"})
    assert response.status_code == 302
    with in_tenant(company_a):
        level = db.session.get(TherapistLevel, level_id)
        assert (level.commission_multiplier, level.is_active) == (Decimal("1.250"), False)
        profile = db.session.scalar(select(PayProfile))
        assert profile.commission is True and profile.overtime_eligible is False
    page = client.get("/hr/pay").get_data(as_text=True)
    assert "技师标准" in page and "×1.250" in page

    form = client.get("/hr/pay/policy").get_data(as_text=True)
    assert 'value="21.75"' in form
    data = {key: "" for key in pay_settings.POLICY_KEYS}
    bad = client.post("/hr/pay/policy", data={**data, "sick_pay_ratio": "1.2"})
    assert bad.status_code == 422
    assert 'data-field-error="sick_pay_ratio"' in bad.get_data(as_text=True)
    ok = client.post("/hr/pay/policy", data={**data, "sick_pay_ratio": "0.6"})
    assert ok.status_code == 302
    with in_tenant(company_a):
        tenant = db.session.get(Tenant, company_a.tenant_id)
        assert tenant.policies["payroll"]["sick_pay_ratio"] == "0.6"
