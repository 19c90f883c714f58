"""收银: take split payments for an order, the cashier's queue and the receipt.

Plain functions: add and flush, never commit (the request commits once; on an
error it rolls back, so nothing is half-written).  What is charged is priced in
``bill.py``; refunds are in ``refunds.py`` (both importable from here too).

Rules (specs/dispatch.md "Checkout", and where it is silent, ours):
* Payments: cash, 微信, 支付宝, 银行卡, stored-value card, package card (次卡),
  split freely; each method once (each card once).  The payments must add up
  to the total exactly.  Cash may be over-tendered: change = tendered − amount.
  A package card covers, one count each, the charged service lines of its
  item (by default all of them, or ``count`` of them); its payment amount is
  those lines' amounts.  Stored-value money is taken through the card ledger
  (never overdrawn).
* 团购 (a 美团 / 抖音 / other platform's voucher, method ``voucher``): the cashier
  has verified (核销) the voucher in the platform's merchant app and enters the
  platform and the code; its amount is what the voucher is worth at this store.
  A party may pay with several vouchers (each code once).  A code is redeemed
  once per company: the code is kept normalized (upper case, spaces and dashes
  dropped) and unique per (company, platform, code) in the database — each
  platform issues its own codes, so the same digits on 美团 and on 抖音 are two
  vouchers; a wrong platform would already fail in the platform's own app.  A
  code used before, or twice in one checkout, is refused naming
  ``payments.<i>.voucher_code``; two cashiers redeeming the same code at once
  (two stores: two day locks) meet at the unique constraint, and the second is
  refused the same way with nothing written.  Voucher money is paid by the
  platform, not by the guest: the desk never refunds it (refunds.py).
* Everything happens under the store's business-day lock (``lock_today``), so
  the daily closing can't race a checkout and two cashiers can't both take the
  same order; the payments belong to the business day they were taken on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from app.blueprints.store import cards
from app.blueprints.store.bill import ZERO, CheckoutError, LineService, line_services, price_order
from app.blueprints.store.catalogue import parse_money
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
)
from app.blueprints.store.models.payments import PAYMENT_METHODS, VOUCHER_PLATFORMS
from app.blueprints.store.orders import OPEN_STATUSES, order_number
from app.extensions import db
from app.models import Account, Room, Store, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id

CARD_METHODS = ("stored_value", "package_card")
VOUCHER_CODE = re.compile(r"[A-Z0-9]{1,64}")


# --- checkout ---------------------------------------------------------------------------

# Called inside every checkout, after the payments add up and before anything is
# written, with (order, its charged product lines, the business date): logistics
# draws the store's stock down there (it registers itself; the store never imports
# it).  A hook refuses by raising an InputError: the checkout is refused with it.
_CHECKOUT_HOOKS: list = []


def register_checkout_hook(hook) -> None:
    if hook not in _CHECKOUT_HOOKS:
        _CHECKOUT_HOOKS.append(hook)


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
        if method == "voucher":
            entry["voucher_platform"], entry["voucher_code"] = _voucher_fields(
                item, key, errors)
        identity = (method, entry["card_id"]) if method in CARD_METHODS else (method, None)
        if method == "voucher":
            identity = (method, entry["voucher_platform"], entry["voucher_code"])
            if identity in seen and entry["voucher_code"]:
                errors[f"{key}.voucher_code"] = _("同一张团购券只能使用一次")
        elif identity in seen:
            errors[f"{key}.method"] = (_("同一张卡只能出现一次") if method in CARD_METHODS
                                       else _("每种付款方式只能出现一次"))
        seen.add(identity)
        entries.append(entry)
    return entries, errors


def normalize_voucher_code(raw) -> str:
    """What the cashier typed or scanned, as it is kept: no spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", str(raw or "")).upper()


def _voucher_fields(item: dict, key: str, errors: dict[str, str]) -> tuple[str | None, str]:
    platform = item.get("voucher_platform")
    if platform not in VOUCHER_PLATFORMS:
        errors[f"{key}.voucher_platform"] = _("请选择团购平台（美团、抖音或其他平台）")
        platform = None
    code = normalize_voucher_code(item.get("voucher_code"))
    if not code:
        errors[f"{key}.voucher_code"] = _("请填写团购券码")
    elif not VOUCHER_CODE.fullmatch(code):
        errors[f"{key}.voucher_code"] = _("团购券码只能包含字母和数字，最多 64 位")
    return platform, code


def _used_vouchers(entries: list[dict]) -> dict[str, str]:
    """Errors for the entries whose voucher was already redeemed (on any order)."""
    wanted = {(e["voucher_platform"], e["voucher_code"]): e for e in entries
              if e["method"] == "voucher"}
    if not wanted:
        return {}
    used = set(db.session.execute(
        select(Payment.voucher_platform, Payment.voucher_code)
        .where(tuple_(Payment.voucher_platform, Payment.voucher_code).in_(list(wanted)))).all())
    return {f"payments.{entry['index']}.voucher_code": _("该团购券已核销过，不能重复使用")
            for pair, entry in wanted.items() if pair in used}


def _add_payments(rows: list[Payment], entries: list[dict]) -> None:
    """Add the payments; with a voucher among them, in a savepoint: a voucher redeemed
    at this moment by another store's cashier (another day lock) meets the unique
    constraint here, and only this is undone.  Without one nothing can collide, and
    the common checkout saves the savepoint's two round trips."""
    if not any(e["method"] == "voucher" for e in entries):
        db.session.add_all(rows)
        return
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
    except IntegrityError:
        raise CheckoutError(_used_vouchers(entries) or {
            f"payments.{e['index']}.voucher_code": _("该团购券已核销过，不能重复使用")
            for e in entries if e["method"] == "voucher"}) from None


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
    errors = _used_vouchers(entries)
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

    products = [b.line for b in bill.charged if b.line.kind == "product"]
    for hook in _CHECKOUT_HOOKS:
        hook(order, products, day.business_date)

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
                          voucher_platform=entry.get("voucher_platform"),
                          voucher_code=entry.get("voucher_code"),
                          reference=(entry["reference"] or
                                     (_("%(n)d 次", n=entry["count"])
                                      if entry["method"] == "package_card" else ""))[:64],
                          created_by_account_id=getattr(actor, "id", None))
        rows.append(payment)
    _add_payments(rows, entries)
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
    services: dict[int, LineService]  # service line id -> 技师号, 轮钟/点钟, 加钟
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
        services=line_services(order.id),
        payments=[(p, c) for p, c in payments if p.refund_id is None],
        refunds=refunds,
        card_entries=card_entries,
        closed_at_local=closed.astimezone(ZoneInfo(tenant.timezone)) if closed else None,
        cashier=cashier,
        change=sum((p.change for p, _c in payments if p.method == "cash"), ZERO),
    )


# Importable from here as before the module was split (views, API, tests).
from app.blueprints.store.bill import (  # noqa: E402,F401
    Bill,
    BillLine,
    discounted,
    membership_level_of,
    package_preview,
    rate_label,
)
from app.blueprints.store.refunds import (  # noqa: E402,F401
    REFUND_METHODS,
    Refundable,
    RefundRow,
    approve_refund,
    pending_refund_count,
    refundable,
    refunds_of_store,
    reject_refund,
    request_refund,
)
