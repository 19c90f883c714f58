"""order_lines (tenant_id, order_id) index: an order's lines as tenant-scoped queries ask

Every query is scoped to the tenant, so it asks for ``tenant_id = :t AND order_id =
:o``.  With only the single-column indexes, PostgreSQL without statistics (a 90-day
demo history loaded in one transaction) ANDed the tenant's whole primary-key range
into each per-order lookup: the 日结 of each history day grew with every day before
it.  One composite index answers both conditions at once.

Revision ID: 0018_order_lines_index
Revises: 0017_reservation_gender_wish
"""
from alembic import op

revision = '0018_order_lines_index'
down_revision = '0017_reservation_gender_wish'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_order_lines_tenant_id_order_id', 'order_lines',
                    ['tenant_id', 'order_id'])


def downgrade():
    op.drop_index('ix_order_lines_tenant_id_order_id', table_name='order_lines')
