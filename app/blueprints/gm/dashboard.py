"""经营驾驶舱: the chain dashboard's figures, today and month to date, per store and for
the chain, with each store's targets, budget, stored value, payroll cost and overdue
asset counts, and the chain's 12 months.  Plain functions: no request, no commit.

Where the figures come from (each a fixed number of statements, whatever the number
of stores or days):

* the days before today: the daily rollups (``StoreDayRollup``), summed in SQL by
  month and store — ONE grouped statement covers the 12 months of the trend, the
  month to date and the month of the payroll ratio;
* today: computed live from the source rows (``rollups.read_days`` for today only),
  so the desk's takings show before any 日结;
* 储值沉淀 (stored-value balance): the live balance of the stored-value cards, to
  the store that issued them (one grouped statement);
* the revenue budget (finance's ``Budget`` 'revenue'), the month's targets
  (``StoreTarget``), the payroll runs and the overdue asset counts: one statement each.

The rules:

* 客单价 = revenue ÷ guests; 团购占比 = paid by 团购 voucher ÷ revenue; 上钟率 = minutes
  on jobs ÷ minutes on duty; 点钟率 = 点钟 ÷ jobs; 加钟率 = 加钟 ÷ jobs; rating = Σ stars ÷
  ratings.  A ratio with nothing under it is shown as "—", never as 0.
* **Budget variance** (较预算): the month's revenue budget pro-rated by the days
  elapsed — budget × (today's day of the month) ÷ (days in the month), today counted
  since its takings are in the month to date — against the month-to-date revenue;
  the difference and its percentage of the pro-rated budget.  No budget: "—".
* **Target progress** (目标完成): month to date ÷ the month's target, for revenue,
  guests and card sales; the bar is capped at 100 % but the figure is not.
* **Payroll cost ratio** (人工成本率): the labour of the latest month that has an
  approved or paid payroll run (Σ gross of its payslips, the P&L's labour rule,
  app/blueprints/finance/pnl.py) ÷ that month's revenue (营业额 from the rollups, at
  face, as the rest of the dashboard).  The chain's includes 总部's payslips when the
  reader sees the whole company.  Only a month within the trend's 12 months is used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.blueprints.finance.models import Budget
from app.blueprints.finance.pnl import _as_date, _by_position, _month_of, sum_as_money
from app.blueprints.gm import rollups
from app.blueprints.gm.models import StoreDayRollup, StoreTarget
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.models.payroll import FROZEN_RUN_STATUSES
from app.blueprints.store.models import MemberCard
from app.extensions import db
from app.models import Store

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
TREND_MONTHS = 12

# The rollup columns the dashboard adds up (money first).
MONEY_FIELDS = ("revenue", "paid_voucher", "refunds", "card_sales")
COUNT_FIELDS = ("refund_count", "cards_sold", "orders", "guests", "jobs", "jobs_requested",
                "jobs_addon", "jobs_returned", "job_minutes", "duty_minutes", "ratings",
                "rating_total", "low_ratings", "complaints")
SUM_FIELDS = MONEY_FIELDS + COUNT_FIELDS


def percent(part, whole) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent, 1 decimal; None when there is nothing under it."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Figures:
    """Additive figures of a period (a day, a month to date, a month) of a store or the
    chain, and the ratios read from them."""

    revenue: Decimal = ZERO
    paid_voucher: Decimal = ZERO
    refunds: Decimal = ZERO
    card_sales: Decimal = ZERO
    refund_count: int = 0
    cards_sold: int = 0
    orders: int = 0
    guests: int = 0
    jobs: int = 0
    jobs_requested: int = 0
    jobs_addon: int = 0
    jobs_returned: int = 0
    job_minutes: int = 0
    duty_minutes: int = 0
    ratings: int = 0
    rating_total: int = 0
    low_ratings: int = 0
    complaints: int = 0

    @classmethod
    def of(cls, row) -> Figures:
        """From anything with the rollup's attribute names (a rollup row, DayFigures)."""
        figures = cls()
        figures.add(row)
        return figures

    def add(self, other) -> None:
        for name in MONEY_FIELDS:
            setattr(self, name, getattr(self, name) + Decimal(getattr(other, name) or 0))
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + int(getattr(other, name) or 0))

    @property
    def per_guest(self) -> Decimal | None:
        """客单价."""
        if not self.guests:
            return None
        return (self.revenue / self.guests).quantize(CENT, ROUND_HALF_UP)

    @property
    def voucher_share(self) -> Decimal | None:
        """团购占比 (%)."""
        return percent(self.paid_voucher, self.revenue) if self.revenue > 0 else None

    @property
    def utilisation(self) -> Decimal | None:
        """上钟率 (%)."""
        return percent(self.job_minutes, self.duty_minutes)

    @property
    def requested_rate(self) -> Decimal | None:
        """点钟率 (%)."""
        return percent(self.jobs_requested, self.jobs)

    @property
    def addon_rate(self) -> Decimal | None:
        """加钟率 (%)."""
        return percent(self.jobs_addon, self.jobs)

    @property
    def rating(self) -> Decimal | None:
        """Average stars, 1 decimal."""
        if not self.ratings:
            return None
        return (Decimal(self.rating_total) / self.ratings).quantize(TENTH, ROUND_HALF_UP)

    def as_dict(self) -> dict:
        return {**{name: getattr(self, name) for name in SUM_FIELDS},
                "per_guest": self.per_guest, "voucher_share": self.voucher_share,
                "utilisation": self.utilisation, "requested_rate": self.requested_rate,
                "addon_rate": self.addon_rate, "rating": self.rating}


