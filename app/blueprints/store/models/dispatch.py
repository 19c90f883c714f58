"""轮牌: the rotation board of a store's business day, and its public log."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow
from app.tenancy import TenantScoped, tenant_fk

BOARD_STATUSES = ("waiting", "busy", "away")


class BoardEntry(TenantScoped, db.Model):
    """One therapist on duty on one business day, at a place in the queue."""

    __tablename__ = "board_entries"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "business_day_id", "therapist_id"),
        tenant_fk("business_day_id", "business_days"),
        tenant_fk("store_id", "stores"),
        tenant_fk("therapist_id", "employees"),
    )

    business_day_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    therapist_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int]  # 1 = head of the queue
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    suspended: Mapped[bool] = mapped_column(default=False)  # 停牌
    held_for: Mapped[str | None] = mapped_column(String(64))  # 留牌: expected guest
    current_job_id: Mapped[int | None]
    clocked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BoardSuspension(TenantScoped, db.Model):
    """停牌 of a therapist at a store: lasts until a dispatcher or foreman lifts it
    (复牌), through a clock-out and into the next business days, so it is kept per
    store and therapist, not on one day's board entry (which mirrors it)."""

    __tablename__ = "board_suspensions"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "therapist_id"),
        tenant_fk("store_id", "stores"),
        tenant_fk("therapist_id", "employees"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    therapist_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(255), default="")
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    suspended_by_account_id: Mapped[int | None]


class DispatchLog(TenantScoped, db.Model):
    """Every change of the board: who, when, which rule, queue before/after, and
    why each therapist ahead was passed over.  Readable by the store's therapists."""

    __tablename__ = "dispatch_log"
    __extra_table_args__ = (
        tenant_fk("business_day_id", "business_days"),
        tenant_fk("store_id", "stores"),
    )

    business_day_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_account_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(255), default="")
    therapist_id: Mapped[int | None]
    job_id: Mapped[int | None]
    order_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(255), default="")
    # 下钟: how many minutes before the planned end the job was finished (提前下钟).
    minutes_short: Mapped[int | None]
    queue_before: Mapped[list | None] = mapped_column(JSON)
    queue_after: Mapped[list | None] = mapped_column(JSON)
    # [{"therapist_id": 7, "reason": "busy"}, ...]
    passed_over: Mapped[list | None] = mapped_column(JSON)
