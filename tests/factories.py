"""Build companies, stores, people and logins for tests (no HTTP, no commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update

from app.extensions import db
from app.models import Account, AccountStore, Employee, PlatformAdmin, Position, Room, Store
from app.models.base import utcnow
from app.permissions import ROLES, SELF, STORE
from app.security import hash_password
from app.tenancy import cross_tenant_access, tenant_context
from app.tenants import create_company

PASSWORD = "password123"
# The owner must use TOTP (app/totp.py): every test company's owner is enrolled
# with this secret, and the login helpers compute its codes (otp_code).
OWNER_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class Company:
    """A tenant built for a test, with one login per role of the org chart."""

    tenant_id: int
    code: str
    stores: list[Store] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)  # role -> account
    employees: dict[str, Employee] = field(default_factory=dict)  # role -> employee

    @property
    def store(self) -> Store:
        return self.stores[0]

    def username(self, role: str) -> str:
        return self.accounts[role].username


def make_company(code: str, name: str | None = None, stores: int = 2,
                 rooms_per_store: int = 3) -> Company:
    """A company with ``stores`` stores, rooms, and an employee + account per role.

    Store roles work in the first store; the owner has no employee file.
    """
    new = create_company(code, name or f"{code} 足疗连锁", "owner", PASSWORD, owner_name="老板")
    company = Company(tenant_id=new.tenant.id, code=code)
    company.accounts["owner"] = new.owner
    enrol_totp(new.owner)
    password_hash = hash_password(PASSWORD)
    with tenant_context(new.tenant.id):
        for n in range(1, stores + 1):
            store = Store(code=f"S{n:02d}", name=f"{name or code} {n}号店", city="广州",
                          address=f"天河路 {n} 号", status="open")
            db.session.add(store)
            db.session.flush()
            company.stores.append(store)
            for r in range(1, rooms_per_store + 1):
                room = Room(store_id=store.id, number=f"{n}{r:02d}", type="single", beds=1)
                db.session.add(room)
                company.rooms.append(room)
        positions = {p.role: p for p in db.session.scalars(select(Position))}
        for i, role_name in enumerate(r for r in ROLES if r != "owner"):
            role = ROLES[role_name]
            in_store = role.scope in (STORE, SELF)
            employee = Employee(
                employee_no=f"{100 + i}",
                name=f"{role.label}{i}",
                gender="female" if i % 2 else "male",
                phone=f"1380000{i:04d}",
                store_id=company.store.id if in_store else None,
                position_id=positions[role_name].id,
                status="active",
                hire_date=date(2025, 1, 1),
            )
            db.session.add(employee)
            db.session.flush()
            account = Account(username=role_name, password_hash=password_hash,
                              display_name=employee.name, role=role_name,
                              employee_id=employee.id)
            db.session.add(account)
            db.session.flush()
            if in_store:
                db.session.add(AccountStore(account_id=account.id, store_id=company.store.id))
            company.employees[role_name] = employee
            company.accounts[role_name] = account
        db.session.flush()
    return company


def enrol_totp(user, secret: str = OWNER_TOTP_SECRET) -> None:
    """Turn TOTP on for ``user`` (an account or an operator) with a known secret."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    db.session.flush()


def otp_code(secret: str = OWNER_TOTP_SECRET) -> str:
    """A valid code for ``secret`` now, with the replay guard of every enrolled login
    reset first: tests log in many times within one 30-second step (the guard
    itself is tested in tests/test_totp.py)."""
    import pyotp

    with cross_tenant_access("tests: reset the TOTP replay guard"):
        for model in (Account, PlatformAdmin):
            db.session.execute(update(model).where(model.totp_enabled_at.is_not(None))
                               .values(totp_last_step=None))
        db.session.commit()
    return pyotp.TOTP(secret).now()
