"""The migrated PostgreSQL schema, read from its catalog, can be distributed by tenant.

specs/tenancy.md ("Citus-ready"): distributing the tenant-owned tables by
``tenant_id`` must need no change of the model.  A distributed table keeps a
primary key or a unique constraint only if it contains the distribution column,
and a foreign key between two distributed tables only if it maps
``tenant_id`` to ``tenant_id``; shared tables become reference tables, which may
not point at a distributed one.  This test reads what the migrations built
(pg_catalog), not what the models say, and fails on:

* a table that is neither tenant-owned (has ``tenant_id``) nor in GLOBAL_TABLES;
* a tenant-owned table whose ``tenant_id`` may be NULL, or whose primary key is
  not ``(tenant_id, id)``;
* a unique constraint or unique index of a tenant-owned table without ``tenant_id``;
* a foreign key between tenant-owned tables that does not map ``tenant_id`` to
  ``tenant_id``, or that depends on another index than the target's primary key;
* a foreign key from a tenant-owned table to a shared one other than
  ``tenant_id -> tenants.id``, or from a shared table to a tenant-owned one.
"""

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db

# The shared tables (Citus reference tables), each with why it has no tenant.
GLOBAL_TABLES = {
    "tenants": "the companies themselves",
    "platform_admins": "operators of the deployment, members of no company",
    "alembic_version": "the schema's migration revision",
}

_TABLES = """
    SELECT cls.relname AS name, att.attname IS NOT NULL AS tenant_owned,
           coalesce(att.attnotnull, false) AS tenant_not_null
    FROM pg_class cls
    JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
    LEFT JOIN pg_attribute att ON att.attrelid = cls.oid AND att.attname = 'tenant_id'
                              AND NOT att.attisdropped
    WHERE nsp.nspname = :schema AND cls.relkind IN ('r', 'p')
    ORDER BY cls.relname
"""

_CONSTRAINTS = """
    SELECT cls.relname AS table_name, con.conname AS name, con.contype AS kind,
           ARRAY(SELECT att.attname::text
                 FROM unnest(con.conkey) WITH ORDINALITY AS key(attnum, position)
                 JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = key.attnum
                 ORDER BY key.position) AS columns,
           ref.relname AS ref_table,
           ARRAY(SELECT att.attname::text
                 FROM unnest(con.confkey) WITH ORDINALITY AS key(attnum, position)
                 JOIN pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = key.attnum
                 ORDER BY key.position) AS ref_columns,
           con.conindid AS index_oid
    FROM pg_constraint con
    JOIN pg_class cls ON cls.oid = con.conrelid
    JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
    LEFT JOIN pg_class ref ON ref.oid = con.confrelid
    WHERE nsp.nspname = :schema AND con.contype IN ('p', 'u', 'f')
    ORDER BY cls.relname, con.conname
"""

# Unique indexes, whether or not a constraint made them (a CREATE UNIQUE INDEX has
# no pg_constraint row); key columns only, an expression shows as "(expression)".
_UNIQUE_INDEXES = """
    SELECT tbl.relname AS table_name, idx.relname AS name, ind.indisprimary AS is_primary,
           idx.oid AS index_oid,
           ARRAY(SELECT coalesce(att.attname::text, '(expression)')
                 FROM unnest(ind.indkey::int2[]) WITH ORDINALITY AS key(attnum, position)
                 LEFT JOIN pg_attribute att ON att.attrelid = ind.indrelid
                                           AND att.attnum = key.attnum
                 WHERE key.position <= ind.indnkeyatts
                 ORDER BY key.position) AS columns
    FROM pg_index ind
    JOIN pg_class idx ON idx.oid = ind.indexrelid
    JOIN pg_class tbl ON tbl.oid = ind.indrelid
    JOIN pg_namespace nsp ON nsp.oid = tbl.relnamespace
    WHERE nsp.nspname = :schema AND ind.indisunique
    ORDER BY tbl.relname, idx.relname
"""


def distribution_violations(conn, schema: str) -> list[str]:
    """Everything in ``schema`` that would stop distributing it by ``tenant_id``."""
    found = []
    tables = conn.execute(text(_TABLES), {"schema": schema}).all()
    tenant_owned = {t.name for t in tables if t.tenant_owned}
    for table in tables:
        if not table.tenant_owned and table.name not in GLOBAL_TABLES:
            found.append(f"{table.name}: neither tenant-owned nor a declared global table")
        if table.tenant_owned and not table.tenant_not_null:
            found.append(f"{table.name}: tenant_id may be NULL")

    constraints = conn.execute(text(_CONSTRAINTS), {"schema": schema}).all()
    primary = {c.table_name: c for c in constraints if c.kind == "p"}
    for name in sorted(tenant_owned):
        key = primary.get(name)
        if key is None or list(key.columns) != ["tenant_id", "id"]:
            found.append(f"{name}: primary key {key and list(key.columns)} is not (tenant_id, id)")

    for index in conn.execute(text(_UNIQUE_INDEXES), {"schema": schema}):
        if index.table_name in tenant_owned and "tenant_id" not in index.columns:
            kind = "primary key" if index.is_primary else "unique index"
            found.append(f"{index.table_name}: {kind} {index.name} {list(index.columns)} "
                         "lacks tenant_id")

    for fk in (c for c in constraints if c.kind == "f"):
        source_owned, target_owned = fk.table_name in tenant_owned, fk.ref_table in tenant_owned
        pairs = list(zip(fk.columns, fk.ref_columns, strict=True))
        where = f"{fk.table_name}: foreign key {fk.name} {pairs} -> {fk.ref_table}"
        if source_owned and target_owned:
            if ("tenant_id", "tenant_id") not in pairs:
                found.append(f"{where} does not carry tenant_id")
            elif fk.index_oid != _primary_index_oid(conn, fk.ref_table, schema):
                found.append(f"{where} depends on another index than its primary key")
        elif source_owned and (fk.ref_table != "tenants" or pairs != [("tenant_id", "id")]):
            found.append(f"{where}: a tenant-owned table points at a shared table "
                         "other than by tenant_id -> tenants.id")
        elif target_owned:
            found.append(f"{where}: a shared table points at a tenant-owned one")
    return found


