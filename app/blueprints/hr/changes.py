"""人事变动: transfers (调店), promotions (晋升), demotions (降级), pay changes (调薪) and
pay-details changes (薪资资料变更: bank account, social insurance, special deduction).

specs/hr-lifecycle.md, Changes: each with an effective date and a reason, requested by
HR (``employee.manage``), approved or rejected by the HR manager
(``employee.change_approve``), applied on the effective date, history kept, audited.
Payroll (payroll/change_history.py) reads the values in force on a date from the applied
changes, so nothing here is ever deleted.

Rules chosen where the spec is silent:

* What each kind changes, and nothing else: a transfer the store; a promotion or a
  demotion the position and/or the level (the level only for therapists; a level
  change must go up for a promotion and down for a demotion, by the levels' rank);
  a pay change the pay profile and/or the monthly base; a pay-details change the
  bank (name, account), social insurance (enrolled, base) and the monthly special
  deduction (专项附加扣除).  A field of another kind is refused, naming it.  Every
  named value must differ from the current one.  A social-insurance base once set
  cannot be put back to "the monthly base" by a change (None means "unchanged"):
  name the amount instead.
* Separation of duties (app/duties.py): a change about the owner's file is filed
  only by the owner; a promotion or demotion to a post whose role has powers the
  requester lacks, or about someone whose login has such powers (their login's
  role follows the post), is refused naming ``new_position_id``.
* One open change (pending, or approved and not yet applied) of a kind per
  employee: a second transfer while one waits would race it.
* Only people who are employed (onboarding, probation, active, offboarding) have
  changes; a candidate's file is edited directly, a leaver's not at all.
* Approval: the HR manager may approve a change they requested themselves (small
  chains have one HR manager); the audit entry names both.
* Applying: once approved, a change whose effective date is today or earlier (the
  tenant's time zone) applies at once; later ones are applied by the daily job
  ``hr.apply_due_changes`` (jobs.py, app/schedule.py); applying is change_apply.py.
  Applying captures the old value of exactly the fields the change sets (``old_*``;
  the others stay None, so a transfer is never read as a level change) as stored on
  the file: a pay profile of None means "the position's profile", a monthly base of
  None "the profile's base".
* A pay change sets what it names: a new profile without a new base keeps a
  per-employee base if there is one (HR names the new base to change it too).
* A position change does not touch the level (the level pays only on jobs) nor an
  explicitly chosen pay profile (an employee on "the position's profile" follows the
  new position's).
* Logins follow the change on the effective date, through the logins service (their
  audit entries, and a role change ends open sessions): on a position change every
  login of the employee whose role was the old position's role takes the new
  position's role (a store role works in the employee's store, a head-office one in
  none); on a transfer every store-role login that worked in exactly the old store
  moves to the new one.  Logins with a role of their own are left alone.
* Cancel: HR may cancel a change that is pending or approved and not yet applied
  (it is kept, status ``cancelled``).  An applied change is history: undoing it is a
  new change.  An approved change of someone who has left by its date is cancelled
  by the job instead of applied (audited with the note "employee left").
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals, duties
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import validators

# Applying a change (the file and logins follow, the daily sweep) lives in
# change_apply.py, reading the history and the labels in change_lists.py; the
# names are re-exported so ``changes.apply_due_changes``, ``changes.kind_label``
# and the like keep working.
from app.blueprints.hr.change_apply import (  # noqa: F401
    EMPLOYEE_COLUMN,
    KIND_FIELDS,
    _plain,
    _position_role,
    apply_change,
    apply_due_changes,
)
from app.blueprints.hr.change_lists import (  # noqa: F401
    KIND_LABELS,
    STATUS_LABELS,
    changes_of_employee,
    kind_label,
    pending_changes,
    status_label,
)
from app.blueprints.hr.common import HrError, get_by_id, is_store_role, tenant_today
from app.blueprints.hr.models import EmployeeChange
from app.blueprints.hr.models.lifecycle import CHANGE_KINDS
from app.extensions import db
from app.models import Employee, PayProfile, Position, Store, TherapistLevel
from app.models.base import utcnow
from app.models.people import EMPLOYED_STATUSES

# The three "…生效" actions are written by change_apply.py; registered here with the
# rest so the audit log's list of actions keeps its order.
register_audit_actions({
    "employee.change_request": _l("申请人事变动"),
    "employee.change_approve": _l("批准人事变动"),
    "employee.change_reject": _l("驳回人事变动"),
    "employee.change_cancel": _l("撤销人事变动"),
    "employee.transfer": _l("调店生效"),
    "employee.promotion": _l("晋升生效"),
    "employee.demotion": _l("降级生效"),
    "employee.pay_details": _l("薪资资料变更生效"),
})

OPEN_STATUSES = ("pending", "approved")
# The kind of the one approval flow (app/approvals.py; hr/approval_kinds.py).
KIND = "employee_change"
NEW_FIELDS = ("new_store_id", "new_position_id", "new_level_id", "new_pay_profile_id",
              "new_monthly_base", "new_bank_name", "new_bank_account_no", "new_si_enrolled",
              "new_si_base", "new_monthly_special_deduction")
MONEY_FIELDS = ("new_monthly_base", "new_si_base", "new_monthly_special_deduction")
MAX_REASON = 2000


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None) if actor is not None else None


def _snapshot(change: EmployeeChange) -> dict:
    values = {"kind": change.kind, "employee_id": change.employee_id,
              "effective_on": change.effective_on.isoformat(), "status": change.status}
    for key in NEW_FIELDS:
        value = getattr(change, key)
        if value is not None:
            values[key] = _plain(value, EMPLOYEE_COLUMN[key])
    return values


# --------------------------------------------------------------------------- request


def request_change(employee: Employee, kind: str, effective_on: date | None, reason: str,
                   *, new_store_id: int | None = None, new_position_id: int | None = None,
                   new_level_id: int | None = None, new_pay_profile_id: int | None = None,
                   new_monthly_base=None, new_bank_name: str | None = None,
                   new_bank_account_no: str | None = None, new_si_enrolled: bool | None = None,
                   new_si_base=None, new_monthly_special_deduction=None,
                   actor=None) -> EmployeeChange:
    """File a change for the HR manager's approval (status ``pending``)."""
    values = {"new_store_id": new_store_id, "new_position_id": new_position_id,
              "new_level_id": new_level_id, "new_pay_profile_id": new_pay_profile_id,
              "new_monthly_base": new_monthly_base, "new_bank_name": new_bank_name,
              "new_bank_account_no": new_bank_account_no, "new_si_enrolled": new_si_enrolled,
              "new_si_base": new_si_base,
              "new_monthly_special_deduction": new_monthly_special_deduction}
    errors: dict[str, str] = {}
    if kind not in CHANGE_KINDS:
        raise HrError({"kind": _("请选择变动类型")})
    refusal = duties.employee_refusal(actor, employee.id)
    if refusal is not None:
        raise HrError(dict([refusal]))
    if employee.status not in EMPLOYED_STATUSES:
        raise HrError({"employee": _("只有在职（含入职中、试用期、离职中）员工可以办理人事变动")})
    if not isinstance(effective_on, date):
        errors["effective_on"] = _("请填写生效日期")
    elif employee.hire_date is not None and effective_on < employee.hire_date:
        errors["effective_on"] = _("生效日期不能早于入职日期")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("请填写变动原因")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("最多 %(n)d 个字", n=MAX_REASON)
    _clean_values(values, errors)

    allowed = KIND_FIELDS[kind]
    for key in NEW_FIELDS:
        if key not in allowed and values[key] is not None:
            errors[key] = _("%(kind)s不能修改此项", kind=kind_label(kind))
    named = [key for key in allowed if values[key] is not None]
    if not named and not any(key in errors for key in allowed):
        errors[allowed[0]] = {
            "transfer": lambda: _("请选择调入门店"),
            "promotion": lambda: _("请选择新岗位或新等级"),
            "demotion": lambda: _("请选择新岗位或新等级"),
            "pay_change": lambda: _("请选择新薪资方案或填写新月薪"),
            "pay_details": lambda: _("请填写新的开户银行、银行卡号、社保或专项附加扣除"),
        }[kind]()
    for key in named:
        if key in errors:
            continue
        if getattr(employee, EMPLOYEE_COLUMN[key]) == values[key]:
            errors[key] = _("与现在相同")
    _check_targets(employee, kind, values, errors, actor)
    if values["new_bank_account_no"] is not None and "new_bank_account_no" not in errors \
            and not (values["new_bank_name"] or employee.bank_name):
        errors["new_bank_name"] = _("请填写开户银行")

    if not errors:
        open_change = db.session.scalar(
            select(EmployeeChange.id).where(EmployeeChange.employee_id == employee.id,
                                            EmployeeChange.kind == kind,
                                            EmployeeChange.status.in_(OPEN_STATUSES)).limit(1))
        if open_change is not None:
            errors["kind"] = _("该员工已有一项未生效的%(kind)s，请先处理或撤销",
                               kind=kind_label(kind))
    if errors:
        raise HrError(errors)

    change = EmployeeChange(employee_id=employee.id, kind=kind, effective_on=effective_on,
                            reason=reason, status="pending",
                            requested_by_account_id=_actor_id(actor), **values)
    db.session.add(change)
    db.session.flush()
    record_audit("employee.change_request", "employee_change", change.id,
                 after={**_snapshot(change), "reason": reason}, actor=actor)
    return change


