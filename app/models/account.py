"""Logins: accounts (company code + username), their stores and API tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamp
from app.models.people import Employee
from app.models.second_factor import SecondFactor
from app.tenancy import TenantScoped, tenant_fk


class Account(UserMixin, SecondFactor, TenantScoped, db.Model):
    """A login of one person of one company."""

    __tablename__ = "accounts"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "username"),
        tenant_fk("employee_id", "employees"),
    )

    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(32))
    employee_id: Mapped[int | None] = mapped_column(index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every open session of the account at once.
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[Timestamp]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]

    employee: Mapped[Employee | None] = relationship(lazy="raise", foreign_keys=[employee_id])
    store_links: Mapped[list["AccountStore"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="account"
    )

    is_platform_admin = False

    def get_id(self) -> str:
        return f"a:{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def store_ids(self) -> set[int]:
        return {link.store_id for link in self.store_links}

    def can(self, permission: str) -> bool:
        from app.permissions import role_has

        return role_has(self.role, permission)


class AccountStore(TenantScoped, db.Model):
    """The stores a store-level account works in (its scope)."""

    __tablename__ = "account_stores"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "account_id", "store_id"),
        tenant_fk("account_id", "accounts", ondelete="CASCADE"),
        tenant_fk("store_id", "stores"),
    )

    account_id: Mapped[int] = mapped_column(index=True)
    store_id: Mapped[int] = mapped_column(index=True)

    account: Mapped[Account] = relationship(
        back_populates="store_links", foreign_keys=[account_id]
    )


class ApiToken(TenantScoped, db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        tenant_fk("account_id", "accounts"),
    )

    account_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Looked up before its tenant is known, hence its own index.  Unique per tenant
    # only (a table distributed by tenant_id cannot enforce more); across tenants
    # the token's 256 random bits make a repeat as good as impossible.
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    # First characters, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[Timestamp]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship(lazy="raise", foreign_keys=[account_id])
