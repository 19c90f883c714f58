"""Entry point of periodic jobs started by ``rq cron``."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.jobs import REGISTRY, commit_and_dispatch, enqueue
from app.jobs.runner import require_app_context
from app.models import Tenant
from app.tenancy import tenant_context


def run_periodic(kind: str) -> dict:
    """Run a fan-out job, or enqueue ``kind`` once for every active tenant.

    Run by a worker (``worker.py``), in its app; ``rq cron`` only enqueues it.
    """
    require_app_context()
    spec = REGISTRY[kind]
    if spec.fan_out:
        return spec.func(None)
    tenant_ids = db.session.scalars(
        select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.id)
    ).all()
    started = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            enqueue(kind)
            commit_and_dispatch()
            started += 1
    return {"tenants": started}
