"""Fixtures: one app per database backend per test session, clients, companies, login.

Backends
--------
Every test that uses ``app`` (or ``database_url``/``backend``) runs on
PostgreSQL, the production engine.  It runs on SQLite as well — the embedded
default of ``make run`` — only when it opts in, because its behaviour can
differ by dialect: the migrations, the demo load, the browser day, and the
tests of locking, JSON columns, dates and times or numeric rounding.  A test
opts in with ``@pytest.mark.both_backends`` (or a module with
``pytestmark = pytest.mark.both_backends``).

``MUZU_TEST_BACKENDS`` narrows or widens this on a developer machine:
``sqlite`` runs every database test on SQLite only (no PostgreSQL needed),
``postgresql`` drops the SQLite runs, ``all`` runs every database test on
both.  Under ``CI=true`` it may not drop a backend, and a missing PostgreSQL
or Redis fails the run instead of skipping.

One app, empty tables
---------------------
``create_app()`` costs about 0.4 s (URL rules, the OpenAPI document), so each
backend builds its app once per session (``session_app``) and each test gets
it in a fresh app context, with its config restored and the login rate limits
emptied afterwards.  Every test starts from empty tables: SQLite copies the
migrated template file back, PostgreSQL deletes every row and restarts the id
sequences.  PostgreSQL databases are created from one migrated template
database per version of ``migrations/`` (``CREATE DATABASE … TEMPLATE``), one
per pytest-xdist worker; a worker's Redis is its own database number.

Row-level security on
---------------------
As in production, the PostgreSQL app connects as ``muzu_app`` (created with the
bypass role ``muzu_cross_tenant`` when missing: app/rls.py), which owns nothing
and obeys the policies; the migrations and the emptying between tests run as the
administrator (``TEST_PG_ADMIN_URL``, a superuser).  ``backend["owner_url"]`` is
that administrator's URL of the test database.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app, login_guard
from app.extensions import db, limiter
from app.tenancy import tenant_context
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("TEST_PG_DB", "muzu_test")
PG_APP_ROLE, PG_CROSS_TENANT_ROLE = "muzu_app", "muzu_cross_tenant"
# "gw0", "gw1", ... under pytest-xdist; "main" in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0
BOTH = ("sqlite", "postgresql")

# CI replays the same examples every run; a failure there is reproducible.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")


def _redis_test_url() -> str:
    """Database 15 (14, 13 … for the other xdist workers) of the local Redis."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    server, _, number = base.rpartition("/")
    return f"{server}/{int(number) - WORKER_INDEX}"


REDIS_TEST_URL = _redis_test_url()


def _allowed_backends() -> tuple[str, ...] | None:
    """``MUZU_TEST_BACKENDS`` as a tuple; None when unset (the per-test default)."""
    raw = os.environ.get("MUZU_TEST_BACKENDS", "").strip()
    if not raw:
        return None
    if raw == "all":
        return BOTH
    names = tuple(b.strip() for b in raw.split(",") if b.strip())
    unknown = set(names) - set(BOTH)
    if unknown:
        raise pytest.UsageError(f"MUZU_TEST_BACKENDS: unknown backend(s) {sorted(unknown)}")
    return names


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_backends: run on SQLite as well as PostgreSQL (dialect-sensitive)")
    allowed = _allowed_backends()
    if IN_CI and allowed is not None and set(allowed) != set(BOTH):
        raise pytest.UsageError(
            f"MUZU_TEST_BACKENDS={os.environ['MUZU_TEST_BACKENDS']!r} would drop a backend; "
            "under CI=true every backend is required")


def backends_for(marked_both: bool) -> tuple[str, ...]:
    """The backends a database test runs on (see the module docstring)."""
    wanted = BOTH if marked_both else ("postgresql",)
    allowed = _allowed_backends()
    if allowed is None:
        return wanted
    if allowed == BOTH:
        return BOTH
    # A developer without PostgreSQL still runs every test, on what they have.
    return tuple(b for b in wanted if b in allowed) or allowed


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("both_backends") is not None
        metafunc.parametrize("backend", backends_for(marked), indirect=True, scope="session")


