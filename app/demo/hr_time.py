"""HR demo month: published schedules, clock records, leave, overtime, rewards and fines,
the locked attendance sheets, and the pending requests of the current month."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    OvertimeRequest,
    RewardPenalty,
    ScheduleEntry,
)
from app.blueprints.hr.payroll.holidays import HolidayCalendarMissing, is_statutory_holiday
from app.demo.hr_common import (
    Company,
    HrResult,
    Person,
    copy_rows,
    month_end,
    month_start,
)
from app.demo.hr_settings import (
    OVERNIGHT,
    PROFILES,
)
from app.demo.rows import bulk_insert
from app.extensions import db
from app.models.people import EMPLOYED_STATUSES

# The shifts a post works, alternating week by week (staggered by the person's place
# in the store so both ends of the day are covered); cleaners of a store with a
# night shift do the night cleaning (通宵).
POST_SHIFTS = {
    "store_manager": ("中班",), "supervisor": ("早班", "晚班"), "foreman": ("晚班", "早班"),
    "cashier": ("早班", "晚班"), "dispatcher": ("中班", "晚班"), "receptionist": ("晚班", "早班"),
    "greeter": ("中班",), "cleaner": ("早班",), "technical_supervisor": ("中班",),
    "trainee_supervisor": ("中班",), "therapist": ("中班", "晚班"),
}


ROLE_ORDER = ("store_manager", "supervisor", "foreman", "cashier", "dispatcher", "receptionist",
              "greeter", "cleaner", "technical_supervisor", "trainee_supervisor", "therapist")


REST_DAYS_PER_MONTH = 4


ANNUAL_REASONS = ("回老家探亲", "家里有事，休年假", "陪家人出去走走")


SICK_REASONS = ("感冒发烧，医院开了病假条", "肠胃炎，需休息一天", "腰扭伤，医生建议休息")


PERSONAL_REASONS = ("家中有事", "孩子开家长会", "回老家办理证件")


REWARDS = (("当月顾客好评第一", "200.00"), ("办卡业绩突出", "100.00"),
           ("技术考核第一名", "300.00"), ("拾金不昧，归还客人遗落的手机", "100.00"))


FINES = (("服务中看手机，被客人投诉", "50.00"), ("工服不整，店长检查发现", "20.00"),
         ("交接班未登记房间物品", "30.00"))


def _rest_days(first: date, index: int) -> set[date]:
    """4 rest days in the month of ``first``, on Monday–Thursday, staggered by ``index``."""
    last = month_end(first)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekdays = [d for d in days if d.weekday() < 4]
    n = len(weekdays)
    return {weekdays[(index + round(j * n / REST_DAYS_PER_MONTH)) % n]
            for j in range(REST_DAYS_PER_MONTH)}


def _shift_name(co: Company, p: Person, day: date) -> str:
    names = co.shifts.get(p.store_id, {})
    if p.role == "cleaner" and OVERNIGHT[0] in names:
        return OVERNIGHT[0]
    options = POST_SHIFTS.get(p.role, ("中班",))
    week = (day.toordinal() - 1) // 7
    return options[(p.index + week) % len(options)]


@dataclass
class _Day:
    person: Person
    day: date
    shift: str | None  # None: rest day
    starts: datetime | None = None  # local
    ends: datetime | None = None


def _plan(co: Company, first: date, last: date) -> list[_Day]:
    plan = []
    rest_cache: dict[tuple[int, date], set[date]] = {}
    for p in co.people:
        if p.store_id is None or p.store_id not in co.shifts:
            continue
        day = first
        while day <= last:
            if p.employed_on(day):
                key = (p.index, month_start(day))
                if key not in rest_cache:
                    rest_cache[key] = _rest_days(month_start(day), p.index)
                if day in rest_cache[key]:
                    plan.append(_Day(p, day, None))
                else:
                    name = _shift_name(co, p, day)
                    _sid, starts, ends = co.shifts[p.store_id][name]
                    start = co.local(day, starts)
                    end = co.local(day + timedelta(days=1) if ends <= starts else day, ends)
                    plan.append(_Day(p, day, name, start, end))
            day += timedelta(days=1)
    return plan


def add_period(co: Company, rng: random.Random, first: date, last: date, result: HrResult,
                events: str = "approved", draft_days: int = 0) -> list[_Day]:
    """Schedules ``first``..``last`` (published; ``draft_days`` more in draft at the first
    store), clocks for the days before today, events, and the month's sheets locked if
    the whole month is past.  ``events``: approved (a month's leave, overtime, rewards)
    or none.  Returns the planned days up to ``last``."""
    t = co.tenant_id
    plan = _plan(co, first, last + timedelta(days=draft_days))
    foreman = co.accounts.get("foreman")
    cap = co.utc(co.today - timedelta(days=1), time(18, 0))
    rows = []
    for d in plan:
        draft = d.day > last
        if draft and d.person.store_id != co.first_store:
            continue
        monday = d.day - timedelta(days=d.day.weekday())
        published = min(co.utc(monday - timedelta(days=4), time(18, 0)), cap)
        shift = co.shifts[d.person.store_id].get(d.shift) if d.shift else None
        rows.append({
            "tenant_id": t, "employee_id": d.person.id, "store_id": d.person.store_id,
            "work_date": d.day, "is_rest": d.shift is None,
            "shift_template_id": shift[0] if shift else None,
            "starts_at": d.starts.astimezone(UTC) if d.starts else None,
            "ends_at": d.ends.astimezone(UTC) if d.ends else None,
            "published_at": None if draft else published,
            "created_by_account_id": foreman if d.person.store_id == co.first_store else None,
            "created_at": published - timedelta(days=1)})
    copy_rows(ScheduleEntry, rows)
    result.add("schedules", len(rows))
    plan = [d for d in plan if d.day <= last]
    leave_days, overtime = {}, {}
    if events == "approved":
        leave_days, overtime = _approved_events(co, rng, plan, first, last, result)
    _clocks(co, rng, plan, leave_days, overtime, result)
    if last == month_end(first) and last < co.today:
        hr = co.accounts.get("hr_manager")
        locked = min(co.utc(last + timedelta(days=3), time(10, 0)), cap)
        stores = sorted({d.person.store_id for d in plan})
        have = set(db.session.scalars(select(AttendanceSheet.store_id).where(
            AttendanceSheet.month == first)))
        sheets = [{"tenant_id": t, "store_id": s, "month": first, "status": "locked",
                   "locked_at": locked, "locked_by_account_id": hr, "note": "已核对考勤，锁定"}
                  for s in stores if s not in have]
        bulk_insert(AttendanceSheet, sheets)
        result.add("locked sheets", len(sheets))
    return plan


def _by_store(co: Company, plan: list[_Day]) -> dict[int, dict[int, list[_Day]]]:
    """store id -> employee id -> their planned days, in date order."""
    out: dict[int, dict[int, list[_Day]]] = defaultdict(lambda: defaultdict(list))
    for d in plan:
        out[d.person.store_id][d.person.id].append(d)
    return out


def _whole_month(p: Person, first: date, last: date) -> bool:
    return p.hire_date is not None and p.hire_date <= first and p.last_day is None \
        and p.status in EMPLOYED_STATUSES


def _approved_events(co: Company, rng: random.Random, plan: list[_Day], first: date,
                     last: date, result: HrResult):
    """Each store: leave (annual, sick, some personal, half days, a long one needing HR),
    overtime for non-commission staff (holiday / rest day / after the shift), a reward,
    some fines.  Returns (leave by (employee, day): fraction, overtime by (employee, day):
    (hours, on a rest day))."""
    t = co.tenant_id
    by_store = _by_store(co, plan)
    people = {p.id: p for p in co.people}
    hr = co.accounts.get("hr_manager")
    holiday = _first_statutory_holiday(first, last)
    leave_rows, ot_rows, reward_rows = [], [], []
    leave_days: dict[tuple[int, date], Decimal] = {}
    overtime: dict[tuple[int, date], tuple[Decimal, bool]] = {}
    busy: set[tuple[int, date]] = set()

    def approver(store_id: int) -> int | None:
        return co.accounts.get("store_manager") if store_id == co.first_store else hr

    def decided(day: date) -> datetime:
        return co.utc(day - timedelta(days=2), time(14, 30))

    ordered = [(s, by_store[s]) for s, _code, _city in co.stores if s in by_store]
    for n, (store_id, staff) in enumerate(ordered):
        stable = {pid: days for pid, days in staff.items()
                  if _whole_month(people[pid], first, last)}
        therapists = [pid for pid in stable if people[pid].role == "therapist"]
        desk = [pid for pid in stable if people[pid].role in ("cashier", "receptionist")]
        others = [pid for pid in stable if people[pid].role != "therapist"]
        leave_plan = [("annual", rng.choice((1, 2)), others or therapists),
                      ("sick", 1, therapists)]
        if n % 2 == 0:
            leave_plan.append(("personal", 1, therapists))
        if n % 3 == 0:
            leave_plan.append(("annual", 0, desk or others))  # half a day
        if n % 4 == 1:
            leave_plan.append(("annual", 4, therapists))
        for kind, length, pool in leave_plan:
            pick = _leave_slot(rng, pool, stable, length or 1, busy)
            if pick is None:
                continue
            pid, days = pick
            half = length == 0
            for d in days:
                busy.add((pid, d))
                leave_days[(pid, d)] = Decimal("0.5") if half else Decimal(1)
            reasons = {"annual": ANNUAL_REASONS, "sick": SICK_REASONS,
                       "personal": PERSONAL_REASONS}[kind]
            long_one = len(days) > 3
            leave_rows.append({
                "tenant_id": t, "employee_id": pid, "store_id": store_id, "kind": kind,
                "starts_on": days[0], "ends_on": days[-1], "half_day": half,
                "days": Decimal("0.5") if half else Decimal(len(days)),
                "reason": "上午去办理社保卡" if half else rng.choice(reasons),
                "status": "approved", "needs_hr": long_one, "requested_by_account_id": None,
                "decided_by_account_id": hr if long_one else approver(store_id),
                "decided_at": decided(days[0]), "decision_note": "同意",
                "created_at": decided(days[0]) - timedelta(hours=20)})
        # Overtime: only posts whose profile pays it (no commission).
        eligible = [pid for pid in others if people[pid].role in PROFILES
                    and PROFILES[people[pid].role][2]]
        ot_plan = [("workday", Decimal(2))]
        if n % 3 == 0:
            ot_plan.append(("holiday" if holiday else "rest", Decimal(3) if holiday
                            else Decimal(6)))
        elif n % 3 == 1:
            ot_plan.append(("rest", Decimal(6)))
        for kind, hours in ot_plan:
            rng.shuffle(eligible)
            for pid in eligible:
                days = stable[pid]
                if kind == "holiday":  # scheduled that day or not: holiday wins
                    options = [d for d in days if d.day == holiday and d.day < co.today]
                elif kind == "rest":
                    options = [d for d in days if d.shift is None and d.day < co.today]
                else:
                    options = [d for d in days if d.shift and d.day < co.today]
                options = [d for d in options if (pid, d.day) not in busy]
                if not options:
                    continue
                d = rng.choice(options)
                busy.add((pid, d.day))
                on_rest = d.shift is None
                overtime[(pid, d.day)] = (hours, on_rest)
                reason = {"holiday": "法定节假日客流高峰，留店加班 3 小时",
                          "rest": "休息日回店，协助门店大扫除和物品盘点",
                          "workday": rng.choice(("协助日结盘点，延时下班",
                                                 "整理会员资料，延时下班"))}[kind]
                ot_rows.append({
                    "tenant_id": t, "employee_id": pid, "store_id": store_id,
                    "work_date": d.day, "hours": hours, "reason": reason, "status": "approved",
                    "requested_by_account_id": None, "decided_by_account_id": approver(store_id),
                    "decided_at": co.utc(d.day + timedelta(days=1), time(12, 0)),
                    "decision_note": "", "created_at": co.utc(d.day, time(9, 0))})
                break
        # Rewards and fines, decided by HR within the month.
        picks = [("reward", therapists, REWARDS[n % len(REWARDS)])]
        if n % 2 == 0:
            picks.append(("fine", therapists, FINES[(n // 2) % len(FINES)]))
        if n % 3 == 1 and desk:
            picks.append(("reward", desk, REWARDS[1]))
        for kind, pool, (reason, amount) in picks:
            if not pool:
                continue
            pid = pool[0] if kind == "reward" and n == 0 else rng.choice(pool)
            effective = first + timedelta(days=rng.randint(5, (last - first).days - 3))
            reward_rows.append({
                "tenant_id": t, "employee_id": pid, "store_id": store_id, "kind": kind,
                "amount": Decimal(amount), "effective_on": effective, "reason": reason,
                "status": "approved", "requested_by_account_id": co.accounts.get(
                    "store_manager") if store_id == co.first_store else None,
                "decided_by_account_id": hr,
                "decided_at": co.utc(effective, time(17, 0)),
                "created_at": co.utc(effective - timedelta(days=1), time(11, 0))})
    bulk_insert(LeaveRequest, leave_rows)
    bulk_insert(OvertimeRequest, ot_rows)
    bulk_insert(RewardPenalty, reward_rows)
    result.add("leave", len(leave_rows))
    result.add("overtime", len(ot_rows))
    result.add("rewards/fines", len(reward_rows))
    return leave_days, overtime


def _first_statutory_holiday(first: date, last: date) -> date | None:
    day = first
    while day <= last:
        try:
            if is_statutory_holiday(day):
                return day
        except HolidayCalendarMissing:
            return None
        day += timedelta(days=1)
    return None


def _leave_slot(rng: random.Random, pool: list[int], stable: dict[int, list[_Day]],
                length: int, busy: set) -> tuple[int, list[date]] | None:
    """Someone in ``pool`` with ``length`` consecutive scheduled days free of events."""
    for pid in rng.sample(pool, len(pool)):
        days = [d for d in stable[pid] if d.shift]
        runs = []
        for i in range(len(days) - length + 1):
            run = days[i:i + length]
            if (run[-1].day - run[0].day).days == length - 1 and not any(
                    (pid, d.day) in busy for d in run):
                runs.append([d.day for d in run])
        if runs:
            return pid, rng.choice(runs)
    return None


def add_pending_events(co: Company, plan: list[_Day], result: HrResult) -> None:
    """At the first store: a leave request for a day next week, overtime worked this week
    and a reward, all waiting for a decision."""
    t, store = co.tenant_id, co.first_store
    staff = [d for d in plan if d.person.store_id == store]
    future = [d for d in staff if d.shift and d.person.role == "therapist"
              and d.day >= co.today + timedelta(days=3)]
    manager = co.accounts.get("store_manager")
    if future:
        d = future[len(future) // 3]
        bulk_insert(LeaveRequest, [{
            "tenant_id": t, "employee_id": d.person.id, "store_id": store, "kind": "personal",
            "starts_on": d.day, "ends_on": d.day, "half_day": False, "days": Decimal(1),
            "reason": "孩子开家长会", "status": "pending", "needs_hr": False,
            "requested_by_account_id": None, "decided_by_account_id": None,
            "decided_at": None, "decision_note": "",
            "created_at": co.utc(co.today - timedelta(days=1), time(21, 0))}])
        result.add("leave", 1)
    past = [d for d in staff if d.shift and d.person.role == "foreman"
            and max(month_start(co.today), co.today - timedelta(days=7)) <= d.day < co.today]
    coming = [d for d in staff if d.shift and d.person.role == "foreman" and d.day >= co.today]
    # Worked this week (not in last month: its sheet is locked), else asked in advance.
    d = past[-1] if past else coming[0] if coming else None
    if d is not None:
        asked = d.day + timedelta(days=1) if past else co.today - timedelta(days=1)
        bulk_insert(OvertimeRequest, [{
            "tenant_id": t, "employee_id": d.person.id, "store_id": store, "work_date": d.day,
            "hours": Decimal("1.5"), "reason": "周末客多，延时下班", "status": "pending",
            "requested_by_account_id": co.accounts.get("foreman"),
            "decided_by_account_id": None, "decided_at": None, "decision_note": "",
            "created_at": co.utc(asked, time(11, 0))}])
        result.add("overtime", 1)
    cashiers = [d.person for d in staff if d.person.role == "cashier"]
    if cashiers:
        bulk_insert(RewardPenalty, [{
            "tenant_id": t, "employee_id": cashiers[0].id, "store_id": store, "kind": "reward",
            "amount": Decimal("100.00"), "effective_on": co.today,
            "reason": "本月办卡业绩第一", "status": "pending",
            "requested_by_account_id": manager, "decided_by_account_id": None,
            "decided_at": None, "created_at": co.utc(co.today - timedelta(days=1),
                                                     time(20, 0))}])
        result.add("rewards/fines", 1)


def _clocks(co: Company, rng: random.Random, plan: list[_Day],
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
    queues: dict[int, list[_Day]] = defaultdict(list)
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

    def punch(d: _Day, kind: str, at: datetime, source: str = "", reason: str = "",
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
