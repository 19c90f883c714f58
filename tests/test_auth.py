"""Log-in, rate limits, CSRF, disabled accounts and API tokens (specs/tenancy.md)."""

import re

from sqlalchemy import select

from app.blueprints.auth import services
from app.extensions import db
from app.models import Account, AuditEntry, Department, Position, Store
from app.permissions import ROLES
from app.security import hash_password
from app.tenancy import tenant_context
from app.tenants import DEPARTMENTS, find_tenant_by_code
from tests.conftest import enrol_totp_via_page
from tests.factories import PASSWORD, otp_code


def _account(company, role):
    return db.session.scalar(
        select(Account).where(Account.username == company.username(role))
    )


def test_failure_message_does_not_say_which_part_was_wrong(client, auth, company_a):
    texts = {
        auth.login("no-such-company", "cashier", PASSWORD).get_data(as_text=True),
        auth.login(company_a.code, "no-such-user", PASSWORD).get_data(as_text=True),
        auth.login(company_a.code, "cashier", "wrong-password").get_data(as_text=True),
    }
    for text in texts:
        assert "企业编号、用户名或密码不正确" in text
    assert client.get("/store/").status_code == 302  # still logged out


def test_company_code_is_case_insensitive_and_login_lands_on_first_page(client, auth, company_a):
    response = auth.login(company_a.code.upper(), "cashier")
    assert response.status_code == 302
    assert client.get("/").location.endswith("/store/")


def test_users_of_another_company_cannot_log_in_with_this_company_code(client, auth, company_a,
                                                                         company_b):
    # Both companies have a "cashier"; only alpha's knows this password.
    with tenant_context(company_a.tenant_id):
        _account(company_a, "cashier").password_hash = hash_password("alpha-only-secret")
        db.session.commit()
    refused = auth.login(company_b.code, "cashier", "alpha-only-secret")
    assert refused.status_code == 200 and "企业编号、用户名或密码不正确" in refused.get_data(
        as_text=True)
    assert client.get("/store/").status_code == 302  # still logged out
    # A username that exists only in alpha is unknown under beta's code.
    with tenant_context(company_a.tenant_id):
        db.session.add(Account(username="alpha-only", password_hash=hash_password(PASSWORD),
                               display_name="只在阿尔法", role="cashier"))
        db.session.commit()
    assert auth.login(company_b.code, "alpha-only").status_code == 200
    assert auth.login(company_a.code, "alpha-only").status_code == 302
    auth.logout()
    # The company code decides whose "cashier" logs in: beta's, into beta.
    assert auth.login(company_b.code, "cashier").status_code == 302
    desk = client.get("/store/", follow_redirects=True).get_data(as_text=True)
    assert "贝塔 1号店" in desk and "阿尔法" not in desk


def test_failed_logins_are_rate_limited_per_account(client, auth, company_a):
    for _ in range(5):
        assert auth.login(company_a.code, "cashier", "wrong-password").status_code == 200
    # Even the right password is refused while the account is throttled.
    assert auth.login(company_a.code, "cashier").status_code == 429
    # Another account from the same address is not locked out by it.
    assert auth.login(company_a.code, "dispatcher").status_code == 302


def test_failed_logins_are_rate_limited_per_address(app, client, auth, company_a):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for username in ("cashier", "greeter", "dispatcher"):
        assert auth.login(company_a.code, username, "wrong").status_code == 200
    assert auth.login(company_a.code, "cleaner").status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, auth, company_a):
    for _ in range(7):
        assert auth.login(company_a.code, "cashier").status_code == 302
        auth.logout()


def test_forms_without_csrf_token_are_refused(app, client, company_a):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"company": company_a.code, "username": "cashier",
                                           "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert client.get("/store/").status_code == 302
    # With the token from the form, the same log-in works.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"company": company_a.code, "username": "cashier",
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_the_api_needs_no_csrf_token_but_a_bearer_token(app, client, company_a, api_token):
    app.config["WTF_CSRF_ENABLED"] = True
    headers = api_token(company_a, "cashier")
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["username"] == "cashier"
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_api_ignores_the_session_cookie(client, auth, company_a):
    auth.login_as(company_a, "owner")
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_disabling_an_account_ends_its_open_session_at_once(app, company_a):
    cashier_client = app.test_client()
    response = cashier_client.post("/login", data={"company": company_a.code,
                                                   "username": "cashier", "password": PASSWORD})
    assert response.status_code == 302
    assert cashier_client.get("/store/").status_code == 200

    with tenant_context(company_a.tenant_id):
        services.disable_account(_account(company_a, "cashier"), reason="离职")
        db.session.commit()

    response = cashier_client.get("/store/")
    assert response.status_code == 302 and "/login" in response.location
    # …and the password no longer opens a new one; the attempt is audited.
    again = cashier_client.post("/login", data={"company": company_a.code,
                                                "username": "cashier", "password": PASSWORD})
    assert again.status_code == 200
    with tenant_context(company_a.tenant_id):
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "account.disable" in actions and "login.disabled_account" in actions


