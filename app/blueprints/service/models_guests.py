"""Tables of the service department's guest work (issue 13, items 4 and 6): the
satisfaction reviews head office asks of a store, and the weekly guest care plan
(客户回访) with each contact made.

The complaint case's own follow-up (owner, kind, due date) lives on
``complaint_cases`` (app/blueprints/store/models/feedback.py).  Nothing here is
deleted: a review and a contact are what the monthly report counts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

# 满意度复盘: asked by head office, answered by the store.
REVIEW_REQUESTED = "requested"
REVIEW_ANSWERED = "answered"
REVIEW_STATUSES = (REVIEW_REQUESTED, REVIEW_ANSWERED)

# 回访: why a guest is on the plan, how they were reached, what they said.
CARE_REASONS = ("complaint", "low_rating", "vip", "regular")
CARE_CHANNELS = ("phone", "wechat", "in_store")
CARE_OUTCOMES = ("satisfied", "neutral", "unhappy", "no_answer")


class SatisfactionReview(TenantScoped, db.Model):
    """满意度复盘: the service manager asks a store to look at one month (``focus``);
    the store manager answers with an analysis and measures.  One per store and month."""

    __tablename__ = "satisfaction_reviews"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "month", name="uq_satisfaction_reviews_month"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reviewed
    focus: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=REVIEW_REQUESTED, index=True)
    requested_by_account_id: Mapped[int | None]
    requested_at: Mapped[Timestamp]
    analysis: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    answered_by_account_id: Mapped[int | None]
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CarePlanEntry(TenantScoped, db.Model):
    """A guest the store manager plans to call back in a week (the week's Monday)."""

    __tablename__ = "care_plan_entries"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "week", "customer_id",
                         name="uq_care_plan_entries_guest"),
        tenant_fk("store_id", "stores"),
        tenant_fk("customer_id", "customers"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    week: Mapped[date] = mapped_column(Date, index=True)
    customer_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(16))
    planned_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


class CareContact(TenantScoped, db.Model):
    """One attempt to reach a planned guest: when, how, and what came of it."""

    __tablename__ = "care_contacts"
    __extra_table_args__ = (
        tenant_fk("entry_id", "care_plan_entries"),
        tenant_fk("store_id", "stores"),
    )

    entry_id: Mapped[int] = mapped_column(index=True)
    # The entry's store, so a contact is scoped like everything of a store.
    store_id: Mapped[int] = mapped_column(index=True)
    contacted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    contacted_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]


def _register_path_objects() -> None:
    """Ids in URLs are loaded (404 for another tenant's or store's) before any view."""
    from app.permissions import register_path_object

    register_path_object("satisfaction_review_id", SatisfactionReview)
    register_path_object("care_entry_id", CarePlanEntry)


_register_path_objects()
