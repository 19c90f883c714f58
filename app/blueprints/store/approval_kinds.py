"""门店's kind of the one approval flow (app/approvals.py): 退款, decided by the store manager."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.store import refunds
from app.blueprints.store.bill import CheckoutError
from app.blueprints.store.models import Refund

REFUND = ApprovalKind(
    name=refunds.KIND, label=_l("退款"), model=Refund,
    steps=(Step("store", "requested", "order.refund_approve", _l("店长审批")),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: None,
    store=lambda row: row.store_id,
    store_column=Refund.store_id,
    amount=lambda row: row.amount,
    approve=lambda row, actor, note: refunds.approve_refund(row, actor=actor, note=note),
    reject=lambda row, actor, note: refunds.reject_refund(row, actor=actor, note=note),
    reject_needs_note=True,
    describe=lambda row: _("退款 ¥%(amount)s：%(reason)s", amount=row.amount,
                           reason=row.reason),
    url=lambda row: url_for("store.refunds", store_id=row.store_id),
    submitted_at=lambda row: row.requested_at,
    refusal_error=CheckoutError,
)


def register() -> None:
    approvals.register_kind(REFUND)
