"""奖惩: rewards, fines and adjustments, filed by HR or the store manager, approved by HR.

Approved ones are paid by the payroll run of the month their effective date falls in
(payroll/inputs.py reads RewardPenalty with status ``approved``): a reward adds to
gross, a fine is deducted (within the spec's 20% cap), an adjustment is a signed
correction of an earlier month's payslip, added to gross and never capped.

Rules chosen where the spec is silent:

* Who: ``reward.manage`` files (HR for anyone, a store manager for the people of their
  stores: the row keeps the employee's store when filed, for store scope and the
  store's lists); ``reward.approve`` (the HR manager) approves or rejects.  Anyone
  holding both may approve what they filed.
* Amounts: a reward or a fine is > 0 (the kind gives the sign), an adjustment is
  signed and not 0; two decimals at most, never a float.
* Who can have one: anyone employed or who has left (a final-pay correction); not a
  candidate.
* The month must still be open: a reward effective in a month whose payroll run
  (company-wide, or of the row's store) is already approved or paid would never be
  paid, so filing or approving it is refused — a correction goes into a later month
  as an adjustment.  Cancelling an approved one is refused for the same reason.
* Nothing is deleted: cancel (撤销) keeps the row with status ``cancelled``; pending
  and approved ones may be cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from app import approvals, duties
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import validators
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import PayrollRun, RewardPenalty
from app.blueprints.hr.models.payroll import FROZEN_RUN_STATUSES, REWARD_KINDS
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

register_audit_actions({
    "reward.file": _l("登记奖惩"),
    "reward.approve": _l("批准奖惩"),
    "reward.reject": _l("驳回奖惩"),
    "reward.cancel": _l("撤销奖惩"),
    "reward.file_approved": _l("计入已批准的罚款（违纪处理）"),
})

# The kind of the one approval flow (app/approvals.py; hr/approval_kinds.py).
KIND = "reward"
KIND_LABELS = {"reward": _l("奖励"), "fine": _l("罚款"), "adjustment": _l("工资调整")}
STATUS_LABELS = {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回"),
                 "cancelled": _l("已撤销")}
MAX_REASON = 1000


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def signed_amount(row: RewardPenalty) -> Decimal:
    """What the row does to gross pay: + reward, − fine, the adjustment as it is."""
    return -row.amount if row.kind == "fine" else row.amount


def _snapshot(row: RewardPenalty) -> dict:
    return {"employee_id": row.employee_id, "store_id": row.store_id, "kind": row.kind,
            "amount": str(row.amount), "effective_on": row.effective_on.isoformat(),
            "status": row.status}


def _month_is_frozen(effective_on: date, store_id: int | None) -> bool:
    """Whether the payroll of that month (company-wide or the store's) is approved or paid."""
    scopes = ["all"] + ([f"store:{store_id}"] if store_id is not None else [])
    return db.session.scalar(
        select(PayrollRun.id).where(PayrollRun.month == month_start(effective_on),
                                    PayrollRun.scope.in_(scopes),
                                    PayrollRun.status.in_(FROZEN_RUN_STATUSES)).limit(1)
    ) is not None


def file_reward(employee: Employee, kind: str, amount, effective_on: date | None, reason: str,
                actor=None) -> RewardPenalty:
    """登记: a reward, fine or adjustment waiting for approval (status ``pending``)."""
    errors: dict[str, str] = {}
    if kind not in REWARD_KINDS:
        errors["kind"] = _("请选择奖惩类型")
    if employee.status == "candidate":
        errors["employee_id"] = _("候选人还没有入职，不能登记奖惩")
    # The owner's file is touched only by the owner (app/duties.py).
    refusal = duties.employee_refusal(actor, employee.id, field="employee_id")
    if refusal is not None:
        errors[refusal[0]] = refusal[1]
    cleaned = None
    if isinstance(amount, float):
        errors["amount"] = _("金额格式不正确")
    else:
        try:
            cleaned = validators.clean_money(amount, allow_none=False,
                                             allow_negative=kind == "adjustment")
        except ValueError as exc:
            errors["amount"] = str(exc)
    if cleaned is not None and "amount" not in errors:
        if kind == "adjustment" and cleaned == 0:
            errors["amount"] = _("调整金额不能为 0（正数补发，负数扣回）")
        elif kind in ("reward", "fine") and cleaned <= 0:
            errors["amount"] = _("金额须大于 0")
    if not isinstance(effective_on, date):
        errors["effective_on"] = _("请填写生效日期")
    elif _month_is_frozen(effective_on, employee.store_id):
        errors["effective_on"] = _("该月工资已审批，请选择以后的月份")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("请填写事由")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("最多 %(n)d 个字", n=MAX_REASON)
    if errors:
        raise HrError(errors)
    row = RewardPenalty(employee_id=employee.id, store_id=employee.store_id, kind=kind,
                        amount=cleaned, effective_on=effective_on, reason=reason,
                        status="pending",
                        requested_by_account_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record_audit("reward.file", "reward", row.id, after={**_snapshot(row), "reason": reason},
                 actor=actor)
    return row


def _decide(row: RewardPenalty, status: str, action: str, actor, note: str = "") -> None:
    """Through the one approval flow: nobody decides their own 奖惩 or one they filed."""
    if row.status != "pending":
        raise HrError({"reward": _("只能审批待审批的奖惩")})

    def effect(_step):
        if status == "approved" and _month_is_frozen(row.effective_on, row.store_id):
            raise HrError({"effective_on": _(
                "该月工资已审批，不能再计入：请撤销后登记到以后的月份")})
        row.status = status
        row.decided_by_account_id = getattr(actor, "id", None)
        row.decided_at = utcnow()
        db.session.flush()
        after = _snapshot(row)
        if note:
            after["note"] = note
        record_audit(action, "reward", row.id, before={"status": "pending"}, after=after,
                     actor=actor)

    approvals.decide(KIND, row, actor, status, note, effect)


def approve_reward(row: RewardPenalty, actor=None, note: str = "") -> None:
    """批准: the payroll of the effective month pays it."""
    _decide(row, "approved", "reward.approve", actor, _clean_note(note))


def reject_reward(row: RewardPenalty, note: str = "", actor=None) -> None:
    _decide(row, "rejected", "reward.reject", actor, _clean_note(note))


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 500:
        raise HrError({"note": _("最多 %(n)d 个字", n=500)})
    return note


def cancel_reward(row: RewardPenalty, actor=None) -> None:
    """撤销 (kept): pending, or approved while its month's payroll is still open."""
    if row.status not in ("pending", "approved"):
        raise HrError({"reward": _("已驳回或已撤销的奖惩不能撤销")})
    if row.status == "approved" and _month_is_frozen(row.effective_on, row.store_id):
        raise HrError({"reward": _("已计入已审批的工资，不能撤销：请登记一笔工资调整")})
    before = row.status
    row.status = "cancelled"
    db.session.flush()
    record_audit("reward.cancel", "reward", row.id, before={"status": before},
                 after={"status": "cancelled"}, actor=actor)


# --------------------------------------------------------------------------- lists


@dataclass
class RewardFilters:
    month: date | None = None  # any day of the month
    store_id: int | None = None
    status: str | None = None
    kind: str | None = None
    employee_id: int | None = None


def reward_query(filters: RewardFilters | None = None, scope: set[int] | None = None):
    """Rows with their employee in one statement; ``scope``: the viewer's store ids."""
    filters = filters or RewardFilters()
    query = (select(RewardPenalty).join(RewardPenalty.employee)
             .options(contains_eager(RewardPenalty.employee)))
    if scope is not None:
        query = query.where(RewardPenalty.store_id.in_(scope or [-1]))
    if filters.month is not None:
        first = month_start(filters.month)
        query = query.where(RewardPenalty.effective_on >= first,
                            RewardPenalty.effective_on < _next_month(first))
    if filters.store_id is not None:
        query = query.where(RewardPenalty.store_id == filters.store_id)
    if filters.status:
        query = query.where(RewardPenalty.status == filters.status)
    if filters.kind:
        query = query.where(RewardPenalty.kind == filters.kind)
    if filters.employee_id is not None:
        query = query.where(RewardPenalty.employee_id == filters.employee_id)
    return query.order_by(RewardPenalty.effective_on.desc(), RewardPenalty.id.desc())


def list_rewards(filters: RewardFilters | None = None, scope: set[int] | None = None,
                 limit: int = 500) -> list[RewardPenalty]:
    return list(db.session.scalars(reward_query(filters, scope).limit(limit)))


def totals(rows) -> dict[str, Decimal]:
    """Approved sums by kind (what the payroll will pay) of the rows shown."""
    sums = {kind: Decimal("0.00") for kind in REWARD_KINDS}
    for row in rows:
        if row.status == "approved":
            sums[row.kind] += row.amount
    return sums


def pending_count(scope: set[int] | None = None) -> int:
    query = select(func.count(RewardPenalty.id)).where(RewardPenalty.status == "pending")
    if scope is not None:
        query = query.where(or_(RewardPenalty.store_id.in_(scope or [-1])))
    return db.session.scalar(query) or 0


# --------------------------------------------------------------------------- from elsewhere


def month_is_frozen(effective_on: date, store_id: int | None) -> bool:
    """Whether a 奖惩 effective on that day would land in an approved or paid payroll."""
    return _month_is_frozen(effective_on, store_id)


def file_approved_fine(employee: Employee, amount: Decimal, effective_on: date, reason: str,
                       *, requested_by_account_id: int | None, actor=None) -> RewardPenalty:
    """A fine already decided by another approval (a 违纪 fine approved in its own flow):
    filed as ``approved`` at once, so the payroll of ``effective_on``'s month deducts it
    without a second approval.  The caller's approval is the decision; this is its effect.

    Refused (HrError on ``effective_on``) when that month's payroll is already approved
    or paid; the amount must be > 0 (HrError on ``amount``).
    """
    if not isinstance(amount, Decimal) or amount <= 0:
        raise HrError({"amount": _("金额须大于 0")})
    if _month_is_frozen(effective_on, employee.store_id):
        raise HrError({"effective_on": _(
            "%(month)s 的工资已审批，罚款不能再计入：请改到以后的月份生效",
            month=effective_on.strftime("%Y-%m"))})
    reason = (reason or "").strip()[:MAX_REASON]
    row = RewardPenalty(employee_id=employee.id, store_id=employee.store_id, kind="fine",
                        amount=amount.quantize(Decimal("0.01")), effective_on=effective_on,
                        reason=reason, status="approved",
                        requested_by_account_id=requested_by_account_id,
                        decided_by_account_id=getattr(actor, "id", None), decided_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record_audit("reward.file_approved", "reward", row.id,
                 after={**_snapshot(row), "reason": reason}, actor=actor)
    return row
