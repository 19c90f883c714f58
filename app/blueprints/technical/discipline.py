"""违纪: discipline records on top of HR's 奖惩, with the spec's escalation ladder.

A supervisor (技术督导, 店长, 主管 …, ``discipline.record``) records an offence of
one of the fixed kinds (:data:`CATEGORIES`); the one approval flow decides it
(kind ``discipline``, ``discipline.approve``: the technical director or the HR
manager, head office).

The ladder (specs/skill-assessment.md, Discipline): the step of a new record is
fixed when it is recorded, from the employee's *earlier* records of the same kind:

* counted: records with status ``pending`` or ``approved`` — a rejected or
  cancelled record does not count (it never happened, as far as the ladder goes);
* the window is inclusive, in days: a record counts when its ``occurred_on`` is
  between ``occurred_on - escalation_window_days`` and ``occurred_on`` (both days
  included), so with the default 90 an offence exactly 90 days before still counts
  and one 91 days before does not; records of later days (a late entry of an older
  offence) do not count for it;
* 0 earlier → 口头警告 (verbal), 1 → 书面警告 (written), 2 or more → 罚款 (fine);
  ``repeat_no`` is that count + 1.

A fine carries the amount agreed (> 0), entered by the recorder; a warning carries
none.  Approving a fine files an *approved* 奖惩 fine in the same transaction
(:func:`app.blueprints.hr.rewards.file_approved_fine`, kept in ``reward_id``), so
the payroll of its month — the record's ``effective_on``, else the day it was
approved — deducts it, once.  A month whose payroll is approved or paid takes no
more fines: recording or approving such a fine is refused, naming ``effective_on``.

Rules chosen where the spec is silent: nobody records about themselves; a record is
about someone of the recorder's stores (head office: any store); a record's step is
not recomputed when an earlier one is rejected later (the decision was made on it);
the recorder may cancel (撤销) while it is pending; rejection needs a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app import approvals, duties
from app.audit import record_audit, register_audit_actions
from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.hr import rewards, validators
from app.blueprints.hr.common import HrError, tenant_today
from app.blueprints.store.models.feedback import ComplaintCase
from app.blueprints.technical.models import DISCIPLINE_STATUSES, DISCIPLINE_STEPS, DisciplineRecord
from app.blueprints.technical.settings import technical_settings
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.permissions import can_see_store
from app.validation import InputError

register_audit_actions({
    "discipline.record": _l("登记违纪"),
    "discipline.approve": _l("批准违纪处理"),
    "discipline.reject": _l("驳回违纪处理"),
    "discipline.cancel": _l("撤销违纪登记"),
})

# The kind of the one approval flow (approval_kinds_discipline.py).
KIND = "discipline"

CATEGORY_LABELS = {
    "lateness": _l("迟到早退"),
    "grooming": _l("仪容仪表"),
    "service": _l("服务规范"),
    "technique": _l("技术手法"),
    "hygiene": _l("卫生"),
    "labour": _l("劳动纪律"),
    "other": _l("其他"),
}
CATEGORIES = tuple(CATEGORY_LABELS)
STEP_LABELS = {"verbal": _l("口头警告"), "written": _l("书面警告"), "fine": _l("罚款")}
STATUS_LABELS = {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回"),
                 "cancelled": _l("已撤销")}
# Records in these states are on the ladder; rejected and cancelled ones are not.
COUNTING_STATUSES = ("pending", "approved")
MAX_DESCRIPTION = 1000
assert set(STEP_LABELS) == set(DISCIPLINE_STEPS)
assert set(STATUS_LABELS) == set(DISCIPLINE_STATUSES)

# Words for the audit log (its entries store the codes).
register_audit_fields({"occurred_on": _l("违纪日期"), "repeat_no": _l("第几次"),
                       "fine_amount": _l("罚款金额"), "complaint_id": _l("投诉"),
                       "reward_id": _l("奖惩记录")})
register_audit_values("category", CATEGORY_LABELS, "discipline")
register_audit_values("step", STEP_LABELS, "discipline")
register_audit_values("status", STATUS_LABELS, "discipline")


class DisciplineError(InputError):
    """Bad input for a discipline record; ``fields`` names each field, nothing written."""


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))


def step_label(code: str) -> str:
    return str(STEP_LABELS.get(code, code))


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


# --------------------------------------------------------------------------- the ladder


@dataclass(frozen=True)
class NextStep:
    """Where a new record of a kind would stand: its step and which repeat it is."""

    step: str
    repeat_no: int
    window_days: int
    window_start: date
    # The earlier records that count (oldest first).
    earlier: list[DisciplineRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        return step_label(self.step)


def step_for_count(count: int) -> str:
    """0 earlier records → verbal, 1 → written, 2 or more → fine."""
    return DISCIPLINE_STEPS[min(count, len(DISCIPLINE_STEPS) - 1)]


def counted_records(employee_id: int, category: str, occurred_on: date,
                    exclude_id: int | None = None) -> tuple[list[DisciplineRecord], int, date]:
    """The employee's pending/approved records of ``category`` in the inclusive window
    ending on ``occurred_on``; with the window's length and first day."""
    days = technical_settings().escalation_window_days
    start = occurred_on - timedelta(days=days)
    query = (select(DisciplineRecord)
             .where(DisciplineRecord.employee_id == employee_id,
                    DisciplineRecord.category == category,
                    DisciplineRecord.status.in_(COUNTING_STATUSES),
                    DisciplineRecord.occurred_on >= start,
                    DisciplineRecord.occurred_on <= occurred_on)
             .order_by(DisciplineRecord.occurred_on, DisciplineRecord.id))
    if exclude_id is not None:
        query = query.where(DisciplineRecord.id != exclude_id)
    return list(db.session.scalars(query)), days, start


