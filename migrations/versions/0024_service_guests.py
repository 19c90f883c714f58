"""Service department: complaint cases, satisfaction reviews and the guest care plan.

(Placeholder: filled in by the session that builds it.)

Revision ID: 0024_service_guests
Revises: 0023_service_inspections
"""

revision = "0024_service_guests"
down_revision = "0023_service_inspections"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
