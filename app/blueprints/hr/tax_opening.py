"""个税期初 requests: an opening balance is entered or changed only once someone else approves.

The tax fields of a person's pay change only through an approved change (issue 9):
whoever holds ``payroll.settings`` files a request (what is on file stays), the HR
manager or the owner (``employee.change_approve``) decides it through the one
approval flow (app/approvals.py: nobody decides their own request or one about
themselves), and approval writes the balance with ``pay_settings.set_opening_balance``
(audited ``tax.opening_balance``, before and after) — once: a decided request is
never decided again.  Rejection keeps what is on file.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import pay_settings
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import TaxOpeningRequest
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

register_audit_actions({
    "tax.opening_request": _l("申请修改个税期初数"),
    "tax.opening_reject": _l("驳回个税期初数申请"),
    "tax.opening_cancel": _l("撤销个税期初数申请"),
})

# The kind of the one approval flow (hr/approval_kinds.py).
KIND = "tax_opening"
STATUS_LABELS = {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回"),
                 "cancelled": _l("已撤销")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _snapshot(row: TaxOpeningRequest) -> dict:
    return {"employee_id": row.employee_id, "year": row.year,
            "cumulative_taxable": str(row.cumulative_taxable),
            "cumulative_tax": str(row.cumulative_tax), "status": row.status}


def file_request(employee: Employee, year, cumulative_taxable, cumulative_tax,
                 actor=None) -> TaxOpeningRequest:
    """提交审批: the checked amounts wait, status ``pending``; nothing on file changes.

    One pending request per person and year: a second one would race the first."""
    year, taxable, tax = pay_settings.clean_opening_balance(year, cumulative_taxable,
                                                            cumulative_tax)
    waiting = db.session.scalar(select(TaxOpeningRequest.id).where(
        TaxOpeningRequest.employee_id == employee.id, TaxOpeningRequest.year == year,
        TaxOpeningRequest.status == "pending"))
    if waiting is not None:
        raise HrError({"year": _("该年度已有待审批的个税期初申请")})
    row = TaxOpeningRequest(employee_id=employee.id, year=year, cumulative_taxable=taxable,
                            cumulative_tax=tax, status="pending",
                            requested_by_account_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record_audit("tax.opening_request", "tax_opening", row.id, after=_snapshot(row),
                 actor=actor)
    return row


def _decide(row: TaxOpeningRequest, status: str, actor, note: str) -> None:
    if row.status != "pending":
        raise HrError({"status": _("只能审批待审批的申请")})

    def effect(_step):
        row.status = status
        row.decided_by_account_id = getattr(actor, "id", None)
        row.decided_at = utcnow()
        row.decision_note = note
        if status == approvals.APPROVED:
            employee = db.session.get(Employee, row.employee_id)
            pay_settings.set_opening_balance(employee, row.year, row.cumulative_taxable,
                                             row.cumulative_tax, actor=actor)
        else:
            record_audit("tax.opening_reject", "tax_opening", row.id,
                         before={"status": "pending"}, after={**_snapshot(row), "note": note},
                         actor=actor)
        db.session.flush()

    approvals.decide(KIND, row, actor, status, note, effect)


def approve_request(row: TaxOpeningRequest, actor=None, note: str = "") -> None:
    """批准: the balance on file becomes the requested one."""
    _decide(row, approvals.APPROVED, actor, (note or "").strip()[:approvals.MAX_NOTE])


def reject_request(row: TaxOpeningRequest, actor=None, note: str = "") -> None:
    """驳回: what is on file stays."""
    _decide(row, approvals.REJECTED, actor, (note or "").strip()[:approvals.MAX_NOTE])


def cancel_request(row: TaxOpeningRequest, actor=None) -> None:
    """撤销 a pending request (a wrong entry): kept, status ``cancelled``; nothing on file
    changes.  Not a decision: any holder of ``payroll.settings`` may withdraw it."""
    if row.status != "pending":
        raise HrError({"status": _("只能撤销待审批的申请")})
    row.status = "cancelled"
    db.session.flush()
    record_audit("tax.opening_cancel", "tax_opening", row.id, before={"status": "pending"},
                 after=_snapshot(row), actor=actor)


def requests_of_employee(employee_id: int, limit: int = 20) -> list[TaxOpeningRequest]:
    """The person's requests, pending first, then newest."""
    return list(db.session.scalars(
        select(TaxOpeningRequest).where(TaxOpeningRequest.employee_id == employee_id)
        .order_by((TaxOpeningRequest.status == "pending").desc(),
                  TaxOpeningRequest.id.desc()).limit(limit)))


def request_or_404(request_id: int) -> TaxOpeningRequest:
    """The request of the current tenant (another tenant's: 404)."""
    return approvals.load_request(KIND, request_id)
