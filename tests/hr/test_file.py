"""The complete employee file: checks of its numbers, encryption at rest, masking
everywhere but HR's detail view, no plain ID number in audit or logs, the fields
that only change through 人事变动, health-certificate warnings, tax opening balances."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.blueprints.hr import employees, pay_settings, services, validators
from app.blueprints.hr.models import TaxOpeningBalance, TaxOpeningRequest
from app.crypto import decrypt
from app.extensions import db
from app.models import AuditEntry, Employee, PayProfile, TherapistLevel
from tests.hr.helpers import add_employee, position


def id_number(first17: str = "44010619900307123") -> str:
    """A valid 18-character ID number (the check character computed by the rule)."""
    return first17 + validators.id_card_check_char(first17)


ID = id_number()  # born 1990-03-07


def _wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")
BANK = "6222020200112233445"


# --------------------------------------------------------------------------- the checks


def test_id_card_check_character_follows_gb_11643():
    # The standard's own example (GB 11643-1999, appendix): 11010519491231002X.
    assert validators.id_card_check_char("11010519491231002") == "X"
    assert validators.clean_id_card("11010519491231002x") == "11010519491231002X"
    assert validators.clean_id_card(" 110105 19491231 002X ") == "11010519491231002X"
    assert validators.clean_id_card("") == ""


@pytest.mark.parametrize("bad, message", [
    ("11010519491231002", "18"),  # 17 characters
    ("110105194912310021", "校验位"),  # wrong check digit
    ("11010519491231002Y", "数字"),
    ("1101051949123A002X", "数字"),
    ("110105" + "19491331" + "002", "出生日期"),  # month 13, completed below
])
def test_bad_id_numbers_are_refused_with_a_reason(bad, message):
    if len(bad) == 17 and "1331" in bad:
        bad = bad + validators.id_card_check_char(bad)
    with pytest.raises(ValueError) as error:
        validators.clean_id_card(bad)
    assert message in str(error.value)
    assert bad not in str(error.value)  # the message never repeats the number


def test_bank_account_and_phone_formats():
    assert validators.clean_bank_account("6222 0202 0011 2233 445") == BANK
    assert validators.clean_bank_account("622202020011") == "622202020011"  # 12 digits
    for bad in ("62220202001", "62220202001122334455", "6222abc20011"):
        with pytest.raises(ValueError):
            validators.clean_bank_account(bad)
    assert validators.clean_phone("+86 139-1234-5678") == "13912345678"
    assert validators.clean_phone("020-87654321") == "02087654321"
    for bad in ("12345", "1391234567", "23912345678", "phone"):
        with pytest.raises(ValueError):
            validators.clean_phone(bad)


def test_file_field_errors_name_each_field(company_a, in_tenant):
    with in_tenant(company_a):
        with pytest.raises(services.HrError) as error:
            services.create_employee(
                employee_no="F1", name="档案", position_id=position("therapist").id,
                store_id=company_a.store.id, phone="12345", id_card_no=_wrong_check(ID),
                bank_account_no="123",
                emergency_phone="abc", si_base="-1", monthly_special_deduction="1.234",
                health_cert_expires_on="2026-13-01")
        assert set(error.value.fields) == {
            "phone", "id_card_no", "bank_account_no", "emergency_phone", "si_base",
            "monthly_special_deduction", "health_cert_expires_on"}
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="F1", name="档案",
                                     position_id=position("therapist").id,
                                     store_id=company_a.store.id, bank_account_no=BANK)
        assert set(error.value.fields) == {"bank_name"}
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="F1", name="档案",
                                     position_id=position("therapist").id,
                                     store_id=company_a.store.id, id_card_no=ID,
                                     birth_date=date(1991, 3, 7))
        assert "身份证" in error.value.fields["birth_date"]
        young = id_number("44010620150307123")
        with pytest.raises(services.HrError) as error:
            services.create_employee(employee_no="F1", name="童工",
                                     position_id=position("therapist").id,
                                     store_id=company_a.store.id, id_card_no=young,
                                     hire_date=date(2026, 3, 1))
        assert "16" in error.value.fields["birth_date"]


def test_the_birth_date_follows_the_id_card(company_a, in_tenant):
    with in_tenant(company_a):
        employee = services.create_employee(
            employee_no="F2", name="小芳", position_id=position("therapist").id,
            store_id=company_a.store.id, id_card_no=ID.lower(), bank_name="工商银行",
            bank_account_no="6222 0202 0011 2233 445", phone="139 1234 5678",
            si_base=Decimal("4000"), monthly_special_deduction="1000.00")
        assert employee.birth_date == date(1990, 3, 7)
        assert employee.id_card_no == ID and employee.bank_account_no == BANK
        assert employee.phone == "13912345678"
        assert employee.si_base == Decimal("4000.00")


# --------------------------------------------------------------------------- at rest


def test_sensitive_numbers_are_encrypted_at_rest(company_a, in_tenant):
    with in_tenant(company_a):
        employee = services.create_employee(
            employee_no="F3", name="加密", position_id=position("therapist").id,
            store_id=company_a.store.id, id_card_no=ID, bank_name="建设银行",
            bank_account_no=BANK)
        db.session.commit()
        raw_id, raw_bank = db.session.execute(
            text("SELECT id_card_no, bank_account_no FROM employees WHERE id = :id"),
            {"id": employee.id}).one()
    assert ID not in raw_id and BANK not in raw_bank
    assert ID[-6:] not in raw_id  # not even a tail in clear
    assert decrypt(raw_id) == ID and decrypt(raw_bank) == BANK
    with in_tenant(company_a):
        db.session.expire_all()
        again = db.session.scalar(select(Employee).where(Employee.id == employee.id))
        assert again.id_card_no == ID and again.id_card_masked == ID[:3] + "*" * 11 + ID[-4:]
        assert again.bank_account_masked.endswith(BANK[-4:]) and BANK not in \
            again.bank_account_masked


def _filed_therapist(company, in_tenant, **more) -> int:
    with in_tenant(company):
        employee = add_employee("F100", store=company.store, id_card_no=ID, bank_name="农业银行",
                                bank_account_no=BANK, **more)
        db.session.commit()
        return employee.id


def test_hr_detail_masks_numbers_until_shown_in_full_store_manager_sees_them_masked(
        client, auth, company_a, in_tenant):
    """Issue 9 §4: the full numbers are no longer on HR's page by default (this test
    used to assert they were); "显示完整" shows one, audited."""
    employee_id = _filed_therapist(company_a, in_tenant)
    auth.login_as(company_a, "hr_staff")
    response = client.get(f"/hr/employees/{employee_id}")
    page = response.get_data(as_text=True)
    assert ID not in page and BANK not in page
    assert ID[:3] + "*" * 11 + ID[-4:] in page and BANK[-4:] in page
    assert 'data-testid="reveal-id_card_no"' in page
    assert response.headers["Cache-Control"] == "no-store"
    shown = client.post(f"/hr/employees/{employee_id}/reveal", data={"field": "id_card_no"})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert ID in shown.get_data(as_text=True) and BANK not in shown.get_data(as_text=True)
    # The edit form does not carry them (blank keeps them; the masked value is a hint).
    form = client.get(f"/hr/employees/{employee_id}/edit").get_data(as_text=True)
    assert ID not in form and BANK not in form and ID[-4:] in form
    auth.logout()

    auth.login_as(company_a, "store_manager")  # their store's contacts, not pay
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert ID not in page and BANK not in page and BANK[-4:] not in page
    assert ID[:3] + "*" * 11 + ID[-4:] in page and "reveal-" not in page
    listing = client.get("/hr/employees").get_data(as_text=True)
    assert ID not in listing and BANK not in listing
    assert client.post(f"/hr/employees/{employee_id}/reveal",
                       data={"field": "id_card_no"}).status_code == 403


def test_api_gives_masked_numbers_only_even_to_hr(client, api_token, company_a, in_tenant):
    employee_id = _filed_therapist(company_a, in_tenant)
    headers = api_token(company_a, "hr_manager")
    one = client.get(f"/api/v1/employees/{employee_id}", headers=headers)
    listing = client.get("/api/v1/employees?page_size=200", headers=headers)
    for response in (one, listing):
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert ID not in body and BANK not in body
    data = one.get_json()
    assert data["id_card_masked"] == ID[:3] + "*" * 11 + ID[-4:]
    assert data["bank_account_masked"].endswith(BANK[-4:])
    assert "id_card_no" not in data and "bank_account_no" not in data

    other = id_number("44010619880101456")
    patched = client.patch(f"/api/v1/employees/{employee_id}", headers=headers,
                           json={"id_card_no": other})
    assert patched.status_code == 200 and other not in patched.get_data(as_text=True)
    bad = client.patch(f"/api/v1/employees/{employee_id}", headers=headers,
                       json={"id_card_no": _wrong_check(other)})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["id_card_no"]


def test_audit_and_logs_of_an_update_never_hold_the_plain_id(client, auth, company_a,
                                                           in_tenant, caplog):
    employee_id = _filed_therapist(company_a, in_tenant, status="onboarding")
    new_id = id_number("44010619950505987")
    new_bank = "6217000010002000300"
    auth.login_as(company_a, "hr_manager")
    caplog.set_level(logging.DEBUG)
    engine_logger = logging.getLogger("sqlalchemy.engine")
    level = engine_logger.level
    engine_logger.setLevel(logging.INFO)  # every statement and its parameters
    try:
        data = {name: "" for name in ("emergency_contact", "emergency_phone",
                                      "health_cert_no", "si_base", "monthly_base_override")}
        data.update(employee_no="F100", name="员工F100", gender="female", phone="13900000100",
                    position_id=str(_position_id(company_a, in_tenant)),
                    store_id=str(company_a.store.id), status="onboarding",
                    hire_date="2025-03-01", id_card_no=new_id, bank_name="农业银行",
                    bank_account_no=new_bank, si_enrolled="1",
                    monthly_special_deduction="0.00")
        response = client.post(f"/hr/employees/{employee_id}/edit", data=data)
    finally:
        engine_logger.setLevel(level)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert caplog.records, "the engine log was captured"
    for plain in (new_id, ID, new_bank, BANK):
        assert plain not in caplog.text
    with in_tenant(company_a):
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "employee.update", AuditEntry.object_id == str(employee_id)))
        assert entry.before["id_card_no"] == ID[:3] + "*" * 11 + ID[-4:]
        assert entry.after["id_card_no"] == new_id[:3] + "*" * 11 + new_id[-4:]
        assert entry.after["bank_account_no"].endswith(new_bank[-4:])
        entries = db.session.scalars(select(AuditEntry)).all()
        dumped = repr([(e.before, e.after) for e in entries])
        for plain in (new_id, ID, new_bank, BANK):
            assert plain not in dumped
        assert db.session.get(Employee, employee_id).id_card_no == new_id


def _position_id(company, in_tenant) -> int:
    with in_tenant(company):
        return position("therapist").id


# --------------------------------------------------------------------------- change control


def test_store_post_level_and_pay_of_someone_on_staff_change_only_through_a_change(
        company_a, in_tenant):
    with in_tenant(company_a):
        level = TherapistLevel(name="高级", commission_multiplier=Decimal("1.2"), rank=2)
        db.session.add(level)
        db.session.flush()
        candidate = add_employee("F200", store=company_a.store, status="candidate")
        services.update_employee(candidate, level_id=level.id, monthly_base_override="3500",
                                 store_id=company_a.stores[1].id)
        assert candidate.level_id == level.id and candidate.store_id == company_a.stores[1].id
        active = add_employee("F201", store=company_a.store, status="active")
        for field, value in (("store_id", company_a.stores[1].id), ("level_id", level.id),
                             ("monthly_base_override", "3500"),
                             ("position_id", position("foreman").id)):
            with pytest.raises(services.HrError) as error:
                services.update_employee(active, **{field: value})
            assert list(error.value.fields) == [field]
            assert "审批" in error.value.fields[field]
        services.update_employee(active, phone="13712345678", health_cert_no="粤健 123")
        assert active.health_cert_no == "粤健 123"
        # A level is for therapists only.
        cashier = add_employee("F202", role="cashier", store=company_a.store, status="candidate")
        with pytest.raises(services.HrError) as error:
            services.update_employee(cashier, level_id=level.id)
        assert "level_id" in error.value.fields


def test_pay_profile_defaults_to_the_positions_profile(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = add_employee("F300", store=company_a.store)
        assert services.pay_profile_in_force(therapist) == (None, "")
        default = PayProfile(name="技师标准", position_id=position("therapist").id,
                             monthly_base=Decimal("3000.00"), commission=True)
        own = PayProfile(name="技师特聘", monthly_base=Decimal("5000.00"))
        db.session.add_all([default, own])
        db.session.flush()
        assert services.pay_profile_in_force(therapist) == (default, "position")
        therapist.pay_profile_id = own.id
        assert services.pay_profile_in_force(therapist) == (own, "employee")
        therapist.monthly_base_override = Decimal("5200.00")
        assert employees.monthly_base_in_force(therapist, own) == Decimal("5200.00")


# --------------------------------------------------------------------------- health certificates


def test_certificates_expiring_within_30_days_are_listed_for_hr_and_the_store(
        client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        today = services.tenant_today()
        store1, store2 = company_a.stores
        soon = add_employee("H1", store=store1, name="快到期",
                            health_cert_expires_on=today + timedelta(days=30))
        expired = add_employee("H2", store=store1, name="已过期",
                               health_cert_expires_on=today - timedelta(days=1))
        add_employee("H3", store=store1, name="还早", health_cert_expires_on=today
                     + timedelta(days=31))
        add_employee("H4", store=store1, name="走了", status="left",
                     health_cert_expires_on=today - timedelta(days=3))
        other_store = add_employee("H5", store=store2, name="二店到期",
                                   health_cert_expires_on=today + timedelta(days=5))
        db.session.commit()
        alerts = services.health_cert_alerts(services.tenant_today())
        assert [e.employee_no for e in alerts] == ["H2", "H5", "H1"]
        ids = {e.employee_no: e.id for e in (soon, expired, other_store)}

    auth.login_as(company_a, "hr_staff")
    page = client.get("/hr/").get_data(as_text=True)
    table = page.split('data-testid="health-cert-alerts"', 1)[1].split("</table>", 1)[0]
    for name in ("快到期", "已过期", "二店到期"):
        assert name in table
    assert "还早" not in table and "走了" not in table
    assert "已过期</span>" in table and "30 天后到期" in table
    auth.logout()

    auth.login_as(company_a, "store_manager")  # the store's front page, store 1 only
    page = client.get(f"/store/?store_id={store1.id}").get_data(as_text=True)
    assert 'data-testid="store-health-certs"' in page
    assert "快到期" in page and "已过期" in page
    assert "二店到期" not in page and "还早" not in page
    assert ids  # the rows exist
    auth.logout()
    auth.login_as(company_a, "cashier")  # no employee.view: no list
    page = client.get(f"/store/?store_id={store1.id}").get_data(as_text=True)
    assert "store-health-certs" not in page


# --------------------------------------------------------------------------- tax opening balance


def test_tax_opening_balance_on_the_employee_page(client, auth, company_a, in_tenant):
    """Entering a balance files a request; it is on file once the owner approves it
    (issue 9: it used to be written at once — tests/hr/test_tax_opening_requests.py)."""
    employee_id = _filed_therapist(company_a, in_tenant)
    auth.login_as(company_a, "hr_staff")  # payroll.view: sees, may not edit
    page = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="tax-section"' in page and "tax-opening" not in page
    assert client.post(f"/hr/employees/{employee_id}/tax-opening", data={
        "year": "2026", "cumulative_taxable": "1", "cumulative_tax": "0"}).status_code == 403
    auth.logout()
    auth.login_as(company_a, "hr_manager")  # payroll.settings
    bad = client.post(f"/hr/employees/{employee_id}/tax-opening", data={
        "year": "2026", "cumulative_taxable": "1000.00", "cumulative_tax": "2000.00"})
    assert bad.status_code == 422
    assert 'data-field-error="cumulative_tax"' in bad.get_data(as_text=True)
    for taxable, tax in (("17000.00", "210.00"), ("17000.50", "210.00")):
        auth.logout()
        auth.login_as(company_a, "hr_manager")
        response = client.post(f"/hr/employees/{employee_id}/tax-opening", data={
            "year": "2026", "cumulative_taxable": taxable, "cumulative_tax": tax})
        assert response.status_code == 302
        with in_tenant(company_a):
            request_id = db.session.scalar(select(TaxOpeningRequest.id).where(
                TaxOpeningRequest.status == "pending"))
        auth.logout()
        auth.login_as(company_a, "owner")
        assert client.post(f"/hr/tax-opening/{request_id}/approve").status_code == 302
    with in_tenant(company_a):
        rows = db.session.scalars(select(TaxOpeningBalance)).all()
        assert [(r.year, r.cumulative_taxable, r.cumulative_tax) for r in rows] == [
            (2026, Decimal("17000.50"), Decimal("210.00"))]
        assert pay_settings.opening_balances(employee_id) == rows
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "tax.opening_balance")).all()
        assert [e.after["cumulative_taxable"] for e in entries] == ["17000.00", "17000.50"]
