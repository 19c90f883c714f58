"""人力资源部: what the employee file and the logins share (errors, lookups, pages).

Plain functions, no request, no commit.  Bad input raises :class:`HrError`
whose ``fields`` maps each form/JSON field to a message in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Position, Store, Tenant
from app.models.base import utcnow
from app.permissions import HEAD_OFFICE, ROLES
from app.tenancy import current_tenant_id
from app.validation import InputError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class HrError(InputError):
    """Bad input for an HR action; ``fields`` maps each field to its message."""


def get_by_id(model, object_id: int | None):
    """A row of the current tenant by id, or None.

    ``session.get`` answers from the identity map without SQL when the central
    path-object resolution (app/permissions.py resolve_path_objects) already
    loaded the row for this request; the tenant check closes the identity-map
    hole of app/tenancy.py (a row of another tenant held by the session), as
    get_in_scope_or_404 does.
    """
    if object_id is None:
        return None
    obj = db.session.get(model, object_id)
    if obj is None or obj.tenant_id != current_tenant_id():
        return None
    return obj


def tenant_today(now: datetime | None = None) -> date:
    """Today's calendar date in the current tenant's time zone (default Asia/Shanghai)."""
    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")
    return (now or utcnow()).astimezone(zone).date()


def is_store_role(role: str) -> bool:
    """Store posts (and therapists) work in a store; head-office posts need none."""
    found = ROLES.get(role)
    return found is not None and found.scope != HEAD_OFFICE


def positions() -> list[Position]:
    return list(db.session.scalars(select(Position).order_by(Position.id)))


def stores() -> list[Store]:
    return list(db.session.scalars(select(Store).order_by(Store.code)))


@dataclass
class Page:
    items: list
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
