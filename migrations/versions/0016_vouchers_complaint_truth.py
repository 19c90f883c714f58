"""团购 vouchers on payments; complaint cases whose close time contradicts their status

Issue 10 (the front desk): a payment by 团购 keeps its platform (meituan / douyin /
other) and the voucher's code, unique per company and platform (a code is redeemed
once: ``uq_payments_tenant_id_voucher_platform_voucher_code``; NULL for every other
method, and NULLs never collide).  Adding nullable columns needs no rebuild; the
unique constraint rebuilds ``payments`` on SQLite (batch mode).

Complaint cases follow their status (app/blueprints/store/feedback.py): a close time
only on a closed case, a guest confirmation only on a resolved or closed one.  Rows
written otherwise (the old demo loader: 已处理 with a close time) are corrected
here; the status is kept, it is what every page showed.

Revision ID: 0016_vouchers_complaint_truth
Revises: 0010_tax_opening_requests
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_vouchers_complaint_truth'
down_revision = '0015_board_suspensions'
branch_labels = None
depends_on = None

UNIQUE = 'uq_payments_tenant_id_voucher_platform_voucher_code'


def upgrade():
    op.add_column('payments', sa.Column('voucher_platform', sa.String(length=16), nullable=True))
    op.add_column('payments', sa.Column('voucher_code', sa.String(length=64), nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            UNIQUE, ['tenant_id', 'voucher_platform', 'voucher_code'])
    op.execute("UPDATE complaint_cases SET closed_at = NULL "
               "WHERE status <> 'closed' AND closed_at IS NOT NULL")
    op.execute("UPDATE complaint_cases SET guest_confirmed_at = NULL "
               "WHERE status IN ('open', 'investigating') AND guest_confirmed_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_='unique')
        batch_op.drop_column('voucher_code')
        batch_op.drop_column('voucher_platform')
