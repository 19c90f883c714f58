"""收银: payments (split across methods) and refunds (store-manager approval)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

PAYMENT_METHODS = ("cash", "wechat", "alipay", "bank_card", "stored_value", "package_card",
                   "voucher")
# 团购: the platform that sold the voucher (美团 / 抖音 / another one).
VOUCHER_PLATFORMS = ("meituan", "douyin", "other")
REFUND_STATUSES = ("requested", "approved", "rejected")


class Payment(TenantScoped, db.Model):
    """Money received for an order by one method (negative for a refund paid out)."""

    __tablename__ = "payments"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("order_id", "orders"),
        tenant_fk("business_day_id", "business_days"),
        tenant_fk("card_id", "member_cards"),
        tenant_fk("refund_id", "refunds"),
        # A 团购 voucher is redeemed once per company; each platform issues its own
        # codes, so the platform is part of the key (NULLs: other methods never collide).
        UniqueConstraint("tenant_id", "voucher_platform", "voucher_code"),
        # The P&L values each card's spend at its share of real money, per card: this
        # index holds only the card payments (a small part of all), with what it sums.
        db.Index("ix_payments_card_spend", "tenant_id", "business_day_id",
                 postgresql_include=["store_id", "method", "card_id", "amount"],
                 postgresql_where=text("method IN ('stored_value', 'package_card')"),
                 sqlite_where=text("method IN ('stored_value', 'package_card')")),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int] = mapped_column(index=True)
    business_day_id: Mapped[int] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Money]
    # Cash: what the guest handed over and the change given back.
    tendered: Mapped[Money | None]
    change: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    card_id: Mapped[int | None] = mapped_column(index=True)
    refund_id: Mapped[int | None]
    reference: Mapped[str] = mapped_column(String(64), default="")  # e.g. WeChat trade no.
    # 团购 only: the platform and the voucher's code (normalized: upper case, no spaces).
    voucher_platform: Mapped[str | None] = mapped_column(String(16))
    voucher_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    created_by_account_id: Mapped[int | None]


class Refund(TenantScoped, db.Model):
    """退款: asked by the cashier, approved (or not) by the store manager; audited."""

    __tablename__ = "refunds"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("order_id", "orders"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int] = mapped_column(index=True)
    amount: Mapped[Money]
    method: Mapped[str] = mapped_column(String(16))  # paid back by
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    requested_by_account_id: Mapped[int | None]
    requested_at: Mapped[Timestamp]
    decided_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(String(255), default="")
