"""人力资源部: the logins HR hands out (create, disable/enable, reset, role and stores).

Plain functions, no request, no commit; bad input raises :class:`HrError`.
Who may give which role, and touch whose login, is app/duties.py (separation of
duties): one set of rules for every path (these functions, onboarding, changes).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app import duties
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
from app.extensions import db
from app.models import Account, AccountStore, Employee, Position, Store
from app.models.people import EMPLOYEE_STATUSES
from app.permissions import ROLES
from app.security import MIN_PASSWORD_LENGTH

# Statuses of people who may still need (or keep) a login.
NOT_LEFT_STATUSES = tuple(s for s in EMPLOYEE_STATUSES if s != "left")
# Only an owner may hand out the owner role or touch an owner's login (app/duties.py).
OWNER_ONLY_ROLES = frozenset({duties.OWNER})


def _from_account_error(exc: auth_services.AccountError) -> HrError:
    return HrError({exc.field: exc.message})


def accounts_of_employee(employee: Employee) -> list[Account]:
    return list(db.session.scalars(
        select(Account).where(Account.employee_id == employee.id).order_by(Account.id)))


# --------------------------------------------------------------------------- logins

# No 0/O, 1/l/I: the password is read off a screen and typed on a store's tablet.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INITIAL_PASSWORD_LENGTH = max(10, MIN_PASSWORD_LENGTH)


def generate_password(length: int = INITIAL_PASSWORD_LENGTH) -> str:
    """A random initial password, shown once to HR and never stored in clear."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(length))


@dataclass
class IssuedLogin:
    account: Account
    password: str  # shown once, never stored


def _refuse(refusal) -> None:
    """Raise the separation-of-duties refusal (app/duties.py) as an HR error."""
    if refusal is not None:
        field, message = refusal
        raise HrError({field: message})


def _check_store_ids(role: str, store_ids: Iterable[int] | None) -> list[int]:
    ids = sorted(set(store_ids or []))
    if ids:
        found = set(db.session.scalars(select(Store.id).where(Store.id.in_(ids))))
        missing = [store_id for store_id in ids if store_id not in found]
        if missing:
            raise HrError({"store_ids": _("没有这个门店")})
    if is_store_role(role) and not ids:
        raise HrError({"store_ids": _("门店岗位的账号至少要选择一个门店")})
    return ids if is_store_role(role) else []


def create_login_for_employee(employee: Employee, username: str, role: str | None = None,
                              store_ids: Iterable[int] | None = None,
                              actor=None) -> IssuedLogin:
    """Create the employee's login with a random initial password (shown once).

    The role defaults to the employee's position; a store role works in the
    employee's store unless ``store_ids`` says otherwise; a head-office role
    has no stores (it sees them all).
    """
    if employee.status == "left":
        raise HrError({"employee": _("已离职员工不能开通账号")})
    if accounts_of_employee(employee):
        raise HrError({"username": _("该员工已有登录账号")})
    if role is None:
        position = get_by_id(Position, employee.position_id)
        role = position.role if position is not None else ""
    if role not in ROLES:
        raise HrError({"role": _("没有这个角色")})
    _refuse(duties.role_refusal(actor, role))
    _refuse(duties.employee_refusal(actor, employee.id,
                                    self_message=_("不能为自己开通账号")))
    if store_ids is None:
        store_ids = [employee.store_id] if employee.store_id else []
    ids = _check_store_ids(role, store_ids)
    password = generate_password()
    try:
        account = auth_services.create_account(
            (username or "").strip(), password, role, employee=employee, store_ids=ids)
    except auth_services.AccountError as exc:
        raise _from_account_error(exc) from exc
    return IssuedLogin(account, password)


def disable_login(account: Account, reason: str = "", actor=None) -> None:
    """Disable a login: its open sessions and API tokens end on their next request."""
    _refuse(duties.account_refusal(actor, account, self_message=_("不能停用自己的账号")))
    auth_services.disable_account(account, reason=reason)


def enable_login(account: Account, actor=None) -> None:
    _refuse(duties.account_refusal(actor, account))
    if account.employee_id is not None:
        employee = get_by_id(Employee, account.employee_id)
        if employee is not None and employee.status == "left":
            raise HrError({"account": _("已离职员工的账号不能启用")})
    auth_services.enable_account(account)


def reset_login_password(account: Account, actor=None) -> str:
    """Give the login a new random password (shown once); its sessions end."""
    _refuse(duties.account_refusal(
        actor, account, self_message=_("不能在这里重置自己的密码：请在“我的账号”中修改密码")))
    password = generate_password()
    try:
        auth_services.reset_password(account, password)
    except auth_services.AccountError as exc:
        raise _from_account_error(exc) from exc
    return password


def set_login_stores(account: Account, store_ids: Iterable[int]) -> None:
    """The stores a store-level login works in (head-office logins have none)."""
    ids = _check_store_ids(account.role, store_ids)
    before = sorted(account.store_ids)
    if before == ids:
        return
    for link in list(account.store_links):
        if link.store_id not in ids:
            account.store_links.remove(link)
    for store_id in ids:
        if store_id not in before:
            account.store_links.append(AccountStore(account_id=account.id, store_id=store_id))
    db.session.flush()
    record_audit("account.stores_change", "account", account.id,
                 before={"store_ids": before}, after={"store_ids": ids})


def update_login(account: Account, role: str | None = None,
                 store_ids: Iterable[int] | None = None, actor=None) -> Account:
    """Change a login's role and/or stores; a role change ends its open sessions."""
    new_role = role if role is not None else account.role
    if new_role not in ROLES:
        raise HrError({"role": _("没有这个角色")})
    role_changes = new_role != account.role
    _refuse(duties.account_refusal(
        actor, account, field="role" if role_changes else "account",
        self_message=_("不能修改自己的角色") if role_changes else _("不能修改自己账号的门店")))
    if role_changes:
        _refuse(duties.role_refusal(actor, new_role))
    ids = store_ids if store_ids is not None else (
        sorted(account.store_ids) if is_store_role(new_role) else [])
    ids = _check_store_ids(new_role, ids)
    try:
        auth_services.change_role(account, new_role)
    except auth_services.AccountError as exc:
        raise _from_account_error(exc) from exc
    set_login_stores(account, ids)
    return account


def list_accounts(role: str | None = None, enabled: bool | None = None,
                  search: str | None = None, employee_id: int | None = None,
                  page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Page:
    """Logins of the company with their employee and stores (three statements)."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    query = select(Account).options(joinedload(Account.employee))
    if role:
        query = query.where(Account.role == role)
    if enabled is not None:
        query = query.where(Account.is_enabled.is_(enabled))
    if employee_id is not None:
        query = query.where(Account.employee_id == employee_id)
    term = (search or "").strip()
    if term:
        query = query.where(or_(Account.username.contains(term, autoescape=True),
                                Account.display_name.contains(term, autoescape=True)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Account.username).limit(page_size).offset((page - 1) * page_size)
    ).unique().all()
    return Page(list(items), page, page_size, total or 0)
