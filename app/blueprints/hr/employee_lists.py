"""人力资源部: the employee list (filters, search, pages), headcount by store and status,
recent hires, people without a login, the therapist roster.  Plain reads, no commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.blueprints.hr.common import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
)
from app.blueprints.hr.logins import NOT_LEFT_STATUSES
from app.extensions import db
from app.models import Account, Employee, Position
from app.models.people import ON_STAFF_STATUSES


@dataclass
class EmployeeFilters:
    """What the employee list can be narrowed by (all optional)."""

    store_id: int | None = None
    status: str | None = None
    position_id: int | None = None
    role: str | None = None
    # Name (part), employee number (prefix) or the last digits of the phone.
    search: str | None = None
    # False for a viewer who may not see phones (hr.visibility): a match on the phone's
    # digits would tell them the number bit by bit.
    search_phone: bool = True


def employee_query(filters: EmployeeFilters | None = None,
                   scope: set[int] | None = None) -> Select:
    """The select behind the employee list, with store and position loaded in the same query.

    ``scope`` is the store ids the viewer may see (``None``: every store); people
    of the head office (no store) are outside every store scope.
    """
    filters = filters or EmployeeFilters()
    query = (
        select(Employee)
        .join(Employee.position)
        .options(joinedload(Employee.store), joinedload(Employee.position))
    )
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    if filters.store_id is not None:
        query = query.where(Employee.store_id == filters.store_id)
    if filters.status:
        query = query.where(Employee.status == filters.status)
    if filters.position_id is not None:
        query = query.where(Employee.position_id == filters.position_id)
    if filters.role:
        query = query.where(Position.role == filters.role)
    term = (filters.search or "").strip()
    if term:
        conditions = [
            Employee.name.contains(term, autoescape=True),
            Employee.employee_no.startswith(term, autoescape=True),
        ]
        if term.isdigit() and filters.search_phone:
            conditions.append(Employee.phone.endswith(term, autoescape=True))
        query = query.where(or_(*conditions))
    return query.order_by(Employee.employee_no, Employee.id)


def list_employees(filters: EmployeeFilters | None = None, scope: set[int] | None = None,
                   page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Page:
    """One page of employees: two statements (count, rows) whatever the page holds."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = employee_query(filters, scope)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return Page(list(items), page, page_size, total or 0)


def employee_ids_with_login(employee_ids: Iterable[int]) -> set[int]:
    """Which of these employees have a login (one statement)."""
    ids = list(employee_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Account.employee_id).where(Account.employee_id.in_(ids)).distinct()))


def headcount_by_store(scope: set[int] | None = None) -> dict[int | None, dict[str, int]]:
    """``{store_id or None (head office): {status: count}}`` in one grouped statement."""
    query = select(Employee.store_id, Employee.status, func.count(Employee.id)).group_by(
        Employee.store_id, Employee.status)
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    counts: dict[int | None, dict[str, int]] = {}
    for store_id, status, count in db.session.execute(query):
        counts.setdefault(store_id, {})[status] = count
    return counts


def on_staff_count(counts: dict[str, int]) -> int:
    """People who count in a headcount: probation, active and offboarding."""
    return sum(counts.get(status, 0) for status in ON_STAFF_STATUSES)


def recent_hires(scope: set[int] | None = None, limit: int = 10) -> list[Employee]:
    query = (
        employee_query(scope=scope)
        .where(Employee.hire_date.is_not(None), Employee.status != "left")
        .order_by(None)
        .order_by(Employee.hire_date.desc(), Employee.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def employees_without_login(scope: set[int] | None = None, limit: int = 20) -> Page:
    """People still employed (or about to be) who have no login yet."""
    no_login = ~select(Account.id).where(Account.employee_id == Employee.id).exists()
    query = employee_query(scope=scope).where(
        Employee.status.in_(NOT_LEFT_STATUSES), no_login)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(limit)).all()
    return Page(list(items), 1, limit, total or 0)


def therapist_roster(scope: set[int] | None = None) -> list[Employee]:
    """技师名册: employees whose position's role is ``therapist`` (not left), by store."""
    query = (
        employee_query(EmployeeFilters(role="therapist"), scope)
        .where(Employee.status != "left")
        .order_by(None)
        .order_by(Employee.store_id, Employee.employee_no)
    )
    return list(db.session.scalars(query))
