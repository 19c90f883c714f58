"""薪资设置: therapist levels (技师等级), pay profiles (薪资方案) and the tenant's payroll policy.

Edited by holders of ``payroll.settings`` (the HR manager, the finance manager);
every change is audited.  Nothing is deleted: a level or a profile still named by
an employee, a change or a payslip is deactivated (停用) instead, and can be used
again later.

Rules chosen where the spec is silent:

* A deactivated level or profile stays on the people who have it (payroll keeps
  paying by it) but cannot be chosen for anyone new or in a new change.
* Level: name unique in the company, multiplier > 0 and at most 10 (three decimals),
  rank an integer (higher = more senior; promotions must go up in rank).
* Profile: name unique; the position it is the default of is optional (a profile
  chosen per employee has none); money ≥ 0 with two decimals; the card-sale rate
  between 0 and 1 (0.05 = 5%).
* Payroll policy: every key of PayrollPolicy (payroll/rules.py), validated by
  ``PayrollPolicy.from_settings``; stored in ``tenant.policies["payroll"]`` as
  strings (Decimals) and integers, a blank SI bound stored as absent (no bound).
  Runs already computed keep the policy they were computed with.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import validators
from app.blueprints.hr.common import HrError, get_by_id
from app.blueprints.hr.payroll.rules import PayrollPolicy
from app.extensions import db
from app.models import PayProfile, Position, Tenant, TherapistLevel
from app.tenancy import current_tenant_id

register_audit_actions({
    "pay.level_create": _l("新建技师等级"),
    "pay.level_update": _l("修改技师等级"),
    "pay.profile_create": _l("新建薪资方案"),
    "pay.profile_update": _l("修改薪资方案"),
    "payroll.policy_update": _l("修改工资参数"),
})

MAX_MULTIPLIER = Decimal("10")


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _decimal(raw, places: int) -> Decimal:
    if raw is None or isinstance(raw, bool | float) or (isinstance(raw, str) and not raw.strip()):
        raise ValueError(_("请填写数值"))
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(_("请填写数值")) from None
    if not value.is_finite():
        raise ValueError(_("请填写数值"))
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step):
        raise ValueError(_("最多 %(n)d 位小数", n=places))
    return value.quantize(step)


def _unique_name(model, current, values: dict, limit: int, errors: dict,
                 missing: str, taken: str) -> str:
    """The stripped ``name``; a message in ``errors`` when empty, too long or taken."""
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = missing
    elif len(name) > limit:
        errors["name"] = _("最多 %(n)d 个字", n=limit)
    else:
        clash = select(model.id).where(model.name == name)
        if current is not None:
            clash = clash.where(model.id != current.id)
        if db.session.scalar(clash) is not None:
            errors["name"] = taken
    return name


# --------------------------------------------------------------------------- levels


LEVEL_FIELDS = ("name", "commission_multiplier", "rank", "is_active", "assessment_threshold")


def levels(include_inactive: bool = True) -> list[TherapistLevel]:
    query = select(TherapistLevel).order_by(TherapistLevel.rank, TherapistLevel.id)
    if not include_inactive:
        query = query.where(TherapistLevel.is_active.is_(True))
    return list(db.session.scalars(query))


def _clean_level(values: dict, level: TherapistLevel | None) -> dict:
    errors: dict[str, str] = {}
    cleaned: dict = {}
    cleaned["name"] = _unique_name(TherapistLevel, level, values, 32, errors,
                                   _("请填写等级名称"), _("已有同名的等级"))
    try:
        multiplier = _decimal(values.get("commission_multiplier"), 3)
        if multiplier <= 0 or multiplier > MAX_MULTIPLIER:
            raise ValueError(_("提成系数应大于 0 且不超过 %(max)s", max=MAX_MULTIPLIER))
        cleaned["commission_multiplier"] = multiplier
    except ValueError as exc:
        errors["commission_multiplier"] = str(exc)
    rank = values.get("rank")
    if isinstance(rank, str) and rank.strip().lstrip("-").isdigit():
        rank = int(rank)
    if not isinstance(rank, int) or isinstance(rank, bool) or not -1000 <= rank <= 1000:
        errors["rank"] = _("请填写整数（越大越高）")
    cleaned["rank"] = rank
    cleaned["is_active"] = bool(values.get("is_active", True))
    # 技能评定's score that reaches the level (0–100); blank: not reached by assessment.
    threshold = values.get("assessment_threshold")
    if threshold is None or (isinstance(threshold, str) and not threshold.strip()):
        cleaned["assessment_threshold"] = None
    else:
        try:
            value = _decimal(threshold, 2)
            if not 0 <= value <= 100:
                raise ValueError
            cleaned["assessment_threshold"] = value
        except ValueError:
            errors["assessment_threshold"] = _("评定分数线须为 0 到 100 的数，最多两位小数，或留空")
    if errors:
        raise HrError(errors)
    return cleaned


def create_level(actor=None, **values) -> TherapistLevel:
    cleaned = _clean_level(values, None)
    level = TherapistLevel(**cleaned)
    db.session.add(level)
    db.session.flush()
    record_audit("pay.level_create", "therapist_level", level.id,
                 after={k: _plain(v) for k, v in cleaned.items()}, actor=actor)
    return level


def update_level(level: TherapistLevel, actor=None, **values) -> TherapistLevel:
    """Change a level (its multiplier applies to runs computed from now on)."""
    current = {key: getattr(level, key) for key in LEVEL_FIELDS}
    cleaned = _clean_level({**current, **values}, level)
    changed = [key for key in LEVEL_FIELDS if current[key] != cleaned[key]]
    for key in changed:
        setattr(level, key, cleaned[key])
    db.session.flush()
    if changed:
        record_audit("pay.level_update", "therapist_level", level.id,
                     before={k: _plain(current[k]) for k in changed},
                     after={k: _plain(cleaned[k]) for k in changed}, actor=actor)
    return level


# --------------------------------------------------------------------------- profiles


PROFILE_FIELDS = ("name", "position_id", "monthly_base", "overtime_eligible", "commission",
                  "card_sale_rate", "meal_allowance_per_day", "full_attendance_bonus",
                  "is_active")
MONEY_FIELDS = ("monthly_base", "meal_allowance_per_day", "full_attendance_bonus")


def profiles(include_inactive: bool = True) -> list[PayProfile]:
    query = select(PayProfile).order_by(PayProfile.name, PayProfile.id)
    if not include_inactive:
        query = query.where(PayProfile.is_active.is_(True))
    return list(db.session.scalars(query))


def _clean_profile(values: dict, profile: PayProfile | None) -> dict:
    errors: dict[str, str] = {}
    cleaned: dict = {}
    cleaned["name"] = _unique_name(PayProfile, profile, values, 64, errors,
                                   _("请填写方案名称"), _("已有同名的薪资方案"))
    position_id = values.get("position_id")
    if position_id is not None and get_by_id(Position, position_id) is None:
        errors["position_id"] = _("没有这个岗位")
    cleaned["position_id"] = position_id
    for key in MONEY_FIELDS:
        if isinstance(values.get(key), float):
            errors[key] = _("金额格式不正确")
            continue
        try:
            cleaned[key] = validators.clean_money(values.get(key), allow_none=False)
        except ValueError as exc:
            errors[key] = str(exc)
    try:
        rate = _decimal(values.get("card_sale_rate"), 4)
        if not 0 <= rate <= 1:
            raise ValueError(_("售卡提成比例应在 0 到 1 之间（0.05 表示 5%）"))
        cleaned["card_sale_rate"] = rate
    except ValueError as exc:
        errors["card_sale_rate"] = str(exc)
    for key in ("overtime_eligible", "commission", "is_active"):
        cleaned[key] = bool(values.get(key))
    if errors:
        raise HrError(errors)
    return cleaned


def create_profile(actor=None, **values) -> PayProfile:
    values.setdefault("is_active", True)
    values.setdefault("card_sale_rate", "0")
    cleaned = _clean_profile(values, None)
    profile = PayProfile(**cleaned)
    db.session.add(profile)
    db.session.flush()
    record_audit("pay.profile_create", "pay_profile", profile.id,
                 after={k: _plain(v) for k, v in cleaned.items()}, actor=actor)
    return profile


def update_profile(profile: PayProfile, actor=None, **values) -> PayProfile:
    """Change a profile (runs computed from now on pay by it; approved runs are frozen)."""
    current = {key: getattr(profile, key) for key in PROFILE_FIELDS}
    cleaned = _clean_profile({**current, **values}, profile)
    changed = [key for key in PROFILE_FIELDS if current[key] != cleaned[key]]
    for key in changed:
        setattr(profile, key, cleaned[key])
    db.session.flush()
    if changed:
        record_audit("pay.profile_update", "pay_profile", profile.id,
                     before={k: _plain(current[k]) for k in changed},
                     after={k: _plain(cleaned[k]) for k in changed}, actor=actor)
    return profile


# --------------------------------------------------------------------------- payroll policy


POLICY_KEYS = tuple(f.name for f in fields(PayrollPolicy))
POLICY_LABELS = {
    "pay_days_per_month": _l("月计薪天数"),
    "hours_per_day": _l("每日工时"),
    "late_grace_minutes": _l("迟到宽限（分钟）"),
    "late_deduction": _l("每次迟到扣款"),
    "late_half_day_minutes": _l("迟到/早退超过此分钟数按旷工半天"),
    "sick_pay_ratio": _l("病假工资比例"),
    "pension_rate": _l("养老保险个人比例"),
    "medical_rate": _l("医疗保险个人比例"),
    "unemployment_rate": _l("失业保险个人比例"),
    "housing_fund_rate": _l("住房公积金个人比例"),
    "si_base_min": _l("社保缴费基数下限"),
    "si_base_max": _l("社保缴费基数上限"),
    "leave_hr_approval_days": _l("请假超过此天数需人事审批"),
}
_HINTS = {
    "pay_days_per_month": lambda: _("应大于 0 且不超过 31"),
    "hours_per_day": lambda: _("应大于 0 且不超过 24"),
    "sick_pay_ratio": lambda: _("应在 0 到 1 之间（0.8 表示 80%）"),
    "pension_rate": lambda: _("应在 0 到 1 之间（0.08 表示 8%）"),
    "medical_rate": lambda: _("应在 0 到 1 之间（0.02 表示 2%）"),
    "unemployment_rate": lambda: _("应在 0 到 1 之间（0.005 表示 0.5%）"),
    "housing_fund_rate": lambda: _("应在 0 到 1 之间（0.05 表示 5%）"),
    "late_half_day_minutes": lambda: _("不能小于迟到宽限分钟数"),
    "si_base_max": lambda: _("不能低于缴费基数下限"),
}
INT_KEYS = ("late_grace_minutes", "late_half_day_minutes", "leave_hr_approval_days")


def _tenant() -> Tenant:
    return db.session.get(Tenant, current_tenant_id())


def stored_policy() -> dict:
    tenant = _tenant()
    return dict((tenant.policies or {}).get("payroll", {}) or {})


def current_policy() -> PayrollPolicy:
    """The tenant's policy (defaults where not set)."""
    return PayrollPolicy.from_settings(stored_policy())


