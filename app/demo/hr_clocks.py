"""HR demo clock records: a punch pair for every past scheduled day, with the late,
early, missing and corrected (补卡) ones a real month has."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app.blueprints.hr.models import ClockRecord
from app.demo.hr_common import (
    Company,
    HrResult,
    PlanDay,
    copy_rows,
)
from app.demo.hr_settings import POST_SHIFTS


def add_clocks(co: Company, rng: random.Random, plan: list[PlanDay],
            leave_days: dict[tuple[int, date], Decimal],
            overtime: dict[tuple[int, date], tuple[Decimal, bool]], result: HrResult) -> None:
    """Punches for every past scheduled day (and overtime on days off), with the noise of
    a real month; a few missing punches, two thirds of them corrected by the foreman."""
    t = co.tenant_id
    foreman = co.accounts.get("foreman")
    past = [d for d in plan if d.day < co.today]
    worked = [d for d in past if d.shift and (d.person.id, d.day) not in leave_days
              and (d.person.id, d.day) not in overtime]
    # Special cases picked round-robin over the stores, first store first.
    rng.shuffle(worked)
    queues: dict[int, list[PlanDay]] = defaultdict(list)
    for d in worked:
        queues[d.person.store_id].append(d)
    order = [s for s, _c, _city in co.stores if s in queues]
    interleaved = []
    while any(queues[s] for s in order):
        for s in order:
            if queues[s]:
                interleaved.append(queues[s].pop())
    n = len(worked)
    counts = (("late_half", max(1, round(n / 2500))), ("late_30", max(2, n // 600)),
              ("early", max(1, n // 1500)), ("missing", max(3, n // 400)))
    special: dict[tuple[int, date], str] = {}
    it = iter(interleaved)
    for kind, count in counts:
        for _ in range(count):
            d = next(it, None)
            if d is not None:
                special[(d.person.id, d.day)] = kind
    rows = []
    missing_seen = 0

    def punch(d: PlanDay, kind: str, at: datetime, source: str = "", reason: str = "",
              by: int | None = None, created: datetime | None = None) -> None:
        if not source:
            self_share = 0.45 if d.person.role == "therapist" else 0.1
            source = "self" if rng.random() < self_share else "kiosk"
        rows.append({"tenant_id": t, "employee_id": d.person.id, "store_id": d.person.store_id,
                     "kind": kind, "at": at.astimezone(UTC), "source": source,
                     "reason": reason, "device_id": None, "device_record_id": None,
                     "recorded_by_account_id": by, "voided_at": None,
                     "voided_by_account_id": None, "void_reason": "",
                     "created_at": (created or at).astimezone(UTC)})

    def minutes(low: float, high: float) -> timedelta:
        return timedelta(seconds=round(rng.uniform(low, high) * 60))

    for d in past:
        key = (d.person.id, d.day)
        if key in overtime and d.shift is None:
            # Overtime on a day off: the post's first shift, as long as the hours.
            hours, _rest = overtime[key]
            name = POST_SHIFTS.get(d.person.role, ("中班",))[0]
            _sid, starts, _ends = co.shifts[d.person.store_id][name]
            start = co.local(d.day, starts)
            punch(d, "in", start - minutes(3, 12))
            punch(d, "out", start + timedelta(hours=float(hours)) + minutes(1, 10))
            continue
        if d.shift is None:
            continue
        fraction = leave_days.get(key)
        if fraction == 1:
            continue
        clock_in = d.starts - minutes(2, 15)
        clock_out = d.ends + minutes(1, 25)
        if fraction is not None:  # half a day off: in for the second half
            clock_in = d.starts + timedelta(hours=4) - minutes(2, 10)
        if key in overtime:
            clock_out = d.ends + timedelta(hours=float(overtime[key][0])) + minutes(1, 10)
        case = special.get(key)
        if case is None and fraction is None and rng.random() < 0.015:
            case = "late_small"
        if case == "late_small":
            clock_in = d.starts + minutes(1, 10)
        elif case == "late_30":
            clock_in = d.starts + minutes(26, 38)
        elif case == "late_half":
            clock_in = d.starts + minutes(178, 192)
        elif case == "early":
            clock_out = d.ends - minutes(15, 45)
        if case == "missing":
            missing_seen += 1
            lost = "in" if missing_seen % 2 else "out"
            corrected = missing_seen % 3 != 0
            first_store = d.person.store_id == co.first_store
            if lost == "out":
                punch(d, "in", clock_in)
            else:
                punch(d, "out", clock_out)
            if corrected:
                at = d.starts if lost == "in" else d.ends
                reason = ("忘记打上班卡，领班确认按时到岗" if lost == "in"
                          else "下班忘记打卡，领班确认按时下班")
                punch(d, lost, at, source="correction", reason=reason,
                      by=foreman if first_store else None,
                      created=co.local(d.day + timedelta(days=1), time(12, 0)))
            continue
        punch(d, "in", clock_in)
        punch(d, "out", clock_out)
    copy_rows(ClockRecord, rows)
    result.add("clock records", len(rows))
