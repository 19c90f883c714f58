"""Straight-line monthly depreciation (specs/asset-count.md, Depreciation).

    monthly = round((cost − residual) / useful_life_months, 0.01)

from the month after purchase, until the book value reaches the residual; the last
month takes the remainder.  Rules chosen where the spec is silent:

* Rounding is ROUND_HALF_UP (the way an accountant rounds 分).
* When rounding up would carry the book value below the residual before the last
  month (a tiny depreciable amount over a long life), a month takes only what is
  left, and the months after it take nothing: the book value never goes below the
  residual.
* A written-off asset depreciates no more from the month after its write-off.

Everything here is a pure function of the asset's figures and a month, so a rerun of
the monthly job computes the same amount, and the book value at any month is known
without reading the posted entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier``'s month to ``later``'s (same month: 0)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def monthly_amount(cost: Decimal, residual: Decimal, life_months: int) -> Decimal:
    """The regular month's depreciation (every month but possibly the last)."""
    if life_months <= 0:
        raise ValueError("useful life must be at least one month")
    return ((Decimal(cost) - Decimal(residual)) / life_months).quantize(CENT, ROUND_HALF_UP)


def amount_for_month(cost: Decimal, residual: Decimal, life_months: int,
                     purchase_date: date, period: date) -> Decimal:
    """Depreciation of the month starting ``period`` (0.00 outside the schedule)."""
    n = months_between(purchase_date, period)  # 1 = the month after purchase
    if n < 1 or n > life_months:
        return ZERO
    depreciable = Decimal(cost) - Decimal(residual)
    regular = monthly_amount(cost, residual, life_months)
    before = min(regular * (n - 1), depreciable)
    if n == life_months:
        return (depreciable - before).quantize(CENT)
    return min(regular, depreciable - before).quantize(CENT)


def accumulated_through(cost: Decimal, residual: Decimal, life_months: int,
                        purchase_date: date, period: date) -> Decimal:
    """Depreciation of every month up to and including ``period``'s month."""
    n = months_between(purchase_date, period)
    if n < 1:
        return ZERO
    depreciable = Decimal(cost) - Decimal(residual)
    if n >= life_months:
        return depreciable.quantize(CENT)
    regular = monthly_amount(cost, residual, life_months)
    return min(regular * n, depreciable).quantize(CENT)


def book_value_at_end_of(cost: Decimal, residual: Decimal, life_months: int,
                         purchase_date: date, period: date) -> Decimal:
    """Book value at the end of ``period``'s month (cost before the first month)."""
    return (Decimal(cost) - accumulated_through(cost, residual, life_months, purchase_date,
                                                period)).quantize(CENT)


@dataclass(frozen=True)
class ScheduleRow:
    period: date
    amount: Decimal
    book_value: Decimal


def schedule(cost: Decimal, residual: Decimal, life_months: int,
             purchase_date: date) -> list[ScheduleRow]:
    """The whole schedule, month by month (the asset page shows it)."""
    rows = []
    book = Decimal(cost).quantize(CENT)
    for n in range(1, life_months + 1):
        period = add_months(purchase_date, n)
        amount = amount_for_month(cost, residual, life_months, purchase_date, period)
        book -= amount
        rows.append(ScheduleRow(period, amount, book))
    return rows


def asset_amount_for_month(asset, period: date) -> Decimal:
    """:func:`amount_for_month` of an Asset row, nothing after its write-off month."""
    if asset.written_off_on is not None and month_start(asset.written_off_on) < month_start(
            period):
        return ZERO
    return amount_for_month(asset.cost, asset.residual_value, asset.useful_life_months,
                            asset.purchase_date, period)


def asset_book_value(asset, period: date) -> Decimal:
    """Book value of an Asset row at the end of ``period``'s month (frozen at write-off)."""
    if asset.written_off_on is not None and month_start(asset.written_off_on) < month_start(
            period):
        period = month_start(asset.written_off_on)
    return book_value_at_end_of(asset.cost, asset.residual_value, asset.useful_life_months,
                                asset.purchase_date, period)
