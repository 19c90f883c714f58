"""Employees: the file HR keeps (员工档案), therapist levels and pay profiles.

Sensitive fields (ID-card number, bank account) are encrypted at rest
(app.crypto) and shown masked everywhere but HR's detail view.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedString, mask
from app.extensions import db
from app.models.base import Money, Timestamp
from app.models.org import Position, Store
from app.tenancy import TenantScoped, tenant_fk

EMPLOYEE_STATUSES = ("candidate", "onboarding", "probation", "active", "offboarding", "left")
# People who count in a store's headcount.
ON_STAFF_STATUSES = ("probation", "active", "offboarding")
# People who may be scheduled, clock in and be paid for the days they work.
EMPLOYED_STATUSES = ("onboarding", "probation", "active", "offboarding")
GENDERS = ("female", "male")


class TherapistLevel(TenantScoped, db.Model):
    """技师等级 (初级, 中级, 高级, 金牌…): the multiplier on every job's commission."""

    __tablename__ = "therapist_levels"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(32))
    commission_multiplier: Mapped[Decimal] = mapped_column(
        Numeric(6, 3), default=Decimal("1.000")
    )
    rank: Mapped[int] = mapped_column(default=0)
    # The skill-assessment score (0–100) that reaches this level
    # (specs/skill-assessment.md); None: the level is not reached by assessment.
    assessment_threshold: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    is_active: Mapped[bool] = mapped_column(default=True)


class PayProfile(TenantScoped, db.Model):
    """薪资方案: how a post is paid (specs/payroll.md), overridable per employee."""

    __tablename__ = "pay_profiles"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        tenant_fk("position_id", "positions"),
    )

    name: Mapped[str] = mapped_column(String(64))
    # The post's default profile; None for a profile chosen per employee.
    position_id: Mapped[int | None] = mapped_column(index=True)
    monthly_base: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    overtime_eligible: Mapped[bool] = mapped_column(default=True)
    commission: Mapped[bool] = mapped_column(default=False)
    card_sale_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0"))
    meal_allowance_per_day: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    full_attendance_bonus: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]


class Employee(TenantScoped, db.Model):
    """员工档案: one person employed (or about to be) by the company."""

    __tablename__ = "employees"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_no"),
        tenant_fk("store_id", "stores"),
        tenant_fk("position_id", "positions"),
        tenant_fk("level_id", "therapist_levels"),
        tenant_fk("pay_profile_id", "pay_profiles"),
    )

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

    # Sensitive: encrypted at rest, masked outside HR's detail view, never logged.
    id_card_no: Mapped[str] = mapped_column(EncryptedString, default="")
    bank_account_no: Mapped[str] = mapped_column(EncryptedString, default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    birth_date: Mapped[date | None]
    emergency_contact: Mapped[str] = mapped_column(String(64), default="")
    emergency_phone: Mapped[str] = mapped_column(String(32), default="")
    # 健康证: an expired one blocks dispatch (store.rotation).
    health_cert_no: Mapped[str] = mapped_column(String(64), default="")
    health_cert_expires_on: Mapped[date | None]
    # Therapists only.
    level_id: Mapped[int | None] = mapped_column(index=True)
    # None: the default profile of the position.
    pay_profile_id: Mapped[int | None] = mapped_column(index=True)
    # Per-employee overrides of the profile (None: the profile's value).
    monthly_base_override: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    si_enrolled: Mapped[bool] = mapped_column(default=True)
    # None: the monthly base (specs/payroll.md).
    si_base: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    monthly_special_deduction: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    probation_ends_on: Mapped[date | None]
    # 最后工作日: set by an approved offboarding.
    last_day: Mapped[date | None]
    # The store clock page (打卡机): employee number + this PIN, hashed like a password.
    clock_pin_hash: Mapped[str | None] = mapped_column(String(255))

    store: Mapped[Store | None] = relationship(lazy="raise", foreign_keys=[store_id])
    position: Mapped[Position] = relationship(lazy="raise", foreign_keys=[position_id])
    level: Mapped[TherapistLevel | None] = relationship(lazy="raise", foreign_keys=[level_id])
    pay_profile: Mapped[PayProfile | None] = relationship(
        lazy="raise", foreign_keys=[pay_profile_id]
    )

    @property
    def id_card_masked(self) -> str:
        return mask(self.id_card_no, keep_start=3, keep_end=4)

    @property
    def bank_account_masked(self) -> str:
        return mask(self.bank_account_no, keep_end=4)

    def health_cert_valid_on(self, day: date) -> bool:
        """No expiry on file counts as valid: the onboarding checklist asks for one."""
        return self.health_cert_expires_on is None or self.health_cert_expires_on >= day
