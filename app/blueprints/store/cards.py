"""会员卡: issue, top up and spend the tenant's stored-value and package cards
(次卡), through their append-only ledger.  Plain functions: add and flush, never
commit.

The rules (specs/dispatch.md "Checkout", and where it is silent, ours):
* A card belongs to the tenant: bought in store A, used in any store B.  Each
  ledger entry names the store where it happened; the card names its issuing
  store.  ``card_settlement`` compares the two (card_reports.py, with the money
  taken per method, importable from here too).
* The ledger is append-only (top-up, bonus, spend, refund, adjustment): the
  ``before_flush`` and ``do_orm_execute`` listeners below refuse any change or
  deletion of an entry.  ``MemberCard.balance``/``remaining_count`` are a cache
  of the ledger's sums, written in the same transaction.
* Every movement first locks the card row (SELECT … FOR UPDATE, re-reading the
  cached balance): two spends at once wait for each other and the second sees
  the first's balance, so a card is never overdrawn.  Lock order is always the
  store's business day (``lock_today``) first, then cards by id, so two
  checkouts can't deadlock.
* Money received for a card (top-ups, a package card's price) is taken by the
  store that receives it, through a payment method, under that store's day
  lock: it counts in that store's takings (``topups_by_method``).  A bonus is
  not money received.
* A package card (次卡) carries the money paid for it as its balance: each use
  spends one count and the prepaid value of that count (balance / remaining,
  rounded to 0.01; the last count takes what is left), so the settlement
  between stores is in money for both kinds of card.
* 售卡人 (the card's seller): a card sale (办卡) and a top-up (充值) may name the
  employee who sold it (``sold_by_employee_id``); the money entry of the ledger
  records them, and payroll pays them 售卡提成 on it (card_sale_rate).  It must be
  an employee of this tenant who is still employed (EMPLOYED_STATUSES), of a store
  the person at the desk may see (a store's staff name their stores' people; a
  company-wide role anyone, head office included) — anyone else is a field error.
  It is optional: a guest who tops up by themselves was sold nothing, and a blank
  seller earns nobody commission.  The desk's pages ask for it on every sale and
  top-up, offering the store's staff; the API also takes an employee of another
  store the caller sees (one lent for the day).  Bonus entries never carry a
  seller (no money was paid).
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.blueprints.store.catalogue import CENT, parse_money
from app.blueprints.store.days import lock_today, today_for_store
from app.blueprints.store.models import CardLedgerEntry, Customer, MemberCard, ServiceItem
from app.blueprints.store.models.cards import CARD_KINDS
from app.extensions import db
from app.models import Employee, Store
from app.models.people import EMPLOYED_STATUSES
from app.permissions import can_see_store
from app.validation import InputError

# Money that comes into (or goes back out of) the till.
MONEY_METHODS = ("cash", "wechat", "alipay", "bank_card")
MAX_PACKAGE_COUNT = 999


class CardError(InputError):
    """Bad card input, or a card that can't do this; names the field."""


class CardLedgerIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_ledger_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, CardLedgerEntry) and (obj in session.deleted
                                                 or session.is_modified(obj)):
            raise CardLedgerIsAppendOnly("card ledger entries cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_ledger_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is CardLedgerEntry for mapper in state.all_mappers):
        raise CardLedgerIsAppendOnly("card ledger entries cannot be changed or deleted")


# --- reading ----------------------------------------------------------------------------

def lock_card(card_id: int) -> MemberCard | None:
    """The card, its row locked until commit and its cached sums re-read."""
    return db.session.scalar(
        select(MemberCard).where(MemberCard.id == card_id).with_for_update()
        .execution_options(populate_existing=True))


def ledger_of(card_id: int) -> list[CardLedgerEntry]:
    """The card's movements, newest first."""
    return list(db.session.scalars(
        select(CardLedgerEntry).where(CardLedgerEntry.card_id == card_id)
        .order_by(CardLedgerEntry.id.desc())))


def ledger_sums(card_id: int) -> tuple[Decimal, int]:
    """(money, count) as the ledger adds them up — what the cached fields must equal."""
    money, count = db.session.execute(
        select(func.coalesce(func.sum(CardLedgerEntry.amount), 0),
               func.coalesce(func.sum(CardLedgerEntry.count_delta), 0))
        .where(CardLedgerEntry.card_id == card_id)).one()
    return Decimal(money).quantize(CENT), int(count)


def cards_of_customer(customer_id: int) -> list[MemberCard]:
    return list(db.session.scalars(
        select(MemberCard).where(MemberCard.customer_id == customer_id)
        .order_by(MemberCard.status, MemberCard.id.desc())))


def find_cards(q: str = "", limit: int = 50) -> list[tuple[MemberCard, Customer]]:
    """Cards by card number, or by the holder's phone, phone tail (尾号) or name."""
    stmt = (select(MemberCard, Customer).join(Customer, Customer.id == MemberCard.customer_id)
            .order_by(MemberCard.id.desc()).limit(limit))
    q = (q or "").strip()
    if q:
        matches = [MemberCard.card_no == q, Customer.phone == q, Customer.name.contains(q)]
        if q.isdigit() and len(q) == 4:
            matches.append(Customer.phone_tail == q)
        stmt = stmt.where(or_(*matches))
    return [tuple(row) for row in db.session.execute(stmt)]


def usable_cards(customer_id: int | None) -> list[MemberCard]:
    """The customer's active cards, for the checkout form."""
    if customer_id is None:
        return []
    return [c for c in cards_of_customer(customer_id) if c.status == "active"]


# --- writing ----------------------------------------------------------------------------

def _append(card: MemberCard, *, kind: str, store_id: int, amount: Decimal = Decimal("0.00"),
            count_delta: int = 0, order_id: int | None = None, payment_method: str | None = None,
            note: str = "", actor=None, field: str = "amount",
            sold_by_employee_id: int | None = None) -> CardLedgerEntry:
    """One ledger movement on a card the caller has locked (``lock_card``)."""
    new_balance = (card.balance + amount).quantize(CENT)
    new_count = card.remaining_count + count_delta
    if new_balance < 0:
        raise CardError.on(field, _("卡内余额不足：余额 ¥%(balance)s", balance=card.balance))
    if new_count < 0:
        raise CardError.on(field, _("次卡剩余次数不足：剩余 %(n)d 次", n=card.remaining_count))
    entry = CardLedgerEntry(card_id=card.id, store_id=store_id, kind=kind, amount=amount,
                            count_delta=count_delta, balance_after=new_balance,
                            count_after=new_count, order_id=order_id,
                            payment_method=payment_method, note=note[:255],
                            sold_by_employee_id=sold_by_employee_id,
                            created_by_account_id=getattr(actor, "id", None))
    card.balance, card.remaining_count = new_balance, new_count
    db.session.add(entry)
    db.session.flush()
    return entry


def _new_card_no(store: Store) -> str:
    for _attempt in range(20):
        card_no = f"{store.code}{secrets.randbelow(10**8):08d}"[:32]
        if db.session.scalar(select(MemberCard.id).where(MemberCard.card_no == card_no)) is None:
            return card_no
    raise CardError.on("card_no", _("无法生成卡号，请手动填写"))


def _payment_method(method, amount: Decimal, field: str = "payment_method") -> str | None:
    if amount == 0:
        return None
    if method not in MONEY_METHODS:
        raise CardError.on(field, _("请选择收款方式（现金、微信、支付宝或银行卡）"))
    return method


def card_seller_id(value, actor=None) -> int | None:
    """The 售卡人's employee id from input (blank: none); CardError unless an employee
    of this tenant, of a store ``actor`` may see, who is still employed."""
    if value in (None, ""):
        return None
    try:
        employee_id = int(value)
    except (TypeError, ValueError):
        employee_id = None
    # The tenant scoping makes another tenant's employee "not found", like an unknown id.
    row = db.session.execute(select(Employee.status, Employee.store_id)
                             .where(Employee.id == employee_id)).first() \
        if employee_id is not None else None
    if row is None or (actor is not None and not can_see_store(actor, row.store_id)):
        raise CardError.on("sold_by_employee_id", _("没有这名员工"))
    status = row.status
    if status not in EMPLOYED_STATUSES:
        raise CardError.on("sold_by_employee_id", _("该员工已离职，不能作为售卡人"))
    return employee_id


def seller_choices(store_id: int) -> list[Employee]:
    """The store's employees who may be named 售卡人 on its pages, by employee number."""
    return list(db.session.scalars(
        select(Employee).where(Employee.store_id == store_id,
                               Employee.status.in_(EMPLOYED_STATUSES))
        .order_by(Employee.employee_no, Employee.id)))


def issue_card(*, customer_id: int | None, store_id: int, kind: str, amount=None, bonus=0,
               payment_method: str | None = None, card_no: str = "",
               service_item_id: int | None = None, count=None, expires_on: date | None = None,
               actor=None, note: str = "", sold_by_employee_id=None) -> MemberCard:
    """办卡: a stored-value card with its first top-up (and bonus), or a package card
    (次卡) for ``count`` uses of one service item, paid ``amount``."""
    errors: dict[str, str] = {}
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        errors["customer_id"] = _("请选择客户")
    store = db.session.get(Store, store_id)
    if store is None:
        errors["store_id"] = _("门店不存在")
    if kind not in CARD_KINDS:
        errors["kind"] = _("请选择卡类型")
    card_no = (card_no or "").strip()
    if len(card_no) > 32:
        errors["card_no"] = _("不能超过 %(n)d 个字符", n=32)
    elif card_no and db.session.scalar(
            select(MemberCard.id).where(MemberCard.card_no == card_no)) is not None:
        errors["card_no"] = _("卡号 %(no)s 已被使用", no=card_no)
    money = bonus_money = Decimal("0.00")
    try:
        money = parse_money(amount, "amount", positive=(kind == "stored_value"), error=CardError)
    except CardError as exc:
        errors.update(exc.fields)
    if kind == "stored_value":
        try:
            bonus_money = parse_money(bonus if bonus not in (None, "") else 0, "bonus",
                                      error=CardError)
        except CardError as exc:
            errors.update(exc.fields)
    item, uses = None, 0
    if kind == "package":
        item = db.session.get(ServiceItem, service_item_id) if service_item_id else None
        if item is None or not item.is_active:
            errors["service_item_id"] = _("请选择服务项目")
        try:
            uses = int(count)
            if not 1 <= uses <= MAX_PACKAGE_COUNT:
                raise ValueError
        except (TypeError, ValueError):
            errors["count"] = _("次数应在 1 到 %(n)d 之间", n=MAX_PACKAGE_COUNT)
        if expires_on is not None and store is not None and expires_on < today_for_store():
            errors["expires_on"] = _("有效期不能早于今天")
    seller_id = None
    try:
        seller_id = card_seller_id(sold_by_employee_id, actor)
    except CardError as exc:
        errors.update(exc.fields)
    if "amount" not in errors:
        try:
            method = _payment_method(payment_method, money)
        except CardError as exc:
            errors.update(exc.fields)
    if errors:
        raise CardError(errors)
    # The money counts in this store's takings: the day must be open, and closing waits.
    lock_today(store.id)
    card = MemberCard(card_no=card_no or _new_card_no(store), customer_id=customer.id, kind=kind,
                      issued_store_id=store.id, status="active",
                      service_item_id=item.id if item else None,
                      expires_on=expires_on if item else None,
                      balance=Decimal("0.00"), remaining_count=0)
    db.session.add(card)
    db.session.flush()
    _append(card, kind="topup", store_id=store.id, amount=money, count_delta=uses,
            payment_method=method, actor=actor, note=note or _("办卡"),
            sold_by_employee_id=seller_id)
    if bonus_money > 0:
        _append(card, kind="bonus", store_id=store.id, amount=bonus_money, actor=actor,
                note=_("充值赠送"))
    return card


def top_up(card_id: int, *, store_id: int, amount, bonus=0, payment_method: str | None = None,
           actor=None, note: str = "", sold_by_employee_id=None) -> MemberCard:
    """充值: money (plus an optional bonus, e.g. 充 1000 送 200) onto a stored-value card."""
    errors: dict[str, str] = {}
    money = bonus_money = Decimal("0.00")
    try:
        money = parse_money(amount, "amount", positive=True, error=CardError)
    except CardError as exc:
        errors.update(exc.fields)
    try:
        bonus_money = parse_money(bonus if bonus not in (None, "") else 0, "bonus",
                                  error=CardError)
    except CardError as exc:
        errors.update(exc.fields)
    if "amount" not in errors:
        try:
            method = _payment_method(payment_method, money)
        except CardError as exc:
            errors.update(exc.fields)
    if db.session.get(Store, store_id) is None:
        errors["store_id"] = _("门店不存在")
    seller_id = None
    try:
        seller_id = card_seller_id(sold_by_employee_id, actor)
    except CardError as exc:
        errors.update(exc.fields)
    if errors:
        raise CardError(errors)
    lock_today(store_id)
    card = _usable(card_id, "stored_value", "card_id")
    _append(card, kind="topup", store_id=store_id, amount=money, payment_method=method,
            actor=actor, note=note or _("充值"), sold_by_employee_id=seller_id)
    if bonus_money > 0:
        _append(card, kind="bonus", store_id=store_id, amount=bonus_money, actor=actor,
                note=_("充值赠送"))
    return card


def _usable(card_id, kind: str, field: str) -> MemberCard:
    card = lock_card(card_id) if card_id else None
    if card is None:
        raise CardError.on(field, _("没有这张会员卡"))
    if card.kind != kind:
        raise CardError.on(field, _("这张卡不是储值卡") if kind == "stored_value"
                           else _("这张卡不是次卡"))
    if card.status != "active":
        raise CardError.on(field, _("这张卡已冻结或注销"))
    return card


def spend_stored_value(card_id: int, *, store_id: int, amount: Decimal, order_id: int | None,
                       actor=None, field: str = "amount") -> CardLedgerEntry:
    """Pay ``amount`` from a stored-value card (locked here); refuses to overdraw."""
    card = _usable(card_id, "stored_value", field.rsplit(".", 1)[0] + ".card_id"
                   if "." in field else "card_id")
    if amount <= 0:
        raise CardError.on(field, _("金额必须大于 0"))
    return _append(card, kind="spend", store_id=store_id, amount=-amount, order_id=order_id,
                   actor=actor, field=field, note=_("消费"))


def use_package(card_id: int, *, store_id: int, service_item_id: int, count: int,
                order_id: int | None, actor=None, field: str = "count") -> CardLedgerEntry:
    """Use ``count`` counts of a package card (locked here) for its service item."""
    card_field = field.rsplit(".", 1)[0] + ".card_id" if "." in field else "card_id"
    card = _usable(card_id, "package", card_field)
    if card.service_item_id != service_item_id:
        raise CardError.on(card_field, _("这张次卡不能用于该项目"))
    if card.expires_on is not None and card.expires_on < today_for_store():
        raise CardError.on(card_field, _("这张次卡已于 %(day)s 过期", day=card.expires_on))
    if count < 1:
        raise CardError.on(field, _("次数至少为 1"))
    if count > card.remaining_count:
        raise CardError.on(field, _("次卡剩余次数不足：剩余 %(n)d 次", n=card.remaining_count))
    if count == card.remaining_count:
        value = card.balance
    else:
        value = (card.balance * count / card.remaining_count).quantize(CENT, ROUND_HALF_UP)
    return _append(card, kind="spend", store_id=store_id, amount=-value, count_delta=-count,
                   order_id=order_id, actor=actor, field=field, note=_("次卡消费"))


def refund_to_card(card_id: int, *, store_id: int, amount: Decimal, order_id: int | None,
                   actor=None, note: str = "") -> CardLedgerEntry:
    """Put refunded money back on a stored-value card (locked here)."""
    card = lock_card(card_id)
    if card is None or card.kind != "stored_value":
        raise CardError.on("method", _("没有可退回的储值卡"))
    return _append(card, kind="refund", store_id=store_id, amount=amount, order_id=order_id,
                   actor=actor, note=note or _("退款退回卡内"))


# Importable from here as before the module was split (finance, closing, tests).
from app.blueprints.store.card_reports import (  # noqa: E402,F401
    SettlementRow,
    card_settlement,
    net_between_stores,
    topups_by_method,
)
