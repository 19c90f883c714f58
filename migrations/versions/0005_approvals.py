"""approvals: one row per decision of the one approval flow (app/approvals.py)

A tenant-owned table: on PostgreSQL its key is ``(tenant_id, id)``; on SQLite
``id INTEGER PRIMARY KEY`` plus ``UNIQUE (tenant_id, id)`` (app/tenancy.py).

Revision ID: 0005_approvals
Revises: 0004_tenant_keys
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_approvals'
down_revision = '0004_tenant_keys'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        keys = [sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_decisions')),
                sa.UniqueConstraint('tenant_id', 'id',
                                    name=op.f('uq_approval_decisions_tenant_id_id'))]
    else:
        keys = [sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_approval_decisions'))]
    op.create_table(
        'approval_decisions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('verdict', sa.String(length=16), nullable=False),
        sa.Column('actor_account_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('waived', sa.Boolean(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_approval_decisions_tenant_id_tenants')),
        *keys,
    )
    op.create_index(op.f('ix_approval_decisions_tenant_id'), 'approval_decisions',
                    ['tenant_id'], unique=False)
    op.create_index('ix_approval_decisions_object', 'approval_decisions',
                    ['tenant_id', 'kind', 'object_id'], unique=False)


def downgrade():
    op.drop_index('ix_approval_decisions_object', table_name='approval_decisions')
    op.drop_index(op.f('ix_approval_decisions_tenant_id'), table_name='approval_decisions')
    op.drop_table('approval_decisions')
