"""The catalogue (head office, per tenant): service items, products, membership
levels, store price overrides and which therapist may do which item."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, Timestamp
from app.tenancy import TenantScoped, tenant_fk

SERVICE_CATEGORIES = ("foot", "body", "ear", "spa", "other")


class ServiceItem(TenantScoped, db.Model):
    """服务项目, e.g. 足疗 60 分钟: price, duration and the therapist's commission."""

    __tablename__ = "service_items"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), default="foot")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    price: Mapped[Money]
    # Per job: 轮钟 (rotation) and 点钟 (requested) pay different commissions.
    commission_rotation: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    commission_requested: Mapped[Money] = mapped_column(default=Decimal("0.00"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # 技术考核: the pass mark (0–100) of the item's practical exam; None: the item
    # needs no exam, and a therapist is qualified for it by hand on the grid.
    exam_pass_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # A draft from an approved 新项目 proposal: not sold until head office releases it.
    is_draft: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Timestamp]


class StoreServicePrice(TenantScoped, db.Model):
    """A store's own price for a service item (otherwise the head-office price)."""

    __tablename__ = "store_service_prices"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "service_item_id"),
        tenant_fk("store_id", "stores"),
        tenant_fk("service_item_id", "service_items"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    service_item_id: Mapped[int] = mapped_column(index=True)
    price: Mapped[Money]


class Product(TenantScoped, db.Model):
    """商品 sold at the desk (drinks, snacks, care products)."""

    __tablename__ = "products"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(8), default="份")
    price: Mapped[Money]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]


class MembershipLevel(TenantScoped, db.Model):
    """会员等级: the discount a member gets at checkout (0.88 = 八八折)."""

    __tablename__ = "membership_levels"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(32))
    # Multiplier on the list price of services (and products if discount_products).
    discount: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("1.000"))
    discount_products: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class TherapistQualification(TenantScoped, db.Model):
    """A therapist may do this service item (technical department keeps the list)."""

    __tablename__ = "therapist_qualifications"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "service_item_id"),
        tenant_fk("employee_id", "employees"),
        tenant_fk("service_item_id", "service_items"),
        tenant_fk("exam_id", "practical_exams"),
    )

    employee_id: Mapped[int] = mapped_column(index=True)
    service_item_id: Mapped[int] = mapped_column(index=True)
    # Why the therapist may do the item (shown on the grid): the passed exam that
    # granted it, or (exam_id None) a grant by hand on the grid; rows from before
    # these columns have no date.
    exam_id: Mapped[int | None]
    granted_on: Mapped[date | None]
    granted_by_account_id: Mapped[int | None]
