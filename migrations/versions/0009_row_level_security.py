"""row-level security: every tenant-owned table sees only the tenant of the transaction

PostgreSQL only (app/rls.py explains the roles and how the app sets the tenant).
Every table of the schema with a ``tenant_id`` column — found in the catalog, so the
tables of every migration before this one are covered — gets ``ENABLE`` and ``FORCE
ROW LEVEL SECURITY`` and the policy ``tenant_isolation``::

    USING / WITH CHECK (tenant_id = NULLIF(current_setting('muzu.tenant_id', true), '')::bigint)

No tenant set (the setting missing or empty) compares with NULL: no row is seen,
inserted, changed or deleted.  ``FORCE`` makes the owner obey it too, unless it is a
superuser or ``BYPASSRLS`` (which the migrations need for their data steps).

It also creates ``muzu_enable_tenant_rls(regclass)``: a later migration that adds a
tenant-owned table calls it (``app.rls.enable_tenant_rls(op, "table")``), and
tests/test_rls.py fails while any tenant-owned table lacks the policy.

On SQLite (the embedded demo, one company per file in practice) it does nothing.

Revision ID: 0009_row_level_security
Revises: 0007_sessions_totp
Create Date: 2026-12-04 16:50:00

"""
from alembic import op
from sqlalchemy import text

revision = '0009_row_level_security'
down_revision = '0007_sessions_totp'
branch_labels = None
depends_on = None

# The shared tables (tests/test_schema_catalog.py GLOBAL_TABLES): never a policy.
GLOBAL_TABLES = ("tenants", "platform_admins", "alembic_version")

ENABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION muzu_enable_tenant_rls(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = NULLIF(current_setting(''muzu.tenant_id'', true), '''')::bigint) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''muzu.tenant_id'', true), '''')::bigint)',
        target);
END $$
"""

TENANT_TABLES = """
SELECT cls.relname
FROM pg_class cls
JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
JOIN pg_attribute att ON att.attrelid = cls.oid AND att.attname = 'tenant_id'
                     AND NOT att.attisdropped
WHERE nsp.nspname = current_schema() AND cls.relkind IN ('r', 'p')
  AND cls.relname <> ALL(:global)
ORDER BY cls.relname
"""


def _tenant_tables(bind) -> list[str]:
    return bind.execute(text(TENANT_TABLES), {"global": list(GLOBAL_TABLES)}).scalars().all()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(ENABLE_FUNCTION)
    # Only the owner (the migrations) changes policies.
    op.execute("REVOKE ALL ON FUNCTION muzu_enable_tenant_rls(regclass) FROM PUBLIC")
    for table in _tenant_tables(bind):
        op.execute(text("SELECT muzu_enable_tenant_rls(CAST(:t AS regclass))").bindparams(t=table))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in _tenant_tables(bind):
        op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    op.execute("DROP FUNCTION IF EXISTS muzu_enable_tenant_rls(regclass)")
