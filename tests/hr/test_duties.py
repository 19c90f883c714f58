"""Separation of duties (issue 9, section 1): the outside test's findings about
employee files and accounts, each replayed as the role named — through the API and
the pages — plus the rules of app/duties.py as plain functions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import duties
from app.blueprints.hr import changes, offboarding, onboarding, rewards, services
from app.blueprints.hr.models import ChecklistTemplate, ChecklistTemplateItem, EmployeeChange
from app.extensions import db
from app.models import Account, AuditEntry, Employee
from tests.hr.helpers import add_employee, position

BANK = "6222020200112233445"
NEW_BANK = "6217000010002000300"


def _load(company, in_tenant, model, object_id):
    with in_tenant(company):
        db.session.expire_all()
        return db.session.get(model, object_id)


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def _owner_file(company, in_tenant) -> int:
    """Give the owner an employee file (the factory's owner has none)."""
    with in_tenant(company):
        owner = company.accounts["owner"]
        file = add_employee("B001", role="general_manager", name="老板本人")
        db.session.get(Account, owner.id).employee_id = file.id
        db.session.commit()
        return file.id


# --------------------------------------------------------------------------- the rules


def test_who_may_give_which_role(company_a, in_tenant):
    with in_tenant(company_a):
        owner, hr_manager, hr_staff, gm = (company_a.accounts[r] for r in (
            "owner", "hr_manager", "hr_staff", "general_manager"))
        assert all(duties.may_manage_role(owner, role) for role in duties.ROLES)
        assert all(duties.may_manage_role(None, role) for role in duties.ROLES)  # the system
        for role in ("therapist", "cashier", "foreman", "receptionist", "hr_staff",
                     "hr_manager"):
            assert duties.may_manage_role(hr_manager, role), role
        # Powers the HR manager lacks: payroll approval, refunds and 反结, 考核, the owner.
        for role in ("owner", "general_manager", "finance_manager", "store_manager",
                     "technical_supervisor"):
            assert not duties.may_manage_role(hr_manager, role), role
        assert duties.may_manage_role(hr_staff, "therapist")
        assert not duties.may_manage_role(hr_staff, "hr_manager")
        assert not duties.may_manage_role(gm, "hr_manager")  # the GM lacks account.manage
        assert not duties.may_manage_role(hr_manager, "no_such_role")


def test_account_and_file_refusals(company_a, in_tenant):
    owner_file = _owner_file(company_a, in_tenant)
    with in_tenant(company_a):
        owner, hr_manager = company_a.accounts["owner"], company_a.accounts["hr_manager"]
        assert duties.account_refusal(hr_manager, owner)[0] == "account"
        assert duties.account_refusal(owner, owner) is None  # no self rule asked
        assert duties.account_refusal(owner, owner, self_message="x") == ("account", "x")
        assert duties.account_refusal(hr_manager, company_a.accounts["cashier"]) is None
        assert duties.employee_refusal(hr_manager, owner_file) is not None
        assert duties.employee_refusal(owner, owner_file) is None
        own = company_a.employees["hr_manager"].id
        assert duties.employee_refusal(hr_manager, own) is None
        assert duties.employee_refusal(hr_manager, own, self_message="x") == ("employee", "x")


# --------------------------------------------------------------------------- pay fields


def test_hr_staff_cannot_change_a_monthly_base_with_the_status_trick(client, api_token,
                                                                     company_a, in_tenant):
    with in_tenant(company_a):
        employee_id = company_a.employees["therapist"].id
    headers = api_token(company_a, "hr_staff")
    url = f"/api/v1/employees/{employee_id}"
    for body, field in (({"status": "onboarding"}, "status"),
                        ({"monthly_base_override": "88888"}, "monthly_base_override")):
        response = client.patch(url, headers=headers, json=body)
        assert response.status_code == 422, response.get_json()
        assert field in _fields(response)
    # The last step of the trick is a no-op now: the file never left ``active``.
    assert client.patch(url, headers=headers, json={"status": "active"}).status_code == 200
    employee = _load(company_a, in_tenant, Employee, employee_id)
    assert employee.status == "active" and employee.monthly_base_override is None


@pytest.mark.parametrize("body", [
    {"bank_account_no": NEW_BANK, "bank_name": "农业银行"},
    {"bank_name": "农业银行"},
    {"si_base": "9000.00"},
    {"si_enrolled": False},
    {"monthly_special_deduction": "3000.00"},
    {"pay_profile_id": None, "monthly_base_override": "5000.00"},
])
def test_pay_bank_insurance_and_tax_fields_refused_on_a_staff_file(body, client, api_token,
                                                                  company_a, in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        employee.bank_name, employee.bank_account_no = "工商银行", BANK
        db.session.commit()
        employee_id = employee.id
    response = client.patch(f"/api/v1/employees/{employee_id}",
                            headers=api_token(company_a, "hr_staff"), json=body)
    assert response.status_code == 422
    changed = {key for key in body if key != "pay_profile_id"}
    assert changed <= set(_fields(response)), _fields(response)
    employee = _load(company_a, in_tenant, Employee, employee_id)
    assert (employee.bank_name, employee.bank_account_no) == ("工商银行", BANK)
    assert employee.si_base is None and employee.monthly_special_deduction == Decimal("0.00")
    assert employee.si_enrolled is True and employee.monthly_base_override is None


def test_pay_fields_are_set_at_creation_and_while_being_set_up(company_a, in_tenant):
    with in_tenant(company_a):
        person = services.create_employee(
            employee_no="N100", name="新人", position_id=position("cashier").id,
            store_id=company_a.store.id, status="candidate", bank_name="农业银行",
            bank_account_no=BANK, si_base="4000", monthly_base_override="4500")
        assert person.monthly_base_override == Decimal("4500.00")
        services.update_employee(person, si_base="4200", monthly_special_deduction="1000")
        assert person.si_base == Decimal("4200.00")
        # A new file cannot start out as onboarding (a window that would never close),
        # nor as offboarding or left.
        for status in ("onboarding", "offboarding", "left"):
            with pytest.raises(services.HrError) as error:
                services.create_employee(employee_no=f"N1{len(status)}", name="x",
                                         position_id=position("cashier").id,
                                         store_id=company_a.store.id, status=status)
            assert "status" in error.value.fields


def test_the_edit_page_refuses_a_bank_account_of_someone_on_staff(client, auth, company_a,
                                                                  in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        employee_id, store_id = employee.id, company_a.store.id
        position_id, employee_no = employee.position_id, employee.employee_no
    auth.login_as(company_a, "hr_staff")
    response = client.post(f"/hr/employees/{employee_id}/edit", data={
        "employee_no": employee_no, "name": "改", "gender": "female", "phone": "",
        "position_id": str(position_id), "store_id": str(store_id), "status": "active",
        "hire_date": "2025-01-01", "bank_name": "农业银行", "bank_account_no": NEW_BANK,
        "si_enrolled": "1", "monthly_special_deduction": "0.00"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field-error="bank_account_no"' in html and "薪资资料变更" in html
    assert 'data-field-error="employee_no"' not in html
    employee = _load(company_a, in_tenant, Employee, employee_id)
    assert employee.bank_account_no == "" and employee.bank_name == ""


def test_the_edit_page_of_someone_on_staff_saves_what_it_posts(client, auth, company_a,
                                                              in_tenant):
    """Status and the pay fields are shown disabled (not posted): the file keeps them."""
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        employee.si_base, employee.bank_name, employee.bank_account_no = \
            Decimal("5000.00"), "工商银行", BANK
        db.session.commit()
        employee_id, employee_no = employee.id, employee.employee_no
    auth.login_as(company_a, "hr_staff")
    page = client.get(f"/hr/employees/{employee_id}/edit").get_data(as_text=True)
    assert re.search(r'<select[^>]* disabled [^>]*name="status"', page)
    assert re.search(r'<input[^>]* disabled [^>]*name="si_base"', page)
    response = client.post(f"/hr/employees/{employee_id}/edit", data={
        "employee_no": employee_no, "name": "新名字", "gender": "female", "phone": "13900001111",
        "hire_date": "2025-01-01", "emergency_contact": "", "emergency_phone": "",
        "health_cert_no": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    employee = _load(company_a, in_tenant, Employee, employee_id)
    assert (employee.name, employee.phone) == ("新名字", "13900001111")
    assert employee.status == "active" and employee.si_enrolled is True
    assert (employee.si_base, employee.bank_account_no) == (Decimal("5000.00"), BANK)


def test_bank_insurance_and_deduction_change_through_an_approved_change(
        client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        employee.bank_name, employee.bank_account_no = "工商银行", BANK
        db.session.commit()
        employee_id = employee.id
    filed = client.post(f"/api/v1/employees/{employee_id}/changes",
                        headers=api_token(company_a, "hr_staff"), json={
                            "kind": "pay_details", "effective_on": "2026-01-01",
                            "reason": "换工资卡、调整社保基数",
                            "new_bank_name": "农业银行", "new_bank_account_no": NEW_BANK,
                            "new_si_base": "6000.00", "new_monthly_special_deduction": "2000"})
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["status"] == "pending" and body["new_si_base"] == "6000.00"
    assert NEW_BANK not in filed.get_data(as_text=True)
    assert body["new_bank_account_masked"].endswith(NEW_BANK[-4:])
    assert "new_si_enrolled" in _fields(client.post(  # same as now
        f"/api/v1/employees/{employee_id}/changes", headers=api_token(company_a, "hr_staff"),
        json={"kind": "pay_details", "effective_on": "2026-01-02", "reason": "x",
              "new_si_enrolled": True}))
    employee = _load(company_a, in_tenant, Employee, employee_id)
    assert employee.bank_account_no == BANK and employee.si_base is None

    approved = client.post(f"/api/v1/employees/changes/{body['id']}/approve",
                           headers=api_token(company_a, "hr_manager"))
    assert approved.status_code == 200 and approved.get_json()["status"] == "applied"
    assert approved.get_json()["old_bank_account_masked"].endswith(BANK[-4:])
    with in_tenant(company_a):
        employee = db.session.get(Employee, employee_id)
        assert (employee.bank_name, employee.bank_account_no) == ("农业银行", NEW_BANK)
        assert employee.si_base == Decimal("6000.00")
        assert employee.monthly_special_deduction == Decimal("2000.00")
        change = db.session.get(EmployeeChange, body["id"])
        assert (change.old_bank_name, change.old_bank_account_no) == ("工商银行", BANK)
        assert change.old_si_base is None
        assert change.old_monthly_special_deduction == Decimal("0.00")
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "employee.pay_details"))
        dumped = repr((entry.before, entry.after))
        assert BANK not in dumped and NEW_BANK not in dumped
        assert entry.after["si_base"] == "6000.00" and entry.before["bank_name"] == "工商银行"


def test_pay_details_change_checks_its_values(company_a, in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["cashier"]
        with pytest.raises(services.HrError) as error:
            changes.request_change(employee, "pay_details", date(2026, 1, 1), "x",
                                   new_bank_account_no="12ab", new_si_base="-1")
        assert {"new_bank_account_no", "new_si_base"} <= set(error.value.fields)
        with pytest.raises(services.HrError) as error:
            changes.request_change(employee, "pay_details", date(2026, 1, 1), "x",
                                   new_bank_account_no=NEW_BANK)
        assert "new_bank_name" in error.value.fields  # no bank on file, none named
        with pytest.raises(services.HrError) as error:
            changes.request_change(employee, "pay_change", date(2026, 1, 1), "x",
                                   new_si_base="100")
        assert "new_si_base" in error.value.fields  # not a field of 调薪


# --------------------------------------------------------------------------- status


def test_a_status_change_never_bypasses_offboarding(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        gm_file = company_a.employees["general_manager"].id
        gm_login = company_a.accounts["general_manager"].id
    headers = api_token(company_a, "hr_staff")
    for status in ("left", "offboarding", "candidate", "probation"):
        response = client.patch(f"/api/v1/employees/{gm_file}", headers=headers,
                                json={"status": status})
        assert response.status_code == 422 and "status" in _fields(response)
        assert "离职" in _fields(response)["status"][0]
    assert _load(company_a, in_tenant, Employee, gm_file).status == "active"
    assert _load(company_a, in_tenant, Account, gm_login).is_enabled is True
    with in_tenant(company_a):
        with pytest.raises(services.HrError) as error:
            services.update_employee(db.session.get(Employee, gm_file), status="left")
        assert "status" in error.value.fields


# --------------------------------------------------------------------------- roles


def test_hr_manager_cannot_make_up_a_general_manager(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        made_up = add_employee("X900", role="hr_staff").id
        therapist_login = company_a.accounts["therapist"].id
        gm_login = company_a.accounts["general_manager"]
        gm_id, gm_hash = gm_login.id, gm_login.password_hash
        db.session.commit()
    headers = api_token(company_a, "hr_manager")
    created = client.post("/api/v1/accounts", headers=headers, json={
        "employee_id": made_up, "username": "fakegm", "role": "general_manager"})
    assert created.status_code == 422 and "role" in _fields(created)
    assert "总经理" in _fields(created)["role"][0]
    reset = client.post(f"/api/v1/accounts/{gm_id}/reset-password", headers=headers)
    assert reset.status_code == 422 and "password" not in reset.get_json()
    promoted = client.patch(f"/api/v1/accounts/{therapist_login}", headers=headers,
                            json={"role": "general_manager"})
    assert promoted.status_code == 422 and "role" in _fields(promoted)
    for verb in ("disable", "enable"):
        response = client.post(f"/api/v1/accounts/{gm_id}/{verb}", headers=headers,
                               json={"reason": "x"})
        assert response.status_code == 422, verb
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.scalar(select(Account.id).where(Account.username == "fakegm")) is None
        assert db.session.get(Account, gm_id).password_hash == gm_hash
        assert db.session.get(Account, gm_id).is_enabled is True
        assert db.session.get(Account, therapist_login).role == "therapist"

    # The owner holds every permission: the same calls go through.
    owner = api_token(company_a, "owner")
    assert client.post("/api/v1/accounts", headers=owner, json={
        "employee_id": made_up, "username": "realgm", "role": "general_manager"}
    ).status_code == 201
    assert client.post(f"/api/v1/accounts/{gm_id}/reset-password",
                       headers=owner).status_code == 200


def test_hr_manager_still_issues_floor_logins(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        cashier = add_employee("C901", role="cashier", store=company_a.store).id
        db.session.commit()
    created = client.post("/api/v1/accounts", headers=api_token(company_a, "hr_manager"),
                          json={"employee_id": cashier, "username": "c901"})
    assert created.status_code == 201 and created.get_json()["role"] == "cashier"


def test_pages_refuse_the_gm_password_reset_and_role_change(client, auth, company_a,
                                                           in_tenant):
    with in_tenant(company_a):
        gm = company_a.accounts["general_manager"]
        gm_id, gm_hash = gm.id, gm.password_hash
        gm_file = company_a.employees["general_manager"].id
        therapist = company_a.accounts["therapist"].id
    auth.login_as(company_a, "hr_manager")
    gm_page = client.get(f"/hr/employees/{gm_file}").get_data(as_text=True)
    assert 'data-testid="login-not-yours"' in gm_page
    assert f"/hr/accounts/{gm_id}/reset-password" not in gm_page
    response = client.post(f"/hr/accounts/{gm_id}/reset-password")
    assert response.status_code == 302  # back to the file, no password page
    page = client.get(response.location).get_data(as_text=True)
    assert "总经理" in page and "全部权限" in page
    client.post(f"/hr/accounts/{therapist}/settings",
                data={f"a{therapist}-role": "general_manager"})
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.get(Account, gm_id).password_hash == gm_hash
        assert db.session.get(Account, therapist).role == "therapist"


def test_onboarding_does_not_hand_out_a_role_the_actor_lacks(company_a, in_tenant):
    with in_tenant(company_a):
        template = ChecklistTemplate(kind="onboarding", name="总部入职", account_at="start",
                                     position_id=position("general_manager").id)
        db.session.add(template)
        db.session.flush()
        db.session.add_all([
            ChecklistTemplateItem(template_id=template.id, title="签合同", sort_order=1),
            ChecklistTemplateItem(template_id=template.id, title="创建登录账号",
                                  action="create_account", sort_order=2)])
        db.session.flush()
        person = services.create_employee(employee_no="G900", name="新总经理",
                                          position_id=position("general_manager").id,
                                          status="candidate")
        hr_manager = company_a.accounts["hr_manager"]
        result = onboarding.start_onboarding(person, actor=hr_manager)
        assert result.issued is None and services.accounts_of_employee(person) == []
        item = next(i for i in onboarding.items_of(result.onboarding)
                    if i.action == "create_account")
        with pytest.raises(services.HrError) as error:
            onboarding.tick_item(item, hr_manager)
        assert "role" in error.value.fields
        issued = onboarding.tick_item(item, company_a.accounts["owner"]).issued
        assert issued is not None and issued.account.role == "general_manager"


def test_a_promotion_to_a_post_with_more_power_is_refused(company_a, in_tenant):
    with in_tenant(company_a):
        employee = company_a.employees["hr_staff"]
        with pytest.raises(services.HrError) as error:
            changes.request_change(employee, "promotion", date(2026, 1, 1), "升总经理",
                                   new_position_id=position("general_manager").id,
                                   actor=company_a.accounts["hr_manager"])
        assert "new_position_id" in error.value.fields
        # Demoting the GM would change the GM's login: not by the HR manager either.
        with pytest.raises(services.HrError) as error:
            changes.request_change(company_a.employees["general_manager"], "demotion",
                                   date(2026, 1, 1), "降职",
                                   new_position_id=position("hr_staff").id,
                                   actor=company_a.accounts["hr_manager"])
        assert "new_position_id" in error.value.fields
        change = changes.request_change(employee, "promotion", date(2026, 1, 1), "升经理",
                                        new_position_id=position("hr_manager").id,
                                        actor=company_a.accounts["hr_manager"])
        assert change.status == "pending"


def test_offboarding_a_gm_takes_someone_who_may_disable_that_login(company_a, in_tenant):
    with in_tenant(company_a):
        gm = company_a.employees["general_manager"]
        with pytest.raises(services.HrError) as error:
            offboarding.request_offboarding(gm, kind="resignation", last_day=date(2026, 6, 30),
                                            actor=company_a.accounts["hr_manager"])
        assert "employee" in error.value.fields
        assert offboarding.request_offboarding(
            gm, kind="resignation", last_day=date(2026, 6, 30),
            actor=company_a.accounts["owner"]).status == "requested"


# --------------------------------------------------------------------------- the owner


def test_the_owners_file_and_account_are_touched_only_by_the_owner(client, api_token,
                                                                   company_a, in_tenant):
    owner_file = _owner_file(company_a, in_tenant)
    with in_tenant(company_a):
        owner_login = company_a.accounts["owner"].id
    headers = api_token(company_a, "hr_manager")
    edit = client.patch(f"/api/v1/employees/{owner_file}", headers=headers,
                        json={"phone": "13500000001"})
    assert edit.status_code == 422 and "employee" in _fields(edit)
    change = client.post(f"/api/v1/employees/{owner_file}/changes", headers=headers, json={
        "kind": "pay_change", "effective_on": "2026-01-01", "reason": "x",
        "new_monthly_base": "1.00"})
    assert change.status_code == 422 and "employee" in _fields(change)
    for url in (f"/api/v1/accounts/{owner_login}/reset-password",
                f"/api/v1/accounts/{owner_login}/disable"):
        assert client.post(url, headers=headers, json={"reason": "x"}).status_code == 422
    with in_tenant(company_a):
        hr_manager = company_a.accounts["hr_manager"]
        file = db.session.get(Employee, owner_file)
        with pytest.raises(services.HrError):
            offboarding.request_offboarding(file, kind="termination", reason="x",
                                            last_day=date(2026, 6, 30), actor=hr_manager)
        with pytest.raises(services.HrError) as error:
            rewards.file_reward(file, "penalty", "100", date(2026, 6, 1), "迟到",
                                actor=hr_manager)
        assert "employee_id" in error.value.fields
    owner = api_token(company_a, "owner")
    assert client.patch(f"/api/v1/employees/{owner_file}", headers=owner,
                        json={"phone": "13500000001"}).status_code == 200
    # Nobody else may touch it, so the owner keeps their own file.
    assert client.patch(f"/api/v1/employees/{owner_file}", headers=owner,
                        json={"employee_no": "B002"}).status_code == 200


# --------------------------------------------------------------------------- oneself


def test_nobody_administers_themselves(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        me = company_a.accounts["hr_manager"].id
        my_file = company_a.employees["hr_manager"].id
    headers = api_token(company_a, "hr_manager")
    role = client.patch(f"/api/v1/accounts/{me}", headers=headers, json={"role": "hr_staff"})
    assert role.status_code == 422 and "role" in _fields(role)
    reset = client.post(f"/api/v1/accounts/{me}/reset-password", headers=headers)
    assert reset.status_code == 422 and "password" not in reset.get_json()
    for body in ({"employee_no": "HR1"}, {"hire_date": "2020-01-01"},
                 {"name": "别人"}):
        response = client.patch(f"/api/v1/employees/{my_file}", headers=headers, json=body)
        assert response.status_code == 422 and set(body) <= set(_fields(response)), body
    # Their own contact details stay theirs to keep current.
    assert client.patch(f"/api/v1/employees/{my_file}", headers=headers,
                        json={"phone": "13500000002"}).status_code == 200
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.get(Account, me).role == "hr_manager"
        assert db.session.get(Employee, my_file).employee_no != "HR1"