def _primary_index_oid(conn, table: str, schema: str):
    return conn.scalar(text(
        "SELECT con.conindid FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid "
        "JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace "
        "WHERE nsp.nspname = :schema AND cls.relname = :table AND con.contype = 'p'"),
        {"schema": schema, "table": table})


def _require_postgresql(backend):
    if backend["name"] != "postgresql":
        pytest.skip("reads PostgreSQL's catalog (SQLite keeps id as its key: app/tenancy.py)")


def test_migrated_schema_can_be_distributed_by_tenant(app, backend):
    _require_postgresql(backend)
    with db.engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
        assert distribution_violations(conn, schema) == []
        names = {t.name for t in conn.execute(text(_TABLES), {"schema": schema})}
    # Every declared global table exists (a stale entry would widen the exception).
    assert set(GLOBAL_TABLES) <= names
    # The models agree on which tables are shared.
    assert {t.name for t in db.metadata.tables.values() if "tenant_id" not in t.c} == (
        set(GLOBAL_TABLES) - {"alembic_version"})


PROBE = [
    # A shared table, a good tenant-owned table, and one mistake of each kind.
    "CREATE TABLE tenants (id serial PRIMARY KEY, code text UNIQUE)",
    """CREATE TABLE good (id serial, tenant_id int NOT NULL REFERENCES tenants (id),
                          code text, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, code))""",
    """CREATE TABLE keyed_by_id (id serial PRIMARY KEY, tenant_id int NOT NULL,
                                 UNIQUE (tenant_id, id))""",
    "CREATE TABLE nullable (id serial, tenant_id int, UNIQUE (tenant_id, id))",
    """CREATE TABLE tokens (id serial, tenant_id int NOT NULL, token text UNIQUE,
                            code text, PRIMARY KEY (tenant_id, id))""",
    "CREATE UNIQUE INDEX tokens_code ON tokens (lower(code))",
    """CREATE TABLE loose_ref (id serial, tenant_id int NOT NULL, target_id int
                               REFERENCES keyed_by_id (id), PRIMARY KEY (tenant_id, id))""",
    """CREATE TABLE ref_to_unique (id serial, tenant_id int NOT NULL, target_id int,
                                   PRIMARY KEY (tenant_id, id),
                                   FOREIGN KEY (tenant_id, target_id)
                                   REFERENCES keyed_by_id (tenant_id, id))""",
    "CREATE TABLE stray (id serial PRIMARY KEY, good_code text)",
    """CREATE TABLE platform_admins (id serial PRIMARY KEY, tenant_ref int, good_id int,
                                     FOREIGN KEY (tenant_ref, good_id) REFERENCES good)""",
    """CREATE TABLE admin_ref (id serial, tenant_id int NOT NULL, admin_id int
                               REFERENCES platform_admins (id), PRIMARY KEY (tenant_id, id))""",
]


def test_the_catalog_check_names_each_kind_of_mistake(app, backend):
    """The check itself, on a throw-away schema with one mistake of each kind."""
    _require_postgresql(backend)
    admin = create_engine(backend["owner_url"], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS catalog_probe CASCADE"))
            conn.execute(text("CREATE SCHEMA catalog_probe"))
            conn.execute(text("SET search_path TO catalog_probe"))
            for statement in PROBE:
                conn.execute(text(statement))
            found = distribution_violations(conn, "catalog_probe")
            conn.execute(text("DROP SCHEMA catalog_probe CASCADE"))
    finally:
        admin.dispose()
    expected = [
        "keyed_by_id: primary key ['id'] is not (tenant_id, id)",
        "keyed_by_id: primary key keyed_by_id_pkey ['id'] lacks tenant_id",
        "nullable: tenant_id may be NULL",
        "nullable: primary key None is not (tenant_id, id)",
        "stray: neither tenant-owned nor a declared global table",
        "tokens: unique index tokens_token_key ['token'] lacks tenant_id",
        "tokens: unique index tokens_code ['(expression)'] lacks tenant_id",
        "loose_ref: foreign key loose_ref_target_id_fkey [('target_id', 'id')] -> keyed_by_id "
        "does not carry tenant_id",
        "ref_to_unique: foreign key ref_to_unique_tenant_id_target_id_fkey "
        "[('tenant_id', 'tenant_id'), ('target_id', 'id')] -> keyed_by_id "
        "depends on another index than its primary key",
        "platform_admins: foreign key platform_admins_tenant_ref_good_id_fkey "
        "[('tenant_ref', 'tenant_id'), ('good_id', 'id')] -> good: "
        "a shared table points at a tenant-owned one",
        "admin_ref: foreign key admin_ref_admin_id_fkey [('admin_id', 'id')] -> platform_admins: "
        "a tenant-owned table points at a shared table other than by tenant_id -> tenants.id",
    ]
    assert sorted(found) == sorted(expected)
