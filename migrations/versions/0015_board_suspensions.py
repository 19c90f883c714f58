"""board_suspensions: 停牌 kept per store and therapist (it outlives a clock-out and the
day); dispatch_log.minutes_short: how early a job was finished (提前下钟)

A tenant-owned table: on PostgreSQL its key is ``(tenant_id, id)``; on SQLite
``id INTEGER PRIMARY KEY`` plus ``UNIQUE (tenant_id, id)`` (app/tenancy.py), with the
``tenant_isolation`` policy (app/rls.py ``enable_tenant_rls``).  Suspensions already
on today's boards are carried over, so nobody is lifted by the upgrade.

Revision ID: 0015_board_suspensions
Revises: 0010_tax_opening_requests
"""
import sqlalchemy as sa
from alembic import op

from app.rls import enable_tenant_rls

revision = '0015_board_suspensions'
down_revision = '0014_order_line_wishes'
branch_labels = None
depends_on = None

TABLE = 'board_suspensions'


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        keys = [sa.PrimaryKeyConstraint('id', name=op.f('pk_board_suspensions')),
                sa.UniqueConstraint('tenant_id', 'id',
                                    name=op.f('uq_board_suspensions_tenant_id_id'))]
    else:
        keys = [sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_board_suspensions'))]
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('therapist_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('suspended_by_account_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_board_suspensions_tenant_id_tenants')),
        sa.ForeignKeyConstraint(
            ['tenant_id', 'store_id'], ['stores.tenant_id', 'stores.id'],
            name=op.f('fk_board_suspensions_tenant_id_store_id_stores')),
        sa.ForeignKeyConstraint(
            ['tenant_id', 'therapist_id'], ['employees.tenant_id', 'employees.id'],
            name=op.f('fk_board_suspensions_tenant_id_therapist_id_employees')),
        sa.UniqueConstraint('tenant_id', 'store_id', 'therapist_id',
                            name=op.f('uq_board_suspensions_tenant_id_store_id_therapist_id')),
        *keys,
    )
    for column in ('tenant_id', 'store_id', 'therapist_id'):
        op.create_index(op.f(f'ix_board_suspensions_{column}'), TABLE, [column], unique=False)
    enable_tenant_rls(op, TABLE)
    with op.batch_alter_table('dispatch_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_short', sa.Integer(), nullable=True))
    # Whoever is suspended on their latest board stays suspended.
    op.execute(
        "INSERT INTO board_suspensions (tenant_id, store_id, therapist_id, reason, suspended_at)"
        " SELECT DISTINCT e.tenant_id, e.store_id, e.therapist_id, '', e.clocked_in_at"
        " FROM board_entries e WHERE e.suspended AND NOT EXISTS ("
        "  SELECT 1 FROM board_entries later WHERE later.tenant_id = e.tenant_id"
        "  AND later.store_id = e.store_id AND later.therapist_id = e.therapist_id"
        "  AND later.business_day_id > e.business_day_id)")


def downgrade():
    with op.batch_alter_table('dispatch_log', schema=None) as batch_op:
        batch_op.drop_column('minutes_short')
    for column in ('therapist_id', 'store_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_board_suspensions_{column}'), table_name=TABLE)
    op.drop_table(TABLE)
