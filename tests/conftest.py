"""Fixtures: the app on SQLite and PostgreSQL, clients, companies, login helper.

Every test that uses ``app`` runs once per backend (``MUZU_TEST_BACKENDS``,
default ``sqlite,postgresql``).  The schema is built by the Alembic migrations,
once per backend; each test starts from empty tables.  Under ``CI=true`` a
missing PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import contextvars
import os
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from app.tenancy import tenant_context
from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("TEST_PG_DB", "muzu_test")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = [b.strip() for b in os.environ.get("MUZU_TEST_BACKENDS", "sqlite,postgresql").split(",")
            if b.strip()]


def missing_service(what: str):
    """Fail under CI, skip on a developer machine without the service."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(f"{what} is not available")


def _postgres_url() -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": PG_TEST_DB})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{PG_TEST_DB}"'))
    finally:
        admin.dispose()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        # "heads": several branches may be in flight before they are merged.
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory):
    """(name, url, template) for one database backend with the migrated schema."""
    name = request.param
    if name == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
        _migrate(f"sqlite:///{template}")
        return {"name": name, "template": template, "url": None}
    if name == "postgresql":
        try:
            url = _postgres_url()
        except Exception as exc:  # noqa: BLE001
            missing_service(f"PostgreSQL ({exc.__class__.__name__})")
        _migrate(url)
        return {"name": name, "url": url, "template": None}
    raise ValueError(f"unknown backend {name}")


@pytest.fixture
def database_url(backend, tmp_path):
    if backend["name"] == "sqlite":
        path = tmp_path / "muzu.sqlite"
        shutil.copyfile(backend["template"], path)
        yield f"sqlite:///{path}"
        return
    yield backend["url"]
    _truncate_all(backend["url"])


def _truncate_all(url: str) -> None:
    """Empty every table and restart every id sequence after a PostgreSQL test.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE of some 50 tables
    costs about 0.7 s on this machine against 0.03 s for the DELETEs — minutes over
    the suite.  ``session_replication_role = replica`` skips the FK checks (any order
    works) and the audit log's append-only triggers: only tests may do this.
    """
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    engine.dispose()


class ProductionLikeClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    Flask reuses an app context that is already pushed (the test's own), which
    would share ``g`` (the logged-in user) and the database session between
    requests and the test, hiding exactly the bugs the isolation tests look
    for.  The test's pending work is committed first, so the request sees it
    and the test's objects are reloaded afterwards.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect followed inside the request's context
            return super().open(*args, **kwargs)
        db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = ProductionLikeClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def company_a(app):
    company = factories.make_company("alpha", "阿尔法")
    db.session.commit()
    return company


@pytest.fixture
def company_b(app, company_a):
    company = factories.make_company("beta", "贝塔")
    db.session.commit()
    return company


@pytest.fixture
def in_tenant():
    """``with in_tenant(company): ...`` runs ORM code as that company."""
    return lambda company: tenant_context(company.tenant_id)


class AuthActions:
    """Log in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client):
        self._client = client

    def login(self, company: str, username: str, password: str = factories.PASSWORD):
        return self._client.post(
            "/login", data={"company": company, "username": username, "password": password}
        )

    def login_as(self, company, role: str):
        response = self.login(company.code, company.username(role))
        assert response.status_code == 302, f"login as {role} failed"
        return response

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def api_token(client):
    """Return a bearer token for (company, role) via POST /api/v1/auth/token."""

    def issue(company, role: str) -> dict:
        response = client.post("/api/v1/auth/token", json={
            "company": company.code, "username": company.username(role),
            "password": factories.PASSWORD})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue


@pytest.fixture
def redis_url():
    """A real Redis (database 15, emptied before and after the test)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    conn = Redis.from_url(REDIS_TEST_URL)
    try:
        conn.ping()
    except RedisConnectionError:
        missing_service("Redis on 127.0.0.1:6379")
    conn.flushdb()
    yield REDIS_TEST_URL
    conn.flushdb()
    conn.close()
