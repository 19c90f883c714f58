"""Accounts: log-in, passwords, API tokens, disabling (plain functions, no commit)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models import Account, AccountStore, ApiToken, PlatformAdmin, Tenant
from app.models.base import utcnow
from app.permissions import ROLES
from app.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    hash_token,
    new_token,
    password_needs_rehash,
    verify_password,
)
from app.tenancy import cross_tenant_access, tenant_context
from app.tenants import USERNAME_RE, find_tenant_by_code
from app.validation import InputError

register_audit_actions({"account.password_change": _l("修改自己的密码")})


class AccountError(InputError):
    """Bad input for an account action, raised as ``AccountError(field, message)``."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})


def authenticate(company: str, username: str, password: str) -> Account | None:
    """The enabled account matching all three, or None (the caller says nothing more).

    A disabled account with the right password is refused and audited.
    """
    tenant = find_tenant_by_code(company)
    if tenant is None or tenant.status != "active":
        verify_password(None, password)  # same cost as a real check
        return None
    with tenant_context(tenant.id):
        account = db.session.scalar(select(Account).where(Account.username == username))
        if account is None:
            verify_password(None, password)
            return None
        if not verify_password(account.password_hash, password):
            return None
        if not account.is_enabled:
            record_audit("login.disabled_account", "account", account.id, actor=account)
            return None
        if password_needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.last_login_at = utcnow()
        return account


def authenticate_platform_admin(username: str, password: str) -> PlatformAdmin | None:
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == username))
    if admin is None or not verify_password(admin.password_hash, password):
        if admin is None:
            verify_password(None, password)
        return None
    if not admin.is_enabled:
        return None
    admin.last_login_at = utcnow()
    return admin


def load_session_user(user_id: str):
    """Flask-Login's user loader: ``a:<id>:<session_version>`` or ``p:<id>:<version>``.

    A session whose version is older than the account's (log-out, password
    change, disabling; app/sessions.py) is refused on its very next request.
    """
    kind, _, rest = (user_id or "").partition(":")
    user_key, _, version = rest.partition(":")
    if not (user_key.isdigit() and version.isdigit()):
        return None
    if kind == "p":
        admin = db.session.get(PlatformAdmin, int(user_key))
        if admin is None or not admin.is_enabled or admin.session_version != int(version):
            return None
        return admin
    if kind != "a":
        return None
    account_id = user_key
    # The tenant is not known before the account is loaded: a deliberate
    # cross-tenant read by primary key, on every request.
    with cross_tenant_access("session user lookup", hot=True):
        row = db.session.execute(
            select(Account, Tenant.status)
            .join(Tenant, Tenant.id == Account.tenant_id)
            .where(Account.id == int(account_id))
        ).first()
    if row is None:
        return None
    account, tenant_status = row
    if tenant_status != "active" or not account.is_enabled:
        return None
    if account.session_version != int(version):
        return None
    return account


def load_token_user(token: str) -> Account | None:
    """The account of a valid, unrevoked bearer token of an enabled account."""
    if not token:
        return None
    # The token names no company: found by its hash across tenants, on every API call.
    with cross_tenant_access("API token lookup", hot=True):
        row = db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None or row.revoked_at is not None:
            return None
        found = db.session.execute(
            select(Account, Tenant.status)
            .join(Tenant, Tenant.id == Account.tenant_id)
            .where(Account.id == row.account_id, Account.tenant_id == row.tenant_id)
        ).first()
    if found is None:
        return None
    account, tenant_status = found
    # A suspended company's tokens stop with it.
    if tenant_status != "active" or not account.is_enabled:
        return None
    with tenant_context(row.tenant_id):
        row.last_used_at = utcnow()
    return account


