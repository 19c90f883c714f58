"""Employees: the basic file (the HR issue extends it)."""

from datetime import date

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp
from app.models.org import Position, Store
from app.tenancy import TenantScoped, tenant_fk

EMPLOYEE_STATUSES = ("candidate", "onboarding", "probation", "active", "offboarding", "left")
# People who count in a store's headcount.
ON_STAFF_STATUSES = ("probation", "active", "offboarding")
GENDERS = ("female", "male")


class Employee(TenantScoped, db.Model):
    """员工档案: one person employed (or about to be) by the company."""

    __tablename__ = "employees"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_no"),
        tenant_fk("store_id", "stores"),
        tenant_fk("position_id", "positions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 工号; for therapists also the number guests ask for (点钟).
    employee_no: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(8), default="female")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # Head-office staff have no store.
    store_id: Mapped[int | None] = mapped_column(index=True)
    position_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    hire_date: Mapped[date | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store | None] = relationship(lazy="raise", foreign_keys=[store_id])
    position: Mapped[Position] = relationship(lazy="raise", foreign_keys=[position_id])
