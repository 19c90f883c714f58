"""请假 and 加班: requests, approvals, cancellations.

Rules chosen where the spec is silent:
* Leave is whole days from ``starts_on`` to ``ends_on`` (both included) or half a day
  (``starts_on == ends_on``).  ``days`` counts CALENDAR days (half a day: 0.5) — what the
  employee asked for and sees; payroll judges leave per scheduled day anyway
  (attendance_facts), so a rest day inside a leave costs nothing.
* Routing: more than ``leave_hr_approval_days`` days (tenant.policies["payroll"], default
  3, read through payroll's ``PayrollPolicy.from_settings``) needs HR (``leave.approve_long``,
  ``needs_hr`` is set when asked); otherwise the store manager (``leave.approve``, within
  their stores) — HR may approve those too.  Nobody decides their own request.
* A person may not have two pending/approved leave requests on the same day (half days
  included: the leave record does not say which half).
* The employee asks for their own leave and overtime; someone holding ``leave.approve``
  may file for a person of their stores.  The requester or an approver may cancel a
  pending or approved request; every decision and cancellation is audited and kept.
* Overtime: a day, hours (more than 0, at most 24, to the hundredth) and a reason;
  approved by ``leave.approve`` holders of the store (no HR routing).
* Nothing dated in a locked month may be asked, decided or cancelled
  (``sheets.ensure_month_open``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app import approvals
from app.audit import record_audit
from app.blueprints.hr.models.time import LEAVE_KINDS, LeaveRequest, OvertimeRequest
from app.blueprints.hr.time import (
    LEAVE_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    NotAllowed,
    TimeError,
    actor_id,
)
from app.blueprints.hr.time.locks import ensure_month_open, months_between
from app.blueprints.hr.time.schedules import schedulable_on
from app.blueprints.hr.time.sheets import payroll_policy
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.permissions import can_see_store

MAX_LEAVE_SPAN_DAYS = 366
MAX_OVERTIME_HOURS = Decimal(24)
OPEN_STATUSES = ("pending", "approved")
# The kinds of the one approval flow (app/approvals.py; declared in hr/approval_kinds.py).
LEAVE_KIND = "leave"
OVERTIME_KIND = "overtime"


def leave_days(starts_on: date, ends_on: date, half_day: bool) -> Decimal:
    """Calendar days of a request: ``ends_on - starts_on + 1``, or 0.5 for half a day."""
    if half_day:
        return Decimal("0.5")
    return Decimal((ends_on - starts_on).days + 1)


def hr_approval_days() -> int:
    """Leave longer than this many days needs HR (tenant policy, default 3)."""
    return payroll_policy().leave_hr_approval_days


def _own(actor, employee_id: int) -> bool:
    return getattr(actor, "employee_id", None) == employee_id


def _may_file_for(actor, employee: Employee) -> None:
    if _own(actor, employee.id):
        return
    if actor is None or not actor.can("leave.approve") or not can_see_store(
            actor, employee.store_id):
        raise NotAllowed.on("employee_id", _("只能为本店员工代为申请"))


def _check_months_open(store_id: int | None, first: date, last: date, field: str) -> None:
    for month in months_between(first, last):
        ensure_month_open(store_id, max(month, first), field=field)


# --------------------------------------------------------------------------- leave


def request_leave(employee: Employee, kind: str, starts_on: date | None,
                  ends_on: date | None, half_day: bool, reason: str, actor) -> LeaveRequest:
    """请假: the employee's own request, or filed for them by a store manager."""
    _may_file_for(actor, employee)
    errors = {}
    if kind not in LEAVE_KINDS:
        errors["kind"] = _("请选择请假类型")
    if starts_on is None:
        errors["starts_on"] = _("请填写开始日期")
    if errors:
        raise TimeError(errors)
    ends_on = ends_on or starts_on  # no end date: that one day
    if half_day and ends_on != starts_on:
        raise TimeError.on("half_day", _("半天假的开始与结束须为同一天"))
    if ends_on < starts_on:
        raise TimeError.on("ends_on", _("结束日期不能早于开始日期"))
    if (ends_on - starts_on).days + 1 > MAX_LEAVE_SPAN_DAYS:
        raise TimeError.on("ends_on", _("一次请假最长 %(n)s 天", n=MAX_LEAVE_SPAN_DAYS))
    if not (schedulable_on(employee, starts_on) and schedulable_on(employee, ends_on)):
        raise TimeError.on("starts_on", _("请假日期须在在职期间"))
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise TimeError.on("reason", _("原因最多 2000 字"))
    clash = db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.employee_id == employee.id, LeaveRequest.status.in_(OPEN_STATUSES),
        LeaveRequest.starts_on <= ends_on, LeaveRequest.ends_on >= starts_on).limit(1))
    if clash is not None:
        raise TimeError.on("starts_on", _(
            "与已有的请假重叠（%(first)s 至 %(last)s，%(status)s）",
            first=clash.starts_on.isoformat(), last=clash.ends_on.isoformat(),
            status=REQUEST_STATUS_LABELS[clash.status]))
    _check_months_open(employee.store_id, starts_on, ends_on, "starts_on")
    days = leave_days(starts_on, ends_on, half_day)
    leave = LeaveRequest(
        employee_id=employee.id, store_id=employee.store_id, kind=kind, starts_on=starts_on,
        ends_on=ends_on, half_day=bool(half_day), days=days, reason=reason,
        status="pending", needs_hr=days > hr_approval_days(),
        requested_by_account_id=actor_id(actor))
    db.session.add(leave)
    db.session.flush()
    return leave


