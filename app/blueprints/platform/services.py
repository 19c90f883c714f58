"""Platform operations across companies (plain functions; the view commits).

Every read here crosses tenants on purpose, inside ``cross_tenant_access``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.audit import record_audit
from app.extensions import db
from app.models import Account, Store, Tenant
from app.tenancy import cross_tenant_access, tenant_context

COMPANY_STATUSES = ("active", "suspended")


@dataclass(frozen=True)
class CompanyRow:
    tenant: Tenant
    stores: int
    accounts: int


def list_companies() -> list[CompanyRow]:
    """Every company with its store and account counts (three queries in all)."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
    stores = _count_by_tenant(Store)
    accounts = _count_by_tenant(Account)
    return [CompanyRow(t, stores.get(t.id, 0), accounts.get(t.id, 0)) for t in tenants]


def _count_by_tenant(model) -> dict[int, int]:
    with cross_tenant_access(f"platform: {model.__tablename__} per company"):
        rows = db.session.execute(
            select(model.tenant_id, func.count(model.id)).group_by(model.tenant_id)).all()
    return {tenant_id: count for tenant_id, count in rows}


def set_company_status(tenant_id: int, status: str) -> Tenant | None:
    """Suspend or reactivate a company; ``None`` if there is no such company.

    Suspending also ends every open web session of the company's accounts (their
    next request is refused), as disabling an account does; log-in is refused by
    ``authenticate`` while the company is not active.
    """
    if status not in COMPANY_STATUSES:
        raise ValueError(f"unknown company status {status!r}")
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return None
    before = tenant.status
    if before == status:
        return tenant
    tenant.status = status
    with tenant_context(tenant.id):
        if status == "suspended":
            db.session.execute(
                update(Account).values(session_version=Account.session_version + 1)
            )
        record_audit(f"tenant.{'suspend' if status == 'suspended' else 'reactivate'}",
                     "tenant", tenant.id, before={"status": before}, after={"status": status})
        db.session.flush()
    return tenant
