"""离职: the request, the HR manager's approval, the checklist, and the last day.

specs/hr-lifecycle.md.  Plain functions: add/flush, audit, never commit.

The last day (last_day.py, importable from here too): :func:`run_last_day` (the
job ``hr.offboard_employee``) disables every login of the person (their open
sessions end on the next request, their API tokens are revoked), clears the
store clock PIN, takes them off the rotation board, removes their future
schedules, sets ``left`` and completes the offboarding. It runs once the last
working day has ENDED in the company's time zone — at local midnight after it,
so the person can still work (and log in) on their last day: the periodic job
``hr.offboarding_tick`` (every 15 minutes) picks every approved offboarding
whose last day is over, and an approval whose last day is already over starts
the job at once.

Rules chosen where the spec is silent:
* ``employee.offboard`` requests (resignation or termination; a termination
  needs a reason) — the owner's offboarding only the owner, and someone whose
  login has powers the requester lacks only someone who holds them (the last day
  disables that login; app/duties.py); ``employee.change_approve`` (the HR manager) approves,
  rejects, or cancels an approved one before its last day is processed.  Only
  people on probation or active can leave this way (a candidate's onboarding
  is cancelled instead); one open offboarding per person.
* A last day in the past is allowed (someone stopped coming; HR records it
  afterwards) but never before the hire date.
* On approval the person becomes ``offboarding`` with ``last_day`` set (payroll
  pays them to that day in the run of its month), and the checklist is copied
  from the position's offboarding template.
* Items issued at onboarding (or later) are listed for logistics to mark
  returned or charged; 归还物品 and 结算 can be ticked only when none is still
  out.  The settlement amount is signed (positive: the company owes the
  person); the form suggests minus the charges.
* Future schedules (ScheduleEntry after the last day) are plans, not records:
  they are deleted, their dates written to the audit entry.  Worked days
  (up to the last day) stay for payroll.
* Rotation board: on the current business day (and any later one already
  open) the therapist is clocked out (下牌); if they are in the middle of a job
  at that moment they are suspended (停牌) instead so they finish it and get
  no new one.  Past business days are records and stay as they were.
* Items still open after the last day (e.g. the final pay) stay tickable on
  the completed offboarding.
* Cancelling an approved offboarding restores ``probation`` (when the 转正
  review is still to come) or ``active`` and clears ``last_day``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import approvals, duties
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import checklists, services
from app.blueprints.hr.last_day import employee_of, last_day_over
from app.blueprints.hr.models import (
    ChecklistItem,
    IssuedItem,
    Offboarding,
    Onboarding,
)
from app.blueprints.hr.models.lifecycle import OFFBOARDING_KINDS
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

register_audit_actions({
    "offboarding.request": _l("申请离职"),
    "offboarding.approve": _l("批准离职"),
    "offboarding.reject": _l("驳回离职"),
    "offboarding.cancel": _l("撤销离职"),
    "offboarding.update": _l("填写交接与离职面谈"),
    "offboarding.item_done": _l("完成离职事项"),
    "issued_item.return": _l("回收员工物品"),
    "issued_item.charge": _l("员工物品折价扣款"),
})

OFFBOARD_JOB = "hr.offboard_employee"
OFFBOARDING_TICK = "hr.offboarding_tick"
LEAVING_FROM = ("probation", "active")
OPEN_STATUSES = ("requested", "approved")
# The kind of the one approval flow (app/approvals.py; hr/approval_kinds.py).
KIND = "offboarding"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000")


# --------------------------------------------------------------------------- lookups


def items_of(offboarding: Offboarding) -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.offboarding_id == offboarding.id)
        .order_by(ChecklistItem.sort_order, ChecklistItem.id)))


def issued_items_of(employee_id: int) -> list[IssuedItem]:
    return list(db.session.scalars(
        select(IssuedItem).where(IssuedItem.employee_id == employee_id)
        .order_by(IssuedItem.issued_on, IssuedItem.id)))


def open_offboarding_of(employee: Employee) -> Offboarding | None:
    return db.session.scalar(select(Offboarding).where(
        Offboarding.employee_id == employee.id, Offboarding.status.in_(OPEN_STATUSES)))


def charges_total(employee_id: int) -> Decimal:
    total = db.session.scalar(select(func.coalesce(func.sum(IssuedItem.charge), 0)).where(
        IssuedItem.employee_id == employee_id, IssuedItem.status == "charged"))
    return Decimal(str(total or 0)).quantize(CENT, ROUND_HALF_UP)


def suggested_settlement(offboarding: Offboarding) -> Decimal:
    """What the settlement form starts from: the person owes the charged items."""
    return -charges_total(offboarding.employee_id)


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "")).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise services.HrError({field: _("请输入金额，如 -120.00")}) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise services.HrError({field: _("金额不正确")})
    return amount


# --------------------------------------------------------------------------- request


def request_offboarding(employee: Employee, *, kind: str, last_day: date | None,
                        reason: str = "", actor=None) -> Offboarding:
    """离职申请 (resignation or termination) with a last working day; HR manager approves."""
    errors: dict[str, str] = {}
    # Separation of duties (app/duties.py): the owner's file only by the owner, and the
    # last day disables the person's logins, so only someone who may manage them asks.
    refusal = duties.employee_refusal(actor, employee.id) \
        or duties.logins_refusal(actor, employee.id)
    if refusal is not None:
        raise services.HrError(dict([refusal]))
    if employee.status not in LEAVING_FROM:
        errors["employee"] = _("只有试用期或在职员工可以办理离职")
    elif open_offboarding_of(employee) is not None:
        errors["employee"] = _("该员工已有进行中的离职")
    if kind not in OFFBOARDING_KINDS:
        errors["kind"] = _("请选择主动离职或辞退")
    if not isinstance(last_day, date):
        errors["last_day"] = _("请填写最后工作日")
    elif employee.hire_date is not None and last_day < employee.hire_date:
        errors["last_day"] = _("最后工作日不能早于入职日期")
    reason = (reason or "").strip()
    if kind == "termination" and not reason:
        errors["reason"] = _("辞退请写明原因")
    if len(reason) > 2000:
        errors["reason"] = _("原因最多 2000 个字")
    if errors:
        raise services.HrError(errors)
    offboarding = Offboarding(employee_id=employee.id, kind=kind, reason=reason,
                              last_day=last_day, status="requested",
                              requested_by_account_id=getattr(actor, "id", None))
    db.session.add(offboarding)
    db.session.flush()
    record_audit("offboarding.request", "employee", employee.id,
                 after={"offboarding_id": offboarding.id, "kind": kind,
                        "last_day": last_day.isoformat(), "reason": reason})
    return offboarding


def approve_offboarding(offboarding: Offboarding, actor=None, now: datetime | None = None
                        ) -> Offboarding:
    """批准: ``offboarding`` status, last day set, checklist created; job at once if past."""
    if offboarding.status != "requested":
        raise services.HrError({"offboarding": _("只能审批待审批的离职申请")})
    employee = employee_of(offboarding)
    if employee.status not in LEAVING_FROM:
        raise services.HrError({"employee": _("只有试用期或在职员工可以办理离职")})
    # Through the one approval flow: nobody approves their own leaving or one they filed.
    approvals.decide(KIND, offboarding, actor, approvals.APPROVED)
    before = {"status": employee.status, "last_day": None}
    offboarding.status = "approved"
    offboarding.approved_by_account_id = getattr(actor, "id", None)
    offboarding.approved_at = utcnow()
    employee.status = "offboarding"
    employee.last_day = offboarding.last_day
    template = checklists.template_for("offboarding", employee.position_id)
    items = checklists.copy_items(template, employee_id=employee.id,
                                  offboarding_id=offboarding.id, start=offboarding.last_day,
                                  due_sign=-1)
    db.session.flush()
    record_audit("offboarding.approve", "employee", employee.id, before=before,
                 after={"status": "offboarding", "last_day": offboarding.last_day.isoformat(),
                        "offboarding_id": offboarding.id, "kind": offboarding.kind,
                        "items": len(items)})
    if last_day_over(offboarding, now):
        schedule_last_day_job(offboarding)
    return offboarding


def schedule_last_day_job(offboarding: Offboarding) -> None:
    """Start ``hr.offboard_employee`` for this offboarding after the caller's commit."""
    from app.jobs import enqueue

    record = enqueue(OFFBOARD_JOB, offboarding_id=offboarding.id)
    offboarding.job_record_id = record.id
    db.session.flush()


