"""退款: refunds of a paid order, asked by the cashier, decided by the store manager.

Plain functions: add and flush, never commit.  The cashier asks (amount ≤ money
paid − refunded − already asked; a package card's counts are not money and are
not refunded here; back to a stored-value card only up to what the cards paid),
(团购: a voucher's money was paid by the platform, not by the guest, so the desk
never refunds it — neither in cash nor to a card; the guest asks the platform, whose
rules decide.  The code stays redeemed.  Only the rest of the order is refundable.)
the store manager approves or rejects (with a reason).  Approval writes a
negative Payment on today's business day (to a card: a ledger ``refund`` entry
as well) and the audit entry ``order.refund``.  The order stays ``paid``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import approvals
from app.audit import record_audit
from app.blueprints.store import cards
from app.blueprints.store.bill import ZERO, CheckoutError
from app.blueprints.store.catalogue import parse_money
from app.blueprints.store.days import lock_today
from app.blueprints.store.models import (
    BusinessDay,
    Order,
    Payment,
    Refund,
)
from app.extensions import db
from app.models import Account
from app.models.base import utcnow

REFUND_METHODS = (*cards.MONEY_METHODS, "stored_value")
# The kind of the one approval flow (app/approvals.py; store/approval_kinds.py).
KIND = "refund"


# Called when a refund is approved, after its money is paid back, with (refund, order,
# what is still refundable): logistics puts the goods back (it registers itself).
_REFUND_HOOKS: list = []


def register_refund_hook(hook) -> None:
    if hook not in _REFUND_HOOKS:
        _REFUND_HOOKS.append(hook)


@dataclass
class Refundable:
    paid: Decimal  # money paid (package-card counts are not money)
    refunded: Decimal  # approved
    pending: Decimal  # asked, not yet decided
    card_paid: dict[int, Decimal]  # stored-value card id -> paid minus refunded to it
    card_pending: Decimal

    @property
    def available(self) -> Decimal:
        return self.paid - self.refunded - self.pending

    @property
    def card_available(self) -> Decimal:
        return sum(self.card_paid.values(), ZERO) - self.card_pending


def refundable(order: Order) -> Refundable:
    paid, refunded = ZERO, ZERO
    card_paid: dict[int, Decimal] = defaultdict(Decimal)
    for method, amount, card_id, refund_id in db.session.execute(
            select(Payment.method, Payment.amount, Payment.card_id, Payment.refund_id)
            .where(Payment.order_id == order.id)):
        if method in ("package_card", "voucher"):
            continue
        if refund_id is None:
            paid += amount
        else:
            refunded -= amount
        if method == "stored_value" and card_id is not None:
            card_paid[card_id] += amount
    pending, card_pending = ZERO, ZERO
    for method, amount in db.session.execute(
            select(Refund.method, Refund.amount)
            .where(Refund.order_id == order.id, Refund.status == "requested")):
        pending += amount
        if method == "stored_value":
            card_pending += amount
    return Refundable(paid, refunded, pending, dict(card_paid), card_pending)


def request_refund(order: Order, *, amount, method: str, reason: str, actor=None) -> Refund:
    """退款申请 by the cashier: waits for the store manager's approval."""
    if order.status != "paid":
        raise CheckoutError.on("order", _("只有已结账的消费单可以退款"))
    errors: dict[str, str] = {}
    money = ZERO
    try:
        money = parse_money(amount, "amount", positive=True, error=CheckoutError)
    except CheckoutError as exc:
        errors.update(exc.fields)
    if method not in REFUND_METHODS:
        errors["method"] = _("请选择退款方式")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("请填写退款原因")
    elif len(reason) > 255:
        errors["reason"] = _("不能超过 %(n)d 个字符", n=255)
    if not errors:
        lock_today(order.store_id)  # two requests at once can't both take the same money
        can = refundable(order)
        if money > can.available:
            errors["amount"] = _("最多可退 ¥%(n)s（已付 ¥%(paid)s，已退或待审批 ¥%(done)s）",
                                 n=can.available, paid=can.paid,
                                 done=can.refunded + can.pending)
        elif method == "stored_value" and money > can.card_available:
            errors["method"] = _("退回储值卡最多 ¥%(n)s（本单用储值卡支付的金额）",
                                 n=max(can.card_available, ZERO))
    if errors:
        raise CheckoutError(errors)
    refund = Refund(store_id=order.store_id, order_id=order.id, amount=money, method=method,
                    reason=reason, status="requested",
                    requested_by_account_id=getattr(actor, "id", None))
    db.session.add(refund)
    db.session.flush()
    return refund


