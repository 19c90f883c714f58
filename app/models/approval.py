"""One row per decision of the one approval flow (app/approvals.py), for every kind."""

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow
from app.tenancy import TenantScoped


class ApprovalDecision(TenantScoped, db.Model):
    """Who decided which step of which request, how, when and why.

    Kept as plain values (kind + object id, account id), not foreign keys: a
    decision outlives the request's own table layout and any account change.
    """

    __tablename__ = "approval_decisions"
    __extra_table_args__ = (Index("ix_approval_decisions_object", "tenant_id", "kind",
                                  "object_id"),)

    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    step: Mapped[str] = mapped_column(String(32))
    # approved / rejected
    verdict: Mapped[str] = mapped_column(String(16))
    actor_account_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    # The owner decided although they had already acted on this request
    # (the tenant's one-person-office setting); audited as approval.waive.
    waived: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
