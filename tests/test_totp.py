"""Two-step verification (app/totp.py): required for owners and operators, optional
for everyone else, codes good once, recovery codes, the API's ``otp``."""

from __future__ import annotations

import pyotp
from sqlalchemy import select, text

from app import totp
from app.extensions import db
from app.models import Account, AuditEntry
from app.tenancy import tenant_context
from tests.conftest import enrol_totp_via_page
from tests.factories import OWNER_TOTP_SECRET, PASSWORD, otp_code


def _login_password(client, company, username, password=PASSWORD):
    return client.post("/login", data={"company": company.code, "username": username,
                                       "password": password})


def test_an_owner_without_totp_can_do_nothing_but_set_it_up(app, client, company_a):
    with tenant_context(company_a.tenant_id):
        owner = db.session.scalar(select(Account).where(Account.username == "owner"))
        owner.totp_enabled_at = owner.totp_secret = None
        db.session.commit()
    response = _login_password(client, company_a, "owner")
    assert response.location.endswith("/account/totp")
    for path in ("/", "/permissions", "/hr/", "/account/tokens"):
        assert client.get(path).location.endswith("/account/totp"), path
    page = client.get("/account/totp").get_data(as_text=True)
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    # No way round it through the API either.
    assert client.post("/api/v1/auth/token", json={
        "company": company_a.code, "username": "owner",
        "password": PASSWORD}).status_code == 403
    secret, codes = enrol_totp_via_page(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/permissions").status_code == 200
    with tenant_context(company_a.tenant_id):
        assert "login.totp_enabled" in db.session.scalars(select(AuditEntry.action)).all()
        # Stored encrypted, and only the recovery codes' hashes.
        raw = db.session.execute(text("SELECT totp_secret, totp_recovery_hashes FROM accounts "
                                      "WHERE username = 'owner'")).one()
    assert secret not in raw.totp_secret
    assert not any(code in str(raw.totp_recovery_hashes) for code in codes)


def test_a_wrong_first_code_does_not_turn_it_on(client, auth, company_a):
    auth.login_as(company_a, "cashier")
    client.get("/account/totp")
    page = client.post("/account/totp", data={"action": "confirm", "code": "123456"})
    assert "验证码不正确" in page.get_data(as_text=True)
    with tenant_context(company_a.tenant_id):
        cashier = db.session.scalar(select(Account).where(Account.username == "cashier"))
        assert not cashier.has_totp


def test_log_in_with_totp_asks_for_the_code_and_takes_it_once(app, client, company_a):
    assert _login_password(client, company_a, "owner").location.endswith("/login/code")
    assert client.get("/permissions").status_code == 302  # not logged in yet
    code = otp_code()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/permissions").status_code == 200
    client.post("/logout")
    # The same code a second time (seen over a shoulder): refused.
    _login_password(client, company_a, "owner")
    again = client.post("/login/code", data={"code": code})
    assert again.status_code == 200 and "验证码不正确" in again.get_data(as_text=True)
    assert client.get("/permissions").status_code == 302


def test_a_recovery_code_works_once(app, client, auth, company_a):
    auth.login_as(company_a, "cashier")
    secret, codes = enrol_totp_via_page(client)
    client.post("/logout")
    _login_password(client, company_a, "cashier")
    assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    client.post("/logout")
    _login_password(client, company_a, "cashier")
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 200
    with tenant_context(company_a.tenant_id):
        cashier = db.session.scalar(select(Account).where(Account.username == "cashier"))
        assert len(cashier.totp_recovery_hashes) == 9


def test_the_api_asks_accounts_with_totp_for_the_code(client, company_a):
    body = {"company": company_a.code, "username": "owner", "password": PASSWORD}
    missing = client.post("/api/v1/auth/token", json=body)
    assert missing.status_code == 401 and "otp" in missing.get_json()["error"]["fields"]
    assert client.post("/api/v1/auth/token",
                       json={**body, "otp": "000000"}).status_code == 401
    assert client.post("/api/v1/auth/token",
                       json={**body, "otp": otp_code()}).status_code == 201


def test_the_token_page_asks_for_the_code_too(client, auth, company_a):
    auth.login_as(company_a, "owner")
    page = client.post("/account/tokens", data={"name": "收银机", "otp": "000000"})
    assert "验证码不正确" in page.get_data(as_text=True)
    page = client.post("/account/tokens", data={"name": "收银机", "otp": otp_code()})
    assert 'data-testid="new-token"' in page.get_data(as_text=True)


def test_totp_is_optional_for_others_and_required_for_the_owner(client, auth, company_a):
    auth.login_as(company_a, "cashier")
    assert client.get("/store/").status_code == 200  # no set-up forced
    secret, _ = enrol_totp_via_page(client)
    off = client.post("/account/totp", data={"action": "disable", "code": otp_code(secret)})
    assert "两步验证已关闭" in off.get_data(as_text=True)
    client.post("/logout")
    auth.login_as(company_a, "owner")
    page = client.post("/account/totp", data={"action": "disable", "code": otp_code()})
    assert "您的角色必须使用两步验证" in page.get_data(as_text=True)


def test_codes_of_the_previous_and_next_step_only(app, company_a):
    with tenant_context(company_a.tenant_id):
        owner = db.session.scalar(select(Account).where(Account.username == "owner"))
        owner.totp_last_step = None
        clock = pyotp.TOTP(OWNER_TOTP_SECRET)
        import time

        now = int(time.time())
        assert not totp.verify(owner, clock.at(now - 90))
        assert not totp.verify(owner, clock.at(now + 90))
        assert totp.verify(owner, clock.at(now - 30))
        assert not totp.verify(owner, clock.at(now - 30))  # used
        assert totp.required_for(owner)
