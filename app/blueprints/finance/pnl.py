"""门店损益: a month's profit and loss per store and for the chain, read from the source
rows each time (no table of its own).  Plain functions: no request, no commit.

The rules, one per line of the statement:

* **Revenue** (营业收入) belongs to the store where the service or product was
  consumed: the ``Payment`` rows of the store's business days of the month (a closed
  day's read from its rollup, :func:`_revenue_rows`), net of
  refunds (a refund paid out is a negative row), every method — cash, WeChat,
  Alipay, bank card, 团购 vouchers (money the platform settles with the company
  later, app/blueprints/store/closing_figures.py) and member cards.  A card payment
  counts in the store where it was spent, valued as the cross-store settlement
  values it (app/blueprints/store/card_reports.py ``card_settlement``: "the money of
  a card belongs to its issuing store A; when it is spent in B, B gave the service
  and A owes B the prepaid money spent — the face value times the card's share of
  real money, top-ups ÷ (top-ups + bonus) over its life, since a bonus was never
  paid by anyone").  Card top-ups are money received in advance, not revenue: they
  become revenue when spent.
* **Labour** (人工成本): employer cost = ``gross`` of the payslips of the month's
  approved or paid payroll runs (the payslip has no employer social-insurance
  column: ``si_*`` are the employee's own contributions, inside gross), to the
  payslip's store (where the person worked at the month's end); no store = 总部.
* **Expenses** (费用): approved and paid expense claims by ``spent_on``; a
  head-office department's claim (no store) = 总部.
* **Stock consumed** (物料消耗): Σ −quantity × unit_cost of the movements of the
  month (``moved_on``) of kinds sale, sale_return, requisition, write_off and
  count_adjustment.  A movement's quantity is signed (+ in, − out), so stock that
  left costs a positive amount, a sale return (stock back) or a count surplus a
  negative one; receipts and transfers move stock without consuming it.
* **Depreciation** (折旧): the month's ``DepreciationEntry`` rows (``period``).

Profit = revenue − labour − expenses − stock consumed − depreciation.  Every figure
comes from a fixed number of grouped statements (:func:`pnl_month`), whatever the
number of stores or days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, literal_column, or_, select

from app.blueprints.finance.models import (
    EXPENSE_APPROVED,
    EXPENSE_CATEGORIES,
    EXPENSE_PAID,
    Budget,
    ExpenseClaim,
)
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.models.payroll import FROZEN_RUN_STATUSES
from app.blueprints.logistics.models import (
    MOVE_COUNT_ADJUSTMENT,
    MOVE_REQUISITION,
    MOVE_SALE,
    MOVE_SALE_RETURN,
    MOVE_WRITE_OFF,
    DepreciationEntry,
    StockMovement,
)
from app.blueprints.store.closing_figures import CARD_METHODS
from app.blueprints.store.models import BusinessDay, CardLedgerEntry, Payment, StoreDayRollup
from app.blueprints.store.models.rollups import ROLLUP_METHODS
from app.extensions import db
from app.inputs import parse_month
from app.models import Store

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LINES = ("revenue", "labour", "expenses", "stock", "depreciation")
COST_LINES = LINES[1:]
CONSUMED_KINDS = (MOVE_SALE, MOVE_SALE_RETURN, MOVE_REQUISITION, MOVE_WRITE_OFF,
                  MOVE_COUNT_ADJUSTMENT)
EXPENSE_COUNTED = (EXPENSE_APPROVED, EXPENSE_PAID)
# A budget category -> the P&L line it budgets.
BUDGET_LINE = {"revenue": "revenue", "labour": "labour", "stock_consumed": "stock",
               "depreciation": "depreciation", **{c: "expenses" for c in EXPENSE_CATEGORIES}}
# 总部 (head office) in URLs and the API: costs with no store.
HEAD_OFFICE_ID = 0


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_end(first: date) -> date:
    """The first day of the next month."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def parse_month_arg(value: str | None, default: date) -> date | None:
    """``YYYY-MM`` -> its first day; None when malformed; ``default`` when blank."""
    return parse_month(value) if value else default


