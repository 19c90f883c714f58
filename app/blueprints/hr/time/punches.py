"""Which shift a punch belongs to: the window rule of sheets.py's docstring, pure functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from operator import itemgetter

from app.blueprints.hr.payroll.attendance import (
    Punches,
    Shift,
)

# A punch may be up to this far in the future (a device's clock running ahead).
FUTURE_TOLERANCE = timedelta(minutes=2)
# A punch belongs to the shift whose window holds it: from 4 h before its start to 8 h
# after its end.
PUNCH_WINDOW_BEFORE = timedelta(hours=4)
PUNCH_WINDOW_AFTER = timedelta(hours=8)
_BEFORE = PUNCH_WINDOW_BEFORE.total_seconds()
_AFTER = PUNCH_WINDOW_AFTER.total_seconds()
# A shift is shorter than a day: a span starting earlier than this before a punch cannot
# hold it.
_REACH = timedelta(days=1).total_seconds() + _AFTER


def _span(shift: Shift) -> tuple[float, float, date]:
    # Plain POSIX seconds: comparing aware datetimes is many times slower, and the whole
    # company's month is attributed in one go.
    return shift.starts_at.timestamp(), shift.ends_at.timestamp(), shift.work_date


def _nearest(spans, first: int, kind: str, moment: float):
    """Among ``spans`` (sorted by start) from index ``first``, the one whose window holds
    ``moment``, nearest first; on a tie a clock-in takes the later shift, a clock-out the
    earlier."""
    best, best_key = None, None
    for index in range(first, len(spans)):
        start, end, _day = span = spans[index]
        if start - _BEFORE > moment:
            break
        if moment > end + _AFTER:
            continue
        distance = start - moment if moment < start else (moment - end if moment > end else 0)
        key = (distance, -start if kind == "in" else start)
        if best_key is None or key < best_key:
            best, best_key = span, key
    return best


def shift_for_punch(shifts: list[Shift], kind: str, at: datetime) -> Shift | None:
    """The shift a punch belongs to (the window rule of the module docstring), or None."""
    by_span = {_span(s): s for s in shifts}
    found = _nearest(sorted(by_span), 0, kind, at.timestamp())
    return by_span[found] if found is not None else None


def attribute_punches(shifts: list[Shift], punches: list[tuple[str, datetime]]
                      ) -> dict[date, Punches]:
    """Work day -> (first clock-in, last clock-out) of the punches in its shift's window.

    One sweep over the punches in time order and the shifts in start order: each punch is
    compared only with the shifts that can still reach it (linear, not punches × shifts).
    """
    spans = sorted(_span(s) for s in shifts)
    firsts: dict[date, datetime] = {}
    lasts: dict[date, datetime] = {}
    low = 0
    # Each punch's POSIX seconds computed once; sorted on them (stable: equal moments
    # keep the caller's order, as sorting on the datetimes did).
    for moment, kind, at in sorted(((at.timestamp(), kind, at) for kind, at in punches),
                                   key=itemgetter(0)):
        while low < len(spans) and spans[low][0] + _REACH < moment:
            low += 1
        found = _nearest(spans, low, kind, moment)
        if found is None:
            continue
        day = found[2]
        if kind == "in" and (day not in firsts or at < firsts[day]):
            firsts[day] = at
        elif kind == "out" and (day not in lasts or at > lasts[day]):
            lasts[day] = at
    result = {}
    for day in set(firsts) | set(lasts):
        first_in, last_out = firsts.get(day), lasts.get(day)
        if first_in is not None and last_out is not None and last_out < first_in:
            last_out = None  # a clock-out before the day's clock-in: the real one is missing
        result[day] = Punches(first_in=first_in, last_out=last_out)
    return result
