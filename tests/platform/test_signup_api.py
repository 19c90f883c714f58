"""POST /api/v1/signup: a new company and its owner's bearer token, or 422 per field."""

from __future__ import annotations

import pytest

from tests import factories

GOOD = {"company": "yuezu", "name": "悦足连锁", "username": "boss",
        "password": factories.PASSWORD, "owner_name": "老板"}


def test_signup_creates_the_company_and_returns_a_working_token(app, client):
    response = client.post("/api/v1/signup", json=GOOD)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["company"] == "yuezu" and body["username"] == "boss"
    assert "password" not in body
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["role"] == "owner"
    assert me.get_json()["username"] == "boss"
    # The owner must use two-step verification: until it is set up, the token
    # opens nothing else.
    assert client.get("/api/v1/stores", headers=headers).status_code == 403
    secret = client.post("/api/v1/auth/totp", headers=headers).get_json()["secret"]
    confirmed = client.post("/api/v1/auth/totp/confirm", headers=headers,
                            json={"code": factories.otp_code(secret)})
    assert confirmed.status_code == 200 and len(confirmed.get_json()["recovery_codes"]) == 10
    assert client.get("/api/v1/stores", headers=headers).status_code == 200
    # ... and the owner logs in on the web with company + username + password + code.
    assert client.post("/login", data={"company": "yuezu", "username": "boss",
                                       "password": factories.PASSWORD}).status_code == 302
    assert client.post("/login/code",
                       data={"code": factories.otp_code(secret)}).status_code == 302
    assert client.get("/permissions").status_code == 200


@pytest.mark.parametrize("change, field", [
    ({"company": "alpha"}, "company"),  # taken
    ({"company": "1bad code"}, "company"),
    ({"name": "  "}, "name"),
    ({"username": "x"}, "username"),
    ({"password": "short"}, "password"),
])
def test_signup_names_the_bad_field(app, client, company_a, change, field):
    response = client.post("/api/v1/signup", json={**GOOD, **change})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]


def test_signup_requires_the_fields(app, client):
    response = client.post("/api/v1/signup", json={"company": "newco"})
    assert response.status_code == 422
    assert {"name", "username", "password"} <= set(response.get_json()["error"]["fields"])


def test_signup_with_another_companys_token_still_creates_the_company(app, client,
                                                                        company_a, api_token):
    # The API fuzzer found it: the caller's company was current when the new company's
    # token and audit entry were written, and the tenant guard answered 500.
    headers = api_token(company_a, "hr_manager")
    response = client.post("/api/v1/signup", json={**GOOD, "company": "newco"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    token = {"Authorization": f"Bearer {response.get_json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=token).get_json()["username"] == "boss"