@dataclass
class Figures:
    """One store's (or 总部's, or the chain's) month: each line and its breakdown."""

    revenue: Decimal = ZERO
    labour: Decimal = ZERO
    expenses: Decimal = ZERO
    stock: Decimal = ZERO
    depreciation: Decimal = ZERO
    revenue_by_method: dict[str, Decimal] = field(default_factory=dict)

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.labour - self.expenses - self.stock - self.depreciation

    def line(self, name: str) -> Decimal:
        return self.profit if name == "profit" else getattr(self, name)

    def add(self, other: Figures) -> None:
        for name in LINES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for method, amount in other.revenue_by_method.items():
            self.revenue_by_method[method] = self.revenue_by_method.get(method, ZERO) + amount


@dataclass
class PnlRow:
    store_id: int | None  # None: 总部
    code: str
    name: str
    actual: Figures
    last_month: Figures
    budget: Figures | None  # None: no budget line for this store and month

    @property
    def key(self) -> int:
        return self.store_id if self.store_id is not None else HEAD_OFFICE_ID


@dataclass
class PnlMonth:
    month: date
    rows: list[PnlRow]
    chain: PnlRow


def variance(actual: Decimal, reference: Decimal | None) -> tuple[Decimal | None,
                                                                  Decimal | None]:
    """(actual − reference, that as a % of |reference|, 1 decimal); None when unknown."""
    if reference is None:
        return None, None
    diff = actual - reference
    if reference == 0:
        return diff, None
    return diff, (diff * 100 / abs(reference)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- the figures ---------------------------------------------------------------------


def figures_by_store(month: date, store_ids: set[int] | None) -> dict[int | None, Figures]:
    """Each line of ``month`` per store (None: 总部); see :func:`figures_by_month`."""
    return figures_by_month([month], store_ids)[month]


def _month_of(column, months: list[date]):
    """SQL: the first day of the month (one of ``months``, ascending) a date falls in."""
    if len(months) == 1:
        return literal(months[0])
    whens = [(column >= m, literal(m)) for m in reversed(months[1:])]
    return case(*whens, else_=literal(months[0]))


def figures_by_month(months: list[date], store_ids: set[int] | None
                     ) -> dict[date, dict[int | None, Figures]]:
    """Each line of each of ``months`` (consecutive) per store (None: 总部), in eight
    grouped statements (revenue: see :func:`_revenue_rows`) whatever the number of
    months, stores or days.

    ``store_ids`` None: every store and 总部 (a head-office reader); else only those
    stores (总部's costs are not a store's to see).
    """
    months = sorted(months)
    first, until = months[0], month_end(months[-1])
    result: dict[date, dict[int | None, Figures]] = {m: defaultdict(Figures) for m in months}

    def in_scope(column):
        return column.in_(sorted(store_ids) or [-1]) if store_ids is not None else True

    for month, store_id, method, value in _revenue_rows(months, first, until, in_scope):
        _add_revenue(result[month][store_id], method, value)
    for by_store in result.values():
        for figures in by_store.values():
            figures.revenue_by_method = {m: a.quantize(CENT, ROUND_HALF_UP)
                                         for m, a in figures.revenue_by_method.items()}
            figures.revenue = sum(figures.revenue_by_method.values(), ZERO)

    for month, store_id, total in db.session.execute(
            select(PayrollRun.month, Payslip.store_id, func.sum(Payslip.gross))
            .join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(PayrollRun.month.in_(months), PayrollRun.status.in_(FROZEN_RUN_STATUSES),
                   in_scope(Payslip.store_id))
            .group_by(PayrollRun.month, Payslip.store_id)):
        result[_as_date(month)][store_id].labour = sum_as_money(total)
    spent_month = _month_of(ExpenseClaim.spent_on, months).label("month")
    for month, store_id, total in db.session.execute(
            select(spent_month, ExpenseClaim.store_id, func.sum(ExpenseClaim.amount))
            .where(ExpenseClaim.status.in_(EXPENSE_COUNTED), ExpenseClaim.spent_on >= first,
                   ExpenseClaim.spent_on < until, in_scope(ExpenseClaim.store_id))
            .group_by(*_by_position(2))):
        result[_as_date(month)][store_id].expenses = sum_as_money(total)
    moved_month = _month_of(StockMovement.moved_on, months).label("month")
    for month, store_id, total in db.session.execute(
            select(moved_month, StockMovement.store_id,
                   func.sum(-StockMovement.quantity * StockMovement.unit_cost))
            .where(StockMovement.kind.in_(CONSUMED_KINDS), StockMovement.moved_on >= first,
                   StockMovement.moved_on < until, in_scope(StockMovement.store_id))
            .group_by(*_by_position(2))):
        result[_as_date(month)][store_id].stock = sum_as_money(total)
    for month, store_id, total in db.session.execute(
            select(DepreciationEntry.period, DepreciationEntry.store_id,
                   func.sum(DepreciationEntry.amount))
            .where(DepreciationEntry.period.in_(months), in_scope(DepreciationEntry.store_id))
            .group_by(DepreciationEntry.period, DepreciationEntry.store_id)):
        result[_as_date(month)][store_id].depreciation = sum_as_money(total)
    return {m: dict(by_store) for m, by_store in result.items()}


def _revenue_rows(months: list[date], first: date, until: date, in_scope):
    """(month, store, method, amount) of the months' revenue, in three grouped statements
    whatever the number of stores or days:

    * money methods of a **closed** day whose rollup (``StoreDayRollup``) was computed
      after the closing: the rollup's per-method sums — a closed day cannot change until
      it is reopened (反结), and closing it again refreshes its rollup, so the figure is
      the day's payments without reading them one by one;
    * money methods of every other day (open, reopened, or not rolled up yet): its
      payments;
    * member cards (every day): each payment valued at its card's share of real money
      (the settlement's rule), which a daily sum cannot carry, in the database; a
      partial index of card payments (migration 0025) keeps this to the card rows.
    """
    paid_month = _month_of(BusinessDay.business_date, months)
    in_days = and_(BusinessDay.business_date >= first, BusinessDay.business_date < until)
    rolled = and_(StoreDayRollup.store_id == BusinessDay.store_id,
                  StoreDayRollup.business_date == BusinessDay.business_date)
    fresh = and_(BusinessDay.locked_at.is_not(None),
                 StoreDayRollup.computed_at >= BusinessDay.locked_at)
    money_methods = [m for m in ROLLUP_METHODS if m not in CARD_METHODS]
    rollup_month = _month_of(StoreDayRollup.business_date, months)
    for month, store_id, *totals in db.session.execute(
            select(rollup_month, StoreDayRollup.store_id,
                   *(func.sum(getattr(StoreDayRollup, f"paid_{m}")) for m in money_methods))
            .join(BusinessDay, rolled)
            .where(in_days, fresh, in_scope(StoreDayRollup.store_id))
            .group_by(*_by_position(2))):
        for method, total in zip(money_methods, totals, strict=True):
            if total is not None and Decimal(str(total)):
                yield _as_date(month), store_id, method, Decimal(str(total))
    for month, store_id, method, total in db.session.execute(
            select(paid_month, Payment.store_id, Payment.method, func.sum(Payment.amount))
            .join(BusinessDay, BusinessDay.id == Payment.business_day_id)
            .outerjoin(StoreDayRollup, rolled)
            .where(in_days, in_scope(Payment.store_id), Payment.method.not_in(CARD_METHODS),
                   or_(StoreDayRollup.id.is_(None), ~fresh))
            .group_by(*_by_position(3))):
        yield _as_date(month), store_id, method, Decimal(str(total))
    money_share = _card_money_share()
    for month, store_id, method, total in db.session.execute(
            select(paid_month, Payment.store_id, Payment.method,
                   func.sum(Payment.amount * func.coalesce(money_share.c.share, 1)))
            .join(BusinessDay, BusinessDay.id == Payment.business_day_id)
            .outerjoin(money_share, money_share.c.card_id == Payment.card_id)
            .where(in_days, in_scope(Payment.store_id), Payment.method.in_(CARD_METHODS))
            .group_by(*_by_position(3))):
        yield _as_date(month), store_id, method, Decimal(str(total))


def _card_money_share():
    """SQL: per card, its share of real money, top-ups ÷ (top-ups + bonus) over its life
    (:func:`card_money_ratios` in SQL, so a month's card payments are valued in the
    database and come back as one row per store and method, not one per card).  ``* 1.0``
    keeps SQLite from dividing integers."""
    paid = func.sum(case((CardLedgerEntry.kind == "topup", CardLedgerEntry.amount), else_=0))
    face = func.sum(CardLedgerEntry.amount)
    return (select(CardLedgerEntry.card_id.label("card_id"),
                   (paid * 1.0 / func.nullif(face, 0)).label("share"))
            .where(CardLedgerEntry.kind.in_(("topup", "bonus")))
            .group_by(CardLedgerEntry.card_id)
            .subquery("card_money_share"))


def sum_as_money(total) -> Decimal:
    """A SQL sum as money (SQLite sums NUMERIC as floating point: str() first)."""
    return Decimal(str(total)).quantize(CENT, ROUND_HALF_UP)


def _by_position(n: int) -> list:
    """GROUP BY 1, 2, … n: a CASE of bound dates written twice would be two different
    expressions to PostgreSQL."""
    return [literal_column(str(i)) for i in range(1, n + 1)]


def _as_date(value) -> date:
    """A month key back from SQL (SQLite returns a literal date as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _add_revenue(figures: Figures, method: str, amount: Decimal) -> None:
    figures.revenue_by_method[method] = figures.revenue_by_method.get(method, ZERO) + amount


def card_money_ratios(card_ids) -> dict[int, Decimal]:
    """Per card: top-ups ÷ (top-ups + bonus) over its life (1 when it has neither) —
    card_settlement's share of real money, in one statement.  ``card_ids``: ids, or a
    select of them."""
    cards = card_ids if not isinstance(card_ids, set | list) else sorted(card_ids)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    bonus: dict[int, Decimal] = defaultdict(Decimal)
    for card_id, kind, total in db.session.execute(
            select(CardLedgerEntry.card_id, CardLedgerEntry.kind,
                   func.sum(CardLedgerEntry.amount))
            .where(CardLedgerEntry.card_id.in_(cards),
                   CardLedgerEntry.kind.in_(("topup", "bonus")))
            .group_by(CardLedgerEntry.card_id, CardLedgerEntry.kind)):
        (paid if kind == "topup" else bonus)[card_id] += Decimal(str(total))
    ratios = {}
    for card_id in set(paid) | set(bonus):
        face = paid[card_id] + bonus[card_id]
        ratios[card_id] = paid[card_id] / face if face > 0 else Decimal(1)
    return ratios


def budgets_by_store(month: date, store_ids: set[int] | None) -> dict[int, Figures]:
    """The month's budget lines per store (one statement; read here rather than through
    finance/budgets.py so the P&L depends on the Budget table only)."""
    result: dict[int, Figures] = {}
    stmt = (select(Budget.store_id, Budget.category, func.sum(Budget.amount))
            .where(Budget.period == month)
            .group_by(Budget.store_id, Budget.category))
    if store_ids is not None:
        stmt = stmt.where(Budget.store_id.in_(sorted(store_ids) or [-1]))
    for store_id, category, total in db.session.execute(stmt):
        line = BUDGET_LINE.get(category)
        if line is None:
            continue
        figures = result.setdefault(store_id, Figures())
        setattr(figures, line, getattr(figures, line) + sum_as_money(total))
    return result


def pnl_month(month: date, store_ids: set[int] | None) -> PnlMonth:
    """The month's P&L: a row per store in scope (by code), 总部 for a head-office
    reader, and the chain's total; each with last month and the budget."""
    month = month_start(month)
    stmt = select(Store).order_by(Store.code)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(sorted(store_ids) or [-1]))
    stores = db.session.scalars(stmt).all()
    both = figures_by_month([previous_month(month), month], store_ids)
    actual, before = both[month], both[previous_month(month)]
    budgets = budgets_by_store(month, store_ids)
    rows = [PnlRow(s.id, s.code, s.name, actual.get(s.id, Figures()),
                   before.get(s.id, Figures()), budgets.get(s.id)) for s in stores]
    if store_ids is None:
        rows.append(PnlRow(None, "", _head_office_name(), actual.get(None, Figures()),
                           before.get(None, Figures()), None))
    chain = PnlRow(None, "", "", Figures(), Figures(), Figures() if budgets else None)
    for row in rows:
        chain.actual.add(row.actual)
        chain.last_month.add(row.last_month)
        if row.budget is not None and chain.budget is not None:
            chain.budget.add(row.budget)
    return PnlMonth(month=month, rows=rows, chain=chain)


def _head_office_name() -> str:
    from flask_babel import gettext as _

    return _("总部")


def store_ids_in(scope: set[int] | None, store_id: int | None) -> set[int] | None:
    """Narrow a reader's scope to one store (``HEAD_OFFICE_ID``: only 总部's lines)."""
    if store_id is None:
        return scope
    return {store_id} & scope if scope is not None else {store_id}
