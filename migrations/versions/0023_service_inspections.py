"""Service department: inspections and the disinfection log.

(Placeholder: filled in by the session that builds it.)

Revision ID: 0023_service_inspections
Revises: 0022_service_procedures
"""

revision = "0023_service_inspections"
down_revision = "0022_service_procedures"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
