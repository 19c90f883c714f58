"""营业日汇总: one store's business day in figures (``StoreDayRollup``), derived from the
front desk's rows.  app/blueprints/gm/rollups.py computes, keeps and rebuilds them (the
dashboard and the monthly report read them); finance's P&L reads a closed day's
payments from them.  The table lives with the store's tables because it is the store's
day: every department that reads it depends on the store already, never on each other.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

ZERO = Decimal("0.00")

# The money columns of a rollup, one per payment method (net of refunds, at face).
ROLLUP_METHODS = (
    "cash",
    "wechat",
    "alipay",
    "bank_card",
    "voucher",
    "stored_value",
    "package_card",
)


class StoreDayRollup(TenantScoped, db.Model):
    """One store's business day in figures (营业日汇总), for the dashboard and reports.

    Money (at face, refunds negative):
    * ``revenue`` — 营业额: every payment method of the day's orders, member cards at
      face value (the P&L values card spend at the card's share of real money; the
      dashboard shows takings as the desk sees them);
    * ``paid_<method>`` — the same per method (``ROLLUP_METHODS``); they add up to
      ``revenue``;
    * ``refunds`` — money paid back (positive), ``refund_count``;
    * ``card_sales`` — card top-ups received in this store (bonus excluded), and
      ``cards_sold`` — new cards opened;
    * ``card_balance_change`` — the change of the stored value of the cards this store
      issued (top-up + bonus − spend + refund to card), so the balance (储值沉淀) at a
      day's end is the running sum.

    Counts: ``orders`` paid (or partly refunded) orders and ``guests`` (Σ party size);
    ``jobs`` finished service jobs (钟), ``jobs_requested`` 点钟, ``jobs_addon`` 加钟,
    ``jobs_returned`` 退钟; ``job_minutes`` time on jobs and ``duty_minutes`` therapists'
    time on duty (clock-in to clock-out) → 上钟率; ``ratings`` and ``rating_total``
    (Σ stars) → average rating; ``low_ratings`` (≤ 2 stars); ``complaints`` opened.
    """

    __tablename__ = "store_day_rollups"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        UniqueConstraint(
            "tenant_id", "store_id", "business_date", name="uq_store_day_rollups_store_date"
        ),
        db.Index("ix_store_day_rollups_tenant_date", "tenant_id", "business_date"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    business_date: Mapped[date]
    revenue: Mapped[Money] = mapped_column(default=ZERO)
    paid_cash: Mapped[Money] = mapped_column(default=ZERO)
    paid_wechat: Mapped[Money] = mapped_column(default=ZERO)
    paid_alipay: Mapped[Money] = mapped_column(default=ZERO)
    paid_bank_card: Mapped[Money] = mapped_column(default=ZERO)
    paid_voucher: Mapped[Money] = mapped_column(default=ZERO)
    paid_stored_value: Mapped[Money] = mapped_column(default=ZERO)
    paid_package_card: Mapped[Money] = mapped_column(default=ZERO)
    refunds: Mapped[Money] = mapped_column(default=ZERO)
    refund_count: Mapped[int] = mapped_column(default=0)
    card_sales: Mapped[Money] = mapped_column(default=ZERO)
    cards_sold: Mapped[int] = mapped_column(default=0)
    card_balance_change: Mapped[Money] = mapped_column(default=ZERO)
    orders: Mapped[int] = mapped_column(default=0)
    guests: Mapped[int] = mapped_column(default=0)
    jobs: Mapped[int] = mapped_column(default=0)
    jobs_requested: Mapped[int] = mapped_column(default=0)
    jobs_addon: Mapped[int] = mapped_column(default=0)
    jobs_returned: Mapped[int] = mapped_column(default=0)
    job_minutes: Mapped[int] = mapped_column(default=0)
    duty_minutes: Mapped[int] = mapped_column(default=0)
    ratings: Mapped[int] = mapped_column(default=0)
    rating_total: Mapped[int] = mapped_column(default=0)
    low_ratings: Mapped[int] = mapped_column(default=0)
    complaints: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[Timestamp]
