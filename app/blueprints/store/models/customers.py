"""客户档案: the chain's guests, shared by every store of the tenant."""

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk


class Customer(TenantScoped, db.Model):
    __tablename__ = "customers"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "phone"),
        tenant_fk("favourite_therapist_id", "employees"),
        tenant_fk("membership_level_id", "membership_levels"),
        tenant_fk("first_store_id", "stores"),
    )

    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    # Desks search by the last digits of the phone (尾号).
    phone_tail: Mapped[str] = mapped_column(String(4), index=True)
    gender: Mapped[str] = mapped_column(String(8), default="")
    preferences: Mapped[str] = mapped_column(Text, default="")  # 喜好: pressure, temperature...
    taboos: Mapped[str] = mapped_column(Text, default="")  # 禁忌: allergies, injuries...
    notes: Mapped[str] = mapped_column(Text, default="")
    favourite_therapist_id: Mapped[int | None] = mapped_column(index=True)
    membership_level_id: Mapped[int | None] = mapped_column(index=True)
    first_store_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[Timestamp]
