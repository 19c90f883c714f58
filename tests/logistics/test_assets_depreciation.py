"""Depreciation schedules as an asset page shows them: straight line from the month after
purchase, the last month takes the remainder, never below the residual."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from app.blueprints.logistics.depreciation import (
    amount_for_month,
    book_value_at_end_of,
    schedule,
)


def test_one_thousand_over_three_months_ends_with_the_remainder():
    rows = schedule(D("1000.00"), D("0"), 3, date(2026, 1, 15))
    assert [r.period for r in rows] == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert [r.amount for r in rows] == [D("333.33"), D("333.33"), D("333.34")]
    assert [r.book_value for r in rows] == [D("666.67"), D("333.34"), D("0.00")]


def test_cost_1200_residual_200_over_36_months():
    rows = schedule(D("1200.00"), D("200.00"), 36, date(2025, 12, 31))
    assert [r.amount for r in rows[:35]] == [D("27.78")] * 35
    assert rows[-1].amount == D("27.70")
    assert sum(r.amount for r in rows) == D("1000.00")
    assert rows[-1].book_value == D("200.00")
    assert rows[0].period == date(2026, 1, 1)
    assert rows[-1].period == date(2028, 12, 1)


def test_nothing_in_the_purchase_month_nor_after_the_schedule():
    bought = date(2026, 3, 10)
    assert amount_for_month(D("1200"), D("200"), 36, bought, date(2026, 3, 1)) == D("0.00")
    assert amount_for_month(D("1200"), D("200"), 36, bought, date(2026, 4, 1)) == D("27.78")
    assert amount_for_month(D("1200"), D("200"), 36, bought, date(2029, 4, 1)) == D("0.00")
    assert book_value_at_end_of(D("1200"), D("200"), 36, bought, date(2026, 3, 1)) == D(
        "1200.00")
    assert book_value_at_end_of(D("1200"), D("200"), 36, bought, date(2035, 1, 1)) == D(
        "200.00")


def test_a_tiny_amount_over_a_long_life_never_goes_below_the_residual():
    # 0.50 over 60 months rounds to 0.01 a month: 50 months take it all, then nothing.
    rows = schedule(D("100.50"), D("100.00"), 60, date(2026, 1, 1))
    assert all(r.book_value >= D("100.00") for r in rows)
    assert rows[-1].book_value == D("100.00")
    assert sum(r.amount for r in rows) == D("0.50")
    assert all(r.amount >= 0 for r in rows)
    # Rounding up: 1.00 over 600 months is 0.00 a month; the last month takes all of it.
    rows = schedule(D("1.00"), D("0.00"), 600, date(2026, 1, 1))
    assert rows[-1].amount == D("1.00") and rows[-1].book_value == D("0.00")
    # 0.70 over 100 months rounds up to 0.01: 70 months take it, none goes below.
    rows = schedule(D("10.70"), D("10.00"), 100, date(2026, 1, 1))
    assert min(r.book_value for r in rows) == D("10.00")
    assert sum(r.amount for r in rows) == D("0.70")
