"""Security headers on every response; no caching of what a signed-in person sees;
a body limit; a brake on API writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from app.headers import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def _assert_security_headers(response):
    csp = _csp(response)
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["default-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_kind_of_response_carries_the_security_headers(client, company_a, auth,
                                                              api_token):
    anonymous = [client.get("/login"), client.get("/static/js/muzu.js"),
                 client.get("/no-such-page"), client.get("/api/v1/openapi.json"),
                 client.get("/api/v1/docs"), client.get("/api/v1/stores")]
    for response in anonymous:
        _assert_security_headers(response)
    auth.login_as(company_a, "owner")
    store_page = f"/gm/stores/{company_a.stores[0].id}"
    for response in (client.get("/", follow_redirects=True), client.get(store_page)):
        assert response.status_code == 200
        _assert_security_headers(response)


def test_no_hsts_in_development_but_in_production(client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    from cryptography.fernet import Fernet

    values = {"SECRET_KEY": "k" * 48, "DATABASE_URL": "sqlite://", "REDIS_URL": "redis://x",
              "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    from config import load_config

    assert load_config("production").HSTS_SECONDS >= 31536000
    client.application.config["HSTS_SECONDS"] = 31536000
    assert client.get("/login").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")


def test_pages_with_personal_data_and_the_api_are_never_cached(client, company_a, auth,
                                                               api_token):
    response = client.get("/api/v1/stores", headers=api_token(company_a, "owner"))
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/openapi.json").headers["Cache-Control"] == "no-store"
    auth.login_as(company_a, "owner")
    for url in ("/", "/hr/employees", f"/gm/stores/{company_a.stores[0].id}"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    # Static files stay cacheable.
    assert "no-store" not in client.get("/static/js/muzu.js").headers.get("Cache-Control", "")


def test_no_template_runs_inline_script():
    """The CSP would block it silently: every script is a file under static/."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
        if re.search(r"hx-trigger=\"[^\"]*\[", text):  # a filter needs eval
            offenders.append(f"{path.relative_to(ROOT)} (hx-trigger filter)")
    assert offenders == []


def test_the_policy_is_one_line_per_directive():
    assert set(CONTENT_SECURITY_POLICY) >= {"default-src", "script-src", "frame-ancestors"}


def test_a_body_over_the_limit_is_413_json_on_the_api(client, company_a, api_token):
    headers = api_token(company_a, "owner")
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    response = client.post("/api/v1/customers", headers=headers,
                           json={"name": "王", "phone": "1", "notes": "x" * (limit + 10)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_the_body_limit_is_configurable(client):
    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"company": "x" * 2000})
    assert response.status_code == 413


def test_api_writes_are_limited_per_account_reads_are_not(client, company_a, api_token):
    create_app("test")  # another app in the process must not count each write again
    client.application.config["API_WRITE_RATE_LIMIT"] = "3 per minute"
    owner = api_token(company_a, "owner")
    manager = api_token(company_a, "general_manager")
    statuses = [client.post("/api/v1/stores", headers=owner, json={
        "code": f"N{n}", "name": f"新店{n}", "city": "广州"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    response = client.post("/api/v1/stores", headers=owner, json={"code": "N9"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    # Reads go on; another account has its own count.
    assert client.get("/api/v1/stores", headers=owner).status_code == 200
    assert client.post("/api/v1/stores", headers=manager, json={
        "code": "M1", "name": "另一店", "city": "深圳"}).status_code == 201


@pytest.mark.parametrize("config_name", ["development", "test"])
def test_the_default_write_limit_leaves_room_for_real_use(config_name):
    from limits import parse

    from config import load_config

    limit = parse(load_config(config_name).API_WRITE_RATE_LIMIT)
    assert limit.amount / limit.get_expiry() >= 1  # at least one write a second, sustained


def test_create_app_wires_the_headers():
    app = create_app("test")
    assert any(getattr(f, "__name__", "") == "add_security_headers"
               for f in app.after_request_funcs[None])