def missing_service(what: str):
    """Fail under CI, skip on a developer machine without the service."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(f"{what} is not available")


def _migrate(url: str) -> None:
    """Build the schema with the real migrations, which must have exactly one head."""
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        heads = ScriptDirectory.from_config(
            app.extensions["migrate"].migrate.get_config(str(MIGRATIONS))).get_heads()
        if len(heads) != 1:
            pytest.fail(f"migrations/ has {len(heads)} heads {sorted(heads)}: merge them "
                        "(flask db merge) so that an upgrade is one straight line", pytrace=False)
        upgrade(directory=str(MIGRATIONS), revision="head")
        db.engine.dispose()


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _app_role_url(owner_url: str) -> str:
    """The same database as the app's role (trust authentication, no password)."""
    return make_url(owner_url).set(username=PG_APP_ROLE, password=None).render_as_string(
        hide_password=False)


def _postgres_database() -> str:
    """This worker's database, copied from the migrated template of this version of
    migrations/ (built once, by whichever worker gets the advisory lock first)."""
    from app.rls import ensure_roles, grant_app_roles

    template = f"{PG_TEST_DB}_tpl_{_migrations_fingerprint()}"
    mine = f"{PG_TEST_DB}_{WORKER}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": PG_TEST_DB})
            try:
                ensure_roles(conn, PG_APP_ROLE, PG_CROSS_TENANT_ROLE)
                exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": template})
                if not exists:
                    _build_template(conn, template)
                conn.execute(text(f'DROP DATABASE IF EXISTS "{mine}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{mine}" TEMPLATE "{template}"'))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": PG_TEST_DB})
    finally:
        admin.dispose()
    owner = create_engine(_pg_url(mine))
    try:
        with owner.begin() as conn:
            grant_app_roles(conn, PG_APP_ROLE, PG_CROSS_TENANT_ROLE)
    finally:
        owner.dispose()
    return _pg_url(mine)


def _build_template(conn, template: str) -> None:
    """Migrate into a scratch database, then rename it: a failed migration leaves
    no half-built template behind.  Templates of older migrations are dropped."""
    scratch = f"{template}_build"
    conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    _migrate(_pg_url(scratch))
    conn.execute(text(f'ALTER DATABASE "{scratch}" RENAME TO "{template}"'))
    stale = conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p "
                              "AND datname <> :t"),
                         {"p": f"{PG_TEST_DB}_tpl_%", "t": template}).all()
    for name in stale:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def backend(request, tmp_path_factory):
    """One database backend with the migrated schema: ``{"name", "url", "template"}``.

    ``url`` is the database every test of this backend uses (emptied after each
    test); for SQLite ``template`` is the migrated file it is copied back from.
    """
    name = request.param
    if name == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite")
        template = folder / "template.sqlite"
        _migrate(f"sqlite:///{template}")
        live = folder / "muzu.sqlite"
        shutil.copyfile(template, live)
        return {"name": name, "url": f"sqlite:///{live}", "template": template,
                "path": live, "engines": []}
    if name == "postgresql":
        try:
            owner_url = _postgres_database()
        except Exception as exc:  # noqa: BLE001
            missing_service(f"PostgreSQL ({exc.__class__.__name__}: {exc})")
        return {"name": name, "url": _app_role_url(owner_url), "owner_url": owner_url,
                "template": None, "engines": []}
    raise ValueError(f"unknown backend {name}")


def _empty_sqlite(backend: dict) -> None:
    """Copy the migrated template back over the test database (and drop its WAL)."""
    for engine in backend["engines"]:
        engine.dispose()
    live: Path = backend["path"]
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backend["template"], live)


_PG_TABLES: dict[str, list[str]] = {}