@dataclass
class Progress:
    """One target line: month to date against the month's target."""

    name: str
    actual: Decimal | int
    target: Decimal | int

    @property
    def percent(self) -> Decimal | None:
        return percent(self.actual, self.target)

    @property
    def bar(self) -> int:
        """The bar's width (0–100)."""
        value = self.percent
        return 0 if value is None else max(0, min(100, int(value)))


@dataclass
class StoreRow:
    """A store's (or, ``store`` None, the chain's) line of the dashboard."""

    store: Store | None
    today: Figures = field(default_factory=Figures)
    month: Figures = field(default_factory=Figures)
    card_balance: Decimal = ZERO
    budget: Decimal | None = None  # the month's revenue budget
    budget_to_date: Decimal | None = None  # pro-rated by the days elapsed
    labour: Decimal | None = None  # of the payroll month
    payroll_revenue: Decimal = ZERO
    targets: list[Progress] = field(default_factory=list)
    overdue_counts: int = 0

    @property
    def key(self) -> int | str:
        return self.store.id if self.store is not None else "chain"

    @property
    def budget_variance(self) -> Decimal | None:
        if self.budget_to_date is None:
            return None
        return self.month.revenue - self.budget_to_date

    @property
    def budget_variance_pct(self) -> Decimal | None:
        if self.budget_to_date is None:
            return None
        return percent(self.budget_variance, self.budget_to_date)

    @property
    def payroll_ratio(self) -> Decimal | None:
        if self.labour is None or self.payroll_revenue <= 0:
            return None
        return percent(self.labour, self.payroll_revenue)


@dataclass
class Dashboard:
    today: date
    month: date
    days_elapsed: int
    days_in_month: int
    rows: list[StoreRow]
    chain: StoreRow
    payroll_month: date | None
    overdue: list[tuple[str, str]]  # (store name, count label)
    trend: list[tuple[date, Figures]]  # the chain's 12 months, oldest first

    @property
    def ranking(self) -> list[StoreRow]:
        """Stores by month-to-date revenue, highest first."""
        return sorted(self.rows, key=lambda r: (-r.month.revenue, r.store.code))


# --- months --------------------------------------------------------------------------


def month_start(value: date) -> date:
    return value.replace(day=1)


def add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(first: date) -> int:
    return (add_months(first, 1) - first).days


def trend_months(today: date, n: int = TREND_MONTHS) -> list[date]:
    """The ``n`` months ending with today's, oldest first."""
    current = month_start(today)
    return [add_months(current, k) for k in range(1 - n, 1)]


# --- the statements ------------------------------------------------------------------


# The month grouping (_month_of, _by_position, _as_date) and sum_as_money are the P&L's
# (app/blueprints/finance/pnl.py): one CASE of the months grouped by position, read back
# as a date on every dialect — the same rules, not copies.


def _in_scope(column, store_ids: set[int] | None):
    return column.in_(sorted(store_ids) or [-1]) if store_ids is not None else True


