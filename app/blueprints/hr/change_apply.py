"""人事变动 applied on the effective date: the file and the logins follow; the daily sweep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record_audit
from app.blueprints.hr.common import HrError, get_by_id, is_store_role, tenant_today
from app.blueprints.hr.logins import accounts_of_employee, set_login_stores, update_login
from app.blueprints.hr.models import EmployeeChange
from app.crypto import mask
from app.extensions import db
from app.models import Employee, Position
from app.models.base import utcnow

# The "new_*" fields each kind may set.
KIND_FIELDS = {
    "transfer": ("new_store_id",),
    "promotion": ("new_position_id", "new_level_id"),
    "demotion": ("new_position_id", "new_level_id"),
    "pay_change": ("new_pay_profile_id", "new_monthly_base"),
    # 薪资资料变更: where the pay goes, social insurance and tax (issue 9: never edited
    # directly on the file of someone on staff).
    "pay_details": ("new_bank_name", "new_bank_account_no", "new_si_enrolled", "new_si_base",
                    "new_monthly_special_deduction"),
}
# new_* field -> the employee's column it sets.
EMPLOYEE_COLUMN = {
    "new_store_id": "store_id",
    "new_position_id": "position_id",
    "new_level_id": "level_id",
    "new_pay_profile_id": "pay_profile_id",
    "new_monthly_base": "monthly_base_override",
    "new_bank_name": "bank_name",
    "new_bank_account_no": "bank_account_no",
    "new_si_enrolled": "si_enrolled",
    "new_si_base": "si_base",
    "new_monthly_special_deduction": "monthly_special_deduction",
}
# The audit action written when a change of each kind is applied.
APPLY_ACTIONS = {
    "transfer": "employee.transfer",
    "promotion": "employee.promotion",
    "demotion": "employee.demotion",
    "pay_change": "salary.change",
    "pay_details": "employee.pay_details",
}


def _plain(value, column: str = ""):
    if column == "bank_account_no":
        return mask(value, keep_end=4)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _position_role(position_id: int | None) -> str:
    position = get_by_id(Position, position_id)
    return position.role if position is not None else ""


# --------------------------------------------------------------------------- apply


def apply_change(change: EmployeeChange, today: date | None = None, actor=None) -> None:
    """Make an approved change effective: old values captured, the file and logins follow.

    Idempotent by status: only an ``approved`` change whose date has come is applied.
    """
    today = today or tenant_today()
    if change.status != "approved":
        raise HrError({"change": _("只有已批准的人事变动可以生效")})
    if change.effective_on > today:
        raise HrError({"effective_on": _("还没到生效日期")})
    employee = get_by_id(Employee, change.employee_id)
    if employee.status == "left":
        # Left before the date came: nothing to apply to; kept as cancelled.
        change.status = "cancelled"
        db.session.flush()
        record_audit("employee.change_cancel", "employee_change", change.id,
                     before={"status": "approved"},
                     after={"status": "cancelled", "note": "employee left"}, actor=actor)
        return
    old_position_role = _position_role(employee.position_id)
    old_store_id = employee.store_id
    before, after = {}, {}
    for key in KIND_FIELDS[change.kind]:
        new_value = getattr(change, key)
        if new_value is None:
            continue
        column = EMPLOYEE_COLUMN[key]
        old_value = getattr(employee, column)
        setattr(change, key.replace("new_", "old_", 1), old_value)
        setattr(employee, column, new_value)
        before[column], after[column] = _plain(old_value, column), _plain(new_value, column)
    change.status = "applied"
    change.applied_at = utcnow()
    db.session.flush()
    record_audit(APPLY_ACTIONS[change.kind], "employee", employee.id,
                 before=before, after={**after, "change_id": change.id,
                                       "effective_on": change.effective_on.isoformat()},
                 actor=actor)
    if change.kind == "transfer":
        for account in accounts_of_employee(employee):
            if is_store_role(account.role) and account.store_ids == {old_store_id}:
                set_login_stores(account, [employee.store_id])
    if change.new_position_id is not None:
        new_role = _position_role(employee.position_id)
        for account in accounts_of_employee(employee):
            if account.role == old_position_role and new_role != old_position_role:
                stores = [employee.store_id] if is_store_role(new_role) and employee.store_id \
                    else []
                update_login(account, role=new_role, store_ids=stores)


def apply_due_changes(today: date | None = None) -> dict:
    """Apply every approved change of the current tenant whose date has come.

    Run daily by ``hr.apply_due_changes`` (and harmless to run again: an applied
    change is not approved any more).  Oldest effective date first, so two changes
    of one person apply in their order.
    """
    today = today or tenant_today()
    due = db.session.scalars(
        select(EmployeeChange).where(EmployeeChange.status == "approved",
                                     EmployeeChange.effective_on <= today)
        .order_by(EmployeeChange.effective_on, EmployeeChange.id)).all()
    for change in due:
        apply_change(change, today=today)
    applied = sum(1 for change in due if change.status == "applied")
    return {"applied": applied, "cancelled": len(due) - applied, "today": today.isoformat()}
