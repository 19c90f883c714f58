"""Tables of head office (总经理): the daily per-store rollups the chain dashboard
reads, each store's monthly targets, and the monthly operating reports.

A rollup row is derived data: app/blueprints/gm/rollups.py computes it from the
source rows (payments, orders, card ledger, service jobs, clock records, feedback,
complaints) and can rebuild any range exactly; nothing else writes it.  Today's
figures are never read from it (the dashboard computes today live).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

ZERO = Decimal("0.00")

# The money columns of a rollup, one per payment method (net of refunds, at face).
ROLLUP_METHODS = ("cash", "wechat", "alipay", "bank_card", "voucher", "stored_value",
                  "package_card")


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
        UniqueConstraint("tenant_id", "store_id", "business_date",
                         name="uq_store_day_rollups_store_date"),
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


class StoreTarget(TenantScoped, db.Model):
    """经营目标: what a store is to reach in a month, set by the general manager."""

    __tablename__ = "store_targets"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        UniqueConstraint("tenant_id", "store_id", "month", name="uq_store_targets_month"),
        CheckConstraint("revenue >= 0 AND card_sales >= 0 AND guests >= 0",
                        name="store_target_not_negative"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    month: Mapped[date] = mapped_column(index=True)  # the first day of the month
    revenue: Mapped[Money] = mapped_column(default=ZERO)
    guests: Mapped[int] = mapped_column(default=0)
    card_sales: Mapped[Money] = mapped_column(default=ZERO)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_account_id: Mapped[int | None]
    updated_at: Mapped[Timestamp]


REPORT_QUEUED = "queued"
REPORT_RUNNING = "running"
REPORT_READY = "ready"
REPORT_FAILED = "failed"
REPORT_STATUSES = (REPORT_QUEUED, REPORT_RUNNING, REPORT_READY, REPORT_FAILED)


class OperatingReport(TenantScoped, db.Model):
    """月度经营分析报告 of one month: built by the RQ job ``gm.operating_report`` and kept
    as it was built (``content``: the figures, problems, opinions and forecast per store
    and for the chain), so the page, the Excel file and the print read the same thing.
    A rebuild replaces the content of the same row."""

    __tablename__ = "operating_reports"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "month", name="uq_operating_reports_month"),
    )

    month: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=REPORT_QUEUED)
    job_id: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]
    built_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
