"""Tables of the service department's procedures (服务规范/SOP) and service-skill
evaluations (服务技能评估).

Nothing here is deleted: a procedure's published version is archived when a new one
is published (acknowledgements are of a version, so the record of who read what
stays); an evaluation is history the store ranking and the employee's trend read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

# A version is a draft until published; publishing a new one archives the old.
VERSION_DRAFT = "draft"
VERSION_PUBLISHED = "published"
VERSION_ARCHIVED = "archived"
VERSION_STATUSES = (VERSION_DRAFT, VERSION_PUBLISHED, VERSION_ARCHIVED)


class Procedure(TenantScoped, db.Model):
    """服务规范: the procedure of one position (迎宾接待流程, 收银结账规范…); its text
    lives in its versions, at most one of which is published (the current one)."""

    __tablename__ = "service_procedures"
    __extra_table_args__ = (tenant_fk("position_id", "positions"),)
    # Company-wide: no store of its own (service.view reads, sop.manage writes).
    scope_store_attribute = None

    position_id: Mapped[int] = mapped_column(index=True)
    created_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


class ProcedureVersion(TenantScoped, db.Model):
    """One version (第 n 版) of a procedure: title and numbered steps, as published."""

    __tablename__ = "service_procedure_versions"
    __extra_table_args__ = (
        tenant_fk("procedure_id", "service_procedures"),
        UniqueConstraint("tenant_id", "procedure_id", "number",
                         name="uq_service_procedure_versions_number"),
        CheckConstraint("number >= 1", name="procedure_version_number"),
    )
    scope_store_attribute = None

    procedure_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=VERSION_DRAFT, index=True)
    # What changed, in the manager's words (第 2 版: 新增…).
    change_note: Mapped[str] = mapped_column(String(255), default="")
    created_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_account_id: Mapped[int | None]
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def steps(self) -> list[str]:
        """The body's non-empty lines: the numbered steps as written."""
        return [line.strip() for line in self.body.splitlines() if line.strip()]


class ProcedureAcknowledgement(TenantScoped, db.Model):
    """已阅读并遵守: an employee read this version of their position's procedure."""

    __tablename__ = "service_procedure_acks"
    __extra_table_args__ = (
        tenant_fk("version_id", "service_procedure_versions"),
        tenant_fk("employee_id", "employees"),
        UniqueConstraint("tenant_id", "version_id", "employee_id",
                         name="uq_service_procedure_acks_version_employee"),
    )
    scope_store_attribute = None

    version_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    account_id: Mapped[int | None]
    acknowledged_at: Mapped[Timestamp]


class ServiceEvaluation(TenantScoped, db.Model):
    """服务技能评估 of one non-technical employee (迎宾, 接待, 收银, 卫生) on one day:
    a score of 1–5 per criterion of the position's rubric (rubrics.py), the weighted
    total out of 100 kept as computed."""

    __tablename__ = "service_evaluations"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("employee_id", "employees"),
        CheckConstraint("total >= 0 AND total <= 100", name="service_evaluation_total"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    # The rubric's position (greeter, receptionist, cashier, cleaner) when evaluated.
    position_code: Mapped[str] = mapped_column(String(32))
    evaluated_on: Mapped[date] = mapped_column(index=True)
    total: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    evaluator_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


class ServiceEvaluationScore(TenantScoped, db.Model):
    """One criterion's score (1–5) of an evaluation, with the weight it had then."""

    __tablename__ = "service_evaluation_scores"
    __extra_table_args__ = (
        tenant_fk("evaluation_id", "service_evaluations"),
        UniqueConstraint("tenant_id", "evaluation_id", "criterion",
                         name="uq_service_evaluation_scores_criterion"),
        CheckConstraint("score >= 1 AND score <= 5", name="service_evaluation_score_range"),
    )
    scope_store_attribute = None

    evaluation_id: Mapped[int] = mapped_column(index=True)
    criterion: Mapped[str] = mapped_column(String(32))
    weight: Mapped[int]
    score: Mapped[int]


def _register_path_objects() -> None:
    """Ids in URLs resolved centrally (app.permissions): another tenant's is a 404, an
    evaluation of another store a 404 for a store role."""
    from app.permissions import register_path_object

    for argument, model in {
        "procedure_id": Procedure,
        "procedure_version_id": ProcedureVersion,
        "evaluation_id": ServiceEvaluation,
    }.items():
        register_path_object(argument, model)


_register_path_objects()
