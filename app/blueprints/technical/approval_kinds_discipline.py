"""违纪 in the one approval flow (app/approvals.py): the technical director or the HR
manager (``discipline.approve``, head office, every store) decides; nobody decides a
record they filed or one about themselves."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.technical import discipline
from app.blueprints.technical.models import DisciplineRecord


def _name(row) -> str:
    employee = row.__dict__.get("employee")
    return employee.name if employee is not None else f"#{row.employee_id}"


def _describe(row) -> str:
    text = _("%(name)s %(kind)s（%(day)s，第 %(n)s 次）：%(step)s", name=_name(row),
             kind=discipline.category_label(row.category), day=row.occurred_on.isoformat(),
             n=row.repeat_no, step=discipline.step_label(row.step))
    if row.step == "fine" and row.fine_amount is not None:
        text += _("，罚款 ¥%(amount)s", amount=row.fine_amount)
    return text


def _url(row) -> str:
    """The record's page for those who record; the approvers' list for HR."""
    if current_user.is_authenticated and current_user.can("discipline.record"):
        return url_for("technical.discipline_detail", discipline_id=row.id)
    return url_for("technical.discipline_review_detail", discipline_id=row.id)


DISCIPLINE = ApprovalKind(
    name=discipline.KIND, label=_l("违纪处理"), model=DisciplineRecord,
    steps=(Step("head_office", "pending", "discipline.approve", _l("技术总监或人力资源审批"),
                scoped=False),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.employee_id,
    store=lambda row: row.store_id,
    store_column=DisciplineRecord.store_id,
    amount=lambda row: row.fine_amount,
    approve=lambda row, actor, note: discipline.approve_discipline(row, actor, note),
    reject=lambda row, actor, note: discipline.reject_discipline(row, actor, note),
    describe=_describe,
    url=_url,
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(DisciplineRecord.employee),),
    refusal_error=discipline.DisciplineError,
    reject_needs_note=True,
)


def register() -> None:
    approvals.register_kind(DISCIPLINE)
