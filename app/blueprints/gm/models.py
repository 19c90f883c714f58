"""Tables of head office (总经理): each store's monthly targets and the monthly
operating reports; the daily per-store rollups the chain dashboard reads are the
store's table (app/blueprints/store/models/rollups.py), re-exported here.

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

from app.blueprints.store.models.rollups import ROLLUP_METHODS, StoreDayRollup
from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

# The rollup table is the store's (app/blueprints/store/models/rollups.py); named here too
# because head office is its main reader.
__all__ = ["ROLLUP_METHODS", "OperatingReport", "StoreDayRollup", "StoreTarget"]

ZERO = Decimal("0.00")


class StoreTarget(TenantScoped, db.Model):
    """经营目标: what a store is to reach in a month, set by the general manager."""

    __tablename__ = "store_targets"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        UniqueConstraint("tenant_id", "store_id", "month", name="uq_store_targets_month"),
        CheckConstraint(
            "revenue >= 0 AND card_sales >= 0 AND guests >= 0", name="store_target_not_negative"
        ),
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
