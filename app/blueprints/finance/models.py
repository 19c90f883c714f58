"""Tables of finance (财务部): expense claims with their attachments, and monthly
budgets per store and category.

The store P&L (门店损益) has no table: it is read from the source rows (payments,
card ledger, payroll runs, expenses, stock movements, depreciation) each time.
An expense is never deleted: a rejected or cancelled one keeps its row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import db
from app.models import Store
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

# 费用类别: codes stored; their words are in app/blueprints/finance/labels.py.  The P&L
# shows labour (payroll runs), stock consumed and depreciation from their own rows,
# so no category here duplicates them.
EXPENSE_CATEGORIES = ("rent", "utilities", "repairs", "supplies", "marketing", "travel",
                      "meals", "communication", "training", "office", "other")

# A budget line is an expense category or one of the P&L's own lines.
BUDGET_CATEGORIES = ("revenue", "labour", "stock_consumed", "depreciation",
                     *EXPENSE_CATEGORIES)

EXPENSE_PENDING_STORE = "pending_store"  # 待店长审批 (a store's expense)
EXPENSE_PENDING_FINANCE = "pending_finance"  # 待财务审核
EXPENSE_PENDING_GM = "pending_gm"  # 待总经理审批 (above the tenant's threshold)
EXPENSE_APPROVED = "approved"
EXPENSE_PAID = "paid"
EXPENSE_REJECTED = "rejected"
EXPENSE_CANCELLED = "cancelled"
EXPENSE_STATUSES = (EXPENSE_PENDING_STORE, EXPENSE_PENDING_FINANCE, EXPENSE_PENDING_GM,
                    EXPENSE_APPROVED, EXPENSE_PAID, EXPENSE_REJECTED, EXPENSE_CANCELLED)


class ExpenseClaim(TenantScoped, db.Model):
    """费用报销/申请 of a store or a head-office department.

    ``spent_on`` puts it in a month of the P&L and the budget (approved and paid
    claims count).  ``claimant_employee_id`` is whom the money is paid back to (the
    approval flow's subject: nobody decides their own claim).
    """

    __tablename__ = "expense_claims"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("department_id", "departments"),
        tenant_fk("claimant_employee_id", "employees"),
        CheckConstraint("amount > 0", name="expense_amount_positive"),
        db.Index("ix_expense_claims_tenant_spent_on_store", "tenant_id", "spent_on",
                 "store_id"),
    )

    # A store's expense, or (None) a head-office department's.
    store_id: Mapped[int | None] = mapped_column(index=True)
    department_id: Mapped[int | None] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Money]
    spent_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")
    payee: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(24), default=EXPENSE_PENDING_FINANCE,
                                        index=True)
    claimant_employee_id: Mapped[int | None] = mapped_column(index=True)
    requested_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store | None] = relationship(lazy="raise", foreign_keys=[store_id])


class ExpenseAttachment(TenantScoped, db.Model):
    """A receipt or invoice photo of a claim (kept in the database: one backup, and it
    is there on a fresh machine).  ``data`` is deferred: lists never load it."""

    __tablename__ = "expense_attachments"
    __extra_table_args__ = (tenant_fk("expense_id", "expense_claims"),)

    expense_id: Mapped[int] = mapped_column(index=True)
    filename: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


class Budget(TenantScoped, db.Model):
    """预算: a store's month for one of :data:`BUDGET_CATEGORIES` (the revenue it should
    take, or what it may spend); the P&L and the budget page show actual and variance."""

    __tablename__ = "budgets"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "period", "category"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    # The first day of the month.
    period: Mapped[date] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    updated_by_account_id: Mapped[int | None]
    updated_at: Mapped[Timestamp]


def _register_path_objects() -> None:
    """Ids in URLs resolved centrally (app.permissions): another tenant's or another
    store's is a 404.  An attachment is addressed through its claim."""
    from app.permissions import register_path_object

    for argument, model in {"expense_id": ExpenseClaim, "budget_id": Budget}.items():
        register_path_object(argument, model)


_register_path_objects()
