"""Creating a company: the tenant, its head office, its positions, its owner."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from app.audit import record_audit
from app.extensions import db
from app.models import Account, Department, Position, Tenant
from app.permissions import ROLES
from app.security import MIN_PASSWORD_LENGTH, hash_password
from app.tenancy import tenant_context
from app.validation import InputError

COMPANY_CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{2,31}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")

# Head-office departments of a chain, and which of them each head-office role sits in.
DEPARTMENTS = {
    "gm": "总经办",
    "finance": "财务部",
    "hr": "人力资源部",
    "service": "服务部",
    "technical": "技术部",
    "logistics": "后勤部",
}
ROLE_DEPARTMENT = {
    "owner": "gm",
    "general_manager": "gm",
    "finance_manager": "finance",
    "finance_staff": "finance",
    "hr_manager": "hr",
    "hr_staff": "hr",
    "service_manager": "service",
    "technical_director": "technical",
    "technical_supervisor": "technical",
    "trainee_supervisor": "technical",
    "logistics_head": "logistics",
}


# What each department adds to a new company (人力资源部: its 入职/离职清单
# templates), by name.  A department registers its step when its blueprint is
# registered by the app factory, so the core imports no department; keyed by
# name, a step registered again (one app per test) replaces itself, never doubles.
COMPANY_SETUP: dict[str, Callable[[], object]] = {}


def register_company_setup(name: str, step: Callable[[], object]) -> None:
    """Run ``step()`` in the new tenant's scope for every company created from now on."""
    COMPANY_SETUP[name] = step


class SignupError(InputError):
    """Bad sign-up input; ``fields`` maps each field to its message."""


@dataclass
class NewCompany:
    tenant: Tenant
    owner: Account


def validate_signup(code: str, name: str, username: str, password: str) -> dict[str, str]:
    """Field -> message for every problem; empty when the sign-up can go ahead."""
    errors: dict[str, str] = {}
    if not COMPANY_CODE_RE.match(code or ""):
        errors["company"] = "企业编号为 3–32 位小写字母、数字、- 或 _，以字母开头"
    elif company_code_taken(code):
        errors["company"] = "该企业编号已被使用"
    if not (name or "").strip():
        errors["name"] = "请填写企业名称"
    elif len(name.strip()) > 120:
        errors["name"] = "企业名称最多 120 个字"
    if not USERNAME_RE.match(username or ""):
        errors["username"] = "用户名为 2–64 位字母、数字或 . _ -"
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    return errors


def company_code_taken(code: str) -> bool:
    return db.session.scalar(select(func.count()).where(Tenant.code == code)) > 0


def create_company(
    code: str,
    name: str,
    owner_username: str,
    owner_password: str,
    owner_name: str = "",
    timezone: str = "Asia/Shanghai",
) -> NewCompany:
    """Create a tenant with its head office, one position per role and its owner.

    Adds and flushes; the caller commits.  Raises :class:`SignupError`.
    """
    code = (code or "").strip().lower()
    errors = validate_signup(code, name, owner_username, owner_password)
    if errors:
        raise SignupError(errors)
    tenant = Tenant(code=code, name=name.strip(), timezone=timezone, policies={})
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):
        departments = {c: Department(code=c, name=n) for c, n in DEPARTMENTS.items()}
        db.session.add_all(departments.values())
        db.session.flush()
        for role_name, role in ROLES.items():
            dept = departments.get(ROLE_DEPARTMENT.get(role_name, ""))
            db.session.add(
                Position(
                    code=role_name,
                    name=str(role.label),
                    role=role_name,
                    department_id=dept.id if dept else None,
                )
            )
        owner = Account(
            username=owner_username,
            password_hash=hash_password(owner_password),
            display_name=owner_name or owner_username,
            role="owner",
        )
        db.session.add(owner)
        db.session.flush()
        record_audit("tenant.create", "tenant", tenant.id, after={"code": code, "name": name},
                     actor=owner)
        db.session.flush()
        for step in COMPANY_SETUP.values():
            step()
    return NewCompany(tenant, owner)


def find_tenant_by_code(code: str) -> Tenant | None:
    # tenants is a shared table (no tenant scoping, no row-level security): the log-in
    # finds the company here and reads the account inside its tenant, with no bypass.
    return db.session.scalar(
        select(Tenant).where(Tenant.code == (code or "").strip().lower()))
