"""收银: price an order, take split payments, print the receipt, and refunds with a
store manager's approval.  Plain functions: add and flush, never commit (the
request commits once; on an error it rolls back, so nothing is half-written).

Rules (specs/dispatch.md "Checkout", and where it is silent, ours):
* What is charged: every active product line, and every active service line
  whose job has ended (钟 finished).  A service still running (in_service) or
  a line still waiting for a therapist (or returned with no new therapist)
  blocks the checkout with a message naming it: cancel the line or finish it.
* Member discount: the order's membership level, else the customer's.  It
  applies to services, and to products only if the level says so.  Rounding:
  each discounted line is ``list amount × discount`` rounded to 0.01
  ROUND_HALF_UP; the order total is the sum of the rounded lines (so the
  receipt's lines always add up).
* Payments: cash, 微信, 支付宝, 银行卡, stored-value card, package card (次卡),
  split freely; each method once (each card once).  The payments must add up
  to the total exactly.  Cash may be over-tendered: change = tendered − amount.
  A package card covers, one count each, the charged service lines of its
  item (by default all of them, or ``count`` of them); its payment amount is
  those lines' amounts.  Stored-value money is taken through the card ledger
  (never overdrawn).
* Everything happens under the store's business-day lock (``lock_today``), so
  the daily closing can't race a checkout and two cashiers can't both take the
  same order; the payments belong to the business day they were taken on.
* Refunds: the cashier asks (amount ≤ money paid − refunded − already asked;
  a package card's counts are not money and are not refunded here; back to a
  stored-value card only up to what the cards paid), the store manager
  approves or rejects (with a reason).  Approval writes a negative Payment on
  today's business day (to a card: a ledger ``refund`` entry as well) and the
  audit entry ``order.refund``.  The order stays ``paid``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_audit
from app.blueprints.store import cards
from app.blueprints.store.catalogue import CENT, parse_money
from app.blueprints.store.days import lock_today
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Customer,
    MemberCard,
    MembershipLevel,
    Order,
    OrderLine,
    Payment,
    Refund,
    ServiceJob,
)
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.blueprints.store.orders import OPEN_STATUSES, order_number
from app.extensions import db
from app.models import Account, Room, Store, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id
from app.validation import InputError

ZERO = Decimal("0.00")
CARD_METHODS = ("stored_value", "package_card")
REFUND_METHODS = (*cards.MONEY_METHODS, "stored_value")


class CheckoutError(InputError):
    """Bad checkout or refund input; names the field (``payments.0.amount`` …)."""


# --- the bill ---------------------------------------------------------------------------

@dataclass
class BillLine:
    line: OrderLine
    list_amount: Decimal
    discount: Decimal
    amount: Decimal  # what is charged for the line
    state: str  # "charged" / "running" / "not_served"


@dataclass
class Bill:
    order: Order
    level: MembershipLevel | None
    lines: list[BillLine]
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    problems: list[str] = field(default_factory=list)

    @property
    def charged(self) -> list[BillLine]:
        return [b for b in self.lines if b.state == "charged"]


def discounted(amount: Decimal, rate: Decimal) -> Decimal:
    """A line's amount after the member discount, rounded to 0.01 half up."""
    return (amount * rate).quantize(CENT, ROUND_HALF_UP)


def rate_label(rate: Decimal) -> str:
    """0.880 -> "8.8" (八八折 is written 8.8 折)."""
    return format((rate * 10).normalize(), "f")


def membership_level_of(order: Order) -> MembershipLevel | None:
    level_id = order.membership_level_id
    if level_id is None and order.customer_id is not None:
        customer = db.session.get(Customer, order.customer_id)
        level_id = customer.membership_level_id if customer else None
    return db.session.get(MembershipLevel, level_id) if level_id else None


