"""HR demo month: the plan of who works which shift, published schedules, the locked
attendance sheets; the clocks (hr_clocks.py) and requests (hr_requests.py) follow the plan."""

from __future__ import annotations

import random
from datetime import UTC, date, time, timedelta

from sqlalchemy import select

from app.blueprints.hr.models import (
    AttendanceSheet,
    ScheduleEntry,
)
from app.demo.hr_clocks import add_clocks
from app.demo.hr_common import (
    Company,
    HrResult,
    Person,
    PlanDay,
    copy_rows,
    month_end,
    month_start,
)
from app.demo.hr_requests import add_approved_events
from app.demo.hr_settings import OVERNIGHT, POST_SHIFTS
from app.demo.rows import bulk_insert
from app.extensions import db

ROLE_ORDER = ("store_manager", "supervisor", "foreman", "cashier", "dispatcher", "receptionist",
              "greeter", "cleaner", "technical_supervisor", "trainee_supervisor", "therapist")


REST_DAYS_PER_MONTH = 4


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


def _plan(co: Company, first: date, last: date) -> list[PlanDay]:
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
                    plan.append(PlanDay(p, day, None))
                else:
                    name = _shift_name(co, p, day)
                    _sid, starts, ends = co.shifts[p.store_id][name]
                    start = co.local(day, starts)
                    end = co.local(day + timedelta(days=1) if ends <= starts else day, ends)
                    plan.append(PlanDay(p, day, name, start, end))
            day += timedelta(days=1)
    return plan


def add_period(co: Company, rng: random.Random, first: date, last: date, result: HrResult,
                events: str = "approved", draft_days: int = 0) -> list[PlanDay]:
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
        leave_days, overtime = add_approved_events(co, rng, plan, first, last, result)
    add_clocks(co, rng, plan, leave_days, overtime, result)
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
