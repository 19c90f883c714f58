"""预算: what each store should take and may spend in a month, per category, and the
month's actual expenses against it.  Plain functions: add and flush, never commit.

* A budget cell is (store, month, category) with an amount ≥ 0; an empty cell is no
  budget (0 is a budget of nothing).  The grid saves all its cells or none
  (``cells.<i>.<field>`` names a bad one) and writes one audit entry per save.
* Copying last month fills only this month's empty cells: what finance already typed
  for this month is kept.
* Actuals here are the expense categories: approved and paid claims by the month of
  ``spent_on`` (one grouped statement whatever the number of stores and categories).
  Revenue, labour, stock consumed and depreciation are the P&L's (it reads
  :func:`budget_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.finance.expenses import COUNTED, month_bounds, parse_amount
from app.blueprints.finance.models import (
    BUDGET_CATEGORIES,
    EXPENSE_CATEGORIES,
    Budget,
    ExpenseClaim,
)
from app.extensions import db
from app.validation import InputError

ZERO = Decimal("0.00")

register_audit_actions({
    "budget.save": _l("修改门店预算"),
    "budget.copy": _l("复制上月预算"),
})


class BudgetError(InputError):
    """A bad cell (``cells.<i>.<field>``) or month."""


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def previous_month(period: date) -> date:
    first = first_of_month(period)
    return (first.replace(year=first.year - 1, month=12) if first.month == 1
            else first.replace(month=first.month - 1))


def budget_for(period: date, store_ids) -> dict[tuple[int, str], Decimal]:
    """{(store_id, category): amount} of the month of ``period`` for those stores (the
    P&L reads this; cells without a budget are absent).  One statement."""
    ids = sorted(set(store_ids or ()))
    if not ids:
        return {}
    rows = db.session.execute(select(Budget.store_id, Budget.category, Budget.amount).where(
        Budget.period == first_of_month(period), Budget.store_id.in_(ids)))
    return {(store_id, category): amount for store_id, category, amount in rows}


def expense_actuals(period: date, store_ids) -> dict[tuple[int, str], Decimal]:
    """{(store_id, category): approved + paid claims spent in that month}.  One statement."""
    ids = sorted(set(store_ids or ()))
    if not ids:
        return {}
    first, following = month_bounds(period)
    rows = db.session.execute(
        select(ExpenseClaim.store_id, ExpenseClaim.category, func.sum(ExpenseClaim.amount))
        .where(ExpenseClaim.store_id.in_(ids), ExpenseClaim.status.in_(COUNTED),
               ExpenseClaim.spent_on >= first, ExpenseClaim.spent_on < following)
        .group_by(ExpenseClaim.store_id, ExpenseClaim.category))
    return {(store_id, category): Decimal(total).quantize(Decimal("0.01"))
            for store_id, category, total in rows}


@dataclass(frozen=True)
class Cell:
    budget: Decimal | None
    actual: Decimal

    @property
    def variance(self) -> Decimal | None:
        """Budget minus actual: negative is over budget."""
        return None if self.budget is None else self.budget - self.actual

    @property
    def over(self) -> bool:
        return self.actual > (self.budget if self.budget is not None else ZERO) and (
            self.actual > ZERO)


@dataclass(frozen=True)
class StoreMonth:
    store: object
    cells: dict[str, Cell]

    @property
    def budget_total(self) -> Decimal:
        return sum((c.budget or ZERO for c in self.cells.values()), ZERO)

    @property
    def actual_total(self) -> Decimal:
        return sum((c.actual for c in self.cells.values()), ZERO)

    @property
    def over(self) -> bool:
        return self.actual_total > self.budget_total


def expense_report(period: date, stores) -> list[StoreMonth]:
    """Per store, each expense category's budget, actual and variance (two statements)."""
    ids = [s.id for s in stores]
    budgets = budget_for(period, ids)
    actuals = expense_actuals(period, ids)
    return [StoreMonth(store, {
        category: Cell(budgets.get((store.id, category)),
                       actuals.get((store.id, category), ZERO))
        for category in EXPENSE_CATEGORIES}) for store in stores]


def save_cells(period: date, cells: list[dict], actor, store_ids) -> int:
    """Save grid cells ``[{store_id, category, amount}]`` (amount None or "" clears the
    cell: no budget).  All or nothing; returns how many cells changed."""
    period = first_of_month(period)
    allowed = set(store_ids)
    errors: dict[str, str] = {}
    wanted: dict[tuple[int, str], Decimal | None] = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            errors[f"cells.{i}"] = _("格式不正确")
            continue
        store_id, category = cell.get("store_id"), cell.get("category")
        if isinstance(store_id, bool) or not isinstance(store_id, int) or (
                store_id not in allowed):
            errors[f"cells.{i}.store_id"] = _("没有这家门店")
        if category not in BUDGET_CATEGORIES:
            errors[f"cells.{i}.category"] = _("没有这个预算科目")
        amount = cell.get("amount")
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            value = None
        else:
            try:
                value = parse_amount(amount, f"cells.{i}.amount", positive=False,
                                     error=BudgetError)
            except BudgetError as exc:
                errors.update(exc.fields)
                continue
        wanted[(store_id, category)] = value
    if errors:
        raise BudgetError(errors)
    existing = {(b.store_id, b.category): b for b in db.session.scalars(select(Budget).where(
        Budget.period == period, Budget.store_id.in_(sorted(allowed) or [-1])))}
    before, after = {}, {}
    for key, value in wanted.items():
        row = existing.get(key)
        old = row.amount if row is not None else None
        if old == value:
            continue
        label = f"{key[0]}:{key[1]}"
        before[label] = None if old is None else str(old)
        after[label] = None if value is None else str(value)
        if value is None:
            # Cleared: no budget any more (the audit entry keeps what it was).
            db.session.delete(row)
        elif row is None:
            db.session.add(Budget(store_id=key[0], period=period, category=key[1],
                                  amount=value, updated_by_account_id=actor.id))
        else:
            row.amount = value
            row.updated_by_account_id = actor.id
    if after:
        db.session.flush()
        record_audit("budget.save", "budget", period.isoformat(), before=before, after=after,
                     actor=actor)
    return len(after)


def copy_previous_month(period: date, actor, store_ids) -> int:
    """Fill this month's empty cells with last month's amounts; returns how many."""
    period = first_of_month(period)
    ids = sorted(set(store_ids))
    last = budget_for(previous_month(period), ids)
    present = set(budget_for(period, ids))
    added = {}
    for (store_id, category), amount in sorted(last.items()):
        if (store_id, category) in present:
            continue
        db.session.add(Budget(store_id=store_id, period=period, category=category,
                              amount=amount, updated_by_account_id=actor.id))
        added[f"{store_id}:{category}"] = str(amount)
    if added:
        db.session.flush()
        record_audit("budget.copy", "budget", period.isoformat(),
                     after={"from": previous_month(period).isoformat(), **added}, actor=actor)
    return len(added)
