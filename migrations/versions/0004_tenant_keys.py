"""tenant keys: primary key (tenant_id, id) on every tenant-owned table

A table distributed by ``tenant_id`` (Citus) keeps a key unique only if the key
contains ``tenant_id`` (specs/tenancy.md, "Citus-ready").  So:

PostgreSQL
  * every tenant-owned table (found in the catalog: the tables with the
    ``UNIQUE (tenant_id, id)`` that 0001-0003 gave them) gets the primary key
    ``pk_<table> (tenant_id, id)`` in place of ``(id)``; ``id`` keeps its SERIAL
    sequence, so ids go on from where they are;
  * the composite foreign keys ``(tenant_id, x_id) -> x (tenant_id, id)`` are
    dropped, and re-created (same name, same definition, ``ON DELETE`` kept) once
    ``UNIQUE (tenant_id, id)`` is gone, so they now depend on the primary key;
  * rows stay: no column changes, and ``(tenant_id, id)`` is already unique.
    Every table is locked and its key index rebuilt, and every composite foreign
    key is validated again, inside the one transaction: run it in a quiet hour.

Both backends
  * the two random tokens that were unique across the platform become unique
    per tenant, with a plain index for the lookup that comes before the tenant
    is known: ``api_tokens.token_hash`` (256 random bits) and
    ``service_jobs.addon_token`` (192 random bits, the guest's add-on QR code).

SQLite (the embedded demo) cannot generate a column of a composite primary key.
The rule: a SQLite table keeps ``id INTEGER PRIMARY KEY`` (the rowid, read back
after each insert) and ``UNIQUE (tenant_id, id)``, which the composite foreign
keys reference; the models declare ``(tenant_id, id)`` and map ``id`` alone as the
identity, which is all the ORM needs on either backend (app/tenancy.py).  So on
SQLite this migration only swaps the two token constraints; that needs a table
rebuild (batch mode), done with foreign keys off (``feedback`` references
``service_jobs``), checked with ``PRAGMA foreign_key_check`` before they go back on.

Revision ID: 0004_tenant_keys
Revises: 0003_hr
Create Date: 2026-12-03 09:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_tenant_keys'
down_revision = '0003_hr'
branch_labels = None
depends_on = None


# (table, column): random tokens, unique per tenant from now on, with a lookup index.
TOKENS = (('api_tokens', 'token_hash'), ('service_jobs', 'addon_token'))

# The unique (or primary key) constraints of the current schema on exactly these
# columns, in order.  conkey is in column order of the constraint definition.
_CONSTRAINTS_ON = """
    SELECT cls.relname AS table_name, con.conname AS name, con.conindid AS index_oid
    FROM pg_constraint con
    JOIN pg_class cls ON cls.oid = con.conrelid
    JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace
    WHERE nsp.nspname = current_schema() AND con.contype = :kind
      AND ARRAY(SELECT att.attname::text
                FROM unnest(con.conkey) WITH ORDINALITY AS key(attnum, position)
                JOIN pg_attribute att ON att.attrelid = con.conrelid
                                     AND att.attnum = key.attnum
                ORDER BY key.position) = ARRAY['tenant_id', 'id']
    ORDER BY cls.relname
"""

# The foreign keys that depend on one of those constraints' indexes.
_FOREIGN_KEYS_ON = """
    SELECT cls.relname AS table_name, con.conname AS name,
           pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con
    JOIN pg_class cls ON cls.oid = con.conrelid
    WHERE con.contype = 'f' AND con.conindid = ANY(:index_oids)
    ORDER BY cls.relname, con.conname
