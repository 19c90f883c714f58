"""Sessions end on the server (app/sessions.py): log-out, time-outs, password changes;
API tokens die with the password; only same-site ``next`` targets."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app import sessions
from app.blueprints.auth import services
from app.extensions import db
from app.models import Account, ApiToken, AuditEntry, Tenant
from app.security import safe_next_path
from app.tenancy import tenant_context
from tests.factories import PASSWORD


def _account(company, role):
    with tenant_context(company.tenant_id):
        return db.session.scalar(select(Account).where(Account.username == role))


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_cookie_copied_before_log_out_is_dead_after_it(app, auth, client, company_a):
    auth.login_as(company_a, "cashier")
    copied = _cookie(client)
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/store/")
    assert response.status_code == 302 and "/login" in response.location
    with tenant_context(company_a.tenant_id):
        assert "session.logout_all" in db.session.scalars(select(AuditEntry.action)).all()


def test_an_idle_session_ends_after_the_companys_limit(app, auth, client, company_a):
    auth.login_as(company_a, "cashier")
    with client.session_transaction() as cookie:
        cookie[sessions.SEEN_AT] = int(time.time()) - 8 * 3600 + 120  # 7 h 58 min ago
    assert client.get("/store/").status_code == 200
    with client.session_transaction() as cookie:
        cookie[sessions.SEEN_AT] = int(time.time()) - 8 * 3600 - 60  # default: 8 hours
    response = client.get("/store/")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/store/").status_code == 302  # stays over


def test_the_idle_limit_is_the_companys_setting(app, auth, client, company_a):
    with tenant_context(company_a.tenant_id):
        sessions.save_security_settings(db.session.get(Tenant, company_a.tenant_id),
                                        {"session_idle_minutes": 30})
        db.session.commit()
    auth.login_as(company_a, "cashier")
    with client.session_transaction() as cookie:
        cookie[sessions.SEEN_AT] = int(time.time()) - 31 * 60
    assert client.get("/store/").status_code == 302


def test_an_active_session_still_ends_after_the_absolute_limit(app, auth, client, company_a):
    auth.login_as(company_a, "cashier")
    with client.session_transaction() as cookie:
        cookie[sessions.AUTH_AT] = int(time.time()) - 7 * 24 * 3600 - 60
    response = client.get("/store/")
    assert response.status_code == 302 and "/login" in response.location


def test_the_owner_sets_the_idle_limit_on_the_page_and_through_the_api(
        app, auth, client, company_a, api_token):
    auth.login_as(company_a, "owner")
    page = client.get("/company/security").get_data(as_text=True)
    assert 'value="480"' in page
    bad = client.post("/company/security", data={"session_idle_minutes": "0"})
    assert "5–1440" in bad.get_data(as_text=True)
    assert client.post("/company/security",
                       data={"session_idle_minutes": "45"}).status_code == 302
    headers = api_token(company_a, "owner")
    assert client.get("/api/v1/auth/security-settings",
                      headers=headers).get_json()["session_idle_minutes"] == 45
    refused = client.put("/api/v1/auth/security-settings", headers=headers,
                         json={"session_idle_minutes": 99999})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["session_idle_minutes"]
    assert client.put("/api/v1/auth/security-settings", headers=headers,
                      json={"session_idle_minutes": 60}).get_json()["session_idle_minutes"] == 60
    with tenant_context(company_a.tenant_id):
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("security.settings_update") == 2
    # Nobody but the owner: HR manages logins, not the company's security rules.
    hr = api_token(company_a, "hr_manager")
    assert client.get("/api/v1/auth/security-settings", headers=hr).status_code == 403


def test_a_password_change_revokes_api_tokens_and_ends_other_sessions(app, auth, client,
                                                                       company_a, api_token):
    headers = api_token(company_a, "cashier")
    other_device = app.test_client()
    other_device.post("/login", data={"company": company_a.code, "username": "cashier",
                                      "password": PASSWORD})
    assert other_device.get("/store/").status_code == 200
    auth.login_as(company_a, "cashier")
    changed = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "new-pass-456",
        "confirm_password": "new-pass-456"})
    assert changed.status_code == 302
    assert client.get("/store/").status_code == 200  # this session goes on
    assert other_device.get("/store/").status_code == 302
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_an_admin_password_reset_revokes_api_tokens(app, client, company_a, api_token):
    headers = api_token(company_a, "cashier")
    with tenant_context(company_a.tenant_id):
        services.reset_password(_account(company_a, "cashier"), "reset-pass-789")
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    with tenant_context(company_a.tenant_id):
        assert all(t.revoked_at for t in db.session.scalars(select(ApiToken)))


NASTY = [
    "/%09/evil.example/", "/\t/evil.example/", "//evil.example/", "/\\evil.example/",
    "\\\\evil.example", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
    "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "/%0a/evil.example",
    "evil.example", "/\x00/evil", "/\u3000/evil.example", "///evil.example",
]


@pytest.mark.parametrize("target", NASTY)
def test_log_in_redirects_only_to_paths_of_this_site(client, company_a, target):
    from urllib.parse import quote

    response = client.post(f"/login?next={quote(target, safe='%')}", data={
        "company": company_a.code, "username": "cashier", "password": PASSWORD})
    if "\x00" in target:
        # A NUL byte is refused before any view (app/inputs.py): no log-in, no redirect.
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.location in ("/", "/store/") or response.location.startswith("/store")
    assert "evil" not in response.location and "javascript" not in response.location


def test_a_same_site_path_is_kept(client, company_a):
    response = client.post("/login?next=/store/%3Fx%3D1", data={
        "company": company_a.code, "username": "cashier", "password": PASSWORD})
    assert response.location == "/store/?x=1"


@pytest.mark.parametrize("target", NASTY)
def test_safe_next_path_refuses_every_variant(target):
    from urllib.parse import unquote

    assert safe_next_path(unquote(target)) is None
    assert safe_next_path("/hr/employees?page=2") == "/hr/employees?page=2"
