"""月度经营分析报告 — sales: each store's month from the daily rollups
(``StoreDayRollup``) summed by month in SQL, against its target (``StoreTarget``), last
month and the same month last year.

Everything here reads rollup rows only (never the orders): the rollups are rebuilt
exactly from the source rows by app/blueprints/gm/rollups.py, so the report is as
right as the rollups and as fast at any length of history.  One statement for any
number of months and stores (a CASE maps each day to its month, grouped by position).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, literal, literal_column, select

from app.blueprints.gm.models import StoreDayRollup, StoreTarget
from app.extensions import db

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Summed per store and month; money first (strings in the stored report).
MONEY_SUMS = ("revenue", "refunds", "card_sales")
COUNT_SUMS = ("orders", "guests", "jobs", "jobs_requested", "jobs_addon", "jobs_returned",
              "refund_count", "cards_sold", "ratings", "rating_total", "low_ratings",
              "complaints", "job_minutes", "duty_minutes")
SUMS = MONEY_SUMS + COUNT_SUMS


def add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_back(first: date, n: int) -> list[date]:
    """The ``n`` months ending with ``first``, oldest first."""
    return [add_months(first, -i) for i in range(n - 1, -1, -1)]


def _money(total) -> Decimal:
    # SQLite sums NUMERIC as floating point: through str() to get the cents back.
    return Decimal(str(total or 0)).quantize(CENT, ROUND_HALF_UP)


def empty_sums() -> dict:
    return {**{name: ZERO for name in MONEY_SUMS}, **{name: 0 for name in COUNT_SUMS}}


def month_sums(months: list[date], store_ids: set[int] | None
               ) -> dict[date, dict[int, dict]]:
    """``{month: {store_id: {figure: sum}}}`` of the rollup rows of consecutive
    ``months`` (first days); stores with no row in a month are absent.  One statement."""
    months = sorted(months)
    first, until = months[0], add_months(months[-1], 1)
    day = StoreDayRollup.business_date
    whens = [(day >= m, literal(m)) for m in reversed(months[1:])]
    month_of = case(*whens, else_=literal(months[0])) if whens else literal(months[0])
    columns = [func.sum(getattr(StoreDayRollup, name)) for name in SUMS]
    stmt = (select(month_of, StoreDayRollup.store_id, *columns)
            .where(day >= first, day < until)
            .group_by(literal_column("1"), literal_column("2")))
    if store_ids is not None:
        stmt = stmt.where(StoreDayRollup.store_id.in_(sorted(store_ids) or [-1]))
    result: dict[date, dict[int, dict]] = {m: {} for m in months}
    for month, store_id, *totals in db.session.execute(stmt):
        month = month if isinstance(month, date) else date.fromisoformat(str(month)[:10])
        sums = {}
        for name, total in zip(SUMS, totals, strict=True):
            sums[name] = _money(total) if name in MONEY_SUMS else int(total or 0)
        result[month][store_id] = sums
    return result


def add_sums(into: dict, other: dict) -> dict:
    for name in SUMS:
        into[name] += other[name]
    return into


def chain_sums(by_store: dict[int, dict]) -> dict:
    total = empty_sums()
    for sums in by_store.values():
        add_sums(total, sums)
    return total


def targets_of(month: date, store_ids: set[int] | None) -> dict[int, StoreTarget]:
    stmt = select(StoreTarget).where(StoreTarget.month == month)
    if store_ids is not None:
        stmt = stmt.where(StoreTarget.store_id.in_(sorted(store_ids) or [-1]))
    return {t.store_id: t for t in db.session.scalars(stmt)}


def per_guest(sums: dict) -> Decimal | None:
    """客单价: revenue per guest."""
    if not sums["guests"]:
        return None
    return (sums["revenue"] / sums["guests"]).quantize(CENT, ROUND_HALF_UP)


def change_pct(actual, reference) -> Decimal | None:
    """(actual − reference) as a % of reference, 1 decimal; None when unknown or 0."""
    if reference is None or actual is None or reference == 0:
        return None
    return (Decimal(actual - reference) * 100 / abs(Decimal(reference))).quantize(
        Decimal("0.1"), ROUND_HALF_UP)


def achieved_pct(actual, target) -> Decimal | None:
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _text(value) -> str | None:
    return None if value is None else str(value)


def sales_section(this: dict, last_month: dict | None, last_year: dict | None,
                  target: dict | None) -> dict:
    """The figures of one store (or the chain) as stored in the report (JSON-safe):
    this month, target and % achieved, last month and last year with the change %."""
    def figures(sums: dict | None) -> dict | None:
        if sums is None:
            return None
        return {**{name: str(sums[name]) for name in MONEY_SUMS},
                **{name: sums[name] for name in COUNT_SUMS},
                "per_guest": _text(per_guest(sums)),
                "avg_rating": _text(avg_rating(sums))}

    this_guest = per_guest(this)
    section = {"actual": figures(this), "last_month": figures(last_month),
               "last_year": figures(last_year), "target": None, "achieved": None,
               "vs_last_month": None, "vs_last_year": None}
    if target is not None:
        section["target"] = {"revenue": str(target["revenue"]), "guests": target["guests"],
                             "card_sales": str(target["card_sales"])}
        section["achieved"] = {
            name: _text(achieved_pct(this[name], target[name]))
            for name in ("revenue", "guests", "card_sales")}
    for key, ref in (("vs_last_month", last_month), ("vs_last_year", last_year)):
        if ref is None:
            continue
        section[key] = {
            "revenue": _text(change_pct(this["revenue"], ref["revenue"])),
            "guests": _text(change_pct(this["guests"], ref["guests"])),
            "per_guest": _text(change_pct(this_guest, per_guest(ref))),
            "card_sales": _text(change_pct(this["card_sales"], ref["card_sales"])),
        }
    return section


def avg_rating(sums: dict) -> Decimal | None:
    if not sums["ratings"]:
        return None
    return (Decimal(sums["rating_total"]) / sums["ratings"]).quantize(
        Decimal("0.01"), ROUND_HALF_UP)


def target_sums(targets: dict[int, StoreTarget]) -> dict[int, dict]:
    return {store_id: {"revenue": t.revenue, "guests": t.guests, "card_sales": t.card_sales}
            for store_id, t in targets.items()}


def chain_target(targets: dict[int, dict]) -> dict | None:
    if not targets:
        return None
    total = defaultdict(lambda: ZERO)
    for values in targets.values():
        for name, value in values.items():
            total[name] += value
    total["guests"] = int(total["guests"])
    return dict(total)
