"""Demo targets (经营目标): each store's revenue, guests and card sales for the last 12
months and this one, set around what the store actually did (within ±10 %, so some
stores are ahead and some behind).  Adds only the (store, month) targets that are
missing: a second load changes nothing.

"What the store did" is read from the source rows (``rollups.compute_days``, the same
figures the rollups store), so it holds whether or not the rollups are stored yet.  A
month the demo's history covers fully is its own actual; one it covers in part (or
not at all, before the history starts; and this month) is the store's average day
over the history times the days of the month.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.gm import rollups
from app.blueprints.gm import targets as rules
from app.blueprints.gm.models import StoreTarget
from app.extensions import db

MONTHS_BACK = 12
# A month counts as the store's own actual when the history has this many of its days.
FULL_MONTH_DAYS = 25
# Without any history: a middling store's month.
DEFAULT_DAY = {"revenue": Decimal("9000"), "guests": 60, "card_sales": Decimal("2500")}


def _months(this_month: date) -> list[date]:
    months = [this_month]
    for _n in range(MONTHS_BACK):
        months.append(rules.previous_month(months[-1]))
    return sorted(months)


def _round(value: Decimal, step: int) -> Decimal:
    return (value / step).quantize(Decimal("1")) * step


def load(demo) -> None:
    gm = demo.accounts.get("general_manager") or demo.accounts.get("owner")
    if not demo.stores:
        return
    this_month = demo.today.replace(day=1)
    months = _months(this_month)
    ids = [s.id for s in demo.stores]
    present = {(store_id, month) for store_id, month in db.session.execute(
        select(StoreTarget.store_id, StoreTarget.month).where(
            StoreTarget.month >= months[0], StoreTarget.store_id.in_(ids)))}
    if all((i, m) in present for i in ids for m in months):
        return
    # What each store did per month (days before today), from the source rows.
    last_day = demo.today.fromordinal(demo.today.toordinal() - 1)
    per_month: dict[tuple[int, date], dict] = {}
    per_store: dict[int, dict] = {}
    for day in rollups.compute_days(months[0], last_day, set(ids)):
        for bucket in (per_month.setdefault((day["store_id"], day["business_date"].replace(
                day=1)), {"days": 0, "revenue": Decimal(0), "guests": 0,
                          "card_sales": Decimal(0)}),
                       per_store.setdefault(day["store_id"], {
                           "days": 0, "revenue": Decimal(0), "guests": 0,
                           "card_sales": Decimal(0)})):
            bucket["days"] += 1
            bucket["revenue"] += Decimal(day["revenue"])
            bucket["guests"] += int(day["guests"])
            bucket["card_sales"] += Decimal(day["card_sales"])
    added = 0
    for store in demo.stores:
        history = per_store.get(store.id)
        for month in months:
            if (store.id, month) in present:
                continue
            days_in_month = rules.last_of_month(month).day
            actual = per_month.get((store.id, month))
            if actual and actual["days"] >= FULL_MONTH_DAYS and month < this_month:
                base = {k: Decimal(actual[k]) for k in ("revenue", "guests", "card_sales")}
            elif history and history["days"]:
                base = {k: Decimal(history[k]) / history["days"] * days_in_month
                        for k in ("revenue", "guests", "card_sales")}
            else:
                base = {k: Decimal(v) * days_in_month for k, v in DEFAULT_DAY.items()}
            # The same store and month always get the same factor (a reload adds nothing
            # new, and a fresh database gets the same demo).
            factor = Decimal(str(round(random.Random(f"target-{store.code}-{month}").uniform(
                0.9, 1.1), 3)))
            db.session.add(StoreTarget(
                store_id=store.id, month=month,
                revenue=_round(base["revenue"] * factor, 1000),
                guests=int(_round(base["guests"] * factor, 10)),
                card_sales=_round(base["card_sales"] * factor, 1000),
                note="", set_by_account_id=gm.id if gm else None))
            added += 1
    if added:
        db.session.flush()
    demo.add("store targets", added)