def _clean_values(values: dict, errors: dict) -> None:
    """Amounts to Decimal, the bank account to digits; a blank text is "unchanged"."""
    for key in MONEY_FIELDS:
        if isinstance(values[key], float):
            errors[key] = _("金额格式不正确")
            continue
        try:
            values[key] = validators.clean_money(values[key])
        except ValueError as exc:
            errors[key] = str(exc)
    bank_name = (values["new_bank_name"] or "").strip()
    values["new_bank_name"] = bank_name or None
    if len(bank_name) > 64:
        errors["new_bank_name"] = _("最多 %(n)d 个字", n=64)
    try:
        values["new_bank_account_no"] = \
            validators.clean_bank_account(values["new_bank_account_no"]) or None
    except ValueError as exc:
        errors["new_bank_account_no"] = str(exc)
    if values["new_si_enrolled"] is not None and not isinstance(values["new_si_enrolled"], bool):
        errors["new_si_enrolled"] = _("请选择是否参加社保")


def _check_targets(employee: Employee, kind: str, values: dict, errors: dict, actor) -> None:
    """The store, position, level and profile named exist (and are in use)."""
    if values["new_store_id"] is not None and "new_store_id" not in errors:
        if get_by_id(Store, values["new_store_id"]) is None:
            errors["new_store_id"] = _("没有这个门店")
    new_position = None
    if values["new_position_id"] is not None and "new_position_id" not in errors:
        new_position = get_by_id(Position, values["new_position_id"])
        if new_position is None:
            errors["new_position_id"] = _("没有这个岗位")
        elif is_store_role(new_position.role) and employee.store_id is None:
            errors["new_position_id"] = _("门店岗位需要门店：该员工在总部，请先调店")
        else:
            # The person's logins take the new post's role on the effective date.
            refusal = duties.role_refusal(actor, new_position.role, field="new_position_id") \
                or duties.logins_refusal(actor, employee.id, field="new_position_id")
            if refusal is not None:
                errors["new_position_id"] = refusal[1]
    if values["new_level_id"] is not None and "new_level_id" not in errors:
        level = get_by_id(TherapistLevel, values["new_level_id"])
        role = new_position.role if new_position is not None else \
            _position_role(employee.position_id)
        if level is None or not level.is_active:
            errors["new_level_id"] = _("没有这个技师等级")
        elif role != "therapist":
            errors["new_level_id"] = _("只有技师岗位有等级")
        elif employee.level_id is not None:
            old = get_by_id(TherapistLevel, employee.level_id)
            if old is not None and kind == "promotion" and level.rank < old.rank:
                errors["new_level_id"] = _("新等级低于现在的等级：请办理降级")
            elif old is not None and kind == "demotion" and level.rank > old.rank:
                errors["new_level_id"] = _("新等级高于现在的等级：请办理晋升")
    if values["new_pay_profile_id"] is not None and "new_pay_profile_id" not in errors:
        profile = get_by_id(PayProfile, values["new_pay_profile_id"])
        if profile is None or not profile.is_active:
            errors["new_pay_profile_id"] = _("没有这个薪资方案")


