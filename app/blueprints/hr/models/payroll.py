"""工资: rewards and penalties, tax opening balances, payroll runs and payslips.

specs/payroll.md.  Approved and paid runs are immutable; a correction is an
adjustment (奖惩 kind ``adjustment``) in a later month.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Employee, Store
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

# reward (+) and fine (−) as the spec; adjustment: a signed correction of an earlier
# month's payslip, added to gross and never capped.
REWARD_KINDS = ("reward", "fine", "adjustment")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")
RUN_STATUSES = ("queued", "draft", "submitted", "reviewed", "approved", "paid", "failed")
FROZEN_RUN_STATUSES = ("approved", "paid")


class RewardPenalty(TenantScoped, db.Model):
    """奖惩: a monetary reward, fine or correction, effective in a month once approved."""

    __tablename__ = "rewards_penalties"
    __extra_table_args__ = (
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    # The employee's store when asked (store scope, the store's lists); None: head office.
    store_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Positive for rewards and fines (the kind gives the sign); signed for adjustments.
    amount: Mapped[Money]
    effective_on: Mapped[date] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


class TaxOpeningBalance(TenantScoped, db.Model):
    """个税期初: this year's cumulative taxable income and tax withheld before Muzu."""

    __tablename__ = "tax_opening_balances"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "year"),
        tenant_fk("employee_id", "employees"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    year: Mapped[int]
    cumulative_taxable: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    cumulative_tax: Mapped[Money] = mapped_column(default=Decimal("0.00"))


class TaxOpeningRequest(TenantScoped, db.Model):
    """A request to enter or change a 个税期初: written to ``tax_opening_balances``
    only when someone else approves it (the one approval flow, kind ``tax_opening``)."""

    __tablename__ = "tax_opening_requests"
    __extra_table_args__ = (tenant_fk("employee_id", "employees"),)

    employee_id: Mapped[int] = mapped_column(index=True)
    year: Mapped[int]
    cumulative_taxable: Mapped[Money]
    cumulative_tax: Mapped[Money]
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by_account_id: Mapped[int | None]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


class PayrollRun(TenantScoped, db.Model):
    """One month's payroll of the company, or of one store.

    ``scope`` is ``"all"`` or ``"store:<id>"`` so the unique constraint holds on
    every database (NULL store ids would not collide in PostgreSQL).
    """

    __tablename__ = "payroll_runs"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "month", "scope"),
        tenant_fk("store_id", "stores"),
    )

    month: Mapped[date]  # first day of the month
    scope: Mapped[str] = mapped_column(String(32), default="all")
    store_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # The latest computation job (queued or running blocks a second one).
    job_record_id: Mapped[int | None]
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The settings the run was computed with, as strings (reproducible reruns).
    policy_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    employee_count: Mapped[int] = mapped_column(default=0)
    total_gross: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    total_si: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    total_iit: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    total_net: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_account_id: Mapped[int | None]
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_account_id: Mapped[int | None]
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_account_id: Mapped[int | None]
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store | None] = relationship(lazy="raise", foreign_keys=[store_id])


class Payslip(TenantScoped, db.Model):
    """工资条: every component of one employee's month, each rounded once to 0.01."""

    __tablename__ = "payslips"
    # A payslip follows its person, not a store: a therapist who moved keeps reading
    # the payslips of the old store (my_payslip checks ownership; HR pages need
    # payroll.view, a head-office permission).
    scope_store_attribute = None
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "run_id", "employee_id"),
        tenant_fk("run_id", "payroll_runs"),
        tenant_fk("employee_id", "employees"),
        tenant_fk("store_id", "stores"),
    )

    run_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    month: Mapped[date] = mapped_column(index=True)
    # Where the person worked at the end of the month (totals per store).
    store_id: Mapped[int | None] = mapped_column(index=True)
    base: Mapped[Money]
    overtime: Mapped[Money]
    commission: Mapped[Money]
    card_commission: Mapped[Money]
    meal: Mapped[Money]
    full_attendance_bonus: Mapped[Money]
    rewards: Mapped[Money]
    fines: Mapped[Money]
    late_deduction: Mapped[Money]
    deductions_capped: Mapped[bool] = mapped_column(default=False)
    adjustment: Mapped[Money]
    gross: Mapped[Money]
    si_pension: Mapped[Money]
    si_medical: Mapped[Money]
    si_unemployment: Mapped[Money]
    si_housing_fund: Mapped[Money]
    si_total: Mapped[Money]
    taxable: Mapped[Money]
    cum_income: Mapped[Money]
    cum_deductible: Mapped[Money]
    cum_taxable: Mapped[Money]
    cum_tax: Mapped[Money]
    iit: Mapped[Money]
    net: Mapped[Money]
    # Attendance facts, overtime hours by kind, job counts, per-day notes.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])
    run: Mapped[PayrollRun] = relationship(lazy="raise", foreign_keys=[run_id])
