"""HR pages end to end: permissions, store scope, forms, logins, sessions."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, AuditEntry, Employee
from tests.conftest import AuthActions
from tests.hr.helpers import add_employee, position


def _in(company, in_tenant, fn):
    with in_tenant(company):
        result = fn()
        db.session.commit()
        return result


def test_hr_manager_creates_and_edits_an_employee(client, auth, company_a, in_tenant):
    store_id = _in(company_a, in_tenant, lambda: company_a.store.id)
    therapist_id = _in(company_a, in_tenant, lambda: position("therapist").id)
    auth.login_as(company_a, "hr_manager")
    assert client.get("/hr/employees/new").status_code == 200
    response = client.post("/hr/employees/new", data={
        "employee_no": "T888", "name": "新技师", "gender": "female", "phone": "13911112222",
        "position_id": therapist_id, "store_id": store_id, "status": "candidate",
        "hire_date": "2026-03-01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with in_tenant(company_a):
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == "T888"))
        assert employee.store_id == store_id and employee.status == "candidate"
        employee_id, second_store = employee.id, company_a.stores[1].id
    page = client.get(response.location).get_data(as_text=True)
    assert "新技师" in page and "T888" in page

    assert client.get(f"/hr/employees/{employee_id}/edit").status_code == 200
    response = client.post(f"/hr/employees/{employee_id}/edit", data={
        "employee_no": "T888", "name": "新技师", "gender": "female", "phone": "13911112222",
        "position_id": therapist_id, "store_id": second_store, "hire_date": "2026-03-01"})
    assert response.status_code == 302
    # Issue 9: the status is shown, not edited (only onboarding/offboarding move it);
    # this test used to create the file as ``onboarding`` and edit it to ``active``.
    with in_tenant(company_a):
        employee = db.session.scalar(select(Employee).where(Employee.id == employee_id))
        assert employee.store_id == second_store and employee.status == "candidate"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "employee.update"))
        assert entry.before == {"store_id": store_id}
        assert entry.actor_name  # the HR manager, not "system"


def test_duplicate_employee_no_in_the_form_names_the_field_and_changes_nothing(
        client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        taken = company_a.employees["foreman"].employee_no
        store_id, cashier_id = company_a.store.id, position("cashier").id
        count = db.session.scalar(select(func.count(Employee.id)))
    auth.login_as(company_a, "hr_manager")
    response = client.post("/hr/employees/new", data={
        "employee_no": taken, "name": "重复的人", "gender": "male", "phone": "",
        "position_id": cashier_id, "store_id": store_id, "status": "active"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'data-field-error="employee_no">[^<]*已被使用', page)
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(Employee.id))) == count
        assert db.session.scalar(select(Employee).where(Employee.name == "重复的人")) is None


def test_store_post_without_store_is_refused_in_the_form(client, auth, company_a, in_tenant):
    cashier_id = _in(company_a, in_tenant, lambda: position("cashier").id)
    auth.login_as(company_a, "hr_staff")
    response = client.post("/hr/employees/new", data={
        "employee_no": "C77", "name": "无店", "gender": "male", "position_id": cashier_id,
        "store_id": "", "status": "active"})
    assert response.status_code == 422
    assert 'data-field-error="store_id"' in response.get_data(as_text=True)


def test_cashier_cannot_open_hr_pages(client, auth, company_a, in_tenant):
    employee_id = _in(company_a, in_tenant, lambda: company_a.employees["cashier"].id)
    auth.login_as(company_a, "cashier")
    for url in ("/hr/", "/hr/employees", "/hr/employees/new", f"/hr/employees/{employee_id}",
                "/hr/accounts", "/technical/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/hr/accounts/{employee_id}/disable").status_code == 403


def test_store_manager_sees_only_their_store(client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_a):
        store1, store2 = company_a.stores
        mine = add_employee("T601", store=store1, name="本店技师")
        theirs = add_employee("T602", store=store2, name="别店技师")
        mine_id, theirs_id, store2_id = mine.id, theirs.id, store2.id
        head_office_id = company_a.employees["hr_staff"].id
        db.session.commit()
    with in_tenant(company_b):
        foreign_id = add_employee("B601", store=company_b.store).id
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    page = client.get("/hr/employees").get_data(as_text=True)
    assert "本店技师" in page and "别店技师" not in page
    assert client.get(f"/hr/employees?store={store2_id}").get_data(as_text=True).count(
        "data-employee-id") == 0
    assert client.get(f"/hr/employees/{mine_id}").status_code == 200
    assert client.get(f"/hr/employees/{theirs_id}").status_code == 404
    assert client.get(f"/hr/employees/{head_office_id}").status_code == 404
    assert client.get(f"/hr/employees/{foreign_id}").status_code == 404
    # Viewing is not managing.
    assert client.get(f"/hr/employees/{mine_id}/edit").status_code == 403


def test_another_tenants_employee_and_account_are_not_found(client, auth, company_a, company_b,
                                                           in_tenant):
    with in_tenant(company_b):
        foreign_employee = company_b.employees["cashier"].id
        foreign_account = company_b.accounts["cashier"].id
    auth.login_as(company_a, "hr_manager")
    assert client.get(f"/hr/employees/{foreign_employee}").status_code == 404
    assert client.get(f"/hr/employees/{foreign_employee}/edit").status_code == 404
    assert client.post(f"/hr/employees/{foreign_employee}/login",
                       data={"username": "x1", "role": "cashier"}).status_code == 404
    for action in ("disable", "enable", "reset-password", "settings"):
        assert client.post(f"/hr/accounts/{foreign_account}/{action}").status_code == 404
    with in_tenant(company_b):
        assert db.session.scalar(
            select(Account.is_enabled).where(Account.id == foreign_account)) is True


def test_create_login_shows_the_password_once_and_it_works(client, app, company_a, in_tenant):
    with in_tenant(company_a):
        employee = add_employee("T700", store=company_a.store, name="开号技师")
        employee_id, store_id = employee.id, company_a.store.id
        db.session.commit()
    auth = AuthActions(client)
    auth.login_as(company_a, "hr_manager")
    detail = client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)
    assert 'data-testid="create-login"' in detail
    response = client.post(f"/hr/employees/{employee_id}/login", data={
        "username": "t700", "role": "therapist", "store_ids": [store_id]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = re.search(r"data-password>([^<]+)<", page).group(1)
    assert "t700" in page
    # Never again on the detail page.
    assert password not in client.get(f"/hr/employees/{employee_id}").get_data(as_text=True)

    other = app.test_client()
    assert AuthActions(other).login(company_a.code, "t700", password).status_code == 302
    assert other.get("/me").status_code == 200


def test_create_login_with_a_taken_username_names_the_field(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        employee_id, store_id = add_employee("T701", store=company_a.store).id, company_a.store.id
        db.session.commit()
    auth.login_as(company_a, "hr_manager")
    response = client.post(f"/hr/employees/{employee_id}/login", data={
        "username": "cashier", "role": "therapist", "store_ids": [store_id]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-field-error="username"' in page and "已存在" in page


def test_disabling_ends_an_open_session_at_once(app, company_a, in_tenant):
    cashier_id = _in(company_a, in_tenant, lambda: company_a.accounts["cashier"].id)
    cashier_client, hr_client = app.test_client(), app.test_client()
    AuthActions(cashier_client).login_as(company_a, "cashier")
    assert cashier_client.get("/store/").status_code == 200
    AuthActions(hr_client).login_as(company_a, "hr_manager")

    response = hr_client.post(f"/hr/accounts/{cashier_id}/disable", data={"reason": "离职"})
    assert response.status_code == 302

    refused = cashier_client.get("/store/")
    assert refused.status_code == 302 and "/login" in refused.location
    with in_tenant(company_a):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.disable"))
        assert entry.after["reason"] == "离职"
    # Enabling lets the person log in again (the old session stays ended).
    assert hr_client.post(f"/hr/accounts/{cashier_id}/enable").status_code == 302
    assert cashier_client.get("/store/").status_code == 302
    assert AuthActions(cashier_client).login_as(company_a, "cashier").status_code == 302


def test_reset_password_shows_a_new_one_and_ends_sessions(app, company_a, in_tenant):
    cashier_id = _in(company_a, in_tenant, lambda: company_a.accounts["cashier"].id)
    cashier_client, hr_client = app.test_client(), app.test_client()
    AuthActions(cashier_client).login_as(company_a, "cashier")
    AuthActions(hr_client).login_as(company_a, "hr_manager")
    response = hr_client.post(f"/hr/accounts/{cashier_id}/reset-password")
    password = re.search(r"data-password>([^<]+)<", response.get_data(as_text=True)).group(1)
    assert cashier_client.get("/store/").status_code == 302
    assert AuthActions(cashier_client).login(company_a.code, "cashier", password).status_code == 302


def test_role_and_stores_of_a_login(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        account_id = company_a.accounts["cashier"].id
        store_ids = [s.id for s in company_a.stores]
    auth.login_as(company_a, "hr_manager")
    response = client.post(f"/hr/accounts/{account_id}/settings", data={
        f"a{account_id}-role": "supervisor", f"a{account_id}-store_ids": store_ids})
    assert response.status_code == 302
    with in_tenant(company_a):
        account = db.session.scalar(select(Account).where(Account.id == account_id))
        assert account.role == "supervisor" and account.store_ids == set(store_ids)
    # Only the owner grants the owner role.
    client.post(f"/hr/accounts/{account_id}/settings", data={
        f"a{account_id}-role": "owner", f"a{account_id}-store_ids": store_ids})
    with in_tenant(company_a):
        assert db.session.scalar(select(Account.role).where(Account.id == account_id)) == \
            "supervisor"


def test_hr_landing_and_accounts_pages(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        add_employee("T900", store=company_a.stores[1], name="没账号的人")
        db.session.commit()
    auth.login_as(company_a, "hr_manager")
    page = client.get("/hr/").get_data(as_text=True)
    assert 'data-testid="headcount"' in page and "没账号的人" in page
    assert "/hr/employees" in page
    accounts = client.get("/hr/accounts").get_data(as_text=True)
    assert "store_manager" in accounts and "$argon2" not in accounts
    assert client.get("/hr/accounts?role=cashier&enabled=1&q=cash").status_code == 200
    assert client.get("/hr/employees?q=没账号&status=active&role=therapist").status_code == 200


def test_technical_roster_is_scoped_for_supervisors(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        add_employee("J01", store=company_a.stores[0], name="一店技师")
        add_employee("J02", store=company_a.stores[1], name="二店技师")
        db.session.commit()
    auth.login_as(company_a, "technical_supervisor")
    page = client.get("/technical/").get_data(as_text=True)
    assert "一店技师" in page and "J01" in page and "二店技师" not in page
    auth.logout()
    auth.login_as(company_a, "technical_director")
    page = client.get("/technical/").get_data(as_text=True)
    assert "一店技师" in page and "二店技师" in page
