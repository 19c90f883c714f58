"""PostgreSQL row-level security, the second wall behind the ORM scoping of app/tenancy.py.

The ORM wall misses ``text()``, Core statements and bulk COPY (see tenancy's
docstring).  On PostgreSQL, every tenant-owned table also has ``ENABLE`` and ``FORCE
ROW LEVEL SECURITY`` and the policy ``tenant_isolation``: a row is seen and written
only while ``muzu.tenant_id`` (a transaction-local setting) names its tenant; with no
tenant set, nothing (migration 0009_row_level_security; a migration that adds a
tenant-owned table calls :func:`enable_tenant_rls`).

Roles (created by :func:`ensure_roles`, granted by :func:`grant_app_roles`):

* the owner (``MIGRATION_DATABASE_URL``) owns the tables and runs the migrations;
  it must be a superuser or ``BYPASSRLS``, or data migrations see no rows;
* ``muzu_app`` (``DATABASE_URL``): the app's login, not superuser, not owner, not
  ``BYPASSRLS``; SELECT/INSERT/UPDATE/DELETE only, so it can neither TRUNCATE the
  audit log nor drop its append-only trigger;
* ``muzu_cross_tenant``: ``NOLOGIN BYPASSRLS``, granted to ``muzu_app``, with the same
  table privileges.  The app switches to it (``set_config('role', …, true)``, for
  one transaction at most) only inside ``tenancy.cross_tenant_access(reason)``.

The setting follows the tenant context without the code asking: before each
statement on the app's engine, :func:`_sync` compares what the transaction has with
what the context wants (tenant, bypass) and, when they differ — once at the start of
each transaction that runs with a tenant, again only if the context changes —
sends one ``SELECT set_config(...)``.  Both values are transaction-local, so a pooled
connection carries nothing into the next transaction.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event, text

from app.tenancy import cross_tenant_reason, current_tenant_id

TENANT_SETTING = "muzu.tenant_id"
_APPLIED = "muzu_rls_applied"
_CAN_BYPASS = "muzu_rls_session_bypasses"
_SET = (f"SELECT set_config('{TENANT_SETTING}', %s, true), "
        "set_config('role', %s, true)")

log = logging.getLogger(__name__)

# Why the policies would not apply to this login, or NULL.
_WALL_OFF = """
SELECT CASE WHEN r.rolsuper THEN 'a superuser'
            WHEN r.rolbypassrls THEN 'a role with BYPASSRLS'
            WHEN EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = current_schema() AND c.relowner = r.oid
                           AND c.relkind = 'r')
            THEN 'the owner of the tables' END