def rollup_months(months: list[date], before: date, store_ids: set[int] | None
                  ) -> dict[tuple[date, int], Figures]:
    """Σ of the stored rollups per (month, store) over ``months`` (consecutive), days
    before ``before`` only (today is live): one grouped statement."""
    months = sorted(months)
    month = _month_of(StoreDayRollup.business_date, months)
    columns = [func.sum(getattr(StoreDayRollup, name)) for name in SUM_FIELDS]
    rows = db.session.execute(
        select(month, StoreDayRollup.store_id, *columns)
        .where(StoreDayRollup.business_date >= months[0],
               StoreDayRollup.business_date < min(before, add_months(months[-1], 1)),
               _in_scope(StoreDayRollup.store_id, store_ids))
        .group_by(*_by_position(2))).all()
    result: dict[tuple[date, int], Figures] = {}
    for row in rows:
        figures = Figures()
        for name, total in zip(SUM_FIELDS, row[2:], strict=True):
            value = sum_as_money(total or 0) if name in MONEY_FIELDS else int(total or 0)
            setattr(figures, name, value)
        result[(_as_date(row[0]), row[1])] = figures
    return result


def live_today(today: date, store_ids: set[int] | None) -> dict[int, Figures]:
    """Today's figures per store, computed live from the source rows."""
    result: dict[int, Figures] = defaultdict(Figures)
    for day in rollups.read_days(today, today, store_ids):
        if day.business_date == today:
            result[day.store_id].add(day)
    return dict(result)


def card_balances(store_ids: set[int] | None) -> dict[int, Decimal]:
    """储值沉淀: Σ balance of the stored-value cards per issuing store (one statement)."""
    return {store_id: sum_as_money(total) for store_id, total in db.session.execute(
        select(MemberCard.issued_store_id, func.sum(MemberCard.balance))
        .where(MemberCard.kind == "stored_value",
               _in_scope(MemberCard.issued_store_id, store_ids))
        .group_by(MemberCard.issued_store_id))}


def revenue_budgets(month: date, store_ids: set[int] | None) -> dict[int, Decimal]:
    """The month's revenue budget per store (finance's Budget 'revenue')."""
    return {store_id: sum_as_money(total) for store_id, total in db.session.execute(
        select(Budget.store_id, func.sum(Budget.amount))
        .where(Budget.period == month, Budget.category == "revenue",
               _in_scope(Budget.store_id, store_ids))
        .group_by(Budget.store_id))}


def month_targets(month: date, store_ids: set[int] | None) -> dict[int, StoreTarget]:
    return {t.store_id: t for t in db.session.scalars(
        select(StoreTarget).where(StoreTarget.month == month,
                                  _in_scope(StoreTarget.store_id, store_ids)))}


def latest_payroll(store_ids: set[int] | None) -> tuple[date | None, dict[int | None, Decimal]]:
    """The latest month with an approved or paid payroll run and its labour (Σ gross)
    per store (None: 总部), in one statement — the P&L's labour rule."""
    latest = (select(func.max(PayrollRun.month))
              .where(PayrollRun.status.in_(FROZEN_RUN_STATUSES)).scalar_subquery())
    rows = db.session.execute(
        select(PayrollRun.month, Payslip.store_id, func.sum(Payslip.gross))
        .join(PayrollRun, PayrollRun.id == Payslip.run_id)
        .where(PayrollRun.month == latest, PayrollRun.status.in_(FROZEN_RUN_STATUSES),
               _in_scope(Payslip.store_id, store_ids))
        .group_by(PayrollRun.month, Payslip.store_id)).all()
    if not rows:
        return None, {}
    return _as_date(rows[0][0]), {store_id: sum_as_money(total) for _m, store_id, total in rows}


def stores_in(store_ids: set[int] | None) -> list[Store]:
    stmt = select(Store).order_by(Store.code)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(sorted(store_ids) or [-1]))
    return list(db.session.scalars(stmt))


# --- the dashboard -------------------------------------------------------------------


def monthly_figures(today: date, store_ids: set[int] | None,
                    live: dict[int, Figures] | None = None
                    ) -> dict[tuple[date, int], Figures]:
    """Per (month, store) over the trend's months: the rollups plus today's live."""
    months = trend_months(today)
    by_month = rollup_months(months, today, store_ids)
    if live is None:
        live = live_today(today, store_ids)
    current = month_start(today)
    for store_id, figures in live.items():
        by_month.setdefault((current, store_id), Figures()).add(figures)
    return by_month


