"""Tables of the service department's inspections (检查), follow-up actions (整改),
the disinfection log (消毒记录) and who cleaned a room (打扫记录).

Nothing here is deleted: a checklist template that has been used is archived or
superseded by a new version (its items are what past inspections were scored on);
an inspection copies each item's text and points, so a later version never changes
an old score.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp, utcnow
from app.tenancy import TenantScoped, tenant_fk

# Codes stored in the database; their Chinese words are in labels.py.
KIND_HYGIENE = "hygiene"
KIND_SAFETY = "safety"
TEMPLATE_KINDS = (KIND_HYGIENE, KIND_SAFETY)
TEMPLATE_ACTIVE = "active"
TEMPLATE_ARCHIVED = "archived"
TEMPLATE_STATUSES = (TEMPLATE_ACTIVE, TEMPLATE_ARCHIVED)

# 消毒: what is disinfected and how.
DISINFECTION_ITEMS = ("basin", "towel", "linen", "cup", "slippers")
DISINFECTION_METHODS = ("steam", "uv", "chlorine", "ozone", "dishwasher", "other")


class InspectionTemplate(TenantScoped, db.Model):
    """A checklist (检查表) of one kind; ``version`` counts the versions of one ``name``.

    A template used by an inspection is never edited: a change makes a new version
    and archives the old one.
    """

    __tablename__ = "inspection_templates"
    # The company's checklists: no store of their own (app/permissions.py).
    scope_store_attribute = None
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "name", "version"),
        CheckConstraint("version >= 1", name="inspection_template_version"),
    )

    kind: Mapped[str] = mapped_column(String(16), default=KIND_HYGIENE, index=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=TEMPLATE_ACTIVE, index=True)
    created_at: Mapped[Timestamp]


class InspectionTemplateItem(TenantScoped, db.Model):
    """One line of a checklist: what is checked and the most points it scores."""

    __tablename__ = "inspection_template_items"
    __extra_table_args__ = (
        tenant_fk("template_id", "inspection_templates"),
        CheckConstraint("max_points > 0", name="inspection_item_points"),
    )

    template_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(255))
    max_points: Mapped[int] = mapped_column(default=10)


class Inspection(TenantScoped, db.Model):
    """An inspection of a store on a date against one template version."""

    __tablename__ = "inspections"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("template_id", "inspection_templates"),
        tenant_fk("inspector_account_id", "accounts"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    template_id: Mapped[int] = mapped_column(index=True)
    # Copied from the template so the ranking reads one table.
    kind: Mapped[str] = mapped_column(String(16), index=True)
    inspected_on: Mapped[date] = mapped_column(index=True)
    inspector_account_id: Mapped[int | None] = mapped_column(index=True)
    inspector_name: Mapped[str] = mapped_column(String(64), default="")
    total_points: Mapped[int] = mapped_column(default=0)
    max_points: Mapped[int] = mapped_column(default=0)
    percentage: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]


class InspectionScore(TenantScoped, db.Model):
    """The points one checklist item scored in one inspection, with a note."""

    __tablename__ = "inspection_scores"
    __extra_table_args__ = (
        tenant_fk("inspection_id", "inspections"),
        tenant_fk("template_item_id", "inspection_template_items"),
        CheckConstraint("points >= 0 AND points <= max_points", name="inspection_score_range"),
    )

    inspection_id: Mapped[int] = mapped_column(index=True)
    template_item_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(255))
    max_points: Mapped[int]
    points: Mapped[int]
    note: Mapped[str] = mapped_column(String(255), default="")


class FollowUpAction(TenantScoped, db.Model):
    """整改: something an inspection found that the store must put right by a date."""

    __tablename__ = "inspection_follow_ups"
    __extra_table_args__ = (
        tenant_fk("inspection_id", "inspections"),
        tenant_fk("store_id", "stores"),
        tenant_fk("owner_employee_id", "employees"),
    )

    inspection_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    what: Mapped[str] = mapped_column(String(255))
    owner_employee_id: Mapped[int] = mapped_column(index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_note: Mapped[str] = mapped_column(String(255), default="")
    done_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[Timestamp]


class DisinfectionRound(TenantScoped, db.Model):
    """One round of disinfection (消毒) in a store: which items, how, where, by whom.

    ``items`` holds item codes separated by commas (a round is a handful of them);
    ``day`` is the company's local date of ``done_at``, for the daily log.
    """

    __tablename__ = "disinfection_rounds"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("account_id", "accounts"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    day: Mapped[date] = mapped_column(index=True)
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    items: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[int | None] = mapped_column(index=True)
    account_id: Mapped[int | None] = mapped_column(index=True)
    done_by_name: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(255), default="")

    @property
    def item_codes(self) -> list[str]:
        return [code for code in self.items.split(",") if code]


class DisinfectionRequirement(TenantScoped, db.Model):
    """How many rounds a day one item needs in one store (0: not required).

    A store without rows uses the defaults (disinfection.DEFAULT_ROUNDS).
    """

    __tablename__ = "disinfection_requirements"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "item"),
        tenant_fk("store_id", "stores"),
        CheckConstraint("rounds_per_day >= 0 AND rounds_per_day <= 2",
                        name="disinfection_rounds_per_day"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    item: Mapped[str] = mapped_column(String(16))
    rounds_per_day: Mapped[int] = mapped_column(default=1)


class RoomCleaning(TenantScoped, db.Model):
    """打扫完毕: who handed a room back clean, and when (written from the store's hook)."""

    __tablename__ = "room_cleanings"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("account_id", "accounts"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    room_id: Mapped[int] = mapped_column(index=True)
    cleaned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    account_id: Mapped[int | None] = mapped_column(index=True)
    cleaned_by_name: Mapped[str] = mapped_column(String(64), default="")