def reject_offboarding(offboarding: Offboarding, actor=None, reason: str = "") -> Offboarding:
    if offboarding.status != "requested":
        raise services.HrError({"offboarding": _("只能驳回待审批的离职申请")})
    reason = (reason or "").strip()
    if not reason:
        raise services.HrError({"reason": _("请写明驳回原因")})
    approvals.decide(KIND, offboarding, actor, approvals.REJECTED, reason)
    offboarding.status = "rejected"
    offboarding.approved_by_account_id = getattr(actor, "id", None)
    offboarding.approved_at = utcnow()
    db.session.flush()
    record_audit("offboarding.reject", "employee", offboarding.employee_id,
                 after={"offboarding_id": offboarding.id, "reason": reason})
    return offboarding


def cancel_offboarding(offboarding: Offboarding, actor=None, reason: str = "") -> Offboarding:
    """撤销: the person stays (probation or active again); the checklist stays as history."""
    if offboarding.status not in OPEN_STATUSES:
        raise services.HrError({"offboarding": _("只能撤销未完成的离职")})
    reason = (reason or "").strip()
    if not reason:
        raise services.HrError({"reason": _("请写明撤销原因")})
    employee = employee_of(offboarding)
    before = {"status": employee.status,
              "last_day": employee.last_day.isoformat() if employee.last_day else None}
    if offboarding.status == "approved":
        employee.status = "probation" if _still_on_probation(employee) else "active"
        employee.last_day = None
    offboarding.status = "cancelled"
    db.session.flush()
    record_audit("offboarding.cancel", "employee", employee.id, before=before,
                 after={"status": employee.status, "offboarding_id": offboarding.id,
                        "reason": reason})
    return offboarding


