"""Dates in the tenant's time zone: a case's age, a month's moments, a week's Monday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app import inputs
from app.extensions import db
from app.models import Tenant
from app.tenancy import current_tenant_id


def zone() -> ZoneInfo:
    return ZoneInfo(db.session.get(Tenant, current_tenant_id()).timezone)


def local_date(moment: datetime | None, tz: ZoneInfo | None = None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or zone()).date()


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months_ending(month: date, count: int) -> list[date]:
    """``count`` months, oldest first, the last being ``month``."""
    months = [first_of_month(month)]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


def moments(first: date, after: date) -> tuple[datetime, datetime]:
    """The UTC moments the local days ``first`` .. ``after`` (exclusive) start and end."""
    tz = zone()
    return (datetime.combine(first, time(), tz).astimezone(UTC),
            datetime.combine(after, time(), tz).astimezone(UTC))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_month(value: str | None, default: date) -> date | None:
    """``YYYY-MM`` -> its first day; None when malformed; ``default`` when blank."""
    return inputs.parse_month(value) if value else default


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
