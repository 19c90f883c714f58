"""Issue 10 §1: what the /hr/pay pages set up, the API sets up too — therapist levels,
pay profiles, the payroll policy — plus the positions list and the tax opening
balances in force; same permission, same rules, same audit, another tenant's 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.hr import pay_settings
from app.extensions import db
from app.models import AuditEntry, PayProfile, Tenant, TherapistLevel
from tests.hr.helpers import position


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_positions_are_listed_for_post_employees(client, api_token, company_a, in_tenant):
    headers = api_token(company_a, "hr_manager")
    body = client.get("/api/v1/positions", headers=headers).get_json()
    with in_tenant(company_a):
        therapist_id = position("therapist").id
        finance_id = position("finance_manager").id
    by_id = {p["id"]: p for p in body}
    assert by_id[therapist_id]["role"] == "therapist" and by_id[therapist_id]["works_in_store"]
    assert by_id[therapist_id]["name"] and by_id[therapist_id]["role_label"]
    assert by_id[finance_id]["works_in_store"] is False
    assert by_id[finance_id]["department"]["name"]
    # A new integrator takes an id from the list to create an employee.
    created = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "N1", "name": "新技师", "position_id": therapist_id,
        "store_id": company_a.stores[0].id, "hire_date": "2026-01-05"})
    assert created.status_code == 201, created.get_json()
    assert client.get("/api/v1/positions",
                      headers=api_token(company_a, "therapist")).status_code == 403


def test_therapist_levels_create_change_and_refuse(client, api_token, company_a, company_b,
                                                   in_tenant):
    hr = api_token(company_a, "hr_manager")
    assert client.get("/api/v1/therapist-levels",
                      headers=api_token(company_a, "store_manager")).status_code == 403
    assert client.post("/api/v1/therapist-levels", headers=api_token(company_a, "hr_staff"),
                       json={"name": "金牌", "commission_multiplier": "1.3"}).status_code == 403

    created = client.post("/api/v1/therapist-levels", headers=hr,
                          json={"name": "金牌", "commission_multiplier": "1.3", "rank": 3})
    assert created.status_code == 201, created.get_json()
    level = created.get_json()
    assert (level["name"], level["commission_multiplier"], level["rank"], level["is_active"]) \
        == ("金牌", "1.300", 3, True)

    bad = client.post("/api/v1/therapist-levels", headers=hr,
                      json={"name": "金牌", "commission_multiplier": "0"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"name", "commission_multiplier"}
    with in_tenant(company_a):
        assert _count(TherapistLevel) == 1

    url = f"/api/v1/therapist-levels/{level['id']}"
    refused = client.patch(url, headers=hr, json={"commission_multiplier": "1.2345"})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["commission_multiplier"]
    with in_tenant(company_a):
        assert db.session.get(TherapistLevel, level["id"]).commission_multiplier == Decimal("1.3")
    changed = client.patch(url, headers=hr, json={"commission_multiplier": "1.5",
                                                  "is_active": False})
    assert changed.status_code == 200
    assert (changed.get_json()["commission_multiplier"], changed.get_json()["is_active"]) == (
        "1.500", False)
    listed = client.get("/api/v1/therapist-levels", headers=hr).get_json()
    assert [row["id"] for row in listed] == [level["id"]]
    with in_tenant(company_a):
        assert db.session.get(TherapistLevel, level["id"]).commission_multiplier == Decimal("1.5")
        entry = _audits("pay.level_update")[-1]
        assert entry.before == {"commission_multiplier": "1.300", "is_active": True}
        assert len(_audits("pay.level_create")) == 1

    other = client.patch(url, headers=api_token(company_b, "hr_manager"), json={"rank": 1})
    assert other.status_code == 404


def test_pay_profiles_create_change_and_refuse(client, api_token, company_a, company_b,
                                               in_tenant):
    finance = api_token(company_a, "finance_manager")
    with in_tenant(company_a):
        therapist_position = position("therapist").id
        before = _count(PayProfile)
    assert client.post("/api/v1/pay-profiles", headers=api_token(company_a, "hr_staff"),
                       json={"name": "技师方案", "monthly_base": "2000.00"}).status_code == 403

    bad = client.post("/api/v1/pay-profiles", headers=finance, json={
        "name": "技师方案", "monthly_base": "2000.001", "card_sale_rate": "1.5"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"monthly_base", "card_sale_rate"}
    with in_tenant(company_a):
        assert _count(PayProfile) == before

    created = client.post("/api/v1/pay-profiles", headers=finance, json={
        "name": "技师方案", "position_id": therapist_position, "monthly_base": "2000.00",
        "commission": True, "card_sale_rate": "0.05", "meal_allowance_per_day": "15.00"})
    assert created.status_code == 201, created.get_json()
    profile = created.get_json()
    assert (profile["monthly_base"], profile["card_sale_rate"], profile["commission"],
            profile["overtime_eligible"], profile["full_attendance_bonus"]) == (
        "2000.00", "0.0500", True, True, "0.00")

    url = f"/api/v1/pay-profiles/{profile['id']}"
    refused = client.patch(url, headers=finance, json={"position_id": 999999})
    assert refused.status_code == 422 and "position_id" in refused.get_json()["error"]["fields"]
    changed = client.patch(url, headers=finance, json={"monthly_base": "2300.00"})
    assert changed.status_code == 200 and changed.get_json()["monthly_base"] == "2300.00"
    assert changed.get_json()["commission"] is True  # what was not sent stays
    assert any(row["id"] == profile["id"]
               for row in client.get("/api/v1/pay-profiles", headers=finance).get_json())
    with in_tenant(company_a):
        entry = _audits("pay.profile_update")[-1]
        assert entry.before == {"monthly_base": "2000.00"}
    assert client.patch(url, headers=api_token(company_b, "finance_manager"),
                        json={"monthly_base": "1.00"}).status_code == 404


# The policy lives in a JSON column: both dialects.
@pytest.mark.both_backends
def test_the_payroll_policy_reads_every_key_and_writes_like_the_page(client, api_token,
                                                                     company_a, in_tenant):
    hr = api_token(company_a, "hr_manager")
    assert client.get("/api/v1/payroll/policy",
                      headers=api_token(company_a, "hr_staff")).status_code == 403
    policy = client.get("/api/v1/payroll/policy", headers=hr).get_json()
    assert set(policy) == set(pay_settings.POLICY_KEYS)
    assert policy["pay_days_per_month"] == "21.75" and policy["late_grace_minutes"] == 5
    assert policy["si_base_min"] is None

    bad = client.put("/api/v1/payroll/policy", headers=hr,
                     json={"late_deduction": "30.00", "pension_rate": "1.5"})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["pension_rate"]
    unknown = client.put("/api/v1/payroll/policy", headers=hr, json={"bonus_rate": "1"})
    assert unknown.status_code == 422 and "bonus_rate" in unknown.get_json()["error"]["fields"]
    crossed = client.put("/api/v1/payroll/policy", headers=hr,
                         json={"si_base_min": "5000.00", "si_base_max": "4000.00"})
    assert crossed.status_code == 422 and "si_base_max" in crossed.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert pay_settings.stored_policy() == {}

    saved = client.put("/api/v1/payroll/policy", headers=hr,
                       json={"late_deduction": "30.00", "si_base_min": "4000.00"})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["late_deduction"] == "30.00"
    assert saved.get_json()["si_base_min"] == "4000.00"
    # A key left out keeps its value; null puts back the default (no bound).
    again = client.put("/api/v1/payroll/policy", headers=hr, json={"si_base_min": None})
    assert again.get_json()["late_deduction"] == "30.00" and again.get_json()["si_base_min"] is None
    with in_tenant(company_a):
        assert pay_settings.current_policy().late_deduction == Decimal("30.00")
        entries = _audits("payroll.policy_update")
        # The first save stores every key (as the page's does); the second only the change.
        assert len(entries) == 2 and entries[0].after["late_deduction"] == "30.00"
        assert entries[1].before == {"si_base_min": "4000.00"}
        assert entries[1].after == {"si_base_min": None}
        tenant = db.session.get(Tenant, company_a.tenant_id)
        assert tenant.policies["payroll"]["late_deduction"] == "30.00"


def test_tax_opening_balances_are_readable_with_the_pay_group(client, api_token, company_a,
                                                              company_b, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        pay_settings.set_opening_balance(therapist, 2025, "9000.00", "90.00")
        pay_settings.set_opening_balance(therapist, 2026, "17000.00", "210.00")
        db.session.commit()
        therapist_id = therapist.id
    url = f"/api/v1/employees/{therapist_id}/tax-opening-balances"
    body = client.get(url, headers=api_token(company_a, "finance_staff")).get_json()
    assert body == [{"year": 2026, "cumulative_taxable": "17000.00", "cumulative_tax": "210.00"},
                    {"year": 2025, "cumulative_taxable": "9000.00", "cumulative_tax": "90.00"}]
    # Who reads the roster but not pay (the store manager) does not see them, as on the page.
    assert client.get(url, headers=api_token(company_a, "store_manager")).status_code == 403
    assert client.get(url, headers=api_token(company_b, "hr_manager")).status_code == 404
    # Set through a request that someone else approves (tax-opening-requests).
    filed = client.post(f"/api/v1/employees/{therapist_id}/tax-opening-requests",
                        headers=api_token(company_a, "finance_manager"),
                        json={"year": 2026, "cumulative_taxable": "18000.00",
                              "cumulative_tax": "220.00"}).get_json()
    decided = client.post(f"/api/v1/approvals/tax_opening/{filed['id']}/decision",
                          headers=api_token(company_a, "hr_manager"), json={"verdict": "approved"})
    assert decided.status_code == 200
    assert client.get(url, headers=api_token(company_a, "hr_manager")).get_json()[0] == {
        "year": 2026, "cumulative_taxable": "18000.00", "cumulative_tax": "220.00"}


def test_tax_opening_requests_have_approve_and_reject_like_the_page(client, api_token, company_a,
                                                                    company_b, in_tenant):
    with in_tenant(company_a):
        therapist_id = company_a.employees["therapist"].id
    finance, hr_manager = api_token(company_a, "finance_manager"), api_token(company_a,
                                                                             "hr_manager")
    filed = client.post(f"/api/v1/employees/{therapist_id}/tax-opening-requests",
                        headers=hr_manager, json={"year": 2026, "cumulative_taxable": "500.00",
                                                  "cumulative_tax": "5.00"}).get_json()
    approve = f"/api/v1/employees/tax-opening-requests/{filed['id']}/approve"
    assert client.post(approve, headers=finance).status_code == 403
    assert client.post(approve, headers=api_token(company_b, "hr_manager")).status_code == 404
    own = client.post(approve, headers=hr_manager)  # filed it: may not decide it
    assert own.status_code == 422
    url = f"/api/v1/employees/{therapist_id}/tax-opening-balances"
    assert client.get(url, headers=hr_manager).get_json() == []
    done = client.post(approve, headers=api_token(company_a, "owner"), json={"note": "核对无误"})
    assert done.status_code == 200 and done.get_json()["status"] == "approved"
    assert client.get(url, headers=hr_manager).get_json()[0]["cumulative_taxable"] == "500.00"

    second = client.post(f"/api/v1/employees/{therapist_id}/tax-opening-requests",
                         headers=finance, json={"year": 2026, "cumulative_taxable": "900.00",
                                                "cumulative_tax": "9.00"}).get_json()
    rejected = client.post(f"/api/v1/employees/tax-opening-requests/{second['id']}/reject",
                           headers=hr_manager, json={"note": "数字不对"})
    assert rejected.status_code == 200 and rejected.get_json()["decision_note"] == "数字不对"
    assert client.get(url, headers=hr_manager).get_json()[0]["cumulative_taxable"] == "500.00"


def test_hr_staff_read_the_levels_and_profiles_they_hire_with(client, api_token, company_a,
                                                              in_tenant):
    """The employee form lists levels and pay profiles to HR staff, who hire but do not
    edit pay settings: the API lets them read both lists, and change neither."""
    hr = api_token(company_a, "hr_manager")
    level = client.post("/api/v1/therapist-levels", headers=hr,
                        json={"name": "银牌", "commission_multiplier": "1.1", "rank": 2})
    profile = client.post("/api/v1/pay-profiles", headers=hr,
                          json={"name": "前台方案", "monthly_base": "3500.00"})
    assert (level.status_code, profile.status_code) == (201, 201)
    staff = api_token(company_a, "hr_staff")
    levels = client.get("/api/v1/therapist-levels", headers=staff)
    profiles = client.get("/api/v1/pay-profiles", headers=staff)
    assert level.get_json()["id"] in [row["id"] for row in levels.get_json()]
    assert profile.get_json()["id"] in [row["id"] for row in profiles.get_json()]
    assert client.patch(f"/api/v1/pay-profiles/{profile.get_json()['id']}", headers=staff,
                        json={"monthly_base": "9999.00"}).status_code == 403