def change_password(account: Account, current: str, new: str, confirm: str) -> None:
    """Change the account's own password: every other session and every API token of
    it end (the caller keeps the current session by logging it in again)."""
    if not verify_password(account.password_hash, current):
        raise AccountError("current_password", "当前密码不正确")
    _check_new_password(new, confirm)
    account.password_hash = hash_password(new)
    account.password_changed_at = utcnow()
    account.session_version += 1
    revoked = revoke_all_tokens(account)
    record_audit("account.password_change", "account", account.id,
                 after={"tokens_revoked": revoked}, actor=account)


def reset_password(account: Account, new: str) -> None:
    """Set a password chosen by HR or the owner; every session and API token of the
    account end (whoever knew the old password may have made one)."""
    _check_new_password(new, new)
    account.password_hash = hash_password(new)
    account.password_changed_at = utcnow()
    account.session_version += 1
    revoked = revoke_all_tokens(account)
    record_audit("account.password_reset", "account", account.id,
                 after={"tokens_revoked": revoked})


def revoke_all_tokens(account: Account) -> int:
    """Revoke every live API token of ``account``; how many there were."""
    now = utcnow()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def _check_new_password(new: str, confirm: str) -> None:
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("new_password", f"新密码至少 {MIN_PASSWORD_LENGTH} 位")
    if new != confirm:
        raise AccountError("confirm_password", "两次输入的新密码不一致")


@dataclass
class IssuedToken:
    row: ApiToken
    token: str  # shown once, never stored


def create_api_token(account: Account, name: str) -> IssuedToken:
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise AccountError("name", "请为令牌起一个 1–64 字的名称")
    token = new_token()
    row = ApiToken(account_id=account.id, name=name, token_hash=hash_token(token),
                   prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    record_audit("token.create", "api_token", row.id, after={"name": name}, actor=account)
    return IssuedToken(row, token)


def revoke_api_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_audit("token.revoke", "api_token", row.id, before={"name": row.name})


def disable_account(account: Account, reason: str = "") -> None:
    """Disable a login: every open session and every API token stops at once."""
    if not account.is_enabled:
        return
    account.is_enabled = False
    account.session_version += 1
    revoked = revoke_all_tokens(account)
    record_audit("account.disable", "account", account.id,
                 before={"enabled": True}, after={"enabled": False, "reason": reason,
                                                  "tokens_revoked": revoked})


def enable_account(account: Account) -> None:
    if account.is_enabled:
        return
    account.is_enabled = True
    record_audit("account.enable", "account", account.id,
                 before={"enabled": False}, after={"enabled": True})


def change_role(account: Account, role: str) -> None:
    if role not in ROLES:
        raise AccountError("role", "没有这个角色")
    if role == account.role:
        return
    before = account.role
    account.role = role
    # Permissions change at once: open sessions must log in again.
    account.session_version += 1
    record_audit("account.role_change", "account", account.id,
                 before={"role": before}, after={"role": role})


def create_account(
    username: str,
    password: str,
    role: str,
    employee=None,
    display_name: str = "",
    store_ids: list[int] | None = None,
) -> Account:
    """A new login for the current tenant (HR onboarding, the owner, the demo)."""
    if not USERNAME_RE.match(username or ""):
        raise AccountError("username", "用户名为 2–64 位字母、数字或 . _ -")
    if db.session.scalar(select(Account.id).where(Account.username == username)):
        raise AccountError("username", "该用户名已存在")
    if role not in ROLES:
        raise AccountError("role", "没有这个角色")
    _check_new_password(password, password)
    account = Account(
        username=username,
        password_hash=hash_password(password),
        role=role,
        employee_id=employee.id if employee is not None else None,
        display_name=display_name or (employee.name if employee is not None else username),
    )
    db.session.add(account)
    db.session.flush()
    ids = store_ids if store_ids is not None else (
        [employee.store_id] if employee is not None and employee.store_id else []
    )
    for store_id in ids:
        db.session.add(AccountStore(account_id=account.id, store_id=store_id))
    record_audit("account.create", "account", account.id, after={"username": username,
                                                                 "role": role})
    return account
