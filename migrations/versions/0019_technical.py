"""技术部 (issue 11): practical exams and their rubrics, training, the monthly skill
assessment, discipline, complaint investigations and new-technique proposals.

Eight tenant-owned tables: on PostgreSQL their key is ``(tenant_id, id)``; on SQLite
``id INTEGER PRIMARY KEY`` plus ``UNIQUE (tenant_id, id)`` (app/tenancy.py), each with
the ``tenant_isolation`` policy (app/rls.py ``enable_tenant_rls``).  Columns added:
``service_items.exam_pass_score`` (the item needs a passed exam) and ``is_draft`` (a
new-technique draft), ``therapist_levels.assessment_threshold`` (the spec's level
thresholds; existing levels get the spec's defaults 0/70/80/90 in rank order) and
``therapist_qualifications.exam_id/granted_on/granted_by_account_id`` (why a
therapist may do an item).

Revision ID: 0019_technical
Revises: 0018_order_lines_index
"""

import sqlalchemy as sa
from alembic import op

from app.rls import enable_tenant_rls

revision = "0019_technical"
down_revision = "0018_order_lines_index"
branch_labels = None
depends_on = None

TABLES = (
    "assessment_runs",
    "exam_criteria",
    "technique_proposals",
    "skill_assessments",
    "discipline_records",
    "practical_exams",
    "training_sessions",
    "complaint_investigations",
    "training_attendance",
)
# specs/skill-assessment.md: junior 0, intermediate 70, senior 80, master 90.
DEFAULT_THRESHOLDS = (0, 70, 80, 90)


def _keys(table):
    if op.get_bind().dialect.name == "sqlite":
        return [
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id")),
        ]
    return [sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}"))]


