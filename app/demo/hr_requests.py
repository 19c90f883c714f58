"""HR demo requests: approved leave, overtime, rewards and fines of a month, and the
pending ones of the current month."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.blueprints.hr.models import (
    LeaveRequest,
    OvertimeRequest,
    RewardPenalty,
)
from app.blueprints.hr.payroll.holidays import HolidayCalendarMissing, is_statutory_holiday
from app.demo.hr_common import (
    Company,
    HrResult,
    PlanDay,
    month_start,
    plan_by_store,
    works_whole_month,
)
from app.demo.hr_settings import PROFILES
from app.demo.rows import bulk_insert

ANNUAL_REASONS = ("回老家探亲", "家里有事，休年假", "陪家人出去走走")


SICK_REASONS = ("感冒发烧，医院开了病假条", "肠胃炎，需休息一天", "腰扭伤，医生建议休息")


PERSONAL_REASONS = ("家中有事", "孩子开家长会", "回老家办理证件")


REWARDS = (("当月顾客好评第一", "200.00"), ("办卡业绩突出", "100.00"),
           ("技术考核第一名", "300.00"), ("拾金不昧，归还客人遗落的手机", "100.00"))


FINES = (("服务中看手机，被客人投诉", "50.00"), ("工服不整，店长检查发现", "20.00"),
         ("交接班未登记房间物品", "30.00"))


def add_approved_events(co: Company, rng: random.Random, plan: list[PlanDay], first: date,
                     last: date, result: HrResult):
    """Each store: leave (annual, sick, some personal, half days, a long one needing HR),
    overtime for non-commission staff (holiday / rest day / after the shift), a reward,
    some fines.  Returns (leave by (employee, day): fraction, overtime by (employee, day):
    (hours, on a rest day))."""
    t = co.tenant_id
    by_store = plan_by_store(co, plan)
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
                  if works_whole_month(people[pid], first, last)}
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


def _leave_slot(rng: random.Random, pool: list[int], stable: dict[int, list[PlanDay]],
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


def add_pending_events(co: Company, plan: list[PlanDay], result: HrResult) -> None:
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