def can_decide_leave(actor, leave: LeaveRequest) -> bool:
    """Whether ``actor`` may approve or reject this request (the one approval flow)."""
    return approvals.may_decide(LEAVE_KIND, leave, actor)


def _leave_state(leave: LeaveRequest) -> dict:
    return {"status": leave.status, "employee_id": leave.employee_id, "kind": leave.kind,
            "starts_on": leave.starts_on.isoformat(), "ends_on": leave.ends_on.isoformat(),
            "days": str(leave.days)}


def approve_leave(leave: LeaveRequest, actor, note: str = "") -> LeaveRequest:
    if leave.status != "pending":
        raise TimeError.on("status", _("只能审批待审批的申请"))

    def effect(_step):
        _check_months_open(leave.store_id, leave.starts_on, leave.ends_on, "starts_on")
        before = _leave_state(leave)
        _decide(leave, "approved", actor, note)
        record_audit("leave.approve", "leave_request", leave.id, before=before,
                     after=_leave_state(leave))

    approvals.decide(LEAVE_KIND, leave, actor, approvals.APPROVED, note, effect)
    return leave


def reject_leave(leave: LeaveRequest, actor, note: str = "") -> LeaveRequest:
    if leave.status != "pending":
        raise TimeError.on("status", _("只能驳回待审批的申请"))

    def effect(_step):
        before = _leave_state(leave)
        _decide(leave, "rejected", actor, note)
        record_audit("leave.reject", "leave_request", leave.id, before=before,
                     after={**_leave_state(leave), "note": leave.decision_note})

    approvals.decide(LEAVE_KIND, leave, actor, approvals.REJECTED, note, effect)
    return leave


def _may_cancel(actor, request) -> None:
    if _own(actor, request.employee_id):
        return
    if actor is None or not actor.can("leave.approve") or not can_see_store(
            actor, request.store_id):
        raise NotAllowed.on("status", _("只有本人或审批人可以取消"))


def cancel_leave(leave: LeaveRequest, actor, note: str = "") -> LeaveRequest:
    """取消: a pending or approved request, by its person or an approver; kept, audited."""
    _may_cancel(actor, leave)
    if leave.status not in OPEN_STATUSES:
        raise TimeError.on("status", _("这条申请已经%(status)s",
                                       status=REQUEST_STATUS_LABELS[leave.status]))
    _check_months_open(leave.store_id, leave.starts_on, leave.ends_on, "starts_on")
    before = _leave_state(leave)
    _decide(leave, "cancelled", actor, note)
    record_audit("leave.cancel", "leave_request", leave.id, before=before,
                 after=_leave_state(leave))
    return leave


def _decide(request, status: str, actor, note: str) -> None:
    request.status = status
    request.decided_by_account_id = actor_id(actor)
    request.decided_at = utcnow()
    request.decision_note = (note or "").strip()[:255]
    db.session.flush()


# --------------------------------------------------------------------------- overtime


def _hours(value) -> Decimal | None:
    try:
        hours = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        return None
    if hours is None or not hours.is_finite() or hours <= 0 or hours > MAX_OVERTIME_HOURS:
        return None
    if hours != hours.quantize(Decimal("0.01")):
        return None
    return hours.quantize(Decimal("0.01"))


def request_overtime(employee: Employee, work_date: date | None, hours, reason: str,
                     actor) -> OvertimeRequest:
    """加班: hours on one day, with a reason; paid once approved."""
    _may_file_for(actor, employee)
    errors = {}
    if work_date is None:
        errors["work_date"] = _("请填写加班日期")
    parsed = _hours(hours)
    if parsed is None:
        errors["hours"] = _("加班时长须大于 0、不超过 24 小时（最多两位小数）")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("请填写加班事由")
    elif len(reason) > 2000:
        errors["reason"] = _("事由最多 2000 字")
    if errors:
        raise TimeError(errors)
    if not schedulable_on(employee, work_date):
        raise TimeError.on("work_date", _("加班日期须在在职期间"))
    ensure_month_open(employee.store_id, work_date, field="work_date")
    overtime = OvertimeRequest(employee_id=employee.id, store_id=employee.store_id,
                               work_date=work_date, hours=parsed, reason=reason,
                               status="pending", requested_by_account_id=actor_id(actor))
    db.session.add(overtime)
    db.session.flush()
    return overtime


