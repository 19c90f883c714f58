"""Who sees which part of an employee file (员工档案): one rule for pages and API.

The file is read in four field groups; a viewer sees a group when they hold its
permission (``employee.view`` to open a file at all, and the usual store scope):

* **roster** (花名册, ``employee.view``): number, name, gender, store, position,
  level, status, hire date, 健康证 expiry — what the technical side (技术总监,
  技术督导), the service manager and the logistics head need to assess, train,
  inspect and issue items to people.
* **personal** (``employee.view_personal``): phone, birth date, emergency contact,
  健康证 number, ID card masked — HR, the general manager, and a store manager for
  the people of their own store (they call staff in and act in an emergency).
* **pay** (``payroll.view``, whoever may read every payslip): pay profile, monthly
  base, social insurance, special deduction, bank name and masked account, and the
  pay figures of 人事变动 — HR, finance, the general manager.
* **full** (``employee.reveal_sensitive``): the whole ID-card and bank-account
  number, never shown by default; each look is asked for ("显示完整") and written
  to the audit log as ``employee.reveal_sensitive`` — HR, who keep contracts and
  register social insurance.

The owner holds every permission.  Plain functions: no request, no commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.audit import record_audit, register_audit_actions
from app.models import Employee

ROSTER = "roster"
PERSONAL = "personal"
PAY = "pay"
FULL = "full"

GROUP_PERMISSIONS = {
    ROSTER: "employee.view",
    PERSONAL: "employee.view_personal",
    PAY: "payroll.view",
    FULL: "employee.reveal_sensitive",
}

# The API's field names (EmployeeSchema) of each group.  Store and position are
# nested objects of the roster; the full numbers are never in a read: they come
# one at a time from reveal_sensitive().
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    ROSTER: ("id", "employee_no", "name", "gender", "store_id", "store", "position_id",
             "position", "status", "hire_date", "created_at", "level_id",
             "health_cert_expires_on"),
    PERSONAL: ("phone", "birth_date", "emergency_contact", "emergency_phone",
               "health_cert_no", "id_card_masked"),
    PAY: ("bank_name", "bank_account_masked", "pay_profile_id", "monthly_base_override",
          "si_enrolled", "si_base", "monthly_special_deduction"),
    FULL: (),
}

# 人事变动 rows: what a change says about pay (ChangeSchema field names).
CHANGE_PAY_FIELDS = ("new_pay_profile_id", "old_pay_profile_id", "new_monthly_base",
                     "old_monthly_base")

SENSITIVE_NUMBERS = ("id_card_no", "bank_account_no")
REVEAL_ACTION = "employee.reveal_sensitive"

register_audit_actions({REVEAL_ACTION: _l("查看完整身份证号/银行卡号")})


def field_groups(viewer) -> frozenset[str]:
    """The groups of an employee file ``viewer`` may read (empty: not even the roster)."""
    if not viewer.can(GROUP_PERMISSIONS[ROSTER]):
        return frozenset()
    return frozenset(group for group, permission in GROUP_PERMISSIONS.items()
                     if viewer.can(permission))


def visible_fields(groups) -> tuple[str, ...]:
    return tuple(name for group in (ROSTER, PERSONAL, PAY) if group in groups
                 for name in FIELD_GROUPS[group])


def employee_view(employee: Employee, groups) -> dict:
    """The employee as ``groups`` allow: a dict of the visible fields only (for the API)."""
    return {name: getattr(employee, name) for name in visible_fields(groups)}


def hidden_change_fields(groups) -> tuple[str, ...]:
    """The 人事变动 fields ``groups`` may not read: its pay figures, without pay."""
    return () if PAY in groups else CHANGE_PAY_FIELDS


def reveal_sensitive(employee: Employee, field: str, viewer) -> str:
    """The full ID-card or bank-account number, audited (who, whose, which number).

    Raises ``PermissionError`` for a viewer without ``employee.reveal_sensitive`` and
    ``KeyError`` for any other field.
    """
    if field not in SENSITIVE_NUMBERS:
        raise KeyError(field)
    if FULL not in field_groups(viewer):
        raise PermissionError(field)
    record_audit(REVEAL_ACTION, "employee", employee.id,
                 after={"field": field, "employee_no": employee.employee_no})
    return getattr(employee, field) or ""
