"""pay details changes: 薪资资料变更 carries bank, social-insurance and tax fields

Issue 9 (separation of duties): the bank account, social-insurance enrolment and
base, and the monthly special deduction of someone on staff change only through an
approved, dated employee change.  ``employee_changes`` gets the new and the old
value of each (all nullable: None means "this change does not set it"); the bank
account columns hold Fernet ciphertext like ``employees.bank_account_no``.  Rows
stay; adding nullable columns needs no table rebuild on either backend.

Revision ID: 0006_pay_details_changes
Revises: 0005_approvals
Create Date: 2026-12-04 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_pay_details_changes'
down_revision = '0005_approvals'
branch_labels = None
depends_on = None

COLUMNS = (
    ('bank_name', lambda: sa.String(length=64)),
    ('bank_account_no', sa.Text),
    ('si_enrolled', sa.Boolean),
    ('si_base', lambda: sa.Numeric(precision=12, scale=2)),
    ('monthly_special_deduction', lambda: sa.Numeric(precision=12, scale=2)),
)


def upgrade():
    for prefix in ('new_', 'old_'):
        for name, kind in COLUMNS:
            op.add_column('employee_changes', sa.Column(prefix + name, kind(), nullable=True))


def downgrade():
    with op.batch_alter_table('employee_changes', schema=None) as batch_op:
        for prefix in ('old_', 'new_'):
            for name, _kind in reversed(COLUMNS):
                batch_op.drop_column(prefix + name)
