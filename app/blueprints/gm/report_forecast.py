"""月度经营分析报告 — next month's revenue forecast, by a seasonal moving average.

The method (documented on the report page too):

* base = the mean revenue of the 3 months before the forecast month (of those of them
  with figures: a store opened two months ago is not averaged with zeros);
* when a year of history exists — the same month last year and the 3 months before it
  all have revenue — base × seasonal index, the index being that month last year ÷ the
  mean of the 3 months before it last year (how much that month usually rises or falls
  against the months before it);
* otherwise the 3-month mean alone.  With none of the 3 months known there is no
  forecast.

Its error is shown by applying the same method to each of the last 6 months (with only
the history before that month) and comparing with what happened: the absolute % error
per month and their mean (MAPE).  Pure functions over ``{month: Decimal}`` series so
the method can be checked by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.blueprints.gm.report_sales import add_months

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ERROR_MONTHS = 6
# How far back the method and its error table read: 6 months checked, each needing the
# month 12 back and the 3 before that.
HISTORY_MONTHS = ERROR_MONTHS + 15


def forecast(series: dict[date, Decimal], month: date) -> tuple[Decimal | None, str]:
    """(forecast of ``month``, "seasonal" / "mean" / "none") from the months before it."""
    base_months = [add_months(month, -i) for i in (1, 2, 3)]
    known = [series[m] for m in base_months if m in series]
    if not known:
        return None, "none"
    base = sum(known, Decimal(0)) / len(known)
    last_year = series.get(add_months(month, -12))
    before = [series.get(add_months(month, -i)) for i in (13, 14, 15)]
    if last_year and all(before):
        before_mean = sum(before, Decimal(0)) / 3
        if before_mean > 0:
            return (base * last_year / before_mean).quantize(CENT, ROUND_HALF_UP), "seasonal"
    return base.quantize(CENT, ROUND_HALF_UP), "mean"


def error_table(series: dict[date, Decimal], last_month: date,
                months: int = ERROR_MONTHS) -> tuple[list[dict], Decimal | None]:
    """The method applied to each of the ``months`` months ending with ``last_month``:
    rows {month, forecast, actual, error_pct} and the MAPE (mean absolute % error)."""
    rows, errors = [], []
    for i in range(months - 1, -1, -1):
        month = add_months(last_month, -i)
        predicted, method = forecast(series, month)
        actual = series.get(month)
        error = None
        if predicted is not None and actual:
            error = (abs(predicted - actual) * 100 / actual).quantize(TENTH, ROUND_HALF_UP)
            errors.append(error)
        rows.append({"month": f"{month:%Y-%m}", "method": method,
                     "forecast": None if predicted is None else str(predicted),
                     "actual": None if actual is None else str(actual),
                     "error_pct": None if error is None else str(error)})
    mape = (sum(errors, Decimal(0)) / len(errors)).quantize(TENTH, ROUND_HALF_UP) \
        if errors else None
    return rows, mape


def forecast_section(series: dict[date, Decimal], month: date) -> dict:
    """Next month's forecast after ``month`` and the error table up to ``month``."""
    following = add_months(month, 1)
    predicted, method = forecast(series, following)
    rows, mape = error_table(series, month)
    return {"month": f"{following:%Y-%m}", "method": method,
            "revenue": None if predicted is None else str(predicted),
            "errors": rows, "mape": None if mape is None else str(mape)}
