"""The P&L's card payments: a partial index of the card payments only (stored-value and
package cards), covering what the P&L sums per card (app/blueprints/finance/pnl.py
``_revenue_rows``), so valuing a month's card spend reads the card rows, not every
payment of the month.

Revision ID: 0025_payments_card_spend
Revises: 0024_service_guests
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_payments_card_spend"
down_revision = "0024_service_guests"
branch_labels = None
depends_on = None

CARD_METHODS = sa.text("method IN ('stored_value', 'package_card')")


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_card_spend",
            ["tenant_id", "business_day_id"],
            unique=False,
            postgresql_include=["store_id", "method", "card_id", "amount"],
            postgresql_where=CARD_METHODS,
            sqlite_where=CARD_METHODS,
        )


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_card_spend")