def price_order(order: Order) -> Bill:
    """The order's bill: lines, member discount, total, and what blocks payment."""
    level = membership_level_of(order)
    lines = list(db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.status == "active")
        .order_by(OrderLine.id)))
    jobs: dict[int, set[str]] = defaultdict(set)
    for line_id, status in db.session.execute(
            select(ServiceJob.order_line_id, ServiceJob.status)
            .where(ServiceJob.order_id == order.id)):
        jobs[line_id].add(status)
    bill = Bill(order=order, level=level, lines=[])
    for line in lines:
        rate = Decimal("1")
        if level is not None and (line.kind == "service" or level.discount_products):
            rate = level.discount
        amount = discounted(line.amount, rate)
        state = "charged"
        if line.kind == "service":
            if "in_service" in jobs[line.id]:
                state = "running"
                bill.problems.append(_("%(name)s 仍在服务中，结束后才能结账", name=line.name))
            elif "finished" not in jobs[line.id]:
                state = "not_served"
                bill.problems.append(_("%(name)s 还没有技师服务：请先派钟或取消该项目",
                                       name=line.name))
        bill.lines.append(BillLine(line, line.amount, line.amount - amount, amount, state))
    for b in bill.charged:
        bill.subtotal += b.list_amount
        bill.total += b.amount
    bill.discount = bill.subtotal - bill.total
    return bill


def package_preview(bill: Bill, card: MemberCard) -> Decimal:
    """What a package card would cover on this bill by default (for the form's live sum)."""
    matching = [b.amount for b in bill.charged
                if b.line.kind == "service" and b.line.service_item_id == card.service_item_id]
    return sum(matching[:card.remaining_count], ZERO)


# --- checkout ---------------------------------------------------------------------------

@dataclass
class CheckoutResult:
    order: Order
    payments: list[Payment]
    change: Decimal


def _int_or_none(value):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    return int(str(value).strip())


