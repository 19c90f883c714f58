"""经营目标: what each store is to reach in a month (revenue, guests, card sales), set by
the general manager, and the month's progress against it.  Plain functions: add and
flush, never commit.

Rules chosen:

* A target is one row per (store, month): ``revenue`` and ``card_sales`` in yuan
  (≥ 0, at most two decimals), ``guests`` a whole number ≥ 0, and a ``note``.  An
  empty measure is 0, which means "no target for that measure" (progress shows no
  percentage for it).  A row left entirely empty (all 0, no note) is no target: an
  existing one is removed (the audit entry keeps what it was).
* The grid saves all its rows or none (``targets.<i>.<field>`` names a bad one) and
  writes one audit entry per save listing what changed.
* Only this month and later months can be set: a month that has ended is what the
  operating report compares against, so it is not rewritten afterwards
  (``month`` names the refusal).
* Copying last month fills only the stores without a target this month (their note
  is not copied: it belongs to its month); what the GM already typed is kept.
* Progress (:func:`target_progress`) reads the month to date from the daily rollups
  (``app.blueprints.gm.rollups.read_days``, today's figures live) and compares each
  measure with the expected pace: days elapsed ÷ days in the month (a past month is
  fully elapsed, a future one not begun).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.blueprints.gm.models import StoreTarget
from app.extensions import db
from app.validation import InputError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MEASURES = ("revenue", "guests", "card_sales")
MONEY_MEASURES = ("revenue", "card_sales")
# NUMERIC(12, 2) holds up to 9,999,999,999.99; a month of one store is far below.
MAX_MONEY = Decimal("999999999.99")
MAX_GUESTS = 10_000_000
MAX_NOTE = 200

register_audit_actions({
    "target.save": _l("修改门店经营目标"),
    "target.copy": _l("复制上月经营目标"),
})


class TargetError(InputError):
    """A bad row (``targets.<i>.<field>``) or month."""


def first_of_month(value: date) -> date:
    return value.replace(day=1)


def previous_month(month: date) -> date:
    first = first_of_month(month)
    return (first.replace(year=first.year - 1, month=12) if first.month == 1
            else first.replace(month=first.month - 1))


def next_month(month: date) -> date:
    first = first_of_month(month)
    return (first.replace(year=first.year + 1, month=1) if first.month == 12
            else first.replace(month=first.month + 1))


def last_of_month(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def tenant_today() -> date:
    from app.blueprints.store.days import today_for_store

    return today_for_store()


def may_edit_month(month: date, today: date | None = None) -> bool:
    """This month and later ones; a month that has ended stays as it was."""
    return first_of_month(month) >= first_of_month(today or tenant_today())


def targets_for(month: date, store_ids) -> dict[int, StoreTarget]:
    """{store_id: target} of that month (stores without one absent).  One statement."""
    ids = sorted(set(store_ids or ()))
    if not ids:
        return {}
    return {t.store_id: t for t in db.session.scalars(select(StoreTarget).where(
        StoreTarget.month == first_of_month(month), StoreTarget.store_id.in_(ids)))}


# --------------------------------------------------------------------------- input


def parse_money(value, field: str) -> Decimal:
    """Yuan ≥ 0, at most two decimals; empty is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    if isinstance(value, bool):
        raise TargetError.on(field, _("金额格式不正确"))
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except InvalidOperation:
        raise TargetError.on(field, _("金额格式不正确")) from None
    if not amount.is_finite():
        raise TargetError.on(field, _("金额格式不正确"))
    if amount < 0:
        raise TargetError.on(field, _("金额不能为负数"))
    if amount > MAX_MONEY:
        raise TargetError.on(field, _("金额不能超过 999,999,999.99"))
    if amount != amount.quantize(CENT):
        raise TargetError.on(field, _("金额最多两位小数"))
    return amount.quantize(CENT)