def can_decide_overtime(actor, overtime: OvertimeRequest) -> bool:
    return approvals.may_decide(OVERTIME_KIND, overtime, actor)


def _overtime_state(overtime: OvertimeRequest) -> dict:
    return {"status": overtime.status, "employee_id": overtime.employee_id,
            "work_date": overtime.work_date.isoformat(), "hours": str(overtime.hours)}


def approve_overtime(overtime: OvertimeRequest, actor, note: str = "") -> OvertimeRequest:
    if overtime.status != "pending":
        raise TimeError.on("status", _("只能审批待审批的申请"))

    def effect(_step):
        ensure_month_open(overtime.store_id, overtime.work_date, field="work_date")
        before = _overtime_state(overtime)
        _decide(overtime, "approved", actor, note)
        record_audit("overtime.approve", "overtime_request", overtime.id, before=before,
                     after=_overtime_state(overtime))

    approvals.decide(OVERTIME_KIND, overtime, actor, approvals.APPROVED, note, effect)
    return overtime


def reject_overtime(overtime: OvertimeRequest, actor, note: str = "") -> OvertimeRequest:
    if overtime.status != "pending":
        raise TimeError.on("status", _("只能驳回待审批的申请"))

    def effect(_step):
        before = _overtime_state(overtime)
        _decide(overtime, "rejected", actor, note)
        record_audit("overtime.reject", "overtime_request", overtime.id, before=before,
                     after={**_overtime_state(overtime), "note": overtime.decision_note})

    approvals.decide(OVERTIME_KIND, overtime, actor, approvals.REJECTED, note, effect)
    return overtime


def cancel_overtime(overtime: OvertimeRequest, actor, note: str = "") -> OvertimeRequest:
    _may_cancel(actor, overtime)
    if overtime.status not in OPEN_STATUSES:
        raise TimeError.on("status", _("这条申请已经%(status)s",
                                       status=REQUEST_STATUS_LABELS[overtime.status]))
    ensure_month_open(overtime.store_id, overtime.work_date, field="work_date")
    before = _overtime_state(overtime)
    _decide(overtime, "cancelled", actor, note)
    record_audit("overtime.cancel", "overtime_request", overtime.id, before=before,
                 after=_overtime_state(overtime))
    return overtime


# --------------------------------------------------------------------------- lists


def leave_query(scope: set[int] | None, *, store_id: int | None = None,
                status: str | None = None, employee_id: int | None = None,
                first: date | None = None, last: date | None = None):
    """The select behind the leave lists (store scope applied; head office is store None)."""
    query = select(LeaveRequest)
    if scope is not None:
        query = query.where(LeaveRequest.store_id.in_(scope or [-1]))
    if store_id is not None:
        query = query.where(LeaveRequest.store_id == store_id)
    if status:
        query = query.where(LeaveRequest.status == status)
    if employee_id is not None:
        query = query.where(LeaveRequest.employee_id == employee_id)
    if first is not None:
        query = query.where(LeaveRequest.ends_on >= first)
    if last is not None:
        query = query.where(LeaveRequest.starts_on <= last)
    return query.order_by(LeaveRequest.starts_on.desc(), LeaveRequest.id.desc())


def overtime_query(scope: set[int] | None, *, store_id: int | None = None,
                   status: str | None = None, employee_id: int | None = None,
                   first: date | None = None, last: date | None = None):
    query = select(OvertimeRequest)
    if scope is not None:
        query = query.where(OvertimeRequest.store_id.in_(scope or [-1]))
    if store_id is not None:
        query = query.where(OvertimeRequest.store_id == store_id)
    if status:
        query = query.where(OvertimeRequest.status == status)
    if employee_id is not None:
        query = query.where(OvertimeRequest.employee_id == employee_id)
    if first is not None:
        query = query.where(OvertimeRequest.work_date >= first)
    if last is not None:
        query = query.where(OvertimeRequest.work_date <= last)
    return query.order_by(OvertimeRequest.work_date.desc(), OvertimeRequest.id.desc())


def kind_label(kind: str) -> str:
    return str(LEAVE_KIND_LABELS.get(kind, kind))


def recent_window(today: date, days: int = 62) -> tuple[date, date]:
    return today - timedelta(days=days), today + timedelta(days=days)
