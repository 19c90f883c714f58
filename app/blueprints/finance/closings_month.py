"""日结 of a month: per store (or per day of one store) the month's totals, days closed and
not closed, money by payment method, and the chain's total.

The figures are the closing's own (app/blueprints/store/closing_figures.py): revenue
(营业额) = totals of paid orders, money by method = the day's payments net of refunds,
card top-ups by the store in the business days' hours; a locked day's snapshot holds
the same figures, since nothing of a locked day can change.  Five grouped statements,
however many stores and days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.blueprints.finance.pnl import month_end, sum_as_money
from app.blueprints.store.closing_figures import CARD_METHODS, day_window
from app.blueprints.store.models import BusinessDay, CardLedgerEntry, Order, Payment
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.extensions import db
from app.models import Store

ZERO = Decimal("0.00")


@dataclass
class ClosingTotals:
    """A store's month (``day`` None) or one of its days, or the chain's month."""

    store: Store | None
    day: BusinessDay | None = None
    days: int = 0
    days_closed: int = 0
    revenue: Decimal = ZERO
    orders_paid: int = 0
    by_method: dict[str, Decimal] = field(default_factory=dict)
    topups: Decimal = ZERO

    @property
    def days_open(self) -> int:
        return self.days - self.days_closed

    @property
    def money_received(self) -> Decimal:
        money = sum((a for m, a in self.by_method.items() if m not in CARD_METHODS), ZERO)
        return money + self.topups

    @property
    def voucher(self) -> Decimal:
        return self.by_method.get("voucher", ZERO)

    @property
    def average_ticket(self) -> Decimal:
        if not self.orders_paid:
            return ZERO
        return (self.revenue / self.orders_paid).quantize(Decimal("0.01"))

    def add(self, other: ClosingTotals) -> None:
        self.days += other.days
        self.days_closed += other.days_closed
        self.revenue += other.revenue
        self.orders_paid += other.orders_paid
        self.topups += other.topups
        for method, amount in other.by_method.items():
            self.by_method[method] = self.by_method.get(method, ZERO) + amount


@dataclass
class ClosingMonth:
    month: date
    rows: list[ClosingTotals]  # per store, or per day of ``store``
    total: ClosingTotals
    store: Store | None = None

    @property
    def methods(self) -> list[str]:
        used = {m for r in self.rows for m, a in r.by_method.items() if a}
        return [m for m in PAYMENT_METHODS if m in used or m == "cash"]


def closings_month(month: date, store_ids: set[int] | None,
                   store: Store | None = None) -> ClosingMonth:
    """The stores in scope for ``month`` (a row each, by code), or ``store``'s days."""
    first, until = month, month_end(month)
    if store is not None:
        stores = [store]
    else:
        stmt = select(Store).order_by(Store.code)
        if store_ids is not None:
            stmt = stmt.where(Store.id.in_(sorted(store_ids) or [-1]))
        stores = list(db.session.scalars(stmt))
    ids = [s.id for s in stores] or [-1]
    days_q = (select(BusinessDay.id).where(BusinessDay.business_date >= first,
                                           BusinessDay.business_date < until,
                                           BusinessDay.store_id.in_(ids)))
    by_day = store is not None
    rows: dict[int, ClosingTotals] = {}
    if by_day:
        for day in db.session.scalars(select(BusinessDay).where(BusinessDay.id.in_(days_q))
                                      .order_by(BusinessDay.business_date)):
            rows[day.id] = ClosingTotals(store=store, day=day, days=1,
                                         days_closed=int(day.locked_at is not None))
        key_payment, key_order = Payment.business_day_id, Order.business_day_id
    else:
        rows = {s.id: ClosingTotals(store=s) for s in stores}
        for store_id, days, closed in db.session.execute(
                select(BusinessDay.store_id, func.count(BusinessDay.id),
                       func.count(BusinessDay.locked_at))
                .where(BusinessDay.id.in_(days_q)).group_by(BusinessDay.store_id)):
            rows[store_id].days, rows[store_id].days_closed = days, closed
        key_payment, key_order = Payment.store_id, Order.store_id
    for key, method, total in db.session.execute(
            select(key_payment, Payment.method, func.sum(Payment.amount))
            .where(Payment.business_day_id.in_(days_q)).group_by(key_payment, Payment.method)):
        rows[key].by_method[method] = sum_as_money(total)
    for key, count, total in db.session.execute(
            select(key_order, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
            .where(Order.business_day_id.in_(days_q), Order.status == "paid")
            .group_by(key_order)):
        rows[key].orders_paid, rows[key].revenue = count, sum_as_money(total)
    _add_topups(rows, first, until, ids, by_day)
    total = ClosingTotals(store=None)
    for row in rows.values():
        total.add(row)
    return ClosingMonth(month=month, rows=list(rows.values()), total=total, store=store)


def _add_topups(rows: dict[int, ClosingTotals], first: date, until: date, ids: list[int],
                by_day: bool) -> None:
    """Card top-ups taken by the stores in the month's business days' hours."""
    start, end = day_window(first)[0], day_window(until - timedelta(days=1))[1]
    entries = select(CardLedgerEntry.store_id, CardLedgerEntry.created_at,
                     CardLedgerEntry.amount)
    if by_day:
        # Few rows (one store's month): each top-up goes to the day whose hours hold it.
        windows = [(day_window(r.day.business_date), key) for key, r in rows.items()]
        for _store, created_at, amount in db.session.execute(
                entries.where(CardLedgerEntry.kind == "topup",
                              CardLedgerEntry.store_id.in_(ids),
                              CardLedgerEntry.created_at >= start,
                              CardLedgerEntry.created_at < end)):
            when = created_at if created_at.tzinfo else created_at.replace(
                tzinfo=start.tzinfo)
            for (since, until_), key in windows:
                if since <= when < until_:
                    rows[key].topups += Decimal(amount)
                    break
        return
    for store_id, total in db.session.execute(
            select(CardLedgerEntry.store_id, func.sum(CardLedgerEntry.amount))
            .where(CardLedgerEntry.kind == "topup", CardLedgerEntry.store_id.in_(ids),
                   CardLedgerEntry.created_at >= start, CardLedgerEntry.created_at < end)
            .group_by(CardLedgerEntry.store_id)):
        rows[store_id].topups = sum_as_money(total)

