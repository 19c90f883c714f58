"""The 人事变动 history as HR reads it: an employee's changes, those awaiting approval, labels."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.blueprints.hr.models import EmployeeChange
from app.extensions import db
from app.models import Account, Employee

KIND_LABELS = {
    "transfer": _l("调店"),
    "promotion": _l("晋升"),
    "demotion": _l("降级"),
    "pay_change": _l("调薪"),
    "pay_details": _l("薪资资料变更"),
}
STATUS_LABELS = {
    "pending": _l("待审批"),
    "approved": _l("已批准，待生效"),
    "applied": _l("已生效"),
    "rejected": _l("已驳回"),
    "cancelled": _l("已撤销"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# --------------------------------------------------------------------------- reading


@dataclass
class ChangeRow:
    change: EmployeeChange
    requested_by: str
    approved_by: str


def changes_of_employee(employee_id: int) -> list[ChangeRow]:
    """The employee's whole 人事变动 history, newest first, with who asked and decided."""
    requester, approver = aliased(Account), aliased(Account)
    rows = db.session.execute(
        select(EmployeeChange, requester.display_name, requester.username,
               approver.display_name, approver.username)
        .outerjoin(requester, requester.id == EmployeeChange.requested_by_account_id)
        .outerjoin(approver, approver.id == EmployeeChange.approved_by_account_id)
        .where(EmployeeChange.employee_id == employee_id)
        .order_by(EmployeeChange.effective_on.desc(), EmployeeChange.id.desc())).all()
    return [ChangeRow(change, req_name or req_user or "", app_name or app_user or "")
            for change, req_name, req_user, app_name, app_user in rows]


def pending_changes(scope: set[int] | None = None, limit: int = 50) -> list[EmployeeChange]:
    """Changes waiting for the HR manager, oldest first, with their employee."""
    from sqlalchemy.orm import contains_eager

    query = (select(EmployeeChange).join(EmployeeChange.employee)
             .options(contains_eager(EmployeeChange.employee))
             .where(EmployeeChange.status == "pending")
             .order_by(EmployeeChange.effective_on, EmployeeChange.id).limit(limit))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return list(db.session.scalars(query))