def test_disabling_an_account_revokes_its_api_tokens(client, company_a, api_token):
    headers = api_token(company_a, "cashier")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with tenant_context(company_a.tenant_id):
        services.disable_account(_account(company_a, "cashier"))
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_revoked_token_stops_working_and_others_keep_working(client, company_a, api_token):
    first = api_token(company_a, "store_manager")
    second = api_token(company_a, "store_manager")
    tokens = client.get("/api/v1/auth/tokens", headers=first).get_json()
    assert len(tokens) == 2 and all("token" not in t for t in tokens)
    first_id = tokens[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{first_id}", headers=second).status_code == 204
    assert client.get("/api/v1/auth/me", headers=first).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 200


def test_tokens_are_shown_once_and_stored_hashed(client, auth, company_a):
    auth.login_as(company_a, "cashier")
    page = client.post("/account/tokens", data={"name": "收银机 1 号"}).get_data(as_text=True)
    token = re.search(r"mz_[A-Za-z0-9_\-]+", page).group()
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    with tenant_context(company_a.tenant_id):
        from app.models import ApiToken

        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash != token and len(stored.token_hash) == 64
    # revoke from the page
    client.post(f"/account/tokens/{stored.id}/revoke")
    assert client.get("/api/v1/auth/me",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, auth, company_a, api_token):
    headers = api_token(company_a, "store_manager")
    token_id = client.get("/api/v1/auth/tokens", headers=headers).get_json()[0]["id"]
    auth.login_as(company_a, "cashier")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, company_a):
    this, other = app.test_client(), app.test_client()
    for c in (this, other):
        c.post("/login", data={"company": company_a.code, "username": "hr_staff",
                               "password": PASSWORD})
    response = this.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new-secret-1",
        "confirm_password": "new-secret-1"})
    assert response.status_code == 302
    assert this.get("/hr/").status_code == 200
    assert other.get("/hr/").status_code == 302
    assert app.test_client().post("/login", data={
        "company": company_a.code, "username": "hr_staff",
        "password": "new-secret-1"}).status_code == 302


def test_wrong_current_password_names_the_field_and_changes_nothing(client, auth, company_a):
    auth.login_as(company_a, "hr_staff")
    page = client.post("/account/password", data={
        "current_password": "nope", "new_password": "new-secret-1",
        "confirm_password": "new-secret-1"}).get_data(as_text=True)
    assert 'data-field-error="current_password"' in page
    auth.logout()
    assert auth.login(company_a.code, "hr_staff").status_code == 302


def test_passwords_are_stored_with_argon2id(company_a):
    with tenant_context(company_a.tenant_id):
        assert _account(company_a, "cashier").password_hash.startswith("$argon2id$")


def test_token_endpoint_errors_name_the_fields(client, company_a):
    response = client.post("/api/v1/auth/token", json={"company": company_a.code})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"username", "password"}
    response = client.post("/api/v1/auth/token", json={
        "company": company_a.code, "username": "cashier", "password": "wrong"})
    assert response.status_code == 401


def test_signup_creates_a_company_its_head_office_and_owner(client):
    response = client.post("/signup", data={
        "company": "newchain", "name": "新链足道", "owner_name": "王总",
        "username": "wang", "password": "secret-123"})
    assert response.status_code == 302
    # An owner must set up two-step verification before anything else (app/totp.py).
    assert client.get("/permissions").location.endswith("/account/totp")
    secret, _ = enrol_totp_via_page(client)
    assert client.get("/permissions").status_code == 200  # the owner holds every permission
    client.post("/logout")
    assert client.post("/login", data={"company": "newchain", "username": "wang",
                                       "password": "secret-123"}).status_code == 302
    assert client.post("/login/code", data={"code": otp_code(secret)}).status_code == 302
    assert client.get("/permissions").status_code == 200
    tenant = find_tenant_by_code("newchain")
    assert tenant.name == "新链足道"
    with tenant_context(tenant.id):
        # The head office: its departments, a position for every role, and the owner.
        departments = {d.code: d.name for d in db.session.scalars(select(Department))}
        assert departments == DEPARTMENTS
        assert set(db.session.scalars(select(Position.role))) == set(ROLES)
        owner = db.session.scalar(select(Account).where(Account.username == "wang"))
        assert owner.role == "owner" and owner.display_name == "王总"
        assert db.session.scalars(select(Store)).all() == []  # stores come later


def test_signup_with_a_taken_code_names_the_field_and_creates_nothing(client, company_a):
    page = client.post("/signup", data={
        "company": company_a.code, "name": "重复", "username": "x1",
        "password": "secret-123"}).get_data(as_text=True)
    assert "该企业编号已被使用" in page
    assert client.post("/login", data={"company": company_a.code, "username": "x1",
                                       "password": "secret-123"}).status_code == 200


def test_the_api_authenticates_before_it_validates(client, company_a):
    """No token: 401 whatever the body, so nothing about a resource is revealed."""
    for method, url in (("POST", "/api/v1/stores"), ("PATCH", f"/api/v1/stores/{10**6}"),
                        ("GET", "/api/v1/employees?page=zero")):
        response = client.open(url, method=method, json={"code": ""})
        assert response.status_code == 401, (method, url)
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/openapi.json").status_code == 200  # public documents stay open


def test_the_login_form_focuses_one_field(client, auth, company_a):
    """The company code first; after a failed try (the code kept), the username."""
    def focused(html: str) -> list[str]:
        return re.findall(r'<input[^>]*\bautofocus\b[^>]*\bname="(\w+)"', html)

    assert focused(client.get("/login").get_data(as_text=True)) == ["company"]
    again = auth.login(company_a.code, "cashier", "wrong-password").get_data(as_text=True)
    assert focused(again) == ["username"]
    assert 'autofocus="None"' not in again
