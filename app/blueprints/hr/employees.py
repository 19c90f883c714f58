"""人力资源部: the employee file (员工档案): create/update, validation, pay in force, 健康证.

The lists (employee list, headcount) are in employee_lists.py.

Plain functions: they take plain arguments, add/flush, write the audit entry and
return; they never read the request and never commit (the view does).  Bad
input raises :class:`HrError`.  Nothing is deleted: an employee who leaves
keeps the file with status ``left``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app import duties
from app.audit import record_audit
from app.blueprints.hr import validators
from app.blueprints.hr.common import (
    HrError,
    get_by_id,
    is_store_role,
    tenant_today,
)
from app.blueprints.hr.employee_lists import employee_query
from app.blueprints.hr.logins import accounts_of_employee, set_login_stores
from app.crypto import mask
from app.extensions import db
from app.models import Employee, PayProfile, Position, Store, TherapistLevel
from app.models.people import EMPLOYEE_STATUSES, GENDERS

# --------------------------------------------------------------------------- the file

# What the file form and the API may set.  Sensitive numbers are encrypted at rest
# (app.crypto) and masked everywhere but HR's detail view.
BASIC_FIELDS = ("employee_no", "name", "gender", "phone", "status", "hire_date", "birth_date",
                "emergency_contact", "emergency_phone", "health_cert_no",
                "health_cert_expires_on")
SENSITIVE_FIELDS = ("id_card_no", "bank_account_no")
# How someone is paid, where the money goes, social insurance and tax (专项附加扣除):
# of someone on staff these change only through an approved, dated change
# (changes.py: 调薪 for the pay profile and monthly base, 薪资资料变更 for the rest).
PAY_FIELDS = ("pay_profile_id", "monthly_base_override", "bank_name", "bank_account_no",
              "si_enrolled", "si_base", "monthly_special_deduction")
# Where someone works and how they are paid: set freely while the file is being set up
# (at creation, and while a candidate or onboarding); afterwards only through an
# approved, dated change (changes.py).  The window cannot be reopened: a file's status
# moves only through the onboarding and offboarding flows (status_flow_message), and a
# file cannot be created as ``onboarding`` (only start_onboarding puts it there, from
# ``candidate``; a completed onboarding never goes back).
CHANGE_CONTROLLED_FIELDS = ("store_id", "position_id", "level_id", *PAY_FIELDS)
EDITABLE_FIELDS = tuple(dict.fromkeys(BASIC_FIELDS + SENSITIVE_FIELDS
                                      + CHANGE_CONTROLLED_FIELDS))
# Statuses whose file HR still sets up directly (nobody has finished onboarding yet).
SETUP_STATUSES = ("candidate", "onboarding")
# What a new file may start as: a candidate (then onboarding), or someone already on
# staff when the company's files are first entered.  ``onboarding`` only through
# start_onboarding; ``offboarding`` and ``left`` only through offboarding.
CREATE_STATUSES = ("candidate", "probation", "active")
# What a person may change on their own file through HR's edit (app/duties.py rule 3):
# their contact details; anything else about themselves takes someone else.
SELF_EDITABLE_FIELDS = ("phone", "emergency_contact", "emergency_phone")
# Audited before/after when they change (sensitive ones masked); name, gender and the
# contact details are not: they are personal data of no interest to an audit.
AUDITED_FIELDS = ("employee_no", "store_id", "position_id", "status", "hire_date", "level_id",
                  "pay_profile_id", "monthly_base_override", "si_enrolled", "si_base",
                  "monthly_special_deduction", "bank_name", "id_card_no", "bank_account_no",
                  "health_cert_no", "health_cert_expires_on")
# The youngest a person may be hired (劳动法: no one under 16).
MIN_AGE = 16


def masked_value(key: str, value):
    """The value as audit entries, lists and the API may show it."""
    if key == "id_card_no":
        return mask(value, keep_start=3, keep_end=4)
    if key == "bank_account_no":
        return mask(value, keep_end=4)
    return value


def _text(values: dict, cleaned: dict, errors: dict, key: str, limit: int,
          required_message: str | None = None) -> str:
    text = (values.get(key) or "").strip()
    cleaned[key] = text
    if not text and required_message:
        errors[key] = required_message
    elif len(text) > limit:
        errors[key] = _("最多 %(n)d 个字", n=limit)
    return text


def _validate(values: dict, employee: Employee | None = None) -> tuple[dict, Position | None]:
    """Check a full set of employee values; returns (cleaned values, position).

    Formats of phone numbers, ID card and bank account are checked when they are
    new or changed, so that an old file with a legacy value can still be edited.
    """
    errors: dict[str, str] = {}
    cleaned = dict(values)

    def changed(key: str) -> bool:
        return employee is None or getattr(employee, key) != cleaned.get(key)

    employee_no = _text(values, cleaned, errors, "employee_no", 16, _("请填写工号"))
    if employee_no and "employee_no" not in errors:
        clash = select(Employee.id).where(Employee.employee_no == employee_no)
        if employee is not None:
            clash = clash.where(Employee.id != employee.id)
        if db.session.scalar(clash) is not None:
            errors["employee_no"] = _("工号 %(no)s 已被使用", no=employee_no)
    if employee_no and len(employee_no) > 16:
        errors["employee_no"] = _("工号最多 16 位")

    name = _text(values, cleaned, errors, "name", 64, _("请填写姓名"))
    if name and len(name) > 64:
        errors["name"] = _("姓名最多 64 个字")
    if values.get("gender") not in GENDERS:
        errors["gender"] = _("请选择性别")
    for key in ("phone", "emergency_phone"):
        raw = (values.get(key) or "").strip()
        cleaned[key] = raw
        if raw and (employee is None or getattr(employee, key) != raw):
            try:
                cleaned[key] = validators.clean_phone(raw)
            except ValueError as exc:
                errors[key] = str(exc)
    _text(values, cleaned, errors, "emergency_contact", 64)
    _text(values, cleaned, errors, "health_cert_no", 64)
    _text(values, cleaned, errors, "bank_name", 64)

    if values.get("status") not in EMPLOYEE_STATUSES:
        errors["status"] = _("没有这个状态")

    for key, label in (("hire_date", _("入职日期")), ("birth_date", _("出生日期")),
                       ("health_cert_expires_on", _("健康证有效期"))):
        value = values.get(key)
        if value is not None and not isinstance(value, date):
            errors[key] = _("%(label)s格式不正确", label=label)

    # Sensitive numbers: checked (checksum, digits) whenever they are new or changed.
    for key, clean in (("id_card_no", validators.clean_id_card),
                       ("bank_account_no", validators.clean_bank_account)):
        try:
            cleaned[key] = clean(values.get(key))
        except ValueError as exc:
            if changed(key) or employee is None:
                errors[key] = str(exc)
            else:
                cleaned[key] = values.get(key) or ""
    if cleaned.get("bank_account_no") and not cleaned.get("bank_name") \
            and "bank_account_no" not in errors:
        errors["bank_name"] = _("请填写开户银行")

    # The birth date follows the ID card when it is not given; both must agree.
    born_on_card = (validators.id_card_birth_date(cleaned["id_card_no"])
                    if cleaned.get("id_card_no") and "id_card_no" not in errors else None)
    birth_date = cleaned.get("birth_date")
    if isinstance(birth_date, date) or birth_date is None:
        if birth_date is None and born_on_card is not None:
            cleaned["birth_date"] = birth_date = born_on_card
        elif birth_date is not None and born_on_card is not None and birth_date != born_on_card \
                and (changed("birth_date") or changed("id_card_no")):
            errors["birth_date"] = _("出生日期与身份证号不一致")
        hire_date = cleaned.get("hire_date")
        if isinstance(birth_date, date) and "birth_date" not in errors and changed("birth_date"):
            if birth_date.year < 1900 or birth_date >= tenant_today():
                errors["birth_date"] = _("出生日期不正确")
            elif isinstance(hire_date, date) and _age_on(birth_date, hire_date) < MIN_AGE:
                errors["birth_date"] = _("入职时未满 %(n)d 周岁，不能录用", n=MIN_AGE)

    for key in ("si_base", "monthly_special_deduction", "monthly_base_override"):
        try:
            cleaned[key] = validators.clean_money(values.get(key))
        except ValueError as exc:
            errors[key] = str(exc)
    if cleaned.get("monthly_special_deduction") is None:
        cleaned["monthly_special_deduction"] = Decimal("0.00")
    cleaned["si_enrolled"] = bool(values.get("si_enrolled", True))

    position = get_by_id(Position, values.get("position_id"))
    if position is None:
        errors["position_id"] = _("请选择岗位")

    store_id = values.get("store_id")
    if store_id is not None and get_by_id(Store, store_id) is None:
        errors["store_id"] = _("没有这个门店")
    elif position is not None and store_id is None and is_store_role(position.role):
        errors["store_id"] = _("门店岗位必须选择门店")

    level_id = values.get("level_id")
    if level_id is not None:
        level = get_by_id(TherapistLevel, level_id)
        if level is None or (not level.is_active and changed("level_id")):
            errors["level_id"] = _("没有这个技师等级")
        elif position is not None and position.role != "therapist" and changed("level_id"):
            errors["level_id"] = _("只有技师岗位有等级")
    pay_profile_id = values.get("pay_profile_id")
    if pay_profile_id is not None:
        profile = get_by_id(PayProfile, pay_profile_id)
        if profile is None or (not profile.is_active and changed("pay_profile_id")):
            errors["pay_profile_id"] = _("没有这个薪资方案")

    if employee is None:
        if "status" not in errors and cleaned.get("status") not in CREATE_STATUSES:
            errors["status"] = _("新建档案只能是候选人、试用期或在职；入职、离职请走流程")
    else:
        if "status" not in errors and employee.status != cleaned.get("status"):
            errors["status"] = status_flow_message()
        if employee.status not in SETUP_STATUSES:
            for key in CHANGE_CONTROLLED_FIELDS:
                if key not in errors and getattr(employee, key) != cleaned.get(key):
                    errors[key] = CHANGE_ONLY_MESSAGES[key]()

    if errors:
        raise HrError(errors)
    return cleaned, position


def status_flow_message() -> str:
    return _("员工状态只能通过入职、离职流程变更（离职请办理“离职申请”）")


def _pay_details_message() -> str:
    return _("在职员工的银行卡、社保、专项附加扣除请办理“薪资资料变更”（需人力资源经理审批）")


CHANGE_ONLY_MESSAGES = {
    "store_id": lambda: _("在职员工调店请办理“人事变动”（需人力资源经理审批）"),
    "position_id": lambda: _("在职员工换岗请办理晋升或降级（需人力资源经理审批）"),
    "level_id": lambda: _("在职技师调整等级请办理晋升或降级（需人力资源经理审批）"),
    "pay_profile_id": lambda: _("在职员工换薪资方案请办理调薪（需人力资源经理审批）"),
    "monthly_base_override": lambda: _("在职员工调整月薪请办理调薪（需人力资源经理审批）"),
    "bank_name": _pay_details_message,
    "bank_account_no": _pay_details_message,
    "si_enrolled": _pay_details_message,
    "si_base": _pay_details_message,
    "monthly_special_deduction": _pay_details_message,
}


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _audit_values(values: dict, keys) -> dict:
    return {key: _plain(masked_value(key, values[key])) for key in keys}


def create_employee(*, employee_no: str, name: str, position_id: int | None,
                    store_id: int | None = None, gender: str = "female", phone: str = "",
                    status: str = "active", hire_date: date | None = None,
                    **more) -> Employee:
    """A new employee file for the current tenant.

    The employee number (工号) is unique in the company; a store post needs a
    store, a head-office post may have none (or the store it sits in).  ``more``
    takes the other fields of the file (EDITABLE_FIELDS): ID card, bank account,
    birth date, emergency contact, health certificate, level, pay profile, social
    insurance and the monthly special deduction.
    """
    unknown = set(more) - set(EDITABLE_FIELDS)
    if unknown:
        raise HrError({key: _("不能填写此字段") for key in sorted(unknown)})
    defaults = {key: None for key in EDITABLE_FIELDS}
    defaults.update(si_enrolled=True)
    values, _position = _validate({
        **defaults, **more, "employee_no": employee_no, "name": name,
        "position_id": position_id, "store_id": store_id, "gender": gender, "phone": phone,
        "status": status, "hire_date": hire_date})
    employee = Employee(**{key: values[key] for key in EDITABLE_FIELDS})
    db.session.add(employee)
    db.session.flush()
    record_audit("employee.create", "employee", employee.id,
                 after=_audit_values(values, [k for k in AUDITED_FIELDS
                                              if values[k] not in (None, "")]))
    return employee


def update_employee(employee: Employee, actor=None, **changes) -> Employee:
    """Change an employee file; the fields of AUDITED_FIELDS are audited (masked).

    Where the spec is silent we do what a chain expects:
    * store, position, level and the pay, bank, social-insurance and tax fields
      (PAY_FIELDS) of someone on staff (probation, active, offboarding) change only
      through an approved, dated change (changes.py: 调店 / 晋升 / 降级 / 调薪 /
      薪资资料变更); while the file is being set up (candidate, onboarding) HR
      edits them here;
    * the status never changes here: onboarding, offboarding and the last-day job
      move it (so a status can neither skip offboarding nor reopen the set-up window);
    * the owner's file is edited only by the owner, and nobody edits more than their
      contact details on their own file (app/duties.py);
    * moving someone to another store moves the login of a store post along
      with them when it worked in exactly the old store.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise HrError({name: _("不能修改此字段") for name in sorted(unknown)})
    refusal = duties.employee_refusal(actor, employee.id)
    if refusal is not None:
        raise HrError(dict([refusal]))
    current = {key: getattr(employee, key) for key in EDITABLE_FIELDS}
    values, position = _validate({**current, **changes}, employee)
    if duties.edits_own_file(actor, employee.id):
        own = {key: _("不能修改自己档案的此项，请由其他同事办理") for key in EDITABLE_FIELDS
               if key not in SELF_EDITABLE_FIELDS and current[key] != values[key]}
        if own:
            raise HrError(own)
    changed_keys = [key for key in AUDITED_FIELDS if current[key] != values[key]]
    before = _audit_values(current, changed_keys)
    after = _audit_values(values, changed_keys)
    for key in EDITABLE_FIELDS:
        if getattr(employee, key) != values[key]:
            setattr(employee, key, values[key])
    db.session.flush()
    if before:
        record_audit("employee.update", "employee", employee.id, before=before, after=after,
                     actor=actor)
    if "store_id" in changed_keys and values["store_id"] is not None:
        for account in accounts_of_employee(employee):
            if is_store_role(account.role) and account.store_ids == {current["store_id"]}:
                set_login_stores(account, [values["store_id"]])
    return employee


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --------------------------------------------------------------------------- pay in force