def next_step(employee: Employee, category: str, occurred_on: date) -> NextStep:
    """The step a new record of ``category`` on ``occurred_on`` would get (module docstring)."""
    earlier, days, start = counted_records(employee.id, category, occurred_on)
    return NextStep(step=step_for_count(len(earlier)), repeat_no=len(earlier) + 1,
                    window_days=days, window_start=start, earlier=earlier)


# --------------------------------------------------------------------------- recording


def _employee_errors(employee: Employee, actor) -> dict[str, str]:
    if employee.status not in ON_STAFF_STATUSES:
        return {"employee_id": _("只能给在职员工登记违纪")}
    if actor is not None and getattr(actor, "id", None):
        if getattr(actor, "employee_id", None) == employee.id:
            return {"employee_id": _("不能给自己登记违纪")}
        if not can_see_store(actor, employee.store_id):
            return {"employee_id": _("只能给本人所管门店的员工登记违纪")}
        refusal = duties.employee_refusal(actor, employee.id, field="employee_id")
        if refusal is not None:
            return {refusal[0]: refusal[1]}
    return {}


def _clean_fine(step: str, fine_amount, effective_on, store_id, errors) -> Decimal | None:
    blank = fine_amount is None or (isinstance(fine_amount, str) and not fine_amount.strip())
    if step != "fine":
        if not blank:
            errors["fine_amount"] = _("本次为%(step)s，不罚款", step=step_label(step))
        if effective_on is not None:
            errors["effective_on"] = _("只有罚款需要生效日期")
        return None
    if isinstance(fine_amount, float):
        errors["fine_amount"] = _("金额格式不正确")
        return None
    try:
        amount = validators.clean_money(fine_amount, allow_none=True)
    except ValueError as exc:
        errors["fine_amount"] = str(exc)
        return None
    if amount is None or amount <= 0:
        errors["fine_amount"] = _("第 3 次及以上为罚款：请填写商定的罚款金额（大于 0）")
        return None
    if effective_on is not None:
        if not isinstance(effective_on, date) or not in_date_range(effective_on):
            errors["effective_on"] = _("日期格式不正确")
        elif rewards.month_is_frozen(effective_on, store_id):
            errors["effective_on"] = _("该月工资已审批，请选择以后的月份")
    return amount


