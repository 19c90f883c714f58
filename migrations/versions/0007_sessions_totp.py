"""sessions and TOTP: the second factor's columns; platform operators' session version

* ``accounts`` and ``platform_admins`` get ``totp_secret`` (Fernet ciphertext,
  app/crypto.py), ``totp_enabled_at``, ``totp_last_step`` (a code is good once) and
  ``totp_recovery_hashes`` (SHA-256 of each unused recovery code);
* ``platform_admins.session_version``: log-out and a password change end every
  session of the operator, as ``accounts.session_version`` does for accounts.

Only nullable columns and one with a server default: no table rebuild, no data moved.

Revision ID: 0007_sessions_totp
Revises: 0006_pay_details_changes
Create Date: 2026-12-04 16:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0007_sessions_totp"
down_revision = "0006_pay_details_changes"
branch_labels = None
depends_on = None

TABLES = ("accounts", "platform_admins")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("totp_secret", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("totp_enabled_at", sa.DateTime(timezone=True),
                                       nullable=True))
        op.add_column(table, sa.Column("totp_last_step", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("totp_recovery_hashes", sa.JSON(), nullable=True))
    op.add_column("platform_admins", sa.Column("session_version", sa.Integer(),
                                               nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("platform_admins") as batch:
        batch.drop_column("session_version")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in ("totp_recovery_hashes", "totp_last_step", "totp_enabled_at",
                           "totp_secret"):
                batch.drop_column(column)