def default_pay_profile(position_id: int) -> PayProfile | None:
    """The position's own profile: the active one with the lowest id."""
    return db.session.scalar(
        select(PayProfile).where(PayProfile.position_id == position_id,
                                 PayProfile.is_active.is_(True)).order_by(PayProfile.id).limit(1))


def pay_profile_in_force(employee: Employee) -> tuple[PayProfile | None, str]:
    """(profile, "employee" | "position") the employee is paid by now, or (None, "")."""
    if employee.pay_profile_id is not None:
        profile = get_by_id(PayProfile, employee.pay_profile_id)
        if profile is not None:
            return profile, "employee"
    profile = default_pay_profile(employee.position_id)
    return (profile, "position") if profile is not None else (None, "")


def monthly_base_in_force(employee: Employee, profile: PayProfile | None) -> Decimal | None:
    if employee.monthly_base_override is not None:
        return employee.monthly_base_override
    return profile.monthly_base if profile is not None else None


# --------------------------------------------------------------------------- health certificates

HEALTH_CERT_WARNING_DAYS = 30


def health_cert_alerts(today: date, scope: set[int] | None = None,
                       store_id: int | None = None,
                       days: int = HEALTH_CERT_WARNING_DAYS) -> list[Employee]:
    """健康证: people not left whose certificate expires within ``days`` or has expired.

    One statement; soonest first.  Expired ones block dispatch (store.rotation).
    """
    query = (
        employee_query(scope=scope)
        .where(Employee.status != "left", Employee.health_cert_expires_on.is_not(None),
               Employee.health_cert_expires_on <= today + timedelta(days=days))
        .order_by(None)
        .order_by(Employee.health_cert_expires_on, Employee.employee_no)
    )
    if store_id is not None:
        query = query.where(Employee.store_id == store_id)
    return list(db.session.scalars(query))