def _default_thresholds():
    """Existing levels, lowest rank first, take the spec's thresholds."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT tenant_id, id FROM therapist_levels ORDER BY tenant_id, rank, id")
    ).all()
    position: dict[int, int] = {}
    for tenant_id, level_id in rows:
        index = position.get(tenant_id, 0)
        position[tenant_id] = index + 1
        if index < len(DEFAULT_THRESHOLDS):
            bind.execute(
                sa.text(
                    "UPDATE therapist_levels SET assessment_threshold = :t"
                    " WHERE tenant_id = :tenant AND id = :id"
                ),
                {"t": DEFAULT_THRESHOLDS[index], "tenant": tenant_id, "id": level_id},
            )


def upgrade():
    op.create_table(
        "assessment_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_record_id", sa.Integer(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("started_by_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_assessment_runs_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_assessment_runs_tenant_id_tenants")
        ),
        *_keys("assessment_runs"),
    )
    with op.batch_alter_table("assessment_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_runs_store_id"), ["store_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assessment_runs_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "exam_criteria",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "service_item_id"],
            ["service_items.tenant_id", "service_items.id"],
            name=op.f("fk_exam_criteria_tenant_id_service_item_id_service_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_exam_criteria_tenant_id_tenants")
        ),
        *_keys("exam_criteria"),
    )
    with op.batch_alter_table("exam_criteria", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_criteria_service_item_id"), ["service_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exam_criteria_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "technique_proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("process", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.Column("price_idea", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "service_item_id"],
            ["service_items.tenant_id", "service_items.id"],
            name=op.f("fk_technique_proposals_tenant_id_service_item_id_service_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_technique_proposals_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_technique_proposals_tenant_id_tenants")
        ),
        *_keys("technique_proposals"),
    )
    with op.batch_alter_table("technique_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technique_proposals_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_technique_proposals_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_technique_proposals_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "skill_assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=True),
        sa.Column("completed_jobs", sa.Integer(), nullable=False),
        sa.Column("requested_jobs", sa.Integer(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_mean", sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column("exam_count", sa.Integer(), nullable=False),
        sa.Column("substantiated_complaints", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("exam_component", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("rating_component", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("requested_component", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("deductions", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("recommended_level_id", sa.Integer(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("employee_change_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employee_change_id"],
            ["employee_changes.tenant_id", "employee_changes.id"],
            name=op.f("fk_skill_assessments_tenant_id_employee_change_id_employee_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employee_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_skill_assessments_tenant_id_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "level_id"],
            ["therapist_levels.tenant_id", "therapist_levels.id"],
            name=op.f("fk_skill_assessments_tenant_id_level_id_therapist_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "recommended_level_id"],
            ["therapist_levels.tenant_id", "therapist_levels.id"],
            name=op.f("fk_skill_assessments_tenant_id_recommended_level_id_therapist_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "run_id"],
            ["assessment_runs.tenant_id", "assessment_runs.id"],
            name=op.f("fk_skill_assessments_tenant_id_run_id_assessment_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_skill_assessments_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_skill_assessments_tenant_id_tenants")
        ),
        *_keys("skill_assessments"),
        sa.UniqueConstraint(
            "tenant_id",
            "employee_id",
            "period_start",
            "period_end",
            name=op.f("uq_skill_assessments_tenant_id_employee_id_period_start_period_end"),
        ),
    )
    with op.batch_alter_table("skill_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skill_assessments_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_skill_assessments_period_end"), ["period_end"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_skill_assessments_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skill_assessments_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_skill_assessments_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_skill_assessments_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "discipline_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("repeat_no", sa.Integer(), nullable=False),
        sa.Column("fine_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("reward_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint_cases.tenant_id", "complaint_cases.id"],
            name=op.f("fk_discipline_records_tenant_id_complaint_id_complaint_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employee_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_discipline_records_tenant_id_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "reward_id"],
            ["rewards_penalties.tenant_id", "rewards_penalties.id"],
            name=op.f("fk_discipline_records_tenant_id_reward_id_rewards_penalties"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_discipline_records_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_discipline_records_tenant_id_tenants")
        ),
        *_keys("discipline_records"),
    )
    with op.batch_alter_table("discipline_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discipline_records_category"), ["category"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discipline_records_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discipline_records_occurred_on"), ["occurred_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discipline_records_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_discipline_records_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discipline_records_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "practical_exams",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("examined_on", sa.Date(), nullable=False),
        sa.Column("examiner_account_id", sa.Integer(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("pass_score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint_cases.tenant_id", "complaint_cases.id"],
            name=op.f("fk_practical_exams_tenant_id_complaint_id_complaint_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employee_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_practical_exams_tenant_id_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "service_item_id"],
            ["service_items.tenant_id", "service_items.id"],
            name=op.f("fk_practical_exams_tenant_id_service_item_id_service_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_practical_exams_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_practical_exams_tenant_id_tenants")
        ),
        *_keys("practical_exams"),
    )
    with op.batch_alter_table("practical_exams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practical_exams_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practical_exams_examined_on"), ["examined_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practical_exams_service_item_id"), ["service_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_practical_exams_store_id"), ["store_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_practical_exams_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("partner_store_id", sa.Integer(), nullable=True),
        sa.Column("trainer_employee_id", sa.Integer(), nullable=True),
        sa.Column("trainer_name", sa.String(length=64), nullable=False),
        sa.Column("service_item_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("created_by_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint_cases.tenant_id", "complaint_cases.id"],
            name=op.f("fk_training_sessions_tenant_id_complaint_id_complaint_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_training_sessions_tenant_id_partner_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "service_item_id"],
            ["service_items.tenant_id", "service_items.id"],
            name=op.f("fk_training_sessions_tenant_id_service_item_id_service_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_training_sessions_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "trainer_employee_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_training_sessions_tenant_id_trainer_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_sessions_tenant_id_tenants")
        ),
        *_keys("training_sessions"),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_sessions_partner_store_id"), ["partner_store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_sessions_starts_at"), ["starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_sessions_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_sessions_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_sessions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_sessions_trainer_employee_id"),
            ["trainer_employee_id"],
            unique=False,
        )

    op.create_table(
        "complaint_investigations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=True),
        sa.Column("substantiated", sa.Boolean(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("corrective_action", sa.String(length=16), nullable=False),
        sa.Column("corrective_note", sa.Text(), nullable=False),
        sa.Column("training_session_id", sa.Integer(), nullable=True),
        sa.Column("exam_id", sa.Integer(), nullable=True),
        sa.Column("discipline_id", sa.Integer(), nullable=True),
        sa.Column("guest_feedback", sa.Text(), nullable=False),
        sa.Column("guest_feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("investigator_account_id", sa.Integer(), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint_cases.tenant_id", "complaint_cases.id"],
            name=op.f("fk_complaint_investigations_tenant_id_complaint_id_complaint_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "discipline_id"],
            ["discipline_records.tenant_id", "discipline_records.id"],
            name=op.f("fk_complaint_investigations_tenant_id_discipline_id_discipline_records"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "exam_id"],
            ["practical_exams.tenant_id", "practical_exams.id"],
            name=op.f("fk_complaint_investigations_tenant_id_exam_id_practical_exams"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_complaint_investigations_tenant_id_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "therapist_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_complaint_investigations_tenant_id_therapist_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "training_session_id"],
            ["training_sessions.tenant_id", "training_sessions.id"],
            name=op.f(
                "fk_complaint_investigations_tenant_id_training_session_id_training_sessions"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_complaint_investigations_tenant_id_tenants"),
        ),
        *_keys("complaint_investigations"),
        sa.UniqueConstraint(
            "tenant_id",
            "complaint_id",
            name=op.f("uq_complaint_investigations_tenant_id_complaint_id"),
        ),
    )
    with op.batch_alter_table("complaint_investigations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_concluded_on"), ["concluded_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_investigations_therapist_id"), ["therapist_id"], unique=False
        )

    op.create_table(
        "training_attendance",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("recorded_by_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employee_id"],
            ["employees.tenant_id", "employees.id"],
            name=op.f("fk_training_attendance_tenant_id_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["training_sessions.tenant_id", "training_sessions.id"],
            name=op.f("fk_training_attendance_tenant_id_session_id_training_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_attendance_tenant_id_tenants")
        ),
        *_keys("training_attendance"),
        sa.UniqueConstraint(
            "tenant_id",
            "session_id",
            "employee_id",
            name=op.f("uq_training_attendance_tenant_id_session_id_employee_id"),
        ),
    )
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_attendance_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendance_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendance_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exam_pass_score", sa.Numeric(precision=5, scale=2), nullable=True)
        )
        batch_op.add_column(
            sa.Column("is_draft", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("therapist_levels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assessment_threshold", sa.Numeric(precision=5, scale=2), nullable=True)
        )

    with op.batch_alter_table("therapist_qualifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exam_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("granted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("granted_by_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_therapist_qualifications_tenant_id_exam_id_practical_exams"),
            "practical_exams",
            ["tenant_id", "exam_id"],
            ["tenant_id", "id"],
        )

    for table in TABLES:
        enable_tenant_rls(op, table)
    _default_thresholds()


def downgrade():
    with op.batch_alter_table("therapist_qualifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_therapist_qualifications_tenant_id_exam_id_practical_exams"),
            type_="foreignkey",
        )
        batch_op.drop_column("granted_by_account_id")
        batch_op.drop_column("granted_on")
        batch_op.drop_column("exam_id")

    with op.batch_alter_table("therapist_levels", schema=None) as batch_op:
        batch_op.drop_column("assessment_threshold")

    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_column("is_draft")
        batch_op.drop_column("exam_pass_score")

    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_attendance_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_training_attendance_session_id"))
        batch_op.drop_index(batch_op.f("ix_training_attendance_employee_id"))

    op.drop_table("training_attendance")
    with op.batch_alter_table("complaint_investigations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_therapist_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_store_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_status"))
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_concluded_on"))
        batch_op.drop_index(batch_op.f("ix_complaint_investigations_complaint_id"))

    op.drop_table("complaint_investigations")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_sessions_trainer_employee_id"))
        batch_op.drop_index(batch_op.f("ix_training_sessions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_training_sessions_store_id"))
        batch_op.drop_index(batch_op.f("ix_training_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_training_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_training_sessions_partner_store_id"))

    op.drop_table("training_sessions")
    with op.batch_alter_table("practical_exams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practical_exams_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_practical_exams_store_id"))
        batch_op.drop_index(batch_op.f("ix_practical_exams_service_item_id"))
        batch_op.drop_index(batch_op.f("ix_practical_exams_examined_on"))
        batch_op.drop_index(batch_op.f("ix_practical_exams_employee_id"))

    op.drop_table("practical_exams")
    with op.batch_alter_table("discipline_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discipline_records_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_store_id"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_status"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_employee_id"))
        batch_op.drop_index(batch_op.f("ix_discipline_records_category"))

    op.drop_table("discipline_records")
    with op.batch_alter_table("skill_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skill_assessments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_skill_assessments_store_id"))
        batch_op.drop_index(batch_op.f("ix_skill_assessments_status"))
        batch_op.drop_index(batch_op.f("ix_skill_assessments_run_id"))
        batch_op.drop_index(batch_op.f("ix_skill_assessments_period_end"))
        batch_op.drop_index(batch_op.f("ix_skill_assessments_employee_id"))

    op.drop_table("skill_assessments")
    with op.batch_alter_table("technique_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technique_proposals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_technique_proposals_store_id"))
        batch_op.drop_index(batch_op.f("ix_technique_proposals_status"))

    op.drop_table("technique_proposals")
    with op.batch_alter_table("exam_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_criteria_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_exam_criteria_service_item_id"))

    op.drop_table("exam_criteria")
    with op.batch_alter_table("assessment_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_runs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_runs_store_id"))

    op.drop_table("assessment_runs")
