"""Service department: procedures (SOP) and service-skill evaluations.

(Placeholder: filled in by the session that builds it.)

Revision ID: 0022_service_procedures
Revises: 0021_gm_dashboard
"""

revision = "0022_service_procedures"
down_revision = "0021_gm_dashboard"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
