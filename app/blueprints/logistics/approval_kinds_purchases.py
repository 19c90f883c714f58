"""后勤's kind of the one approval flow (app/approvals.py): 采购申请.

Steps: 后勤 (``purchase.approve``) always; 财务审核 (``expense.review``) when the
estimated total is above the tenant's ``purchase_finance`` threshold; 总经理审批
(``expense.approve``) above ``purchase_gm``.  Every step is head office's (not
store-scoped).  Defaults: ¥2,000.00 and ¥10,000.00; the owner changes them on the
approval settings page (``approvals.thresholds``).
"""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.logistics import purchasing
from app.blueprints.logistics.models import PurchaseRequest

FINANCE_THRESHOLD = purchasing.THRESHOLD_OF_STATE["pending_finance"]
GM_THRESHOLD = purchasing.THRESHOLD_OF_STATE["pending_gm"]
DEFAULT_FINANCE = Decimal("2000.00")
DEFAULT_GM = Decimal("10000.00")


def _describe(row: PurchaseRequest) -> str:
    total = f"{row.estimated_total:,.2f}"
    return _("采购：%(supplier)s ¥%(total)s", supplier=row.supplier or "—", total=total)


def _url(row: PurchaseRequest) -> str:
    # Finance decides without the logistics workbench: its own page of the request.
    if current_user.is_authenticated and not current_user.can("logistics.view"):
        return url_for("logistics.purchase_review", purchase_id=row.id)
    return url_for("logistics.purchase_detail", purchase_id=row.id)


PURCHASE = ApprovalKind(
    name=purchasing.KIND, label=_l("采购申请"), model=PurchaseRequest,
    steps=(
        Step("logistics", "pending", "purchase.approve", _l("后勤审批"), scoped=False),
        # Routed here by purchasing._next_status by the thresholds below; once here
        # the step waits whatever the thresholds become.
        Step("finance", "pending_finance", "expense.review", _l("财务审核"), scoped=False),
        Step("gm", "pending_gm", "expense.approve", _l("总经理审批"), scoped=False),
    ),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: None,
    store=lambda row: row.store_id,
    store_column=PurchaseRequest.store_id,
    amount=lambda row: row.estimated_total,
    approve=lambda row, actor, note: purchasing.approve(row, actor, note),
    reject=lambda row, actor, note: purchasing.reject(row, actor, note),
    reject_needs_note=True,
    describe=lambda row: _describe(row),
    url=_url,
    submitted_at=lambda row: row.created_at,
    refusal_error=purchasing.PurchaseError,
)


def register() -> None:
    approvals.register_threshold(FINANCE_THRESHOLD, _l("采购金额超过此数须财务审核（元）"),
                                 DEFAULT_FINANCE)
    approvals.register_threshold(GM_THRESHOLD, _l("采购金额超过此数须总经理审批（元）"),
                                 DEFAULT_GM)
    approvals.register_kind(PURCHASE)
