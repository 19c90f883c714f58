"""PostgreSQL row-level security, the second wall (issue 9, part 6; app/rls.py).

The app connects as ``muzu_app`` (tests/conftest.py), which owns nothing and does not
bypass the policies: what the ORM scoping cannot see — ``text()``, Core statements,
COPY — the database filters by the tenant of the transaction, and with no tenant
shows and accepts nothing.
"""

import logging
from datetime import UTC, datetime, time

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import DBAPIError, ProgrammingError

from app.extensions import db
from app.models import Store
from app.rls import sync_database_tenant
from app.tenancy import (
    CROSS_TENANT,
    CROSS_TENANT_USES,
    TenantScopeError,
    cross_tenant_access,
    tenant_context,
)


@pytest.fixture
def owner(backend):
    """The administrator's connection (bypasses the policies), to see what really is."""
    engine = create_engine(backend["owner_url"])
    yield engine
    engine.dispose()


def _store_tenants(owner) -> dict[int, list[str]]:
    with owner.connect() as conn:
        rows = conn.execute(text("SELECT tenant_id, name FROM stores ORDER BY id")).all()
    found: dict[int, list[str]] = {}
    for tenant_id, name in rows:
        found.setdefault(tenant_id, []).append(name)
    return found


def test_the_app_connects_as_a_role_that_owns_nothing_and_bypasses_nothing(app):
    role = db.session.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )).one()
    assert role == ("muzu_app", False, False)
    owned = db.session.scalar(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"))
    assert owned == 0


def test_a_raw_select_sees_only_the_current_tenant(app, company_a, company_b):
    with tenant_context(company_b.tenant_id):
        seen = db.session.execute(text("SELECT DISTINCT tenant_id FROM stores")).scalars().all()
        accounts = db.session.execute(text("SELECT DISTINCT tenant_id FROM accounts")).scalars()
        assert seen == [company_b.tenant_id]
        assert list(accounts) == [company_b.tenant_id]
    db.session.commit()
    # No tenant: nothing at all, on the same pooled connection after the commit.
    assert db.session.execute(text("SELECT count(*) FROM stores")).scalar() == 0
    assert db.session.execute(text("SELECT count(*) FROM employees")).scalar() == 0


def test_a_core_update_touches_only_the_current_tenant(app, company_a, company_b, owner):
    before = _store_tenants(owner)
    with tenant_context(company_b.tenant_id):
        result = db.session.execute(update(Store.__table__).values(name="改名"))
        assert result.rowcount == len(before[company_b.tenant_id])
    db.session.commit()
    after = _store_tenants(owner)
    assert after[company_a.tenant_id] == before[company_a.tenant_id]
    assert set(after[company_b.tenant_id]) == {"改名"}

    # With no tenant the same statement changes nothing.
    assert db.session.execute(update(Store.__table__).values(name="无主")).rowcount == 0
    db.session.commit()
    assert _store_tenants(owner) == after


def test_a_raw_insert_for_another_tenant_is_refused(app, company_a, company_b):
    with tenant_context(company_b.tenant_id), pytest.raises(ProgrammingError) as caught:
        db.session.execute(text(
            "INSERT INTO stores (tenant_id, code, name, city, address, status) "
            "VALUES (:t, 'X01', '越界', '广州', '-', 'open')"), {"t": company_a.tenant_id})
    assert isinstance(caught.value.orig, pg_errors.InsufficientPrivilege)
    assert "row-level security" in str(caught.value.orig)
    db.session.rollback()


def test_copy_sees_only_the_current_tenant_and_cannot_write_past_the_wall(
        app, company_a, company_b, owner):
    with tenant_context(company_b.tenant_id):
        connection = db.session.connection()
        sync_database_tenant(connection)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy("COPY (SELECT tenant_id FROM stores) TO STDOUT") as copy:
                copied = {int(row[0]) for row in copy.rows()}
            assert copied == {company_b.tenant_id}
            # PostgreSQL refuses COPY FROM into a table under row-level security: the
            # demo's bulk copy goes through cross_tenant_access (app/demo/hr_common.py).
            with pytest.raises(pg_errors.FeatureNotSupported), cursor.copy(
                    "COPY stores (tenant_id, code, name, city, address, status) FROM STDIN"
            ) as copy:
                copy.write_row([company_a.tenant_id, "X02", "越界", "广州", "-", "open"])
    db.session.rollback()
    assert "越界" not in _store_tenants(owner)[company_a.tenant_id]


def test_the_demo_bulk_copy_refuses_a_row_of_another_tenant(app, company_a, company_b, owner):
    from app.demo.hr_common import copy_rows

    row = {"code": "X03", "name": "越界", "city": "广州", "address": "-", "phone": "-",
           "opens_at": time(11), "closes_at": time(2), "status": "open",
           "created_at": datetime.now(UTC)}
    with tenant_context(company_b.tenant_id):
        with pytest.raises(TenantScopeError):
            copy_rows(Store, [{**row, "tenant_id": company_a.tenant_id}])
        db.session.rollback()
        copy_rows(Store, [{**row, "tenant_id": company_b.tenant_id, "name": "批量"}])
        db.session.commit()
    stores = _store_tenants(owner)
    assert "批量" in stores[company_b.tenant_id]
    assert "越界" not in stores[company_a.tenant_id]


def test_the_app_role_cannot_truncate_the_audit_log_or_drop_its_trigger(app, company_a):
    for statement in ("TRUNCATE audit_log",
                      "ALTER TABLE audit_log DISABLE TRIGGER USER",
                      "DROP TRIGGER audit_log_append_only ON audit_log"):
        for bypass in (False, True):
            with pytest.raises(DBAPIError) as caught:
                if bypass:
                    with cross_tenant_access("test: try to erase the audit log"):
                        db.session.execute(text(statement))
                else:
                    db.session.execute(text(statement))
            assert isinstance(caught.value.orig, pg_errors.InsufficientPrivilege), statement
            db.session.rollback()
    with tenant_context(company_a.tenant_id):
        assert db.session.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0


def test_cross_tenant_access_is_the_one_way_across(app, company_a, company_b, caplog):
    with pytest.raises(TenantScopeError, match="cross_tenant_access"):
        db.session.scalars(select(Store).execution_options(**CROSS_TENANT)).all()
    db.session.rollback()
    uses = CROSS_TENANT_USES["test: every store"]
    with caplog.at_level(logging.INFO, logger="muzu.cross_tenant"), \
            cross_tenant_access("test: every store"):
        orm = {s.tenant_id for s in db.session.scalars(select(Store))}
        raw = set(db.session.execute(text("SELECT tenant_id FROM stores")).scalars())
        # A tenant named inside the block is scoped again (a fan-out's per-tenant step).
        with tenant_context(company_a.tenant_id):
            inner = set(db.session.execute(text("SELECT tenant_id FROM stores")).scalars())
    assert orm == raw == {company_a.tenant_id, company_b.tenant_id}
    assert inner == {company_a.tenant_id}
    assert CROSS_TENANT_USES["test: every store"] == uses + 1
    assert "cross-tenant access: test: every store" in caplog.text
    # Left the block: the same transaction is back to no tenant, no bypass.
    assert db.session.execute(text("SELECT count(*) FROM stores")).scalar() == 0
    db.session.rollback()


def test_a_rolled_back_savepoint_does_not_lose_the_tenant(app, company_a, company_b):
    with tenant_context(company_b.tenant_id):
        savepoint = db.session.begin_nested()
        db.session.execute(text("SELECT 1 FROM stores"))
        savepoint.rollback()
        seen = set(db.session.execute(text("SELECT tenant_id FROM stores")).scalars())
    assert seen == {company_b.tenant_id}
    db.session.rollback()


# --------------------------------------------------------------------------- the catalog

RLS_CHECK = """
    SELECT cls.relname, cls.relrowsecurity, cls.relforcerowsecurity,
           (SELECT count(*) FROM pg_policy pol
            WHERE pol.polrelid = cls.oid AND pol.polname = 'tenant_isolation'
              AND pol.polcmd = '*' AND pol.polpermissive
              AND pg_get_expr(pol.polqual, pol.polrelid) LIKE '%muzu.tenant_id%'
              AND pg_get_expr(pol.polwithcheck, pol.polrelid) LIKE '%muzu.tenant_id%') AS policies
    FROM pg_class cls
    JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
    JOIN pg_attribute att ON att.attrelid = cls.oid AND att.attname = 'tenant_id'
                         AND NOT att.attisdropped
    WHERE nsp.nspname = :schema AND cls.relkind IN ('r', 'p')
    ORDER BY cls.relname
"""


def rls_violations(conn, schema: str) -> list[str]:
    """Every table with ``tenant_id`` that lacks ENABLE, FORCE or the tenant policy."""
    problems = []
    for table, enabled, forced, policies in conn.execute(text(RLS_CHECK), {"schema": schema}):
        if not enabled:
            problems.append(f"{table}: row-level security not enabled")
        if not forced:
            problems.append(f"{table}: row-level security not forced (the owner bypasses it)")
        if policies != 1:
            problems.append(f"{table}: no tenant_isolation policy on muzu.tenant_id")
    return problems


def test_every_tenant_owned_table_has_its_policy(app):
    tables = db.session.execute(text(RLS_CHECK), {"schema": "public"}).all()
    assert len(tables) > 40
    assert rls_violations(db.session, "public") == []


def test_the_policy_check_names_a_table_without_it(app, owner):
    with owner.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS rls_probe CASCADE"))
        conn.execute(text("CREATE SCHEMA rls_probe"))
        conn.execute(text("CREATE TABLE rls_probe.bare (id int, tenant_id int)"))
        conn.execute(text("CREATE TABLE rls_probe.covered (id int, tenant_id int)"))
        conn.execute(text("SELECT muzu_enable_tenant_rls('rls_probe.covered')"))
        conn.execute(text("CREATE TABLE rls_probe.half (id int, tenant_id int)"))
        conn.execute(text("ALTER TABLE rls_probe.half ENABLE ROW LEVEL SECURITY"))
        found = rls_violations(conn, "rls_probe")
        conn.rollback()
    assert found == [
        "bare: row-level security not enabled",
        "bare: row-level security not forced (the owner bypasses it)",
        "bare: no tenant_isolation policy on muzu.tenant_id",
        "half: row-level security not forced (the owner bypasses it)",
        "half: no tenant_isolation policy on muzu.tenant_id",
    ]


def test_with_no_tenant_a_flush_writes_held_objects_as_their_tenant(app, company_a, company_b,
                                                                      owner):
    """Work done in a tenant's block is often committed after it (a view's commit, a
    test's request): the flush writes those rows as their tenant; the raw statements
    around it still see nothing."""
    with tenant_context(company_b.tenant_id):
        store = db.session.scalars(select(Store).order_by(Store.id)).first()
    store.name = "收尾"
    db.session.commit()
    assert "收尾" in _store_tenants(owner)[company_b.tenant_id]
    assert db.session.execute(text("SELECT count(*) FROM stores")).scalar() == 0
    db.session.rollback()


def test_with_no_tenant_a_flush_of_two_tenants_rows_is_refused(app, company_a, company_b):
    with tenant_context(company_a.tenant_id):
        store_a = db.session.scalars(select(Store)).first()
    with tenant_context(company_b.tenant_id):
        store_b = db.session.scalars(select(Store)).first()
    store_a.name, store_b.name = "甲", "乙"
    with pytest.raises(TenantScopeError, match="several|tenants"):
        db.session.flush()
    db.session.rollback()


def test_an_app_connected_as_the_owner_warns_that_the_wall_is_off(app, backend, caplog):
    from app import create_app

    owner_app = create_app("test", SQLALCHEMY_DATABASE_URI=backend["owner_url"])
    with caplog.at_level(logging.WARNING, logger="app.rls"), owner_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert "row-level security is not enforced" in caplog.text
    assert "a superuser" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.rls"):
        db.session.execute(text("SELECT 1"))  # the app's own role: no warning
    assert "not enforced" not in caplog.text
