"""Tables of logistics (后勤部): the asset register and its depreciation, the monthly
asset count (资产清查), consumables and goods stock as movements, purchasing,
maintenance tickets and the staff dormitory.

specs/asset-count.md.  Nothing here is deleted: an asset is written off, a stock
item archived, a count, a movement, a purchase or a ticket is history that the P&L,
tax and audit read.  Quantities are ``NUMERIC`` (towels by the piece, herbs by the
kilogram), money is :data:`Money`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Employee, Room, Store
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

# A stock quantity: pieces, boxes or kilograms, two decimals.
Quantity = Annotated[Decimal, mapped_column(Numeric(12, 2))]

# 资产 --------------------------------------------------------------------------------

# Codes stored in the database; their Chinese words live in app/blueprints/logistics/labels.py.
ASSET_CATEGORIES = ("furniture", "bath_equipment", "appliance", "hvac", "av", "linen_equipment",
                    "fixture", "other")
ASSET_IN_USE = "in_use"
ASSET_DAMAGED = "damaged"
ASSET_UNDER_REPAIR = "under_repair"
ASSET_WRITTEN_OFF = "written_off"
ASSET_STATUSES = (ASSET_IN_USE, ASSET_DAMAGED, ASSET_UNDER_REPAIR, ASSET_WRITTEN_OFF)


class Asset(TenantScoped, db.Model):
    """A fixed asset of a store (足浴盆, 按摩床, 沙发, 消毒柜, 热水器, 电视, 空调…).

    ``tag_code`` is unique in the company and printed as a QR label; the counting page
    marks an asset present when its tag is entered or scanned.  Depreciation is a pure
    function of cost, residual, life and purchase date (depreciation.py); the posted
    months are :class:`DepreciationEntry` rows.  A written-off asset keeps its row.
    """

    __tablename__ = "assets"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "tag_code"),
        tenant_fk("store_id", "stores"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("custodian_employee_id", "employees"),
        CheckConstraint("cost >= 0 AND residual_value >= 0 AND residual_value <= cost",
                        name="asset_cost_residual"),
        CheckConstraint("useful_life_months > 0", name="asset_useful_life"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    tag_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(24), default="other")
    room_id: Mapped[int | None] = mapped_column(index=True)
    # Where in the store when not in a room (前台, 大厅, 仓库…).
    location: Mapped[str] = mapped_column(String(64), default="")
    purchase_date: Mapped[date]
    cost: Mapped[Money]
    residual_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    useful_life_months: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=ASSET_IN_USE, index=True)
    # 保管人: the employee answerable for it.
    custodian_employee_id: Mapped[int | None] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    written_off_on: Mapped[date | None]
    # The count line whose approval wrote it off (or registered it as a surplus find).
    count_line_id: Mapped[int | None]
    created_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])
    room: Mapped[Room | None] = relationship(lazy="raise", foreign_keys=[room_id])
    custodian: Mapped[Employee | None] = relationship(
        lazy="raise", foreign_keys=[custodian_employee_id])


class DepreciationEntry(TenantScoped, db.Model):
    """One month's straight-line depreciation of one asset, posted by the monthly job.

    One row per asset and month (the unique key): a rerun posts nothing twice.
    ``store_id`` is the asset's store when posted (the store P&L sums it).
    """

    __tablename__ = "depreciation_entries"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "asset_id", "period"),
        tenant_fk("asset_id", "assets"),
        tenant_fk("store_id", "stores"),
        db.Index("ix_depreciation_entries_tenant_period_store", "tenant_id", "period",
                 "store_id"),
    )

    asset_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)
    # The first day of the month depreciated.
    period: Mapped[date]
    amount: Mapped[Money]
    # Book value at the end of the month, after this entry.
    book_value: Mapped[Money]
    created_at: Mapped[Timestamp]


# 物料与商品库存 ------------------------------------------------------------------------

STOCK_CONSUMABLE = "consumable"  # 耗材: towels, slippers, herbs, tea for guests
STOCK_GOODS = "goods"  # 商品: sold at the desk (linked to a catalogue product)
STOCK_KINDS = (STOCK_CONSUMABLE, STOCK_GOODS)


class StockItem(TenantScoped, db.Model):
    """A consumable or a good the company stocks (毛巾, 一次性拖鞋, 药包, 茶叶, 饮料…).

    The chain's list; each store's quantity and reorder point are a :class:`StoreStock`.
    A good sold at the desk names its catalogue ``product_id``: a checkout of that
    product draws the store's stock down.  ``unit_cost`` is the standard cost that
    values a count variance and a requisition; a receipt records its actual cost.
    """

    __tablename__ = "stock_items"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        UniqueConstraint("tenant_id", "product_id"),
        tenant_fk("product_id", "products"),
    )

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=STOCK_CONSUMABLE)
    unit: Mapped[str] = mapped_column(String(8), default="个")
    unit_cost: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    product_id: Mapped[int | None] = mapped_column(index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]


class StoreStock(TenantScoped, db.Model):
    """A store's stock of one item: the quantity on hand and when to reorder.

    ``quantity`` is the sum of the store's :class:`StockMovement` rows for the item,
    kept here so that a movement locks this one row (``SELECT … FOR UPDATE``) and
    refuses to go below zero; the CHECK constraint is the database's own backstop.
    """

    __tablename__ = "store_stocks"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "stock_item_id"),
        tenant_fk("store_id", "stores"),
        tenant_fk("stock_item_id", "stock_items"),
        CheckConstraint("quantity >= 0", name="store_stock_not_negative"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    stock_item_id: Mapped[int] = mapped_column(index=True)
    quantity: Mapped[Quantity] = mapped_column(default=Decimal("0"))
    # 补货点: at or below it the item is on the "what to buy" list.
    reorder_point: Mapped[Quantity] = mapped_column(default=Decimal("0"))
    # How many to buy when reordering (the list's suggestion).
    reorder_quantity: Mapped[Quantity] = mapped_column(default=Decimal("0"))

    item: Mapped[StockItem] = relationship(lazy="raise", foreign_keys=[stock_item_id])
    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])


MOVE_RECEIPT = "receipt"  # 入库 (a purchase received, or opening stock)
MOVE_REQUISITION = "requisition"  # 申领: a foreman takes stock for the floor
MOVE_TRANSFER_OUT = "transfer_out"  # 调出
MOVE_TRANSFER_IN = "transfer_in"  # 调入
MOVE_COUNT_ADJUSTMENT = "count_adjustment"  # 盘点调整 (posted by an approved count)
MOVE_WRITE_OFF = "write_off"  # 报损
MOVE_SALE = "sale"  # 前台销售 (a product on a checkout)
MOVE_SALE_RETURN = "sale_return"  # 退货 (a refund puts it back)
MOVEMENT_KINDS = (MOVE_RECEIPT, MOVE_REQUISITION, MOVE_TRANSFER_OUT, MOVE_TRANSFER_IN,
                  MOVE_COUNT_ADJUSTMENT, MOVE_WRITE_OFF, MOVE_SALE, MOVE_SALE_RETURN)


class StockMovement(TenantScoped, db.Model):
    """One change of a store's stock; ``quantity`` is signed (+ in, − out).

    ``source``/``source_id`` name what caused it (an order line, a purchase line, a
    count line, a transfer); with ``kind`` they are unique, so a checkout, a receipt
    or an approved count posts its movement exactly once.  ``unit_cost`` × quantity is
    the movement's value (a sale or requisition is stock consumed in the P&L).
    """

    __tablename__ = "stock_movements"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "source", "source_id", "kind", "stock_item_id",
                         name="uq_stock_movements_source"),
        tenant_fk("store_id", "stores"),
        tenant_fk("stock_item_id", "stock_items"),
        tenant_fk("employee_id", "employees"),
        db.Index("ix_stock_movements_tenant_store_moved_on", "tenant_id", "store_id",
                 "moved_on"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    stock_item_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Quantity]
    unit_cost: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    # The store's quantity after this movement (the ledger's running balance).
    balance_after: Mapped[Quantity] = mapped_column(default=Decimal("0"))
    # The business day of the store it happened on.
    moved_on: Mapped[date]
    # order_line, purchase_line, count_line, transfer, or None for a hand entry.
    source: Mapped[str | None] = mapped_column(String(24))
    source_id: Mapped[int | None]
    # Who took it (申领) or whom it concerns.
    employee_id: Mapped[int | None] = mapped_column(index=True)
    # The other store of a transfer.
    other_store_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(255), default="")
    actor_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    item: Mapped[StockItem] = relationship(lazy="raise", foreign_keys=[stock_item_id])


# 资产盘点 ----------------------------------------------------------------------------

COUNT_OPEN = "open"  # 盘点中
COUNT_RECONCILING = "reconciling"  # 结束盘点，核对中 (the reconciliation job is queued)
COUNT_PENDING_REVIEW = "pending_review"  # 待财务审核
COUNT_APPROVED = "approved"  # 已审核，结果已过账
COUNT_STATUSES = (COUNT_OPEN, COUNT_RECONCILING, COUNT_PENDING_REVIEW, COUNT_APPROVED)


class AssetCount(TenantScoped, db.Model):
    """资产清查: one store's count for one period (the month just ended).

    Opened by the monthly job (or by hand) with a line per asset and per stocked
    item; one per store and period (the unique key).  Finance sending it back returns
    it to ``open``; approval posts the results once (``posted_at``).
    """

    __tablename__ = "asset_counts"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "period"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    # The first day of the month counted (the count opened on the 1st of the next).
    period: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=COUNT_OPEN, index=True)
    opened_at: Mapped[Timestamp]
    # The job that opened it (None: opened by hand).
    opened_by_job_id: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_account_id: Mapped[int | None]
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The reconciliation's figures (the spec's list), set by the job.
    missing_count: Mapped[int] = mapped_column(default=0)
    missing_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    damaged_count: Mapped[int] = mapped_column(default=0)
    damaged_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    surplus_count: Mapped[int] = mapped_column(default=0)
    consumable_variance_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    total_variance_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_account_id: Mapped[int | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Set once when approval posts write-offs, tickets and adjustments.
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Times finance sent it back (shown on the page).
    sent_back_count: Mapped[int] = mapped_column(default=0)

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])


LINE_ASSET = "asset"
LINE_SURPLUS = "surplus"  # 盘盈: found, not in the register
LINE_CONSUMABLE = "consumable"
COUNT_LINE_KINDS = (LINE_ASSET, LINE_SURPLUS, LINE_CONSUMABLE)
RESULT_EXPECTED = "expected"  # not yet counted
RESULT_PRESENT = "present"
RESULT_MISSING = "missing"
RESULT_DAMAGED = "damaged"
ASSET_RESULTS = (RESULT_EXPECTED, RESULT_PRESENT, RESULT_MISSING, RESULT_DAMAGED)


class AssetCountLine(TenantScoped, db.Model):
    """A line of a count: an asset (expected present), a surplus find, or a stocked
    item with its book quantity and the quantity counted.

    Book value, book quantity and unit cost are copied when the count opens, so the
    reconciliation reads what was expected then.
    """

    __tablename__ = "asset_count_lines"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "count_id", "asset_id"),
        UniqueConstraint("tenant_id", "count_id", "stock_item_id"),
        tenant_fk("count_id", "asset_counts"),
        tenant_fk("asset_id", "assets"),
        tenant_fk("stock_item_id", "stock_items"),
        db.Index("ix_asset_count_lines_tenant_count", "tenant_id", "count_id"),
    )

    count_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16), default=LINE_ASSET)
    asset_id: Mapped[int | None] = mapped_column()
    stock_item_id: Mapped[int | None] = mapped_column()
    # As when opened (a surplus line: as found).
    tag_code: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default=RESULT_EXPECTED)
    book_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    book_quantity: Mapped[Quantity | None]
    counted_quantity: Mapped[Quantity | None]
    unit_cost: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    # Set by the reconciliation: what this line adds to the count's variance.
    variance_value: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    note: Mapped[str] = mapped_column(String(255), default="")
    counted_by_account_id: Mapped[int | None]
    counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    asset: Mapped[Asset | None] = relationship(lazy="raise", foreign_keys=[asset_id])


# 采购 --------------------------------------------------------------------------------

PURCHASE_PENDING = "pending"  # 待后勤审批
PURCHASE_PENDING_FINANCE = "pending_finance"  # above the tenant's threshold
PURCHASE_PENDING_GM = "pending_gm"  # above the tenant's higher threshold
PURCHASE_APPROVED = "approved"  # 待收货
PURCHASE_RECEIVED = "received"
PURCHASE_REJECTED = "rejected"
PURCHASE_CANCELLED = "cancelled"
PURCHASE_STATUSES = (PURCHASE_PENDING, PURCHASE_PENDING_FINANCE, PURCHASE_PENDING_GM,
                     PURCHASE_APPROVED, PURCHASE_RECEIVED, PURCHASE_REJECTED,
                     PURCHASE_CANCELLED)


class PurchaseRequest(TenantScoped, db.Model):
    """采购申请 of a store: lines of stock items (or a described asset), an estimated
    total that picks the approval steps, received into stock at the actual cost."""

    __tablename__ = "purchase_requests"
    __extra_table_args__ = (tenant_fk("store_id", "stores"),)

    store_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(24), default=PURCHASE_PENDING, index=True)
    supplier: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    estimated_total: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    actual_total: Mapped[Money | None]
    requested_by_account_id: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date | None]
    received_by_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])
    lines: Mapped[list[PurchaseLine]] = relationship(
        lazy="raise", foreign_keys="PurchaseLine.request_id",
        primaryjoin="and_(PurchaseLine.request_id == PurchaseRequest.id, "
                    "PurchaseLine.tenant_id == PurchaseRequest.tenant_id)",
        order_by="PurchaseLine.id", viewonly=True)


class PurchaseLine(TenantScoped, db.Model):
    """A line of a purchase: a stock item (received into the store's stock) or, with no
    item, something described (a new asset, a repair part)."""

    __tablename__ = "purchase_lines"
    __extra_table_args__ = (
        tenant_fk("request_id", "purchase_requests"),
        tenant_fk("stock_item_id", "stock_items"),
        db.Index("ix_purchase_lines_tenant_request", "tenant_id", "request_id"),
    )

    request_id: Mapped[int]
    stock_item_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Quantity]
    estimated_unit_cost: Mapped[Money]
    received_quantity: Mapped[Quantity | None]
    actual_unit_cost: Mapped[Money | None]


# 维修 --------------------------------------------------------------------------------

TICKET_OPEN = "open"  # 待派单
TICKET_ASSIGNED = "assigned"  # 维修中
TICKET_CLOSED = "closed"  # 已完工
TICKET_STATUSES = (TICKET_OPEN, TICKET_ASSIGNED, TICKET_CLOSED)


class MaintenanceTicket(TenantScoped, db.Model):
    """报修: a room or an asset needs repair.  While a ticket on a room with
    ``room_out_of_service`` is not closed, the room is 维修中 on the room board."""

    __tablename__ = "maintenance_tickets"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("asset_id", "assets"),
        tenant_fk("assigned_employee_id", "employees"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    room_id: Mapped[int | None] = mapped_column(index=True)
    asset_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TICKET_OPEN, index=True)
    room_out_of_service: Mapped[bool] = mapped_column(default=False)
    reported_by_account_id: Mapped[int | None]
    assigned_employee_id: Mapped[int | None]
    # Free text when the repairer is outside the company (维修师傅, 厂家售后).
    assigned_to: Mapped[str] = mapped_column(String(64), default="")
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_account_id: Mapped[int | None]
    resolution: Mapped[str] = mapped_column(Text, default="")
    repair_cost: Mapped[Money | None]
    # The count line whose approval opened it (a damaged asset).
    count_line_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    store: Mapped[Store] = relationship(lazy="raise", foreign_keys=[store_id])
    room: Mapped[Room | None] = relationship(lazy="raise", foreign_keys=[room_id])
    asset: Mapped[Asset | None] = relationship(lazy="raise", foreign_keys=[asset_id])


# 宿舍 --------------------------------------------------------------------------------


class Dormitory(TenantScoped, db.Model):
    """员工宿舍: a flat the company rents for its staff, near one of its stores."""

    __tablename__ = "dormitories"
    __extra_table_args__ = (tenant_fk("store_id", "stores"),)

    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="")
    # The store it serves (None: shared by several).
    store_id: Mapped[int | None] = mapped_column(index=True)
    # male / female / None (mixed flats are not usual, but the company decides).
    gender: Mapped[str | None] = mapped_column(String(8))
    monthly_rent: Mapped[Money | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]


class DormBed(TenantScoped, db.Model):
    """A bed of a dormitory (room number and bed number)."""

    __tablename__ = "dorm_beds"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "dormitory_id", "room_no", "bed_no"),
        tenant_fk("dormitory_id", "dormitories"),
    )

    dormitory_id: Mapped[int] = mapped_column(index=True)
    room_no: Mapped[str] = mapped_column(String(16))
    bed_no: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(default=True)


class DormAssignment(TenantScoped, db.Model):
    """Who sleeps in a bed from when to when; ``moved_out_on`` None: still there.

    A history, never edited away: one open assignment per bed and per employee.
    """

    __tablename__ = "dorm_assignments"
    __extra_table_args__ = (
        tenant_fk("bed_id", "dorm_beds"),
        tenant_fk("employee_id", "employees"),
    )

    bed_id: Mapped[int] = mapped_column(index=True)
    employee_id: Mapped[int] = mapped_column(index=True)
    moved_in_on: Mapped[date]
    moved_out_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(255), default="")
    actor_account_id: Mapped[int | None]
    created_at: Mapped[Timestamp]

    employee: Mapped[Employee] = relationship(lazy="raise", foreign_keys=[employee_id])


def _register_path_objects() -> None:
    """Ids of these objects in URLs are resolved centrally (app.permissions): another
    tenant's, or another store's for a store role, is a 404.  A count line has no
    store of its own: its URLs carry the count's id too, and the view checks the pair."""
    from app.permissions import register_path_object

    for argument, model in {
        "asset_id": Asset,
        "stock_item_id": StockItem,
        "store_stock_id": StoreStock,
        "movement_id": StockMovement,
        "count_id": AssetCount,
        "purchase_id": PurchaseRequest,
        "ticket_id": MaintenanceTicket,
        "dormitory_id": Dormitory,
        "bed_id": DormBed,
        "dorm_assignment_id": DormAssignment,
    }.items():
        register_path_object(argument, model)


_register_path_objects()
