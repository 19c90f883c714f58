"""营业日, 消费单 and 钟: a store's business day, its orders, their lines and the
therapists' jobs (轮钟 rotation, 点钟 requested, 加钟 add-on)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

ORDER_STATUSES = ("waiting", "in_service", "to_pay", "paid", "cancelled")
LINE_KINDS = ("service", "product")
JOB_TYPES = ("rotation", "requested")  # 轮钟, 点钟
JOB_STATUSES = ("in_service", "finished", "returned", "cancelled")


class BusinessDay(TenantScoped, db.Model):
    """营业日 of one store.  Its row is locked (SELECT … FOR UPDATE) to serialize
    every change of the rotation board and the numbering of orders; daily
    closing (日结) locks the day itself."""

    __tablename__ = "business_days"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "business_date"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    business_date: Mapped[date]
    last_order_seq: Mapped[int] = mapped_column(default=0)
    # "clock_in": queue in clock-in order; "yesterday": start in yesterday's order.
    board_start_rule: Mapped[str] = mapped_column(String(16), default="clock_in")
    board_version: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by_account_id: Mapped[int | None]
    closing_summary: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[Timestamp]


class Order(TenantScoped, db.Model):
    """消费单: one visit of a guest (or a party) to a store."""

    __tablename__ = "orders"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "business_day_id", "seq"),
        tenant_fk("store_id", "stores"),
        tenant_fk("business_day_id", "business_days"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("membership_level_id", "membership_levels"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    business_day_id: Mapped[int] = mapped_column(index=True)
    seq: Mapped[int]  # shown as the day's order number, e.g. 20261127-012
    customer_id: Mapped[int | None] = mapped_column(index=True)
    guest_name: Mapped[str] = mapped_column(String(64), default="")
    party_size: Mapped[int] = mapped_column(default=1)
    # None while the party waits in the waiting area (every room full).
    room_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_service", index=True)
    opened_at: Mapped[Timestamp]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 每15分钟续水: the receptionist's round.
    last_tea_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    membership_level_id: Mapped[int | None]
    subtotal: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    discount: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    notes: Mapped[str] = mapped_column(Text, default="")
    opened_by_account_id: Mapped[int | None]
    closed_by_account_id: Mapped[int | None]

    lines: Mapped[list["OrderLine"]] = relationship(
        lazy="raise", order_by="OrderLine.id", foreign_keys="OrderLine.order_id",
        primaryjoin="and_(Order.id == OrderLine.order_id, Order.tenant_id == OrderLine.tenant_id)",
        viewonly=True,
    )


class OrderLine(TenantScoped, db.Model):
    """A line of an order: a service item (done by a therapist's job) or a product."""

    __tablename__ = "order_lines"
    __extra_table_args__ = (
        tenant_fk("order_id", "orders"),
        tenant_fk("store_id", "stores"),
        tenant_fk("service_item_id", "service_items"),
        tenant_fk("product_id", "products"),
        tenant_fk("requested_therapist_id", "employees"),
        # The lines of an order, the way every query asks (tenant, then order): without
        # it PostgreSQL, before it has statistics (a 90-day demo load in one
        # transaction), ANDs the tenant's whole primary-key range into each lookup.
        db.Index("ix_order_lines_tenant_id_order_id", "tenant_id", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16), default="service")
    service_item_id: Mapped[int | None] = mapped_column(index=True)
    product_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(64))  # as sold, kept if the catalogue changes
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Money]
    amount: Mapped[Money]
    guest_no: Mapped[int] = mapped_column(default=1)  # which guest of a party
    # 点钟: the guest named a therapist by number.
    requested_therapist_id: Mapped[int | None]
    # The guest's wish for a female or male therapist (None: any), used by every
    # rotation dispatch of the line, a 退钟 replacement included.
    gender_wish: Mapped[str | None] = mapped_column(String(8))
    # Every therapist the guest returned (退钟) on this line: rotation never gives
    # the line back to one of them.  Written under the day's board lock.
    returned_therapist_ids: Mapped[list[int] | None] = mapped_column(JSON, default=list)
    # 加钟 lines extend the job of another line.
    addon_of_line_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active / cancelled
    created_at: Mapped[Timestamp]


class ServiceJob(TenantScoped, db.Model):
    """钟: one therapist doing one service line (a return gives the line a new job)."""

    __tablename__ = "service_jobs"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("business_day_id", "business_days"),
        tenant_fk("order_id", "orders"),
        tenant_fk("order_line_id", "order_lines"),
        tenant_fk("therapist_id", "employees"),
        tenant_fk("room_id", "rooms"),
        UniqueConstraint("tenant_id", "addon_token"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    business_day_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int] = mapped_column(index=True)
    order_line_id: Mapped[int] = mapped_column(index=True)
    therapist_id: Mapped[int] = mapped_column(index=True)
    room_id: Mapped[int | None]
    job_type: Mapped[str] = mapped_column(String(16))  # rotation / requested
    is_addon: Mapped[bool] = mapped_column(default=False)
    parent_job_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="in_service", index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # 起钟
    planned_end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Add-on confirmed by the guest's QR scan: a random token, valid while the job runs.
    # Looked up before its tenant is known (own index); unique per tenant, and the
    # token's 192 random bits keep it apart from every other tenant's.
    addon_token: Mapped[str | None] = mapped_column(String(64), index=True)
    addon_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str] = mapped_column(String(255), default="")