def _still_on_probation(employee: Employee) -> bool:
    return db.session.scalar(select(Onboarding.id).where(
        Onboarding.employee_id == employee.id, Onboarding.status == "done",
        Onboarding.review_outcome.is_(None))) is not None


def update_record(offboarding: Offboarding, *, handover_note: str | None = None,
                  exit_interview: str | None = None) -> Offboarding:
    """工作交接 and 离职面谈 notes (HR)."""
    if offboarding.status not in ("approved", "completed"):
        raise services.HrError({"offboarding": _("离职批准后才能填写")})
    changes = {}
    for name, value in (("handover_note", handover_note), ("exit_interview", exit_interview)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > 5000:
            raise services.HrError({name: _("最多 5000 个字")})
        if value != getattr(offboarding, name):
            changes[name] = value
            setattr(offboarding, name, value)
    db.session.flush()
    if changes:
        record_audit("offboarding.update", "employee", offboarding.employee_id,
                     after={"offboarding_id": offboarding.id, "fields": sorted(changes)})
    return offboarding


# --------------------------------------------------------------------------- issued items


def _open_issued_item(item: IssuedItem) -> None:
    if item.status != "issued":
        raise services.HrError({"issued_item": _("“%(name)s”已经处理过", name=item.name)})


def return_issued_item(item: IssuedItem, actor=None, today: date | None = None) -> IssuedItem:
    """Logistics: the person gave it back."""
    _open_issued_item(item)
    item.status = "returned"
    item.returned_on = today or checklists.tenant_today()
    item.closed_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit("issued_item.return", "employee", item.employee_id,
                 after={"issued_item_id": item.id, "name": item.name})
    return item


def charge_issued_item(item: IssuedItem, amount, actor=None) -> IssuedItem:
    """Logistics: not returned, the person pays ``amount`` (deducted in the settlement)."""
    _open_issued_item(item)
    charge = _money(amount, "charge")
    if charge <= 0:
        raise services.HrError({"charge": _("扣款金额须大于 0")})
    item.status = "charged"
    item.charge = charge
    item.closed_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit("issued_item.charge", "employee", item.employee_id,
                 after={"issued_item_id": item.id, "name": item.name, "charge": str(charge)})
    return item


# --------------------------------------------------------------------------- ticking


def tick_item(item: ChecklistItem, actor, *, note: str = "",
              settlement_amount=None, settlement_note: str = "") -> ChecklistItem:
    """Tick one item of an approved (or completed) offboarding as its owner department."""
    offboarding = db.session.scalar(
        select(Offboarding).where(Offboarding.id == item.offboarding_id))
    if offboarding is None:
        raise services.HrError({"checklist_item": _("这不是离职清单的事项")})
    employee = employee_of(offboarding)
    checklists.check_may_tick(actor, item, employee.store_id)
    if offboarding.status not in ("approved", "completed"):
        raise services.HrError({"checklist_item": _("该离职未批准或已撤销，不能勾选")})
    if item.done_at is not None:
        raise services.HrError({"checklist_item": _("“%(title)s”已经完成", title=item.title)})
    note = (note or "").strip()
    after: dict = {"offboarding_id": offboarding.id, "item_id": item.id, "title": item.title}
    if item.action in ("return_items", "settlement"):
        out = [i.name for i in issued_items_of(employee.id) if i.status == "issued"]
        if out:
            raise services.HrError({"checklist_item": _(
                "还有物品未回收或扣款：%(names)s", names="、".join(out))})
    if item.action == "settlement":
        if settlement_amount in (None, ""):
            raise services.HrError({"settlement_amount": _(
                "请填写结算金额（公司应付为正，员工应付为负）")})
        amount = _money(settlement_amount, "settlement_amount")
        settlement_note = (settlement_note or "").strip()
        if len(settlement_note) > 255:
            raise services.HrError({"settlement_note": _("最多 255 个字")})
        offboarding.settlement_amount = amount
        offboarding.settlement_note = settlement_note
        after["settlement_amount"] = str(amount)
        note = f"¥{amount}" + (f"；{settlement_note}" if settlement_note else "")
    checklists.mark_done(item, actor, note)
    db.session.flush()
    record_audit("offboarding.item_done", "employee", employee.id, after=after)
    return item


# --------------------------------------------------------------------------- the last day


def open_offboardings(scope: set[int] | None = None) -> list[tuple[Offboarding, Employee]]:
    query = (select(Offboarding, Employee).join(Employee, Employee.id == Offboarding.employee_id)
             .where(Offboarding.status.in_(OPEN_STATUSES))
             .order_by(Offboarding.last_day, Offboarding.id))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return [(o, e) for o, e in db.session.execute(query)]


# Importable from here as before the module was split (jobs, tests).
from app.blueprints.hr.last_day import (  # noqa: E402,F401
    due_for_last_day,
    process_due_offboardings,
    run_last_day,
)
