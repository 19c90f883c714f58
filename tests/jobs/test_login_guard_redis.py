"""Log-in limits with Redis storage: every gunicorn worker counts the same failures
(app/login_guard.py)."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.conftest import REDIS_TEST_URL, build_session_app
from tests.factories import PASSWORD

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}


def _token(client, company, username, password):
    return client.post("/api/v1/auth/token", environ_base=ATTACKER, json={
        "company": company.code, "username": username, "password": password})


@pytest.mark.redis
def test_limits_are_shared_by_every_worker_through_redis(backend, app, company_a):
    """Two app instances (two gunicorn workers) count the same failures."""
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_TEST_URL
    assert type(app.extensions["muzu_login_guard"]).__name__ == "RedisStorage"
    db.session.commit()
    first, second = (build_session_app(backend, REDIS_URL=REDIS_TEST_URL) for _ in range(2))
    assert first.extensions["muzu_login_guard"] is not second.extensions["muzu_login_guard"]
    with first.app_context():
        client = first.test_client()
        for n in range(3):
            assert _token(client, company_a, "cashier", f"guess-{n}").status_code == 401
    with second.app_context():
        second.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
        client = second.test_client()
        assert _token(client, company_a, "dispatcher", PASSWORD).status_code == 429
        db.session.remove()
    with first.app_context():
        db.session.remove()