def _field_message(key: str, exc: ValueError) -> str:
    text = str(exc)
    if "expected" in text or "number" in text:
        return _("请填写整数") if key in INT_KEYS else _("请填写数值")
    hint = _HINTS.get(key)
    return hint() if hint else _("不能为负数")


def save_policy(values: dict, actor=None) -> PayrollPolicy:
    """Validate every key with PayrollPolicy.from_settings, store, audit the changes."""
    unknown = set(values) - set(POLICY_KEYS)
    if unknown:
        raise HrError({key: _("没有这个参数") for key in sorted(unknown)})
    errors: dict[str, str] = {}
    for key in POLICY_KEYS:
        raw = values.get(key)
        if isinstance(raw, float):
            errors[key] = _("请填写数值")
            continue
        try:
            PayrollPolicy.from_settings({key: raw})
        except ValueError as exc:
            errors[key] = _field_message(key, exc)
    if errors:
        raise HrError(errors)
    try:
        policy = PayrollPolicy.from_settings(values)
    except ValueError as exc:
        key = str(exc).split(":", 1)[0]
        raise HrError({key if key in POLICY_KEYS else "policy": _field_message(key, exc)}) \
            from None
    stored: dict = {}
    for key in POLICY_KEYS:
        value = getattr(policy, key)
        if value is None:
            continue
        stored[key] = value if isinstance(value, int) else str(value)
    tenant = _tenant()
    before = stored_policy()
    if before != stored:
        policies = dict(tenant.policies or {})
        policies["payroll"] = stored
        tenant.policies = policies  # a new dict: JSON columns track assignment only
        db.session.flush()
        changed = sorted(set(before) | set(stored))
        changed = [k for k in changed if before.get(k) != stored.get(k)]
        record_audit("payroll.policy_update", "tenant", tenant.id,
                     before={k: before.get(k) for k in changed},
                     after={k: stored.get(k) for k in changed}, actor=actor)
    return policy