def record_discipline(employee: Employee, category: str, occurred_on: date, description: str,
                      actor, fine_amount=None, effective_on: date | None = None,
                      complaint_id: int | None = None) -> DisciplineRecord:
    """登记违纪 (status ``pending``), at the step the ladder gives; audited, not committed.

    Raises :class:`DisciplineError` naming each bad field; nothing is written then.
    """
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = _("请选择违纪类别")
    if not isinstance(occurred_on, date) or not in_date_range(occurred_on):
        errors["occurred_on"] = _("请填写违纪日期")
    elif occurred_on > tenant_today():
        errors["occurred_on"] = _("违纪日期不能晚于今天")
    errors.update(_employee_errors(employee, actor))
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请填写违纪经过")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("最多 %(n)d 个字", n=MAX_DESCRIPTION)
    if complaint_id is not None:
        complaint = db.session.get(ComplaintCase, complaint_id)
        if complaint is None or (actor is not None and not can_see_store(actor,
                                                                          complaint.store_id)):
            errors["complaint_id"] = _("没有这条投诉")
    ladder = None
    if "category" not in errors and "occurred_on" not in errors:
        ladder = next_step(employee, category, occurred_on)
        amount = _clean_fine(ladder.step, fine_amount, effective_on, employee.store_id, errors)
    if errors:
        raise DisciplineError(errors)
    row = DisciplineRecord(
        employee_id=employee.id, store_id=employee.store_id, category=category,
        occurred_on=occurred_on, description=description, step=ladder.step,
        repeat_no=ladder.repeat_no, fine_amount=amount,
        effective_on=effective_on if ladder.step == "fine" else None,
        complaint_id=complaint_id, status="pending",
        requested_by_account_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record_audit("discipline.record", "discipline", row.id, after=_snapshot(row), actor=actor)
    return row


def _snapshot(row: DisciplineRecord) -> dict:
    return {"employee_id": row.employee_id, "store_id": row.store_id,
            "category": row.category, "occurred_on": row.occurred_on.isoformat(),
            "step": row.step, "repeat_no": row.repeat_no,
            "fine_amount": None if row.fine_amount is None else str(row.fine_amount),
            "effective_on": row.effective_on.isoformat() if row.effective_on else None,
            "complaint_id": row.complaint_id, "reward_id": row.reward_id,
            "status": row.status}


# --------------------------------------------------------------------------- deciding


def _fine_reason(row: DisciplineRecord) -> str:
    return _("违纪处理罚款（违纪记录 #%(id)s，%(kind)s，第 %(n)s 次，%(day)s）",
             id=row.id, kind=category_label(row.category), n=row.repeat_no,
             day=row.occurred_on.isoformat())


def _decide(row: DisciplineRecord, verdict: str, action: str, actor, note: str) -> None:
    if row.status != "pending":
        raise DisciplineError({"status": _("只能审批待审批的违纪记录")})

    def effect(_step):
        if verdict == approvals.APPROVED and row.step == "fine":
            employee = db.session.get(Employee, row.employee_id)
            try:
                fine = rewards.file_approved_fine(
                    employee, row.fine_amount, row.effective_on or tenant_today(),
                    _fine_reason(row), requested_by_account_id=row.requested_by_account_id,
                    actor=actor)
            except HrError as exc:
                raise DisciplineError(exc.fields) from None
            row.reward_id = fine.id
        row.status = verdict
        row.decided_by_account_id = getattr(actor, "id", None)
        row.decided_at = utcnow()
        row.decision_note = note
        db.session.flush()
        after = _snapshot(row)
        if note:
            after["note"] = note
        record_audit(action, "discipline", row.id, before={"status": "pending"}, after=after,
                     actor=actor)

    approvals.decide(KIND, row, actor, verdict, note, effect)


def approve_discipline(row: DisciplineRecord, actor, note: str = "") -> None:
    """批准: a warning stands; a fine is filed as an approved 奖惩 fine for payroll."""
    _decide(row, approvals.APPROVED, "discipline.approve", actor,
            approvals.clean_note(note))


def reject_discipline(row: DisciplineRecord, actor, note: str = "") -> None:
    """驳回, with the reason (required); the record no longer counts on the ladder."""
    _decide(row, approvals.REJECTED, "discipline.reject", actor,
            approvals.clean_note(note, required=True))


def cancel_discipline(row: DisciplineRecord, actor) -> None:
    """撤销 by the one who recorded it, while it is pending (kept, status ``cancelled``)."""
    if row.status != "pending":
        raise DisciplineError({"status": _("只能撤销待审批的违纪记录")})
    if getattr(actor, "id", None) is None or row.requested_by_account_id != actor.id:
        raise DisciplineError({"status": _("只有登记人可以撤销")})
    row.status = "cancelled"
    db.session.flush()
    record_audit("discipline.cancel", "discipline", row.id, before={"status": "pending"},
                 after={"status": "cancelled"}, actor=actor)


# --------------------------------------------------------------------------- lists


@dataclass
class DisciplineFilters:
    store_id: int | None = None
    category: str | None = None
    step: str | None = None
    status: str | None = None
    month: date | None = None  # any day of the month of ``occurred_on``
    employee_id: int | None = None


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def discipline_query(filters: DisciplineFilters | None = None, scope: set[int] | None = None):
    """Records with their employee in one statement, newest first; ``scope``: the
    viewer's store ids (``None``: every store)."""
    filters = filters or DisciplineFilters()
    query = (select(DisciplineRecord).join(DisciplineRecord.employee)
             .options(contains_eager(DisciplineRecord.employee)))
    if scope is not None:
        query = query.where(DisciplineRecord.store_id.in_(scope or [-1]))
    if filters.store_id is not None:
        query = query.where(DisciplineRecord.store_id == filters.store_id)
    if filters.category:
        query = query.where(DisciplineRecord.category == filters.category)
    if filters.step:
        query = query.where(DisciplineRecord.step == filters.step)
    if filters.status:
        query = query.where(DisciplineRecord.status == filters.status)
    if filters.employee_id is not None:
        query = query.where(DisciplineRecord.employee_id == filters.employee_id)
    if filters.month is not None:
        first = filters.month.replace(day=1)
        query = query.where(DisciplineRecord.occurred_on >= first,
                            DisciplineRecord.occurred_on < _next_month(first))
    return query.order_by(DisciplineRecord.occurred_on.desc(), DisciplineRecord.id.desc())


def list_discipline(filters: DisciplineFilters | None = None, scope: set[int] | None = None,
                    limit: int = 500) -> list[DisciplineRecord]:
    return list(db.session.scalars(discipline_query(filters, scope).limit(limit)))


def my_records(employee_id: int | None) -> list[DisciplineRecord]:
    """我的违纪: the person's own records (cancelled ones left out), newest first."""
    if employee_id is None:
        return []
    query = discipline_query(DisciplineFilters(employee_id=employee_id)).where(
        DisciplineRecord.status != "cancelled")
    return list(db.session.scalars(query))


def load_record(discipline_id: int) -> DisciplineRecord | None:
    """One record with its employee (the caller has checked tenant and store)."""
    return db.session.scalar(discipline_query().where(DisciplineRecord.id == discipline_id))


def pending_count(scope: set[int] | None = None) -> int:
    query = select(func.count(DisciplineRecord.id)).where(DisciplineRecord.status == "pending")
    if scope is not None:
        query = query.where(DisciplineRecord.store_id.in_(scope or [-1]))
    return db.session.scalar(query) or 0


def employees_to_record(scope: set[int] | None, actor) -> list[Employee]:
    """Whom the actor may record about: on staff, in their stores, not themselves."""
    query = select(Employee).where(Employee.status.in_(ON_STAFF_STATUSES))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    own = getattr(actor, "employee_id", None)
    if own is not None:
        query = query.where(Employee.id != own)
    return list(db.session.scalars(query.order_by(Employee.store_id, Employee.employee_no)))
