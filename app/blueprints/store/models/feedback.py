"""Guest feedback after service, and complaint cases (technical and service use them)."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.tenancy import TenantScoped, tenant_fk

COMPLAINT_STATUSES = ("open", "investigating", "resolved", "closed")


class Feedback(TenantScoped, db.Model):
    """The guest's rating (1–5) and comment for one therapist's job."""

    __tablename__ = "feedback"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("order_id", "orders"),
        tenant_fk("job_id", "service_jobs"),
        tenant_fk("therapist_id", "employees"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int] = mapped_column(index=True)
    job_id: Mapped[int | None] = mapped_column(index=True)
    therapist_id: Mapped[int | None] = mapped_column(index=True)
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]
    created_by_account_id: Mapped[int | None]


class ComplaintCase(TenantScoped, db.Model):
    """投诉: owner, status, resolution, and the reply the guest confirmed."""

    __tablename__ = "complaint_cases"
    __extra_table_args__ = (
        tenant_fk("store_id", "stores"),
        tenant_fk("order_id", "orders"),
        tenant_fk("therapist_id", "employees"),
        tenant_fk("customer_id", "customers"),
        tenant_fk("feedback_id", "feedback"),
    )

    store_id: Mapped[int] = mapped_column(index=True)
    order_id: Mapped[int | None] = mapped_column(index=True)
    therapist_id: Mapped[int | None] = mapped_column(index=True)
    customer_id: Mapped[int | None] = mapped_column(index=True)
    feedback_id: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    owner_account_id: Mapped[int | None]
    resolution: Mapped[str] = mapped_column(Text, default="")
    reply_to_guest: Mapped[str] = mapped_column(Text, default="")
    guest_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The service department's follow-up (app/blueprints/service/complaints.py): the
    # kind (服务态度, 技术手法 … for the monthly report; None = not yet classified) and
    # the date the case is due (open_complaint: 3 days after it is opened).
    kind: Mapped[str | None] = mapped_column(String(16), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
