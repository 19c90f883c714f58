"""HR demo data: what its parts share (the seed, the company as loaded, bulk copy, months)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.demo.rows import bulk_insert
from app.extensions import db
from app.models.people import EMPLOYED_STATUSES
from app.rls import sync_database_tenant
from app.tenancy import TenantScopeError, cross_tenant_access, current_tenant_id

SEED = 2026


CENT = Decimal("0.01")


@dataclass
class Person:
    id: int
    no: str
    name: str
    gender: str
    role: str
    store_id: int | None
    hire_date: date | None
    last_day: date | None
    status: str
    index: int = 0  # place in the store (staggers rest days and shifts)

    def employed_on(self, day: date) -> bool:
        if self.status not in (*EMPLOYED_STATUSES, "left") or self.hire_date is None:
            return False
        return self.hire_date <= day and (self.last_day is None or day <= self.last_day)


@dataclass
class Company:
    tenant_id: int
    code: str
    tz: ZoneInfo
    today: date
    stores: list[tuple[int, str, str]]  # id, code, city (by code)
    people: list[Person]
    accounts: dict[str, int]  # role -> account id (the demo's one login per role)
    shifts: dict[int, dict[str, tuple[int, time, time]]] = field(default_factory=dict)

    @property
    def first_store(self) -> int | None:
        return self.stores[0][0] if self.stores else None

    def local(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def utc(self, day: date, moment: time) -> datetime:
        return self.local(day, moment).astimezone(UTC)


@dataclass
class HrResult:
    code: str
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)


def copy_rows(model, rows: list[dict]) -> None:
    """Bulk insert (explicit tenant id in every row): PostgreSQL's COPY, which takes a
    month of chain-50 punches in a second where an executemany takes half a minute;
    other databases get the ordinary bulk insert.  Columns left out take their
    database default (NULL), so rows name every column that has a Python default."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        bulk_insert(model, rows)
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = model.__table__
    for name in columns:
        table.c[name]  # noqa: B018  (a typo fails here, not as bad data)
    # PostgreSQL refuses COPY FROM into a table under row-level security: the copy
    # runs as the bypass role, so the tenant of every row is checked here instead.
    tenant_id = current_tenant_id()
    strays = {row.get("tenant_id") for row in rows} - {tenant_id}
    if tenant_id is None or strays:
        raise TenantScopeError(f"bulk copy into {table.name}: rows of tenant(s) {strays} "
                               f"while tenant {tenant_id} is current")
    with cross_tenant_access(f"demo: bulk copy into {table.name}"):
        sync_database_tenant(connection)
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in columns])


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = month_end(date(year, month, 1)).day
    return date(year, month, min(day.day, last))


@dataclass
class PlanDay:
    person: Person
    day: date
    shift: str | None  # None: rest day
    starts: datetime | None = None  # local
    ends: datetime | None = None


def plan_by_store(co: Company, plan: list[PlanDay]) -> dict[int, dict[int, list[PlanDay]]]:
    """store id -> employee id -> their planned days, in date order."""
    out: dict[int, dict[int, list[PlanDay]]] = defaultdict(lambda: defaultdict(list))
    for d in plan:
        out[d.person.store_id][d.person.id].append(d)
    return out


def works_whole_month(p: Person, first: date, last: date) -> bool:
    return p.hire_date is not None and p.hire_date <= first and p.last_day is None \
        and p.status in EMPLOYED_STATUSES