def _empty_postgresql(url: str) -> None:
    """Empty every table and restart every id sequence after a PostgreSQL test.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE of some 50 tables
    costs about 0.7 s on this machine against 0.03 s for the DELETEs — minutes over
    the suite.  ``session_replication_role = replica`` skips the FK checks (any order
    works) and the audit log's append-only triggers: only tests may do this.
    """
    engine = _cleaner_engine(url)
    with engine.begin() as conn:
        tables = _PG_TABLES.get(url)
        if tables is None:
            tables = _PG_TABLES[url] = [t for t in inspect(conn).get_table_names()
                                        if t != "alembic_version"]
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))


_CLEANERS: dict[str, object] = {}


def _cleaner_engine(url: str):
    if url not in _CLEANERS:
        _CLEANERS[url] = create_engine(url, pool_size=1)
    return _CLEANERS[url]


def empty_database(backend: dict) -> None:
    """Every table of the backend's database empty again (ids restarted)."""
    if backend["name"] == "sqlite":
        _empty_sqlite(backend)
    else:
        for engine in backend["engines"]:
            engine.dispose()  # a test may have left a transaction open
        _empty_postgresql(backend["owner_url"])


@pytest.fixture
def database_url(backend):
    """The backend's database; empty when the test starts, emptied when it ends.

    A module whose tests only read the same costly data (tests/demo/test_history.py)
    overrides this with a module-scoped load, emptied after its last test."""
    yield backend["url"]
    empty_database(backend)


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


def build_session_app(backend: dict, **overrides):
    """An app on the backend's database, built once per session and reused."""
    flask_app = create_app("test", SQLALCHEMY_DATABASE_URI=backend["url"], **overrides)
    flask_app.test_client_class = ProductionLikeClient
    with flask_app.app_context():
        backend["engines"].append(db.engine)
    return flask_app


@pytest.fixture(scope="session")
def session_app(backend):
    """The inline-jobs app of this backend (no Redis), shared by every test."""
    return build_session_app(backend)


@pytest.fixture(scope="session")
def redis_session_app(backend):
    """This backend's app with ``REDIS_URL`` set: jobs go to RQ instead of running
    inline (tests marked ``redis``, see tests/jobs/conftest.py)."""
    return build_session_app(backend, REDIS_URL=REDIS_TEST_URL)


def fresh_app_context(flask_app):
    """Yield ``flask_app`` inside a new app context; restore its config afterwards."""
    config = dict(flask_app.config)
    try:
        with flask_app.app_context():
            yield flask_app
            db.session.remove()
    finally:
        flask_app.config.clear()
        flask_app.config.update(config)
        flask_app.extensions.pop("muzu_redis", None)
        with flask_app.app_context():
            limiter.reset()  # login failures counted by one test must not lock the next
            login_guard.reset()


@pytest.fixture
def app(session_app, database_url):
    yield from fresh_app_context(session_app)


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
        """The password step and, for an account with TOTP (every owner), the code step."""
        response = self._client.post(
            "/login", data={"company": company, "username": username, "password": password}
        )
        if response.status_code == 302 and response.location.endswith("/login/code"):
            response = self._client.post("/login/code", data={"code": factories.otp_code()})
        return response

    def login_as(self, company, role: str):
        response = self.login(company.code, company.username(role))
        assert response.status_code == 302, f"login as {role} failed"
        return response

    def logout(self):
        return self._client.post("/logout")


def enrol_totp_via_page(client, url: str = "/account/totp") -> tuple[str, list[str]]:
    """Set up TOTP through the enrolment page as a person would: read the secret off
    the page, type a code.  Returns the secret and the recovery codes shown."""
    page = client.get(url).get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post(url, data={"action": "confirm", "code": factories.otp_code(secret)})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and 'data-testid="totp-on"' in page, page
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>", page)
    return secret, codes


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def api_token(client):
    """Return a bearer token for (company, role) via POST /api/v1/auth/token."""

    def issue(company, role: str) -> dict:
        body = {"company": company.code, "username": company.username(role),
                "password": factories.PASSWORD}
        if role == "owner":  # enrolled by the factory (app/totp.py: required)
            body["otp"] = factories.otp_code()
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue


@pytest.fixture
def redis_url():
    """A real Redis (this worker's database, emptied before and after the test)."""
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
