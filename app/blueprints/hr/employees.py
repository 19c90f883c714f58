"""人力资源部: the employee file (员工档案): listing, headcount, create/update, validation.

Plain functions: they take plain arguments, add/flush, write the audit entry and
return; they never read the request and never commit (the view does).  Bad
input raises :class:`HrError`.  Nothing is deleted: an employee who leaves
keeps the file with status ``left``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.audit import record_audit
from app.blueprints.auth import services as auth_services
from app.blueprints.hr.common import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    HrError,
    Page,
    get_by_id,
    is_store_role,
)
from app.blueprints.hr.logins import NOT_LEFT_STATUSES, accounts_of_employee, set_login_stores
from app.extensions import db
from app.models import Account, Employee, Position, Store
from app.models.people import EMPLOYEE_STATUSES, GENDERS, ON_STAFF_STATUSES

# --------------------------------------------------------------------------- listing


@dataclass
class EmployeeFilters:
    """What the employee list can be narrowed by (all optional)."""

    store_id: int | None = None
    status: str | None = None
    position_id: int | None = None
    role: str | None = None
    # Name (part), employee number (prefix) or the last digits of the phone.
    search: str | None = None


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
        if term.isdigit():
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


# --------------------------------------------------------------------------- headcount


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


# --------------------------------------------------------------------------- the file


EDITABLE_FIELDS = ("employee_no", "name", "gender", "phone", "store_id", "position_id",
                   "status", "hire_date")
# Changes HR is asked about later (transfers, promotions, leaving): audited before/after.
AUDITED_FIELDS = ("employee_no", "store_id", "position_id", "status")


def _validate(values: dict, employee: Employee | None = None) -> tuple[dict, Position | None]:
    """Check a full set of employee values; returns (cleaned values, position)."""
    errors: dict[str, str] = {}
    cleaned = dict(values)

    employee_no = (values.get("employee_no") or "").strip()
    cleaned["employee_no"] = employee_no
    if not employee_no:
        errors["employee_no"] = _("请填写工号")
    elif len(employee_no) > 16:
        errors["employee_no"] = _("工号最多 16 位")
    else:
        clash = select(Employee.id).where(Employee.employee_no == employee_no)
        if employee is not None:
            clash = clash.where(Employee.id != employee.id)
        if db.session.scalar(clash) is not None:
            errors["employee_no"] = _("工号 %(no)s 已被使用", no=employee_no)

    name = (values.get("name") or "").strip()
    cleaned["name"] = name
    if not name:
        errors["name"] = _("请填写姓名")
    elif len(name) > 64:
        errors["name"] = _("姓名最多 64 个字")

    if values.get("gender") not in GENDERS:
        errors["gender"] = _("请选择性别")

    phone = (values.get("phone") or "").strip()
    cleaned["phone"] = phone
    if len(phone) > 32:
        errors["phone"] = _("电话最多 32 位")

    if values.get("status") not in EMPLOYEE_STATUSES:
        errors["status"] = _("没有这个状态")

    hire_date = values.get("hire_date")
    if hire_date is not None and not isinstance(hire_date, date):
        errors["hire_date"] = _("入职日期格式不正确")

    position = get_by_id(Position, values.get("position_id"))
    if position is None:
        errors["position_id"] = _("请选择岗位")

    store_id = values.get("store_id")
    if store_id is not None and get_by_id(Store, store_id) is None:
        errors["store_id"] = _("没有这个门店")
    elif position is not None and store_id is None and is_store_role(position.role):
        errors["store_id"] = _("门店岗位必须选择门店")

    if errors:
        raise HrError(errors)
    return cleaned, position


def create_employee(
    *,
    employee_no: str,
    name: str,
    position_id: int | None,
    store_id: int | None = None,
    gender: str = "female",
    phone: str = "",
    status: str = "active",
    hire_date: date | None = None,
) -> Employee:
    """A new employee file for the current tenant.

    The employee number (工号) is unique in the company; a store post needs a
    store, a head-office post may have none (or the store it sits in).
    """
    values, _position = _validate(dict(
        employee_no=employee_no, name=name, position_id=position_id, store_id=store_id,
        gender=gender, phone=phone, status=status, hire_date=hire_date))
    employee = Employee(**values)
    db.session.add(employee)
    db.session.flush()
    record_audit("employee.create", "employee", employee.id,
                 after={key: _plain(values[key]) for key in AUDITED_FIELDS})
    return employee


def update_employee(employee: Employee, **changes) -> Employee:
    """Change an employee file; store, position, status and number are audited.

    Where the spec is silent we do what a chain expects:
    * moving someone to another store moves the login of a store post along
      with them when it worked in exactly the old store;
    * marking someone ``left`` disables their logins at once (their sessions
      and API tokens end), as the offboarding flow will on the last day.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise HrError({name: _("不能修改此字段") for name in sorted(unknown)})
    current = {key: getattr(employee, key) for key in EDITABLE_FIELDS}
    values, position = _validate({**current, **changes}, employee)
    before = {key: _plain(current[key]) for key in AUDITED_FIELDS
              if current[key] != values[key]}
    after = {key: _plain(values[key]) for key in before}
    for key in EDITABLE_FIELDS:
        setattr(employee, key, values[key])
    db.session.flush()
    if before:
        record_audit("employee.update", "employee", employee.id, before=before, after=after)
    accounts = accounts_of_employee(employee) if before else []
    if "store_id" in before and values["store_id"] is not None:
        for account in accounts:
            if is_store_role(account.role) and account.store_ids == {current["store_id"]}:
                set_login_stores(account, [values["store_id"]])
    if "status" in before and values["status"] == "left":
        for account in accounts:
            auth_services.disable_account(account, reason="employee left")
    return employee


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
