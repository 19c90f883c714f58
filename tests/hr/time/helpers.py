"""Builders for the time-and-attendance tests (no HTTP, no commit)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.blueprints.hr.time import shifts as shift_service
from app.blueprints.hr.time.schedules import CellChange, publish_week, save_cells
from app.models.base import utcnow
from tests.hr.helpers import add_employee

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """An aware moment in the tenants' default time zone."""
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def monday(weeks_back: int = 0) -> date:
    """The Monday of the week ``weeks_back`` weeks before this one."""
    day = today() - timedelta(weeks=weeks_back)
    return day - timedelta(days=day.weekday())


def first_of_month(months_back: int) -> date:
    month = today().replace(day=1)
    for _ in range(months_back):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def make_shifts(store_id: int) -> dict:
    """早班 10–18, 晚班 16–24 and 通宵 22–06 of the store."""
    return {
        "early": shift_service.create_shift(store_id, "早班", time(10), time(18)),
        "late": shift_service.create_shift(store_id, "晚班", time(16), time(0)),
        "night": shift_service.create_shift(store_id, "通宵", time(22), time(6)),
    }


def staff(store, count: int, start: int = 900, role: str = "therapist", **kwargs) -> list:
    return [add_employee(str(start + n), role=role, store=store, **kwargs)
            for n in range(count)]


def plan(store_id: int, cells: dict, actor, publish: bool = True) -> None:
    """``{(employee, day): shift or "rest"}`` saved (and the weeks published)."""
    changes = [CellChange(employee.id, day, value if isinstance(value, str) else value.id)
               for (employee, day), value in cells.items()]
    save_cells(store_id, changes, actor)
    if publish:
        for week in {day - timedelta(days=day.weekday()) for (_e, day) in cells}:
            publish_week(store_id, week, actor)
