"""营业日: which business day a moment belongs to, and the lock that serializes a
store's desk (rotation board, order numbers) during that day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.blueprints.store.models import BusinessDay
from app.blueprints.store.policy import StorePolicy, store_policy
from app.extensions import db
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id
from app.validation import InputError


class DayLockedError(InputError):
    """The business day is closed (日结): nothing of it may change any more."""


def business_date_at(when: datetime, timezone: str, policy: StorePolicy) -> date:
    """The business date of an aware moment: before the day's start it is still yesterday."""
    local = when.astimezone(ZoneInfo(timezone))
    start = policy.business_day_starts_at
    if (local.hour, local.minute) < (start.hour, start.minute):
        return local.date() - timedelta(days=1)
    return local.date()


def today_for_store(when: datetime | None = None) -> date:
    tenant = db.session.get(Tenant, current_tenant_id())
    return business_date_at(when or utcnow(), tenant.timezone, store_policy(tenant))


def get_business_day(store_id: int, business_date: date, *, lock: bool = False,
                     create: bool = True) -> BusinessDay | None:
    """The store's day, created on first use; ``lock`` takes its row lock.

    With ``lock`` every caller for the same store and day waits here in
    PostgreSQL (SELECT … FOR UPDATE) until the holder commits: that is what
    keeps two dispatchers from giving one therapist two jobs.  SQLite takes a
    database-wide write lock at the first write instead.
    """
    query = select(BusinessDay).where(BusinessDay.store_id == store_id,
                                      BusinessDay.business_date == business_date)
    if lock:
        query = query.with_for_update()
    day = db.session.scalar(query)
    if day is not None or not create:
        return day
    try:
        with db.session.begin_nested():
            day = BusinessDay(store_id=store_id, business_date=business_date,
                              board_start_rule=store_policy().board_start_rule)
            db.session.add(day)
    except IntegrityError:
        # Another request created it first: use theirs.
        pass
    return db.session.scalar(query.execution_options(populate_existing=True))


def lock_today(store_id: int, when: datetime | None = None) -> BusinessDay:
    """Lock the store's current business day for a change; refuse a closed day."""
    day = get_business_day(store_id, today_for_store(when), lock=True)
    ensure_open(day)
    return day


def ensure_open(day: BusinessDay) -> None:
    if day.locked_at is not None:
        raise DayLockedError.on("business_day", "该营业日已日结，不能再修改")