def _parse_payments(raw: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Clean the payment entries; errors are keyed ``payments.<i>.<field>``."""
    errors: dict[str, str] = {}
    entries, seen = [], set()
    if not isinstance(raw, list):
        return [], {"payments": _("付款方式格式不正确")}
    for i, item in enumerate(raw):
        key = f"payments.{i}"
        item = item if isinstance(item, dict) else {}
        method = item.get("method")
        if method not in PAYMENT_METHODS:
            errors[f"{key}.method"] = _("无效的付款方式")
            continue
        entry = {"index": i, "method": method, "amount": None, "tendered": None,
                 "card_id": None, "count": None,
                 "reference": str(item.get("reference") or "").strip()}
        if len(entry["reference"]) > 64:
            errors[f"{key}.reference"] = _("不能超过 %(n)d 个字符", n=64)
        if method in CARD_METHODS:
            try:
                entry["card_id"] = _int_or_none(item.get("card_id"))
            except ValueError:
                entry["card_id"] = None
            if entry["card_id"] is None:
                errors[f"{key}.card_id"] = _("请选择会员卡")
        if method == "package_card":
            try:
                entry["count"] = _int_or_none(item.get("count"))
                if entry["count"] is not None and entry["count"] < 1:
                    raise ValueError
            except ValueError:
                errors[f"{key}.count"] = _("次数至少为 1")
        else:
            try:
                entry["amount"] = parse_money(item.get("amount"), f"{key}.amount",
                                              positive=True, error=CheckoutError)
            except CheckoutError as exc:
                errors.update(exc.fields)
        if method == "cash" and item.get("tendered") not in (None, ""):
            try:
                entry["tendered"] = parse_money(item.get("tendered"), f"{key}.tendered",
                                                error=CheckoutError)
            except CheckoutError as exc:
                errors.update(exc.fields)
            else:
                if entry["amount"] is not None and entry["tendered"] < entry["amount"]:
                    errors[f"{key}.tendered"] = _("实收现金少于现金支付金额")
        elif method != "cash" and item.get("tendered") not in (None, ""):
            errors[f"{key}.tendered"] = _("只有现金可以找零")
        identity = (method, entry["card_id"]) if method in CARD_METHODS else (method, None)
        if identity in seen:
            errors[f"{key}.method"] = (_("同一张卡只能出现一次") if method in CARD_METHODS
                                       else _("每种付款方式只能出现一次"))
        seen.add(identity)
        entries.append(entry)
    return entries, errors


def checkout_order(order: Order, payments: list[dict], *, actor=None) -> CheckoutResult:
    """结账: take the payments for the order and close it (status ``paid``).

    ``payments``: ``[{"method", "amount", "tendered"?, "card_id"?, "count"?,
    "reference"?}]`` — see the module's rules.  Raises CheckoutError (or a
    CardError) naming the field; the caller rolls back on it.
    """
    # The day lock first: the closing, and another cashier on this order, wait for us.
    day = lock_today(order.store_id)
    order = db.session.scalar(select(Order).where(Order.id == order.id).with_for_update()
                              .execution_options(populate_existing=True))
    if order.status == "paid":
        raise CheckoutError.on("order", _("该消费单已结账"))
    if order.status not in OPEN_STATUSES:
        raise CheckoutError.on("order", _("该消费单已取消，不能结账"))
    bill = price_order(order)
    if bill.problems:
        raise CheckoutError.on("order", "；".join(bill.problems))
    if not bill.charged:
        raise CheckoutError.on("order", _("该消费单没有可结账的项目"))
    entries, errors = _parse_payments(payments)
    if errors:
        raise CheckoutError(errors)

    # Package cards: which lines each covers (one count per line), and their amount.
    covered: set[int] = set()
    for entry in entries:
        if entry["method"] != "package_card":
            continue
        key = f"payments.{entry['index']}"
        card = db.session.get(MemberCard, entry["card_id"])
        if card is None or card.kind != "package":
            raise CheckoutError.on(f"{key}.card_id", _("这张卡不是次卡"))
        matching = [b for b in bill.charged if b.line.kind == "service"
                    and b.line.service_item_id == card.service_item_id
                    and b.line.id not in covered]
        if not matching:
            raise CheckoutError.on(f"{key}.card_id", _("本单没有这张次卡可用的项目"))
        count = entry["count"] or min(len(matching), card.remaining_count) or 1
        if count > len(matching):
            raise CheckoutError.on(f"{key}.count",
                                   _("本单只有 %(n)d 个该项目", n=len(matching)))
        chosen = matching[:count]
        covered.update(b.line.id for b in chosen)
        entry["count"], entry["service_item_id"] = count, card.service_item_id
        entry["amount"] = sum((b.amount for b in chosen), ZERO)

    paid = sum((entry["amount"] for entry in entries), ZERO)
    if paid != bill.total:
        difference = bill.total - paid
        raise CheckoutError.on("payments", _(
            "付款合计 ¥%(paid)s，应收 ¥%(total)s，%(what)s ¥%(diff)s", paid=paid,
            total=bill.total, what=_("还差") if difference > 0 else _("多出"),
            diff=abs(difference)))

    # Cards in id order (the lock order used everywhere), each locked before it is read.
    for entry in sorted((e for e in entries if e["method"] in CARD_METHODS),
                        key=lambda e: e["card_id"]):
        key = f"payments.{entry['index']}"
        if entry["method"] == "stored_value":
            cards.spend_stored_value(entry["card_id"], store_id=order.store_id,
                                     amount=entry["amount"], order_id=order.id, actor=actor,
                                     field=f"{key}.amount")
        else:
            cards.use_package(entry["card_id"], store_id=order.store_id,
                              service_item_id=entry["service_item_id"], count=entry["count"],
                              order_id=order.id, actor=actor, field=f"{key}.count")

    rows, change = [], ZERO
    for entry in entries:
        tendered = entry["tendered"] if entry["method"] == "cash" else None
        if entry["method"] == "cash":
            tendered = tendered if tendered is not None else entry["amount"]
            change = tendered - entry["amount"]
        payment = Payment(store_id=order.store_id, order_id=order.id, business_day_id=day.id,
                          method=entry["method"], amount=entry["amount"], tendered=tendered,
                          change=change if entry["method"] == "cash" else ZERO,
                          card_id=entry["card_id"],
                          reference=(entry["reference"] or
                                     (_("%(n)d 次", n=entry["count"])
                                      if entry["method"] == "package_card" else ""))[:64],
                          created_by_account_id=getattr(actor, "id", None))
        db.session.add(payment)
        rows.append(payment)
    order.membership_level_id = bill.level.id if bill.level else None
    order.subtotal, order.discount, order.total = bill.subtotal, bill.discount, bill.total
    order.status = "paid"
    order.closed_at = utcnow()
    order.closed_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    return CheckoutResult(order=order, payments=rows, change=change)


# --- the cashier's queue and the receipt ------------------------------------------------

@dataclass
class QueueRow:
    order: Order
    number: str
    room: str
    customer: str


def cashier_queue(store_id: int, business_day: BusinessDay | None) -> tuple[list[QueueRow],
                                                                              list[QueueRow]]:
    """(orders still open, of any day; orders paid on ``business_day``) of one store."""
    def rows(stmt) -> list[QueueRow]:
        result = []
        for order, day_date, room_no, customer_name in db.session.execute(stmt):
            number = f"{day_date:%Y%m%d}-{order.seq:03d}"
            result.append(QueueRow(order, number, room_no or "", customer_name or ""))
        return result

    base = (select(Order, BusinessDay.business_date, Room.number, Customer.name)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .outerjoin(Room, Room.id == Order.room_id)
            .outerjoin(Customer, Customer.id == Order.customer_id)
            .where(Order.store_id == store_id))
    # "to_pay" first: those guests are standing at the desk.
    waiting = rows(base.where(Order.status.in_(OPEN_STATUSES))
                   .order_by((Order.status != "to_pay"), Order.opened_at))
    paid = []
    if business_day is not None:
        paid = rows(base.where(Order.status == "paid",
                               Order.id.in_(select(Payment.order_id).where(
                                   Payment.business_day_id == business_day.id)))
                    .order_by(Order.closed_at.desc()))
    return waiting, paid


@dataclass
class Receipt:
    store: Store
    order: Order
    number: str
    room: str
    customer: Customer | None
    level: MembershipLevel | None
    lines: list[OrderLine]
    payments: list[tuple[Payment, MemberCard | None]]
    refunds: list[Refund]
    # card id -> the ledger entry of this order's payment (balance/count right after it)
    card_entries: dict[int, CardLedgerEntry]
    closed_at_local: datetime | None
    cashier: str
    change: Decimal


def receipt_of(order: Order) -> Receipt:
    """What the printed slip shows: store, number, lines, discount, payments, change."""
    store = db.session.get(Store, order.store_id)
    day = db.session.get(BusinessDay, order.business_day_id)
    tenant = db.session.get(Tenant, current_tenant_id())
    lines = list(db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.status == "active")
        .order_by(OrderLine.id)))
    payments = list(db.session.execute(
        select(Payment, MemberCard).outerjoin(MemberCard, MemberCard.id == Payment.card_id)
        .where(Payment.order_id == order.id).order_by(Payment.id)).all())
    refunds = list(db.session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))
    card_entries = {entry.card_id: entry for entry in db.session.scalars(
        select(CardLedgerEntry).where(CardLedgerEntry.order_id == order.id,
                                      CardLedgerEntry.kind == "spend"))}
    cashier = ""
    if order.closed_by_account_id:
        account = db.session.get(Account, order.closed_by_account_id)
        cashier = (account.display_name or account.username) if account else ""
    room = db.session.get(Room, order.room_id) if order.room_id else None
    closed = order.closed_at
    if closed is not None and closed.tzinfo is None:  # SQLite gives naive UTC back
        from datetime import UTC
        closed = closed.replace(tzinfo=UTC)
    return Receipt(
        store=store, order=order, number=order_number(order, day),
        room=room.number if room else "",
        customer=db.session.get(Customer, order.customer_id) if order.customer_id else None,
        level=(db.session.get(MembershipLevel, order.membership_level_id)
               if order.membership_level_id else None),
        lines=lines,
        payments=[(p, c) for p, c in payments if p.refund_id is None],
        refunds=refunds,
        card_entries=card_entries,
        closed_at_local=closed.astimezone(ZoneInfo(tenant.timezone)) if closed else None,
        cashier=cashier,
        change=sum((p.change for p, _c in payments if p.method == "cash"), ZERO),
    )


# --- refunds ----------------------------------------------------------------------------

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
        if method == "package_card":
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
    """店长审批: pay the money back (a negative payment today; to a card via its ledger)."""
    day = lock_today(refund.store_id)
    refund = _lock_refund(refund)
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
    record_audit("order.refund", "refund", refund.id, before=before, after=_snapshot(refund),
                 actor=actor)
    return refund


def reject_refund(refund: Refund, *, actor=None, note: str = "") -> Refund:
    """店长驳回: nothing is paid; the reason is kept and audited."""
    note = (note or "").strip()
    if not note:
        raise CheckoutError.on("decision_note", _("请填写驳回原因"))
    refund = _lock_refund(refund)
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