# --------------------------------------------------------------------------- decide


def approve_change(change: EmployeeChange, actor=None, today: date | None = None) -> bool:
    """批准: the HR manager approves; applied at once when already effective.

    Returns whether the change was applied now.
    """
    if change.status != "pending":
        raise HrError({"change": _("只能审批待审批的人事变动")})

    approvals.decide(KIND, change, actor, approvals.APPROVED, "",
                     lambda _step: _mark_approved(change, actor))
    today = today or tenant_today()
    if change.effective_on <= today:
        apply_change(change, today=today, actor=actor)
    return change.status == "applied"


def _mark_approved(change: EmployeeChange, actor) -> None:
    change.status = "approved"
    change.approved_by_account_id = _actor_id(actor)
    change.approved_at = utcnow()
    db.session.flush()
    record_audit("employee.change_approve", "employee_change", change.id,
                 before={"status": "pending"}, after=_snapshot(change), actor=actor)


def reject_change(change: EmployeeChange, note: str = "", actor=None) -> None:
    """驳回: kept on the history with who decided and when."""
    if change.status != "pending":
        raise HrError({"change": _("只能驳回待审批的人事变动")})
    note = (note or "").strip()
    if len(note) > 500:
        raise HrError({"note": _("最多 %(n)d 个字", n=500)})

    def effect(_step):
        change.status = "rejected"
        change.approved_by_account_id = _actor_id(actor)
        change.approved_at = utcnow()
        db.session.flush()
        record_audit("employee.change_reject", "employee_change", change.id,
                     before={"status": "pending"}, after={"status": "rejected", "note": note},
                     actor=actor)

    approvals.decide(KIND, change, actor, approvals.REJECTED, note, effect)


