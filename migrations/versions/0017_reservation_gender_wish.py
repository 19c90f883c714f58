"""reservation gender wish: "要女技师" said on the phone is kept on the booking

Issue 10 (dispatch, the guest's gender wish): a reservation keeps the guest's wish
for a female or male therapist (``gender_wish``: female / male, NULL for any), and
the order lines its arrival opens carry it (``order_lines.gender_wish``, 0014).
Nullable: no table rebuild; existing bookings keep "any".

Revision ID: 0017_reservation_gender_wish
Revises: 0016_vouchers_complaint_truth
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_reservation_gender_wish'
down_revision = '0016_vouchers_complaint_truth'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('reservations', sa.Column('gender_wish', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_column('gender_wish')
