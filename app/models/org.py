"""The company's shape: stores and their rooms, head-office departments, positions."""

from datetime import time

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

STORE_STATUSES = ("preparing", "open", "closed")
ROOM_STATUSES = ("free", "occupied", "cleaning", "reserved", "out_of_order")
ROOM_TYPES = ("single", "double", "triple", "vip", "hall")


class Store(TenantScoped, db.Model):
    """门店: one shop of the chain."""

    __tablename__ = "stores"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)
    # Store scope (app.permissions.resolve_path_objects): a store is its own store.
    scope_store_attribute = "id"

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # A business day may run past midnight (e.g. 11:00 to 02:00).
    opens_at: Mapped[time] = mapped_column(default=time(11, 0))
    closes_at: Mapped[time] = mapped_column(default=time(2, 0))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[Timestamp]

    rooms: Mapped[list["Room"]] = relationship(
        back_populates="store", lazy="raise", order_by="Room.number"
    )

    @property
    def opening_hours(self) -> str:
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Room(TenantScoped, db.Model):
    """房间: a treatment room of a store, with its live state (房态)."""

    __tablename__ = "rooms"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "store_id", "number"),
        tenant_fk("store_id", "stores"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16), default="single")
    beds: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="free")
    created_at: Mapped[Timestamp]

    store: Mapped[Store] = relationship(
        back_populates="rooms", lazy="raise", foreign_keys=[store_id]
    )


class Department(TenantScoped, db.Model):
    """A head-office department (总经办, 财务部, 人力资源部, ...)."""

    __tablename__ = "departments"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))


class Position(TenantScoped, db.Model):
    """A post of the org chart.  ``role`` names its permissions (app.permissions)."""

    __tablename__ = "positions"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("department_id", "departments"),
    )

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    # Store posts have no department; head-office posts belong to one.
    department_id: Mapped[int | None] = mapped_column(index=True)

    department: Mapped[Department | None] = relationship(
        lazy="raise", foreign_keys=[department_id]
    )
