"""人员统计: on-staff headcount per store, by position role and employee status.

Plain functions in the current tenant's scope (no request, no commit); the
``hr.headcount_report`` job in ``jobs.py`` calls them store by store.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.jobs import start_job
from app.jobs.models import JobRecord
from app.models import Employee, Position, Store
from app.models.people import ON_STAFF_STATUSES

HEADCOUNT_REPORT = "hr.headcount_report"


def list_store_refs() -> list[dict]:
    """Id, code and name of every store of the current tenant, in code order."""
    rows = db.session.execute(select(Store.id, Store.code, Store.name).order_by(Store.code))
    return [{"store_id": r.id, "code": r.code, "name": r.name} for r in rows]


def count_on_staff(store_id: int | None) -> dict:
    """On-staff people of one store (``None``: head office), by role and by status.

    Returns ``{"total", "by_role": {role: {status: n}}, "by_status": {status: n}}``.
    """
    where_store = Employee.store_id.is_(None) if store_id is None else (
        Employee.store_id == store_id)
    rows = db.session.execute(
        select(Position.role, Employee.status, func.count(Employee.id))
        .join(Position, Position.id == Employee.position_id)
        .where(where_store, Employee.status.in_(ON_STAFF_STATUSES))
        .group_by(Position.role, Employee.status)
        .order_by(Position.role, Employee.status)
    ).all()
    by_role: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for role, status, count in rows:
        by_role.setdefault(role, {})[status] = count
        by_status[status] = by_status.get(status, 0) + count
    return {"total": sum(by_status.values()), "by_role": by_role, "by_status": by_status}


def start_headcount_report() -> JobRecord:
    """Record a run of the headcount report for the current tenant (the caller commits)."""
    return start_job(HEADCOUNT_REPORT)
