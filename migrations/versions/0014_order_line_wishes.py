"""order line wishes: the guest's gender wish and the therapists they returned (退钟)

Issue 10, dispatch: a service line keeps what the guest asked for between
dispatches.  ``gender_wish`` (female / male, NULL for any) is set at check-in or
by the dispatcher and used by every rotation dispatch of the line;
``returned_therapist_ids`` (a JSON list of employee ids) holds every therapist
the guest returned on the line, so neither a later rotation nor a second 退钟
gives the line back to one of them.  Both nullable: no table rebuild.  Lines
returned before this revision get their list from their returned jobs.

Revision ID: 0014_order_line_wishes
Revises: 0010_tax_opening_requests
Create Date: 2026-12-04 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_order_line_wishes'
down_revision = '0010_tax_opening_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('order_lines', sa.Column('gender_wish', sa.String(length=8), nullable=True))
    op.add_column('order_lines', sa.Column('returned_therapist_ids', sa.JSON(), nullable=True))
    bind = op.get_bind()
    returned: dict[tuple[int, int], set[int]] = {}
    for tenant_id, line_id, therapist_id in bind.execute(sa.text(
            "SELECT tenant_id, order_line_id, therapist_id FROM service_jobs"
            " WHERE status = 'returned'")):
        returned.setdefault((tenant_id, line_id), set()).add(therapist_id)
    lines = sa.table('order_lines', sa.column('tenant_id'), sa.column('id'),
                     sa.column('returned_therapist_ids', sa.JSON()))
    for (tenant_id, line_id), therapists in returned.items():
        bind.execute(lines.update()
                     .where(lines.c.tenant_id == tenant_id, lines.c.id == line_id)
                     .values(returned_therapist_ids=sorted(therapists)))


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('returned_therapist_ids')
        batch_op.drop_column('gender_wish')
