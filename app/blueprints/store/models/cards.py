"""会员卡: stored-value and package cards (次卡) of the tenant, usable in every store,
with their append-only ledger.  The balance is the sum of the ledger."""

from datetime import date
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

CARD_KINDS = ("stored_value", "package")
CARD_STATUSES = ("active", "frozen", "closed")
LEDGER_KINDS = ("topup", "bonus", "spend", "refund", "adjustment")


class MemberCard(TenantScoped, db.Model):
    __tablename__ = "member_cards"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "card_no"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("issued_store_id", "stores"),
        tenant_fk("service_item_id", "service_items"),
    )

    card_no: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    issued_store_id: Mapped[int] = mapped_column(index=True)
    # Package cards: the service item they are for, and when they expire.
    service_item_id: Mapped[int | None]
    expires_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Kept equal to the ledger's sums in the same transaction, under the card's
    # row lock; tests check they agree.
    balance: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    remaining_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Timestamp]


class CardLedgerEntry(TenantScoped, db.Model):
    """One movement on a card (append-only): money for stored value, counts for packages."""

    __tablename__ = "card_ledger"
    __extra_table_args__ = (
        tenant_fk("card_id", "member_cards"),
        tenant_fk("store_id", "stores"),
        tenant_fk("order_id", "orders"),
        tenant_fk("sold_by_employee_id", "employees"),
    )

    card_id: Mapped[int] = mapped_column(index=True)
    # Where it happened: the cross-store settlement compares this with issued_store_id.
    store_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Money] = mapped_column(default=Decimal("0.00"))  # signed
    count_delta: Mapped[int] = mapped_column(default=0)  # signed, package cards
    balance_after: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    count_after: Mapped[int] = mapped_column(default=0)
    # Money actually received for a top-up (the bonus is a separate entry).
    order_id: Mapped[int | None] = mapped_column(index=True)
    payment_method: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[Timestamp]
    created_by_account_id: Mapped[int | None]
    # 售卡人: the employee credited with a top-up or package sale (售卡提成, payroll).
    sold_by_employee_id: Mapped[int | None] = mapped_column(index=True)
