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
