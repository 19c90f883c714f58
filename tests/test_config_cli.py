"""Start-up configuration and the operators' commands."""

import pytest
from sqlalchemy import select

import config as config_module
from app.extensions import db
from app.models import Account, Position, Tenant
from app.tenancy import tenant_context
from config import ConfigError, load_config
from tests.conftest import enrol_totp_via_page

# Also on SQLite: the CLI of `make run` (SQLite) and of production (PostgreSQL).
pytestmark = pytest.mark.both_backends
REAL_SECRET = "x7Jq2m9PzL0vR4tW8yB1nC6dF3gH5kS0aE2uI9oP"


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://muzu@db/muzu")
    with pytest.raises(ConfigError) as error:
        load_config("production")
    assert "SECRET_KEY" in str(error.value) and "REDIS_URL" in str(error.value)


def test_production_takes_everything_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", REAL_SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql://muzu@db/muzu")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "k" * 43 + "=")
    config = load_config("production")
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://muzu@db/muzu"
    assert config.RATELIMIT_STORAGE_URI == "redis://cache:6379/0"  # limits shared by workers
    assert config.SECRET_KEY == REAL_SECRET
    assert config.FIELD_ENCRYPTION_KEY == "k" * 43 + "="


def test_production_refuses_to_start_without_the_field_encryption_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://muzu@db/muzu")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEY"):
        load_config("production")


def test_development_is_sqlite_with_inline_jobs(monkeypatch, tmp_path):
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = load_config("development")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.REDIS_URL == ""


def test_tenant_create_command_makes_a_company_with_its_org_chart(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenant", "create", "--code", "huaxi", "--name", "华溪足道",
                                 "--owner", "boss", "--password", "secret-123"])
    assert result.exit_code == 0, result.output
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == "huaxi"))
    with tenant_context(tenant.id):
        roles = set(db.session.scalars(select(Position.role)))
        owner = db.session.scalar(select(Account).where(Account.username == "boss"))
    assert len(roles) == 20 and owner.role == "owner"
    client = app.test_client()
    assert client.post("/login", data={"company": "huaxi", "username": "boss",
                                       "password": "secret-123"}).status_code == 302


def test_tenant_create_command_explains_bad_input_and_creates_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenant", "create", "--code", "X", "--name", "",
                                 "--password", "short"])
    assert result.exit_code == 2
    assert "company" in result.output and "password" in result.output
    assert db.session.scalar(select(Tenant).where(Tenant.code == "x")) is None


def test_platform_admin_command_creates_an_operator_who_can_log_in(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["platform", "create-admin", "--username", "ops",
                                 "--password", "ops-secret-1"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = client.post("/platform/login", data={"username": "ops",
                                                    "password": "ops-secret-1"})
    assert response.status_code == 302
    # An operator must set up two-step verification before anything else.
    assert client.get("/platform/").location.endswith("/platform/totp")
    enrol_totp_via_page(client, "/platform/totp")
    assert client.get("/platform/").status_code == 200


def test_development_generates_its_own_secrets_once_and_keeps_them_private(monkeypatch,
                                                                           tmp_path):
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    first = load_config("development")
    assert first.SECRET_KEY not in config_module.PUBLIC_SECRETS
    assert len(first.SECRET_KEY) >= 32
    for name in ("secret_key", "field_encryption_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    # The field key is random too, not derived from the secret key.
    field_key = first.FIELD_ENCRYPTION_KEY.split(",")[0]
    assert field_key == (tmp_path / "field_encryption_key").read_text().strip()
    again = load_config("development")
    assert (again.SECRET_KEY, again.FIELD_ENCRYPTION_KEY) == (
        first.SECRET_KEY, first.FIELD_ENCRYPTION_KEY)
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path / "other-install")
    assert load_config("development").SECRET_KEY != first.SECRET_KEY
    monkeypatch.setenv("SECRET_KEY", REAL_SECRET)
    assert load_config("development").SECRET_KEY == REAL_SECRET


def test_the_instance_secrets_are_never_committed():
    ignored = (config_module.BASE_DIR / ".gitignore").read_text().split()
    assert "instance/" in ignored


def test_a_session_forged_with_the_old_public_default_is_refused(monkeypatch, tmp_path,
                                                                 database_url, company_a):
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from app import create_app

    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    forger = Flask("forger")
    forger.secret_key = "dev-only-secret-change-me"
    with tenant_context(company_a.tenant_id):
        cashier = db.session.scalar(select(Account).where(Account.username == "cashier"))
        user_id = cashier.get_id()
    forged = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": user_id, "_fresh": True})
    dev = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    client = dev.test_client()
    client.set_cookie("session", forged)
    response = client.get("/store/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("secret, field_key", [
    ("s3cret", "k" * 43 + "="),  # short
    ("dev-only-secret-change-me", "k" * 43 + "="),  # the old public default
    (REAL_SECRET, "not-a-fernet-key"),
])
def test_production_refuses_keys_that_are_not_real(monkeypatch, secret, field_key):
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.setenv("DATABASE_URL", "postgresql://muzu@db/muzu")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", field_key)
    with pytest.raises(ConfigError):
        load_config("production")