# --------------------------------------------------------------------------- tax opening balances


register_audit_actions({"tax.opening_balance": _l("修改个税期初数")})


def opening_balances(employee_id: int) -> list:
    """The employee's 个税期初 rows, latest year first."""
    from app.blueprints.hr.models import TaxOpeningBalance

    return list(db.session.scalars(
        select(TaxOpeningBalance).where(TaxOpeningBalance.employee_id == employee_id)
        .order_by(TaxOpeningBalance.year.desc())))


def clean_opening_balance(year, cumulative_taxable, cumulative_tax):
    """The year and both amounts of a 个税期初, checked: (year, taxable, tax) or HrError.

    Both amounts ≥ 0 and the tax not above the income."""
    errors: dict[str, str] = {}
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        errors["year"] = _("请填写年份")
    amounts = {}
    for key, raw in (("cumulative_taxable", cumulative_taxable),
                     ("cumulative_tax", cumulative_tax)):
        if isinstance(raw, float):
            errors[key] = _("金额格式不正确")
            continue
        try:
            amounts[key] = validators.clean_money(raw, allow_none=False)
        except ValueError as exc:
            errors[key] = str(exc)
    if not errors and amounts["cumulative_tax"] > amounts["cumulative_taxable"]:
        errors["cumulative_tax"] = _("已扣税额不能大于累计应税收入")
    if errors:
        raise HrError(errors)
    return year, amounts["cumulative_taxable"], amounts["cumulative_tax"]


def set_opening_balance(employee, year, cumulative_taxable, cumulative_tax, actor=None):
    """个税期初: this year's cumulative taxable income and tax withheld before Muzu.

    One row per employee and year (created or changed).  The payroll run adds it to
    the year's cumulation.  The writer behind an approved request
    (hr/tax_opening.py); people file a request instead.
    """
    from app.blueprints.hr.models import TaxOpeningBalance

    year, taxable, tax = clean_opening_balance(year, cumulative_taxable, cumulative_tax)
    row = db.session.scalar(select(TaxOpeningBalance).where(
        TaxOpeningBalance.employee_id == employee.id, TaxOpeningBalance.year == year))
    before = None
    if row is None:
        row = TaxOpeningBalance(employee_id=employee.id, year=year)
        db.session.add(row)
    else:
        before = {"cumulative_taxable": str(row.cumulative_taxable),
                  "cumulative_tax": str(row.cumulative_tax)}
    row.cumulative_taxable = taxable
    row.cumulative_tax = tax
    db.session.flush()
    record_audit("tax.opening_balance", "employee", employee.id, before=before,
                 after={"year": year, "cumulative_taxable": str(row.cumulative_taxable),
                        "cumulative_tax": str(row.cumulative_tax)}, actor=actor)
    return row
