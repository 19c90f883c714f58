"""The log-in guard (app/login_guard.py): the token endpoint is limited like the web
log-in, counts are shared by every worker through Redis, and nobody can lock the
real person out of their account."""

from __future__ import annotations

import time

from app import login_guard
from tests.factories import PASSWORD, otp_code

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWN_DESK = {"REMOTE_ADDR": "198.51.100.20"}


def _token(client, company, username, password, environ=None, **extra):
    return client.post("/api/v1/auth/token", environ_base=environ or ATTACKER, json={
        "company": company.code, "username": username, "password": password, **extra})


def test_the_token_endpoint_is_not_open_to_endless_guessing(client, company_a):
    """40 wrong passwords, then the right one: refused from that address (was 201),
    while the cashier at their own desk still gets a token at once."""
    statuses = [_token(client, company_a, "cashier", f"guess-{n}").status_code
                for n in range(40)]
    assert statuses.count(401) < 40 and statuses[-1] == 429
    refused = _token(client, company_a, "cashier", PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert _token(client, company_a, "cashier", PASSWORD, OWN_DESK).status_code == 201


def test_after_the_threshold_the_right_password_gets_in_after_a_growing_delay(app, client,
                                                                               company_a):
    app.config["LOGIN_DELAY_MAX_SECONDS"] = 1  # the doubling is tested on delay_after
    for n in range(5):
        assert _token(client, company_a, "cashier", f"guess-{n}").status_code == 401
    assert _token(client, company_a, "cashier", PASSWORD).status_code == 429
    time.sleep(1.1)
    assert _token(client, company_a, "cashier", PASSWORD).status_code == 201


def test_the_delay_doubles_and_is_capped(app):
    assert [login_guard.delay_after(n) for n in (1, 4, 5, 6, 7, 8, 20)] == \
        [0, 0, 2, 4, 8, 16, 300]


def test_a_stranger_cannot_lock_the_owner_out_of_the_web_log_in(app, company_a):
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(12):
        stranger.post("/login", environ_base=ATTACKER, data={
            "company": company_a.code, "username": "owner", "password": "wrong"})
    # The stranger's address waits; the owner, from their own device, logs in with
    # the password and the second factor at once.
    assert stranger.post("/login", environ_base=ATTACKER, data={
        "company": company_a.code, "username": "owner",
        "password": PASSWORD}).status_code == 429
    step = owner.post("/login", environ_base=OWN_DESK, data={
        "company": company_a.code, "username": "owner", "password": PASSWORD})
    assert step.location.endswith("/login/code")
    done = owner.post("/login/code", environ_base=OWN_DESK, data={"code": otp_code()})
    assert done.status_code == 302 and "/login" not in done.location


def test_wrong_second_factor_codes_count_as_failures(app, client, company_a):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 4
    client.post("/login", environ_base=ATTACKER, data={
        "company": company_a.code, "username": "owner", "password": PASSWORD})
    for _ in range(4):
        assert client.post("/login/code", environ_base=ATTACKER,
                           data={"code": "000000"}).status_code == 200
    assert client.post("/login/code", environ_base=ATTACKER,
                       data={"code": otp_code()}).status_code == 429


def test_memory_storage_without_redis(app):
    assert app.config["REDIS_URL"] == ""
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