def parse_guests(value, field: str) -> int:
    """A whole number of guests ≥ 0; empty is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool) or isinstance(value, float):
        raise TargetError.on(field, _("客数须为整数"))
    text = str(value).strip().replace(",", "")
    if not text.isdigit():
        raise TargetError.on(field, _("客数须为不小于 0 的整数"))
    number = int(text)
    if number > MAX_GUESTS:
        limit = f"{MAX_GUESTS:,}"
        raise TargetError.on(field, _("客数不能超过 %(n)s", n=limit))
    return number


def _clean_row(i: int, row, allowed: set[int], errors: dict) -> tuple[int, dict] | None:
    prefix = f"targets.{i}"
    if not isinstance(row, dict):
        errors[prefix] = _("格式不正确")
        return None
    store_id = row.get("store_id")
    if isinstance(store_id, bool) or not isinstance(store_id, int) or store_id not in allowed:
        errors[f"{prefix}.store_id"] = _("没有这家门店")
    values: dict = {}
    for name in MEASURES:
        try:
            values[name] = (parse_money if name in MONEY_MEASURES else parse_guests)(
                row.get(name), f"{prefix}.{name}")
        except TargetError as exc:
            errors.update(exc.fields)
    note = row.get("note")
    if note is not None and not isinstance(note, str):
        errors[f"{prefix}.note"] = _("格式不正确")
    else:
        values["note"] = (note or "").strip()
        if len(values["note"]) > MAX_NOTE:
            errors[f"{prefix}.note"] = _("最多 %(n)d 个字", n=MAX_NOTE)
    if any(key.startswith(f"{prefix}.") or key == prefix for key in errors):
        return None
    return store_id, values


def _snapshot(target: StoreTarget | None) -> dict | None:
    if target is None:
        return None
    return {"revenue": str(target.revenue), "guests": target.guests,
            "card_sales": str(target.card_sales), "note": target.note}


def _is_empty(values: dict) -> bool:
    return not values["revenue"] and not values["guests"] and not values["card_sales"] and (
        not values["note"])


def save_targets(month: date, rows: list, actor, store_ids, today: date | None = None) -> int:
    """Save rows ``[{store_id, revenue, guests, card_sales, note}]`` of ``month``.

    All or nothing; returns how many stores' targets changed."""
    month = first_of_month(month)
    if not may_edit_month(month, today):
        raise TargetError.on("month", _("这个月已经过去，目标不能再修改"))
    allowed = set(store_ids)
    errors: dict[str, str] = {}
    wanted: dict[int, dict] = {}
    for i, row in enumerate(rows):
        cleaned = _clean_row(i, row, allowed, errors)
        if cleaned is not None:
            if cleaned[0] in wanted:
                errors[f"targets.{i}.store_id"] = _("这家门店填了两次")
                continue
            wanted[cleaned[0]] = cleaned[1]
    if errors:
        raise TargetError(errors)
    existing = targets_for(month, allowed)
    before, after = {}, {}
    for store_id, values in wanted.items():
        row = existing.get(store_id)
        old = _snapshot(row)
        new = None if _is_empty(values) else {
            "revenue": str(values["revenue"]), "guests": values["guests"],
            "card_sales": str(values["card_sales"]), "note": values["note"]}
        if old == new:
            continue
        before[str(store_id)], after[str(store_id)] = old, new
        if new is None:
            # Emptied: no target any more (the audit entry keeps what it was).
            db.session.delete(row)
        elif row is None:
            db.session.add(StoreTarget(store_id=store_id, month=month,
                                       set_by_account_id=actor.id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.set_by_account_id = actor.id
    if after:
        db.session.flush()
        record_audit("target.save", "store_target", month.isoformat(), before=before,
                     after=after, actor=actor)
    return len(after)


def copy_previous_month(month: date, actor, store_ids, today: date | None = None) -> int:
    """Give the stores without a target this month last month's; returns how many."""
    month = first_of_month(month)
    if not may_edit_month(month, today):
        raise TargetError.on("month", _("这个月已经过去，目标不能再修改"))
    ids = sorted(set(store_ids))
    last = targets_for(previous_month(month), ids)
    present = targets_for(month, ids)
    added = {}
    for store_id, source in sorted(last.items()):
        if store_id in present:
            continue
        db.session.add(StoreTarget(store_id=store_id, month=month, revenue=source.revenue,
                                   guests=source.guests, card_sales=source.card_sales,
                                   note="", set_by_account_id=actor.id))
        added[str(store_id)] = {"revenue": str(source.revenue), "guests": source.guests,
                                "card_sales": str(source.card_sales)}
    if added:
        db.session.flush()
        record_audit("target.copy", "store_target", month.isoformat(),
                     after={"from": previous_month(month).isoformat(), **added}, actor=actor)
    return len(added)


# --------------------------------------------------------------------------- progress


def month_pace(month: date, today: date) -> Decimal:
    """The share of the month elapsed on ``today`` (today counted: its figures are live)."""
    first, last = first_of_month(month), last_of_month(month)
    if today < first:
        return Decimal("0")
    if today >= last:
        return Decimal("1")
    return Decimal((today - first).days + 1) / Decimal(last.day)


def percent_of(actual, target) -> Decimal | None:
    """Actual as a percentage of the target, one decimal; None without a target."""
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Measure:
    name: str
    target: Decimal | int
    actual: Decimal | int
    pace: Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.actual, self.target)

    @property
    def expected_percent(self) -> Decimal:
        return (self.pace * 100).quantize(Decimal("0.1"))

    @property
    def behind(self) -> bool:
        """Below where an even month would be by now."""
        percent = self.percent
        return percent is not None and percent < self.expected_percent

    @property
    def bar_percent(self) -> int:
        """The bar's width (0-100; a target passed fills it)."""
        percent = self.percent
        return 0 if percent is None else max(0, min(100, int(percent)))


@dataclass(frozen=True)
class StoreProgress:
    store_id: int
    month: date
    target: StoreTarget | None
    pace: Decimal
    measures: dict[str, Measure]

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def expected_percent(self) -> Decimal:
        return (self.pace * 100).quantize(Decimal("0.1"))


def month_actuals(month: date, store_ids, today: date) -> dict[int, dict[str, object]]:
    """{store_id: {revenue, guests, card_sales}} of the month up to ``today`` (nothing for a
    month not begun), from the rollups (today live)."""
    from app.blueprints.gm.rollups import read_days

    first = first_of_month(month)
    if today < first or not store_ids:
        return {}
    last = min(last_of_month(month), today)
    totals: dict[int, dict[str, object]] = {}
    for day in read_days(first, last, set(store_ids)):
        sums = totals.setdefault(day.store_id, {"revenue": ZERO, "guests": 0,
                                                "card_sales": ZERO})
        sums["revenue"] += Decimal(day.revenue or 0)
        sums["guests"] += int(day.guests or 0)
        sums["card_sales"] += Decimal(day.card_sales or 0)
    return totals


def progress_from(month: date, store_ids, targets: dict[int, StoreTarget],
                  actuals: dict[int, dict], today: date) -> list[StoreProgress]:
    """The pure part of :func:`target_progress` (tests call it without a database)."""
    month = first_of_month(month)
    pace = month_pace(month, today)
    found = []
    for store_id in store_ids:
        target = targets.get(store_id)
        sums = actuals.get(store_id, {})
        measures = {}
        for name in MEASURES:
            zero = 0 if name == "guests" else ZERO
            measures[name] = Measure(name, getattr(target, name) if target else zero,
                                     sums.get(name, zero), pace)
        found.append(StoreProgress(store_id, month, target, pace, measures))
    return found


def target_progress(month: date, store_ids, today: date | None = None,
                    *, only_with_target: bool = False) -> list[StoreProgress]:
    """Per store (in the order given): the month's target, the month to date and the
    percentage of each measure, with the expected pace.  One statement for the targets
    plus ``read_days``' fixed few (skipped when no store has a target and
    ``only_with_target``)."""
    ids = list(dict.fromkeys(store_ids or ()))
    today = today or tenant_today()
    targets = targets_for(month, ids)
    if only_with_target:
        ids = [i for i in ids if i in targets]
    actuals = month_actuals(month, ids, today) if ids else {}
    return progress_from(month, ids, targets, actuals, today)