def chain_trend(today: date, by_month: dict[tuple[date, int], Figures]
                ) -> list[tuple[date, Figures]]:
    totals: dict[date, Figures] = {m: Figures() for m in trend_months(today)}
    for (month, _store_id), figures in by_month.items():
        if month in totals:
            totals[month].add(figures)
    return sorted(totals.items())


def dashboard(store_ids: set[int] | None, today: date) -> Dashboard:
    """Every figure of the dashboard for the stores in ``store_ids`` (None: all)."""
    from app.blueprints.logistics.reconciliation import count_label, overdue_counts

    month = month_start(today)
    stores = stores_in(store_ids)
    live = live_today(today, store_ids)
    by_month = monthly_figures(today, store_ids, live)
    balances = card_balances(store_ids)
    budgets = revenue_budgets(month, store_ids)
    targets = month_targets(month, store_ids)
    payroll_month, labour = latest_payroll(store_ids)
    if payroll_month is not None and payroll_month not in trend_months(today):
        payroll_month, labour = None, {}
    overdue = overdue_counts(today, store_ids=store_ids)
    overdue_by_store: dict[int, int] = defaultdict(int)
    for count in overdue:
        overdue_by_store[count.store_id] += 1
    elapsed, length = today.day, days_in_month(month)

    rows = []
    chain = StoreRow(store=None)
    for store in stores:
        row = StoreRow(store=store, today=live.get(store.id, Figures()),
                       month=by_month.get((month, store.id), Figures()),
                       card_balance=balances.get(store.id, ZERO),
                       overdue_counts=overdue_by_store.get(store.id, 0))
        if store.id in budgets:
            row.budget = budgets[store.id]
            row.budget_to_date = prorate(row.budget, elapsed, length)
        if payroll_month is not None:
            row.labour = labour.get(store.id, ZERO)
            row.payroll_revenue = by_month.get((payroll_month, store.id), Figures()).revenue
        target = targets.get(store.id)
        if target is not None:
            row.targets = target_progress(row.month, target)
        rows.append(row)
        _add_to_chain(chain, row)
    if budgets:
        chain.budget_to_date = prorate(chain.budget, elapsed, length)
    if payroll_month is not None:
        # The chain's labour: every store's, and 总部's when the reader sees it all.
        chain.labour = sum((v for k, v in labour.items()
                            if k is not None or store_ids is None), ZERO)
    if targets:
        chain.targets = _chain_targets(rows)
    return Dashboard(today=today, month=month, days_elapsed=elapsed, days_in_month=length,
                     rows=rows, chain=chain, payroll_month=payroll_month,
                     overdue=[(c.store.name, count_label(c.period)) for c in overdue],
                     trend=chain_trend(today, by_month))


def prorate(budget: Decimal, elapsed: int, length: int) -> Decimal:
    """The part of a month's budget due by day ``elapsed`` of ``length``."""
    return (budget * elapsed / length).quantize(CENT, ROUND_HALF_UP)


def target_progress(month: Figures, target: StoreTarget) -> list[Progress]:
    return [Progress("revenue", month.revenue, target.revenue),
            Progress("guests", month.guests, target.guests),
            Progress("card_sales", month.card_sales, target.card_sales)]


def _chain_targets(rows: list[StoreRow]) -> list[Progress]:
    """The chain's progress: stores with a target only, so a store without one does not
    make the chain look ahead."""
    totals = {"revenue": [ZERO, ZERO], "guests": [0, 0], "card_sales": [ZERO, ZERO]}
    for row in rows:
        for line in row.targets:
            totals[line.name][0] += line.actual
            totals[line.name][1] += line.target
    return [Progress(name, actual, target) for name, (actual, target) in totals.items()]


def _add_to_chain(chain: StoreRow, row: StoreRow) -> None:
    chain.today.add(row.today)
    chain.month.add(row.month)
    chain.card_balance += row.card_balance
    chain.overdue_counts += row.overdue_counts
    if row.budget is not None:
        chain.budget = (chain.budget or ZERO) + row.budget
    chain.payroll_revenue += row.payroll_revenue