"""


def _quote(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _swap_tenant_keys(to_composite: bool) -> None:
    """PostgreSQL: move the key of every tenant-owned table, keeping the foreign keys."""
    bind = op.get_bind()
    # Upgrade: the tenant-owned tables are those with UNIQUE (tenant_id, id);
    # downgrade: those with PRIMARY KEY (tenant_id, id).
    source_kind = 'u' if to_composite else 'p'
    targets = bind.execute(sa.text(_CONSTRAINTS_ON), {'kind': source_kind}).all()
    if not targets:
        return
    foreign_keys = bind.execute(
        sa.text(_FOREIGN_KEYS_ON), {'index_oids': [t.index_oid for t in targets]}).all()
    for fk in foreign_keys:
        op.execute(f'ALTER TABLE {_quote(fk.table_name)} DROP CONSTRAINT {_quote(fk.name)}')
    primary_keys = dict(bind.execute(sa.text(
        "SELECT cls.relname, con.conname FROM pg_constraint con "
        "JOIN pg_class cls ON cls.oid = con.conrelid "
        "JOIN pg_namespace nsp ON nsp.oid = cls.relnamespace "
        "WHERE nsp.nspname = current_schema() AND con.contype = 'p'")).all())
    for target in targets:
        table = target.table_name
        pk_name = f'pk_{table}'
        unique_name = f'uq_{table}_tenant_id_id'
        # One ALTER per table (one lock, one pass): PostgreSQL runs the drops first.
        if to_composite:
            actions = [f'DROP CONSTRAINT {_quote(target.name)}',
                       f'DROP CONSTRAINT {_quote(primary_keys[table])}',
                       f'ADD CONSTRAINT {_quote(pk_name)} PRIMARY KEY (tenant_id, id)']
        else:
            actions = [f'DROP CONSTRAINT {_quote(target.name)}',
                       f'ADD CONSTRAINT {_quote(pk_name)} PRIMARY KEY (id)',
                       f'ADD CONSTRAINT {_quote(unique_name)} UNIQUE (tenant_id, id)']
        op.execute(f'ALTER TABLE {_quote(table)} ' + ', '.join(actions))
    # Re-created after the old constraint is gone, so each one depends on the only
    # index on (tenant_id, id) left: the new primary key (or, downgraded, the unique).
    for fk in foreign_keys:
        op.execute(f'ALTER TABLE {_quote(fk.table_name)} '
                   f'ADD CONSTRAINT {_quote(fk.name)} {fk.definition}')


def _swap_token_uniques(per_tenant: bool) -> None:
    """Both backends: token unique across the platform <-> unique per tenant + index."""
    inspector = sa.inspect(op.get_bind())
    for table, column in TOKENS:
        uniques = {u['name'] for u in inspector.get_unique_constraints(table)}
        global_name = f'uq_{table}_{column}'
        tenant_name = f'uq_{table}_tenant_id_{column}'
        if (global_name in uniques) != per_tenant:
            continue  # already done (SQLite commits the rebuild before the version stamp)
        with op.batch_alter_table(table, schema=None) as batch_op:
            if per_tenant:
                batch_op.drop_constraint(batch_op.f(global_name), type_='unique')
                batch_op.create_unique_constraint(batch_op.f(tenant_name), ['tenant_id', column])
                batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)
            else:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
                batch_op.drop_constraint(batch_op.f(tenant_name), type_='unique')
                batch_op.create_unique_constraint(batch_op.f(global_name), [column])


def _with_sqlite_foreign_keys_off(change) -> None:
    """Run ``change`` with SQLite's foreign keys off, as its table rebuilds need.

    Batch mode copies a table, drops it and renames the copy; with foreign keys
    on, dropping ``service_jobs`` while ``feedback`` rows reference it fails.  The
    pragma is ignored inside a transaction, hence the autocommit blocks (they
    commit the migrations before this one, and this one's rebuilds at the end).
    """
    context = op.get_context()
    bind = op.get_bind()
    was_on = bool(bind.exec_driver_sql('PRAGMA foreign_keys').scalar())
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys=OFF')
    try:
        change()
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')
    finally:
        if was_on:
            with context.autocommit_block():
                op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _with_sqlite_foreign_keys_off(lambda: _swap_token_uniques(per_tenant=True))
        return
    _swap_tenant_keys(to_composite=True)
    _swap_token_uniques(per_tenant=True)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _with_sqlite_foreign_keys_off(lambda: _swap_token_uniques(per_tenant=False))
        return
    _swap_token_uniques(per_tenant=False)
    _swap_tenant_keys(to_composite=False)