def cancel_change(change: EmployeeChange, actor=None) -> None:
    """撤销 a change not yet applied (kept, status ``cancelled``)."""
    if change.status not in OPEN_STATUSES:
        raise HrError({"change": _("已生效或已处理的人事变动不能撤销")})
    before = change.status
    change.status = "cancelled"
    db.session.flush()
    record_audit("employee.change_cancel", "employee_change", change.id,
                 before={"status": before}, after={"status": "cancelled"}, actor=actor)


def record_assessed_level_change(employee: Employee, kind: str, new_level_id: int,
                                 effective_on: date, reason: str, actor=None,
                                 today: date | None = None) -> EmployeeChange:
    """A level change already decided elsewhere (the technical department's confirmed
    skill assessment, app/blueprints/technical/assessment_decisions.py): filed with
    every check of :func:`request_change` and stored ``approved`` at once — the
    decision was recorded on the assessment by the one approval flow, so HR does not
    approve it a second time.  Applied now when its date has come, else by the daily
    ``hr.apply_due_changes``; audited as a request and an approval by ``actor``.
    """
    if kind not in ("promotion", "demotion"):
        raise HrError({"kind": _("请选择变动类型")})
    change = request_change(employee, kind, effective_on, reason, new_level_id=new_level_id,
                            actor=actor)
    _mark_approved(change, actor)
    today = today or tenant_today()
    if change.effective_on <= today:
        apply_change(change, today=today, actor=actor)
    return change
