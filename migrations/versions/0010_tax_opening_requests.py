"""tax_opening_requests: a 个税期初 is entered or changed only through an approved request

A tenant-owned table: on PostgreSQL its key is ``(tenant_id, id)``; on SQLite
``id INTEGER PRIMARY KEY`` plus ``UNIQUE (tenant_id, id)`` (app/tenancy.py).  It
comes after row-level security, so it gets the ``tenant_isolation`` policy here
(app/rls.py ``enable_tenant_rls``).

Revision ID: 0010_tax_opening_requests
Revises: 0009_row_level_security
"""
import sqlalchemy as sa
from alembic import op

from app.rls import enable_tenant_rls

revision = '0010_tax_opening_requests'
down_revision = '0009_row_level_security'
branch_labels = None
depends_on = None

TABLE = 'tax_opening_requests'


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        keys = [sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_opening_requests')),
                sa.UniqueConstraint('tenant_id', 'id',
                                    name=op.f('uq_tax_opening_requests_tenant_id_id'))]
    else:
        keys = [sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tax_opening_requests'))]
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('cumulative_taxable', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('cumulative_tax', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by_account_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_account_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_tax_opening_requests_tenant_id_tenants')),
        sa.ForeignKeyConstraint(
            ['tenant_id', 'employee_id'], ['employees.tenant_id', 'employees.id'],
            name=op.f('fk_tax_opening_requests_tenant_id_employee_id_employees')),
        *keys,
    )
    for column in ('tenant_id', 'employee_id', 'status'):
        op.create_index(op.f(f'ix_tax_opening_requests_{column}'), TABLE, [column],
                        unique=False)
    enable_tenant_rls(op, TABLE)


def downgrade():
    for column in ('status', 'employee_id', 'tenant_id'):
        op.drop_index(op.f(f'ix_tax_opening_requests_{column}'), table_name=TABLE)
    op.drop_table(TABLE)
