"""Issue 9 §4: who reads which part of an employee file, the same on pages and API,
and every full ID-card or bank number shown is an audit entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr import visibility
from app.blueprints.hr.models import EmployeeChange
from app.extensions import db
from app.models import AuditEntry
from app.permissions import ROLES
from tests.hr.helpers import add_employee
from tests.hr.test_file import BANK, ID

PHONE = "13911112468"
EMERGENCY = "紧急联系人李四"
ROSTER_KEYS = set(visibility.FIELD_GROUPS[visibility.ROSTER])
PERSONAL_KEYS = set(visibility.FIELD_GROUPS[visibility.PERSONAL])
PAY_KEYS = set(visibility.FIELD_GROUPS[visibility.PAY])

# The rule, written from the job descriptions (PRODUCT.md), not read back from the code.
EXPECTED_GROUPS = {
    "owner": {"roster", "personal", "pay", "full"},
    "general_manager": {"roster", "personal", "pay"},
    "hr_manager": {"roster", "personal", "pay", "full"},
    "hr_staff": {"roster", "personal", "pay", "full"},
    "store_manager": {"roster", "personal"},
    "service_manager": {"roster"},
    "technical_director": {"roster"},
    "logistics_head": {"roster"},
    "technical_supervisor": {"roster"},
    "trainee_supervisor": {"roster"},
    "supervisor": {"roster"},
    "foreman": {"roster"},
}
TECHNICAL_SIDE = ("service_manager", "technical_director", "logistics_head")


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_reads_the_groups_its_work_needs(role):
    class Viewer:
        def can(self, permission):
            return permission in ROLES[role].permissions

    assert visibility.field_groups(Viewer()) == EXPECTED_GROUPS.get(role, set())


def _filed(company, in_tenant) -> int:
    with in_tenant(company):
        employee = add_employee(
            "V100", store=company.stores[0], phone=PHONE, birth_date=date(1990, 3, 7),
            emergency_contact=EMERGENCY, emergency_phone="13800002468", id_card_no=ID,
            bank_name="农业银行", bank_account_no=BANK, monthly_base_override=Decimal("8888.00"),
            health_cert_no="JKZ-778899")
        db.session.add(EmployeeChange(employee_id=employee.id, kind="pay_change",
                                      effective_on=date(2025, 6, 1), reason="调薪",
                                      new_monthly_base=Decimal("9999.00")))
        db.session.commit()
        return employee.id


@pytest.mark.parametrize("role", TECHNICAL_SIDE)
def test_the_technical_side_reads_a_roster_without_contact_or_pay(
        client, auth, api_token, company_a, in_tenant, role):
    employee_id = _filed(company_a, in_tenant)
    auth.login_as(company_a, role)
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert "员工V100" in page  # the roster
    for private in (PHONE, "1990-03-07", EMERGENCY, "JKZ-778899", ID[-4:], BANK[-4:],
                    "8888", "9999", 'data-testid="pay"'):
        assert private not in page, private
    listing = client.get("/hr/employees").get_data(as_text=True)
    assert "员工V100" in listing and PHONE not in listing
    # The phone's digits are no search key for them (no oracle on the number).
    assert "员工V100" not in client.get("/hr/employees?q=2468").get_data(as_text=True)

    headers = api_token(company_a, role)
    one = client.get(f"/api/v1/employees/{employee_id}", headers=headers).get_json()
    assert set(one) == ROSTER_KEYS
    items = client.get("/api/v1/employees?page_size=200", headers=headers).get_json()["items"]
    assert items and all(set(item) == ROSTER_KEYS for item in items)
    assert client.get("/api/v1/employees?q=2468", headers=headers).get_json()["items"] == []
    history = client.get(f"/api/v1/employees/{employee_id}/changes", headers=headers).get_json()
    assert history and all("new_monthly_base" not in row and "old_monthly_base" not in row
                           for row in history)


def test_a_store_manager_reads_their_staffs_contacts_but_not_pay(
        client, auth, api_token, company_a, in_tenant):
    employee_id = _filed(company_a, in_tenant)
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert PHONE in page and EMERGENCY in page
    assert "8888" not in page and "9999" not in page and BANK[-4:] not in page
    headers = api_token(company_a, "store_manager")
    one = client.get(f"/api/v1/employees/{employee_id}", headers=headers).get_json()
    assert set(one) == ROSTER_KEYS | PERSONAL_KEYS and one["phone"] == PHONE


def test_hr_reads_the_whole_file_with_numbers_masked(client, api_token, company_a, in_tenant):
    employee_id = _filed(company_a, in_tenant)
    headers = api_token(company_a, "hr_manager")
    one = client.get(f"/api/v1/employees/{employee_id}", headers=headers).get_json()
    assert set(one) == ROSTER_KEYS | PERSONAL_KEYS | PAY_KEYS
    assert one["monthly_base_override"] == "8888.00" and ID not in str(one)
    history = client.get(f"/api/v1/employees/{employee_id}/changes", headers=headers).get_json()
    assert history[0]["new_monthly_base"] == "9999.00"


def _reveals(company, in_tenant) -> list[AuditEntry]:
    with in_tenant(company):
        return list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == visibility.REVEAL_ACTION).order_by(AuditEntry.id)))


def test_every_full_number_shown_is_audited_on_page_and_api(
        client, auth, api_token, company_a, in_tenant):
    employee_id = _filed(company_a, in_tenant)
    auth.login_as(company_a, "hr_manager")
    assert ID not in client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert _reveals(company_a, in_tenant) == []  # opening the file shows no full number
    shown = client.post(f"/hr/employees/{employee_id}/reveal", data={"field": "bank_account_no"})
    assert BANK in shown.get_data(as_text=True)
    assert client.post(f"/hr/employees/{employee_id}/reveal",
                       data={"field": "name"}).status_code == 400

    headers = api_token(company_a, "hr_staff")
    response = client.post(f"/api/v1/employees/{employee_id}/sensitive", headers=headers,
                           json={"field": "id_card_no"})
    assert response.status_code == 200 and response.get_json()["value"] == ID
    bad = client.post(f"/api/v1/employees/{employee_id}/sensitive", headers=headers,
                      json={"field": "phone"})
    assert bad.status_code == 422 and "field" in bad.get_json()["error"]["fields"]

    entries = _reveals(company_a, in_tenant)
    assert [(e.object_id, e.after["field"]) for e in entries] == [
        (str(employee_id), "bank_account_no"), (str(employee_id), "id_card_no")]
    assert all(ID not in repr(e.after) and BANK not in repr(e.after) for e in entries)

    for role in ("general_manager", "store_manager", "technical_director"):
        headers = api_token(company_a, role)
        assert client.post(f"/api/v1/employees/{employee_id}/sensitive", headers=headers,
                           json={"field": "id_card_no"}).status_code == 403
    assert len(_reveals(company_a, in_tenant)) == 2
