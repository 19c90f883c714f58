"""今日营收: each store's money so far today, before its 日结 — by payment method,
orders open and paid, card top-ups, and whether the day is closed yet.

The words are the closing's (app/blueprints/store/closing_figures.py): revenue
(营业额) is the total of the day's paid orders; money received by method is the
day's ``Payment`` rows net of refunds, stored-value and package-card spends shown
apart (money received earlier); 团购 counts as money received; card top-ups taken by
the store in the business day's hours count in its takings.  A closed day is read
live as well (the same figures its snapshot holds).  Four grouped statements, however
many stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.blueprints.finance.pnl import sum_as_money
from app.blueprints.store.closing_figures import CARD_METHODS, OPEN_ORDER_STATUSES, day_window
from app.blueprints.store.models import BusinessDay, CardLedgerEntry, Order, Payment
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.extensions import db
from app.models import Store

ZERO = Decimal("0.00")
MONEY_METHODS = tuple(m for m in PAYMENT_METHODS if m not in CARD_METHODS)


@dataclass
class StoreTakings:
    store: Store | None  # None: the chain's total
    business_day_id: int | None = None
    closed: bool = False
    by_method: dict[str, Decimal] = field(default_factory=dict)
    topups: Decimal = ZERO
    revenue: Decimal = ZERO  # paid orders' totals
    orders_paid: int = 0
    orders_open: int = 0
    open_amount: Decimal = ZERO

    @property
    def money_received(self) -> Decimal:
        """Money in today: payments by money methods (团购 included) and card top-ups."""
        return sum((self.by_method.get(m, ZERO) for m in MONEY_METHODS), ZERO) + self.topups

    @property
    def card_spend(self) -> Decimal:
        return sum((self.by_method.get(m, ZERO) for m in CARD_METHODS), ZERO)

    def add(self, other: StoreTakings) -> None:
        for method, amount in other.by_method.items():
            self.by_method[method] = self.by_method.get(method, ZERO) + amount
        self.topups += other.topups
        self.revenue += other.revenue
        self.orders_paid += other.orders_paid
        self.orders_open += other.orders_open
        self.open_amount += other.open_amount


@dataclass
class Takings:
    business_date: date
    stores: list[StoreTakings]
    chain: StoreTakings

    @property
    def closed_count(self) -> int:
        return sum(1 for s in self.stores if s.closed)


def takings_for(business_date: date, store_ids: set[int] | None) -> Takings:
    """Every store in scope (by code) on ``business_date``, and the chain's total."""
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(sorted(store_ids) or [-1]))
    stores = db.session.scalars(stmt).all()
    by_store = {s.id: StoreTakings(store=s) for s in stores}
    days = (select(BusinessDay.id)
            .where(BusinessDay.business_date == business_date,
                   BusinessDay.store_id.in_(list(by_store) or [-1])))
    for day_id, store_id, locked_at in db.session.execute(
            select(BusinessDay.id, BusinessDay.store_id, BusinessDay.locked_at)
            .where(BusinessDay.id.in_(days))):
        by_store[store_id].business_day_id = day_id
        by_store[store_id].closed = locked_at is not None
    for store_id, method, total in db.session.execute(
            select(Payment.store_id, Payment.method, func.sum(Payment.amount))
            .where(Payment.business_day_id.in_(days))
            .group_by(Payment.store_id, Payment.method)):
        by_store[store_id].by_method[method] = sum_as_money(total)
    for store_id, status, count, total in db.session.execute(
            select(Order.store_id, Order.status, func.count(Order.id),
                   func.coalesce(func.sum(Order.total), 0))
            .where(Order.business_day_id.in_(days))
            .group_by(Order.store_id, Order.status)):
        row = by_store[store_id]
        if status == "paid":
            row.orders_paid, row.revenue = count, sum_as_money(total)
        elif status in OPEN_ORDER_STATUSES:
            row.orders_open += count
            row.open_amount += sum_as_money(total)
    start, end = day_window(business_date)
    for store_id, total in db.session.execute(
            select(CardLedgerEntry.store_id, func.sum(CardLedgerEntry.amount))
            .where(CardLedgerEntry.kind == "topup",
                   CardLedgerEntry.store_id.in_(list(by_store) or [-1]),
                   CardLedgerEntry.created_at >= start, CardLedgerEntry.created_at < end)
            .group_by(CardLedgerEntry.store_id)):
        by_store[store_id].topups = sum_as_money(total)
    chain = StoreTakings(store=None)
    for row in by_store.values():
        chain.add(row)
    return Takings(business_date=business_date, stores=list(by_store.values()), chain=chain)


def methods_shown(takings: Takings) -> list[str]:
    """Payment methods with money today (in the product's order), cash always."""
    used = {m for s in takings.stores for m, a in s.by_method.items() if a}
    return [m for m in PAYMENT_METHODS if m in used or m == "cash"]


def as_dict(row: StoreTakings) -> dict:
    """JSON-ready (money as strings) for the API."""
    return {
        "store_id": row.store.id if row.store else None,
        "store_code": row.store.code if row.store else "",
        "store_name": row.store.name if row.store else "",
        "business_day_id": row.business_day_id,
        "closed": row.closed,
        "by_method": {m: str(row.by_method.get(m, ZERO)) for m in PAYMENT_METHODS},
        "card_topups": str(row.topups),
        "money_received": str(row.money_received),
        "card_spend": str(row.card_spend),
        "revenue": str(row.revenue),
        "orders_paid": row.orders_paid,
        "orders_open": row.orders_open,
        "open_amount": str(row.open_amount),
    }