def _lock_refund(refund: Refund) -> Refund:
    refund = db.session.scalar(select(Refund).where(Refund.id == refund.id).with_for_update()
                               .execution_options(populate_existing=True))
    if refund.status != "requested":
        raise CheckoutError.on("refund", _("该退款申请已处理"))
    return refund


def _snapshot(refund: Refund) -> dict:
    return {"status": refund.status, "amount": str(refund.amount), "method": refund.method,
            "order_id": refund.order_id, "reason": refund.reason,
            "decision_note": refund.decision_note}


def approve_refund(refund: Refund, *, actor=None, note: str = "") -> Refund:
    """店长审批: pay the money back (a negative payment today; to a card via its ledger).

    Through the one approval flow: the cashier who asked does not approve it.
    """
    day = lock_today(refund.store_id)
    refund = _lock_refund(refund)
    approvals.decide(KIND, refund, actor, approvals.APPROVED, note)
    before = _snapshot(refund)
    order = db.session.get(Order, refund.order_id)
    can = refundable(order)
    # This request is among the pending ones: it must still fit without the others' money.
    if refund.amount > can.paid - can.refunded:
        raise CheckoutError.on("amount", _("退款金额超过可退金额"))
    payments = []
    if refund.method == "stored_value":
        left = refund.amount
        for card_id, available in sorted(can.card_paid.items()):
            part = min(left, available)
            if part <= 0:
                continue
            cards.refund_to_card(card_id, store_id=refund.store_id, amount=part,
                                 order_id=order.id, actor=actor,
                                 note=_("退款 #%(id)d", id=refund.id))
            payments.append((part, card_id))
            left -= part
        if left > 0:
            raise CheckoutError.on("method", _("本单用储值卡支付的金额不足以退回卡内"))
    else:
        payments.append((refund.amount, None))
    for part, card_id in payments:
        db.session.add(Payment(store_id=refund.store_id, order_id=order.id,
                               business_day_id=day.id, method=refund.method, amount=-part,
                               card_id=card_id, refund_id=refund.id,
                               created_by_account_id=getattr(actor, "id", None)))
    refund.status = "approved"
    refund.decided_by_account_id = getattr(actor, "id", None)
    refund.decided_at = utcnow()
    refund.decision_note = (note or "").strip()[:255]
    db.session.flush()
    for hook in _REFUND_HOOKS:
        hook(refund, order, refundable(order), day.business_date)
    record_audit("order.refund", "refund", refund.id, before=before, after=_snapshot(refund),
                 actor=actor)
    return refund


def reject_refund(refund: Refund, *, actor=None, note: str = "") -> Refund:
    """店长驳回: nothing is paid; the reason is kept and audited."""
    note = (note or "").strip()
    if not note:
        raise CheckoutError.on("decision_note", _("请填写驳回原因"))
    refund = _lock_refund(refund)
    approvals.decide(KIND, refund, actor, approvals.REJECTED, note)
    before = _snapshot(refund)
    refund.status = "rejected"
    refund.decided_by_account_id = getattr(actor, "id", None)
    refund.decided_at = utcnow()
    refund.decision_note = note[:255]
    db.session.flush()
    record_audit("order.refund_reject", "refund", refund.id, before=before,
                 after=_snapshot(refund), actor=actor)
    return refund


@dataclass
class RefundRow:
    refund: Refund
    number: str
    requested_by: str


def refunds_of_store(store_id: int, status: str | None = "requested",
                     limit: int = 100) -> list[RefundRow]:
    """The store's refund requests (pending by default), newest first, in one query."""
    stmt = (select(Refund, Order.seq, BusinessDay.business_date, Account.display_name,
                   Account.username)
            .join(Order, Order.id == Refund.order_id)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .outerjoin(Account, Account.id == Refund.requested_by_account_id)
            .where(Refund.store_id == store_id).order_by(Refund.id.desc()).limit(limit))
    if status:
        stmt = stmt.where(Refund.status == status)
    return [RefundRow(refund, f"{day:%Y%m%d}-{seq:03d}", display or username or "")
            for refund, seq, day, display, username in db.session.execute(stmt)]


def pending_refund_count(store_id: int) -> int:
    return db.session.scalar(select(func.count(Refund.id)).where(
        Refund.store_id == store_id, Refund.status == "requested")) or 0
