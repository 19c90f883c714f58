"""Tenants (companies) and platform operators: the only shared tables."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamp
from app.models.second_factor import SecondFactor


class Tenant(db.Model):
    """One company (a chain of stores).  Not tenant-scoped: it *is* the tenant."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 企业编号: typed at login, so short, lower-case, unique across the platform.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Payroll, dispatch and assessment settings; each department reads its own key.
    policies: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[Timestamp]

    def __repr__(self) -> str:
        return f"<Tenant {self.code}>"


class PlatformAdmin(UserMixin, SecondFactor, db.Model):
    """An operator of the Muzu deployment itself (not a member of any company)."""

    __tablename__ = "platform_admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every open session of the operator at once (log-out, password).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Timestamp]
    last_login_at: Mapped[datetime | None]

    is_platform_admin = True
    tenant_id = None
    role = "platform_admin"

    def get_id(self) -> str:
        return f"p:{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def can(self, permission: str) -> bool:
        return False
