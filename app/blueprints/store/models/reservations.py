"""预订: a booked visit that holds a room shortly before its time."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

RESERVATION_STATUSES = ("booked", "confirmed", "arrived", "cancelled", "no_show")


class Reservation(TenantScoped, db.Model):
    __tablename__ = "reservations"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("room_id", "rooms"),
        tenant_fk("requested_therapist_id", "employees"),
        tenant_fk("order_id", "orders"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    customer_id: Mapped[int | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    party_size: Mapped[int] = mapped_column(default=1)
    service_item_ids: Mapped[list] = mapped_column(JSON, default=list)
    requested_therapist_id: Mapped[int | None]
    # The guest's wish for a female or male therapist (NULL: any); every line the
    # arrival opens carries it (OrderLine.gender_wish), so rotation honours it.
    gender_wish: Mapped[str | None] = mapped_column(String(8))
    # The room held for it (from hold_minutes before the time).
    room_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="booked", index=True)
    order_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[Timestamp]
    created_by_account_id: Mapped[int | None]