FROM pg_roles r WHERE r.rolname = session_user
"""

# The privileges of the app role (and of the bypass role) on every table and sequence.
_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
_SEQUENCE_PRIVILEGES = "USAGE, SELECT"


def init_app(app: Flask) -> None:
    """Keep ``muzu.tenant_id`` (and the bypass role) in step with the tenant context
    on the app's PostgreSQL engine."""
    from app.extensions import db

    role = app.config.get("DATABASE_CROSS_TENANT_ROLE") or "muzu_cross_tenant"
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            return

        @event.listens_for(engine, "before_cursor_execute")
        def _before_statement(conn, cursor, statement, parameters, context, executemany):
            _sync(conn.info, cursor.connection, role)

        @event.listens_for(engine, "first_connect")
        def _warn_when_the_wall_is_off(dbapi_connection, connection_record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute(_WALL_OFF)
                reason = cursor.fetchone()[0]
            dbapi_connection.rollback()
            if reason:
                log.warning("row-level security is not enforced: DATABASE_URL connects as %s; "
                            "connect the app as its own role (README, 'Production')", reason)

        @event.listens_for(engine, "rollback_savepoint")
        def _after_savepoint_rollback(conn, name, context):
            # A rolled-back savepoint also undoes a set_config made inside it.
            conn.info[_APPLIED] = None


def sync_database_tenant(connection) -> None:
    """Apply the tenant context to a SQLAlchemy connection before raw DBAPI work on it
    (psycopg's COPY bypasses the statement events)."""
    if connection.dialect.name != "postgresql":
        return
    from flask import current_app

    role = current_app.config.get("DATABASE_CROSS_TENANT_ROLE") or "muzu_cross_tenant"
    _sync(connection.info, connection.connection.driver_connection, role)


def _sync(info: dict, driver_connection, bypass_role: str) -> None:
    from psycopg.pq import TransactionStatus

    if driver_connection.info.transaction_status == TransactionStatus.IDLE:
        info[_APPLIED] = (None, None)  # the statement begins a new transaction
    tenant_id = current_tenant_id()
    wanted_tenant = "" if tenant_id is None else str(tenant_id)
    wanted_role = None
    if cross_tenant_reason() is not None:
        if _CAN_BYPASS not in info:
            info[_CAN_BYPASS] = driver_connection.execute(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles "
                "WHERE rolname = session_user").fetchone()[0]
        if not info[_CAN_BYPASS]:
            wanted_role = bypass_role
    applied = info.get(_APPLIED)
    wanted = (wanted_tenant or None, wanted_role)
    if applied == wanted:
        return
    if driver_connection.info.transaction_status == TransactionStatus.INERROR:
        return  # the statement fails anyway; the rollback ends the settings
    driver_connection.execute(_SET, (wanted_tenant, wanted_role or "none"))
    info[_APPLIED] = wanted


# --------------------------------------------------------------------------- migrations

def enable_tenant_rls(op, table: str) -> None:
    """For a migration that adds a tenant-owned table: its row-level security
    (PostgreSQL only; ``muzu_enable_tenant_rls`` is created by 0009_row_level_security)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(text("SELECT muzu_enable_tenant_rls(CAST(:t AS regclass))").bindparams(t=table))


# --------------------------------------------------------------------------- roles

def ensure_roles(connection, app_role: str, cross_role: str) -> None:
    """Create the app's login role and the bypass role when missing (needs CREATEROLE;
    concurrent callers are fine).  No password: set one for a server without trust
    authentication (``ALTER ROLE muzu_app PASSWORD …``)."""
    for name, attributes in ((app_role, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
                             (cross_role, "NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE")):
        connection.execute(text(
            f"DO $$ BEGIN CREATE ROLE {_ident(name)} {attributes}; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
    connection.execute(text(
        f"DO $$ BEGIN IF NOT pg_has_role('{app_role}', '{cross_role}', 'MEMBER') THEN "
        f"GRANT {_ident(cross_role)} TO {_ident(app_role)}; END IF; END $$"))


def roles_exist(connection, *names: str) -> bool:
    found = connection.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:n)"),
                              {"n": list(names)})
    return found == len(names)


def grant_app_roles(connection, app_role: str, cross_role: str) -> None:
    """Let both roles use the database's current tables and sequences (run by the
    owner after each upgrade; migrations/env.py does it when the roles exist)."""
    database = connection.scalar(text("SELECT current_database()"))
    for role in (app_role, cross_role):
        name = _ident(role)
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {name}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {name}"))
        connection.execute(text(
            f"GRANT {_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {name}"))
        connection.execute(text(
            f"GRANT {_SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA public TO {name}"))
        # Nothing but the migrations touches the schema's version.
        connection.execute(text(
            "DO $$ BEGIN IF to_regclass('public.alembic_version') IS NOT NULL THEN "
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {name}; END IF; END $$"))


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain role name: {name!r}")
    return f'"{name}"'


def analyze(tables: list[str] | None = None) -> None:
    """Refresh the planner's statistics after a bulk load (ANALYZE; all tables when
    ``tables`` is None).

    PostgreSQL lets only a table's owner analyze it: issued by the app's role it
    skips every table with a mere warning, and the tables just filled keep the
    statistics of empty ones (plans that scan a whole tenant per row).  So on
    PostgreSQL it runs through the owner's login (``MIGRATION_DATABASE_URL``) when one
    is configured, in its own connection (ANALYZE commits nothing of the caller's, and
    the caller's rows must be committed for it to see them); elsewhere through the
    app's session (SQLite, or an owner that is the app's own login).
    """
    from flask import current_app
    from sqlalchemy import create_engine

    from app.extensions import db

    # One table per statement: SQLite's ANALYZE takes a single name.
    statements = [f"ANALYZE {_ident(t)}" for t in tables] if tables else ["ANALYZE"]
    owner_url = current_app.config.get("SQLALCHEMY_MIGRATION_URI")
    if owner_url and db.engine.dialect.name == "postgresql":
        engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()
        return
    for statement in statements:
        db.session.execute(text(statement))
