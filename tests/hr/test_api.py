"""/api/v1/employees and /api/v1/accounts: scope, validation, not-found, disabling."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Employee
from tests.hr.helpers import add_employee, position


def _ids(company, in_tenant):
    with in_tenant(company):
        return {
            "store1": company.stores[0].id,
            "store2": company.stores[1].id,
            "therapist": position("therapist").id,
            "hr_staff": position("hr_staff").id,
        }


def test_list_employees_with_filters_and_pages(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        for n in range(3):
            add_employee(f"P{n}", store=company_a.stores[1], name=f"二店{n}",
                         phone=f"1370000{n}999")
        db.session.commit()
    headers = api_token(company_a, "hr_staff")
    body = client.get("/api/v1/employees?page_size=2&q=二店", headers=headers).get_json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["page_size"] == 2
    item = body["items"][0]
    assert item["store"]["name"] and item["position"]["role"] == "therapist"
    assert item["hire_date"] == "2025-03-01"
    assert client.get("/api/v1/employees?q=1999", headers=headers).get_json()["total"] == 1
    assert client.get("/api/v1/employees?status=left", headers=headers).get_json()["total"] == 0
    response = client.get("/api/v1/employees?status=fired", headers=headers)
    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["fields"]


def test_store_manager_lists_only_their_store(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        theirs = add_employee("Q1", store=company_a.stores[1]).id
        db.session.commit()
    headers = api_token(company_a, "store_manager")
    body = client.get("/api/v1/employees?page_size=200", headers=headers).get_json()
    ids = _ids(company_a, in_tenant)
    assert body["items"] and all(item["store_id"] == ids["store1"] for item in body["items"])
    assert client.get(f"/api/v1/employees/{theirs}", headers=headers).status_code == 404
    assert client.post("/api/v1/employees", json={}, headers=headers).status_code in (403, 422)


def test_create_employee_and_its_field_errors(client, api_token, company_a, in_tenant):
    ids = _ids(company_a, in_tenant)
    headers = api_token(company_a, "hr_manager")
    response = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "A100", "name": "接口技师", "position_id": ids["therapist"],
        "store_id": ids["store1"], "hire_date": "2026-02-03", "status": "probation"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["employee_no"] == "A100" and created["hire_date"] == "2026-02-03"
    assert created["store"]["id"] == ids["store1"] and created["status"] == "probation"

    with in_tenant(company_a):
        count = db.session.scalar(select(func.count(Employee.id)))
    duplicate = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "A100", "name": "重复", "position_id": ids["therapist"],
        "store_id": ids["store1"]})
    assert duplicate.status_code == 422
    assert list(duplicate.get_json()["error"]["fields"]) == ["employee_no"]

    missing = client.post("/api/v1/employees", headers=headers, json={"name": "缺字段"})
    assert missing.status_code == 422
    assert {"employee_no", "position_id"} <= set(missing.get_json()["error"]["fields"])

    no_store = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "A101", "name": "无店技师", "position_id": ids["therapist"]})
    assert no_store.status_code == 422
    assert "store_id" in no_store.get_json()["error"]["fields"]

    unknown = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "A102", "name": "多字段", "position_id": ids["hr_staff"], "salary": 1})
    assert unknown.status_code == 422
    assert "salary" in unknown.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(Employee.id))) == count


def test_patch_employee(client, api_token, company_a, company_b, in_tenant):
    ids = _ids(company_a, in_tenant)
    with in_tenant(company_a):
        active_id = company_a.employees["cashier"].id
        # Still onboarding: HR sets the store directly; once on staff only through a change.
        employee_id = add_employee("C900", role="cashier", store=company_a.store,
                                   status="onboarding").id
        db.session.commit()
    with in_tenant(company_b):
        foreign_id = company_b.employees["cashier"].id
    headers = api_token(company_a, "hr_manager")
    refused = client.patch(f"/api/v1/employees/{active_id}", headers=headers,
                           json={"store_id": ids["store2"]})
    assert refused.status_code == 422
    assert "人事变动" in refused.get_json()["error"]["fields"]["store_id"][0]
    response = client.patch(f"/api/v1/employees/{employee_id}", headers=headers,
                            json={"store_id": ids["store2"], "phone": "13500000000"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["store_id"] == ids["store2"] and body["store"]["id"] == ids["store2"]
    assert body["phone"] == "13500000000"
    bad = client.patch(f"/api/v1/employees/{employee_id}", headers=headers,
                       json={"store_id": None})
    assert bad.status_code == 422 and "store_id" in bad.get_json()["error"]["fields"]
    assert client.patch(f"/api/v1/employees/{foreign_id}", headers=headers,
                        json={"name": "x"}).status_code == 404
    assert client.get(f"/api/v1/employees/{foreign_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/employees/999999", headers=headers).status_code == 404


def test_accounts_create_patch_disable(client, app, api_token, company_a, company_b, in_tenant):
    ids = _ids(company_a, in_tenant)
    with in_tenant(company_a):
        employee_id = add_employee("K1", store=company_a.store).id
        db.session.commit()
    with in_tenant(company_b):
        foreign_employee = company_b.employees["cashier"].id
        foreign_account = company_b.accounts["cashier"].id
    headers = api_token(company_a, "hr_manager")

    created = client.post("/api/v1/accounts", headers=headers,
                          json={"employee_id": employee_id, "username": "k1"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["role"] == "therapist" and body["store_ids"] == [ids["store1"]]
    assert len(body["initial_password"]) >= 10
    assert "password_hash" not in body
    account_id = body["id"]

    shown = client.get(f"/api/v1/accounts/{account_id}", headers=headers).get_json()
    assert "initial_password" not in shown and "password_hash" not in shown
    listed = client.get("/api/v1/accounts?role=therapist", headers=headers).get_json()
    assert {a["username"] for a in listed["items"]} >= {"k1", "therapist"}
    assert all("password_hash" not in a for a in listed["items"])

    again = client.post("/api/v1/accounts", headers=headers,
                        json={"employee_id": employee_id, "username": "k1b"})
    assert again.status_code == 422 and "username" in again.get_json()["error"]["fields"]
    foreign = client.post("/api/v1/accounts", headers=headers,
                          json={"employee_id": foreign_employee, "username": "k9"})
    assert foreign.status_code == 422 and "employee_id" in foreign.get_json()["error"]["fields"]
    bad_role = client.post("/api/v1/accounts", headers=headers,
                           json={"employee_id": employee_id, "username": "k2", "role": "boss"})
    assert bad_role.status_code == 422 and "role" in bad_role.get_json()["error"]["fields"]

    patched = client.patch(f"/api/v1/accounts/{account_id}", headers=headers,
                           json={"role": "foreman", "store_ids": [ids["store1"], ids["store2"]]})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["role"] == "foreman"
    assert patched.get_json()["store_ids"] == sorted([ids["store1"], ids["store2"]])
    no_store = client.patch(f"/api/v1/accounts/{account_id}", headers=headers,
                            json={"store_ids": []})
    assert no_store.status_code == 422 and "store_ids" in no_store.get_json()["error"]["fields"]

    # The new login's own token stops working the moment it is disabled.
    login = client.post("/api/v1/auth/token", json={
        "company": company_a.code, "username": "k1",
        "password": client.post(f"/api/v1/accounts/{account_id}/reset-password",
                                headers=headers).get_json()["password"]})
    own = {"Authorization": f"Bearer {login.get_json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=own).status_code == 200
    disabled = client.post(f"/api/v1/accounts/{account_id}/disable", headers=headers,
                           json={"reason": "丢失手机"})
    assert disabled.status_code == 200 and disabled.get_json()["is_enabled"] is False
    assert client.get("/api/v1/auth/me", headers=own).status_code == 401
    enabled = client.post(f"/api/v1/accounts/{account_id}/enable", headers=headers)
    assert enabled.status_code == 200 and enabled.get_json()["is_enabled"] is True

    for method, url in (("get", f"/api/v1/accounts/{foreign_account}"),
                        ("patch", f"/api/v1/accounts/{foreign_account}"),
                        ("post", f"/api/v1/accounts/{foreign_account}/disable"),
                        ("post", f"/api/v1/accounts/{foreign_account}/enable"),
                        ("post", f"/api/v1/accounts/{foreign_account}/reset-password")):
        response = getattr(client, method)(url, headers=headers, json={})
        assert response.status_code == 404, (method, url)


def test_accounts_need_account_manage(client, api_token, company_a):
    headers = api_token(company_a, "hr_staff")
    assert client.get("/api/v1/accounts", headers=headers).status_code == 403
    assert client.get("/api/v1/employees", headers=headers).status_code == 200
    assert client.get("/api/v1/accounts").status_code == 401
