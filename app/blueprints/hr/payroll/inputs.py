"""工资数据: everything one payroll run needs, for every employee in scope, in a FIXED
number of SQL statements (whatever the number of employees, days, punches or jobs).

``load_run_inputs(month, store_id)`` returns one ``EmployeeInputs`` per employee in
the run (with the ``EmployeeMonth`` that rules.compute_payslip takes) plus the tenant's
``PayrollPolicy``.  The payroll run (run.py) computes and stores the payslips.  Each
kind of input is read by its own module: change_history.py (values in force on a
date), month_earnings.py (jobs, card sales, rewards, settlements), tax_history.py.

Rules chosen where the specs are silent (specs/payroll.md, specs/hr-lifecycle.md):

* **Who is in a run**: employees with a hire date on or before the month's last day,
  not left before its first day (``last_day`` None or ≥ the 1st), whose status is
  employed (EMPLOYED_STATUSES) or ``left`` — a ``left`` employee only with a last day
  (without one we cannot tell their month and they are not paid).  No hire date: not
  in any run.  A store run takes the employees whose store *at the month's last day*
  (transfers 调店 followed by their effective date) is that store; head-office staff
  (no store) are only in the company-wide run.
* **Values in force on a date** (store, position, level, pay profile, monthly base):
  from the applied changes (EmployeeChange, status ``applied``) that set that value:
  the new value of the latest one effective on or before the date, else the old
  value of the earliest one effective after it, else the employee's current value.
* **Pay profile of a month**: as in force on the month's last day (overtime, commission,
  meal, bonus, card-sale rate and the daily rate shown follow it).  The profile is the
  employee's own ``pay_profile_id``, else the active profile of their position
  (``PayProfile.position_id``; the lowest id if several); ``monthly_base_override``
  replaces the profile's monthly base.  Someone with neither is left out of the
  run and listed in ``RunInputs.skipped`` for HR to fix (a payslip of 0.00 would
  look like a decision).
* **Pay change within the month** (specs/payroll.md): the monthly base (override, else
  the profile's) in force on each day; an applied change of monthly base, pay profile
  or position effective after the 1st that changes it splits the month at its
  effective date (``EmployeeMonth.base_parts``; rules.py pays each part at its own
  rate).  A day with no profile in force takes the month-end base.
* **Level multiplier** of a job (提成系数): the level in force on the local date the
  job started (起钟); no level: ×1.
* **Month window for jobs and card sales**: they are counted by business day
  (营业日) — the business days of the month (store policy ``business_day_starts_at``,
  default 06:00 local), as the daily closing counts them: a 钟 that ends at 01:30 on
  the 1st belongs to the evening before, so to the previous month.  Jobs: status
  ``finished`` (returned 退钟 and cancelled ones are not paid), ``ended_at`` in the
  window, the commission of the job's service item (``OrderLine.service_item_id``)
  for its job type as the catalogue has it now.  Card sales (售卡): ledger entries of
  kind ``topup`` (a stored-value top-up, or the price of a package card 次卡)
  credited to the employee (``sold_by_employee_id``, the 售卡人 the desk records on a
  card sale or top-up); bonus entries are not money paid.
* **Attendance**: the time module's ``month_records`` (app/blueprints/hr/time/sheets.py,
  the same records the monthly attendance sheet shows): published shifts of the month,
  punches (not voided; corrections 补卡 count like any punch) attributed to shifts by
  its window rule, approved leave per day.
* **Overtime**: approved requests dated in the month, within employment; a day
  without a published shift is the employee's rest day (×2), statutory holidays are
  decided by rules.py (×3).
* **Rewards, fines, adjustments**: approved RewardPenalty effective in the month.
  The settlement of an approved (or completed) offboarding whose last day is in the
  month is added as an adjustment line (signed; positive when the company owes
  the person): the final payroll pays it (specs/hr-lifecycle.md, Offboarding).
* **Tax history** (累计预扣法): the TaxOpeningBalance of the year, plus taxable and
  IIT of the employee's payslips of this year's earlier months at this tenant —
  per month the payslip of the latest run (highest id) that is not ``failed``.
  ``months`` = months of this year from the later of January and the hire month
  up to this one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from app.blueprints.hr.models import EmployeeChange
from app.blueprints.hr.payroll.attendance import attendance_facts
from app.blueprints.hr.payroll.change_history import (
    load_applied_changes,
    profile_in_force,
    value_on,
)
from app.blueprints.hr.payroll.month_earnings import (
    load_card_sales,
    load_jobs,
    load_rewards,
    load_settlements,
)
from app.blueprints.hr.payroll.rules import (
    BasePart,
    EmployeeMonth,
    PayProfile,
    PayrollPolicy,
)
from app.blueprints.hr.payroll.tax_history import load_tax_history, tax_history_for
from app.blueprints.hr.time.sheets import month_records
from app.extensions import db
from app.models import Employee, Tenant, TherapistLevel
from app.models import PayProfile as PayProfileRow
from app.models.people import EMPLOYED_STATUSES
from app.tenancy import current_tenant_id

ONE = Decimal(1)


class PayrollInputError(ValueError):
    """The run's data cannot be paid as it is (names the employee and the problem)."""


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of ``month``'s calendar month."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def next_month(month: date) -> date:
    first = month.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


# --- what one run needs ------------------------------------------------------------------

@dataclass(frozen=True)
class EmployeeInputs:
    """One employee of the run: who, where at the month's end, and their month."""

    employee_id: int
    employee_no: str
    name: str
    store_id: int | None
    position_id: int
    level_id: int | None
    level_name: str
    level_multiplier: Decimal
    profile_id: int
    profile_name: str
    profile_source: str  # "employee" or "position"
    month: EmployeeMonth
    card_sales_count: int = 0
    reward_count: int = 0
    fine_count: int = 0
    adjustment_count: int = 0
    overtime_hours_requested: Decimal = Decimal(0)


@dataclass
class RunInputs:
    month: date
    store_id: int | None
    policy: PayrollPolicy
    employees: list[EmployeeInputs] = field(default_factory=list)
    # Employees in scope who cannot be paid yet: {employee_id, employee_no, name, reason}.
    skipped: list[dict] = field(default_factory=list)

    def policy_snapshot(self) -> dict:
        """The settings as strings (JSON), kept on the run for the record."""
        return {f.name: (None if getattr(self.policy, f.name) is None
                         else str(getattr(self.policy, f.name)))
                for f in fields(self.policy)}


def tenant_policy(tenant: Tenant) -> PayrollPolicy:
    """The tenant's payroll settings; a bad stored value stops the run with its name."""
    try:
        return PayrollPolicy.from_settings((tenant.policies or {}).get("payroll", {}) or {})
    except ValueError as exc:
        raise PayrollInputError(f"工资参数有误：{exc}") from exc


def business_window(tenant: Tenant, month: date) -> tuple[datetime, datetime]:
    """UTC bounds of the month's business days (store policy's day start, local time)."""
    from app.blueprints.store.policy import store_policy

    zone = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    opens: time = store_policy(tenant).business_day_starts_at
    first, _last = month_bounds(month)
    return (datetime.combine(first, opens, zone).astimezone(UTC),
            datetime.combine(next_month(month), opens, zone).astimezone(UTC))


def load_run_inputs(month: date, store_id: int | None = None) -> RunInputs:
    """Everything a run of ``month`` (one store, or the company with None) needs.

    A fixed number of statements: the tenant, employees, their changes, profiles,
    levels, offboardings, month_records (employees, schedules, punches, leave,
    overtime), jobs (grouped, plus
    the single jobs of therapists whose level changed during the month), card
    sales, rewards/penalties, tax opening balances and earlier payslips.
    """
    tenant = db.session.get(Tenant, current_tenant_id())
    policy = tenant_policy(tenant)
    zone = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    first, last = month_bounds(month)
    inputs = RunInputs(month=first, store_id=store_id, policy=policy)

    candidates = _candidates(first, last, store_id)
    history = load_applied_changes([e.id for e in candidates])
    in_scope = []
    for employee in candidates:
        store_at_end = value_on(history[employee.id], "store_id", last, employee.store_id)
        if store_id is not None and store_at_end != store_id:
            continue
        in_scope.append((employee, store_at_end))
    ids = [employee.id for employee, _store in in_scope]

    profiles = {p.id: p for p in db.session.scalars(select(PayProfileRow))}
    levels = {lv.id: lv for lv in db.session.scalars(select(TherapistLevel))}
    settlements = load_settlements(ids, first, last)
    # The whole company's records for a company run (no list of ids to send).
    time_records = month_records(None, first, employee_ids=None if store_id is None else ids)
    window = business_window(tenant, first)
    current_levels = {employee.id: employee.level_id for employee, _store in in_scope}
    jobs = load_jobs(ids, window, zone, history, levels, current_levels,
                 company_wide=store_id is None)
    card_sales = load_card_sales(ids, window)
    rewards = load_rewards(ids, first, last)
    tax = load_tax_history(ids, first)

    for employee, store_at_end in in_scope:
        changes = history[employee.id]
        profile, source = profile_in_force(employee, changes, last, profiles)
        if profile is None:
            inputs.skipped.append({
                "employee_id": employee.id, "employee_no": employee.employee_no,
                "name": employee.name, "reason": "no_pay_profile"})
            continue
        pay = PayProfile(
            monthly_base=_monthly_base_on(employee, changes, last, profiles,
                                          Decimal(profile.monthly_base)),
            overtime_eligible=profile.overtime_eligible,
            commission=profile.commission,
            card_sale_rate=Decimal(profile.card_sale_rate or 0),
            meal_allowance_per_day=Decimal(profile.meal_allowance_per_day or 0),
            full_attendance_bonus=Decimal(profile.full_attendance_bonus or 0),
        )
        records = time_records.get(employee.id)
        try:
            facts = attendance_facts(records.shifts if records else (),
                                     records.punches if records else {},
                                     records.leave if records else {},
                                     employed_from=employee.hire_date,
                                     employed_to=employee.last_day,
                                     policy=policy.attendance_policy())
        except ValueError as exc:
            raise PayrollInputError(
                f"{employee.employee_no} {employee.name}: 考勤数据有误：{exc}") from exc
        overtime_entries = tuple(entry for entry in (records.overtime if records else ())
                                 if _employed_on(employee, entry.work_date))
        level_id = value_on(changes, "level_id", last, employee.level_id)
        level = levels.get(level_id) if level_id is not None else None
        reward_lines = rewards.get(employee.id, {})
        sales = card_sales.get(employee.id, (Decimal(0), 0))
        month_inputs = EmployeeMonth(
            month=first,
            profile=pay,
            attendance=facts,
            employed_from=employee.hire_date,
            employed_to=employee.last_day,
            overtime=overtime_entries,
            jobs=jobs.get(employee.id, ()),
            card_sales_amount=sales[0],
            rewards=tuple(reward_lines.get("reward", ())),
            fines=tuple(reward_lines.get("fine", ())),
            adjustments=tuple(reward_lines.get("adjustment", ()))
            + tuple(settlements.get(employee.id, ())),
            si_enrolled=employee.si_enrolled,
            si_base=employee.si_base,
            monthly_special_deduction=Decimal(employee.monthly_special_deduction or 0),
            tax=tax_history_for(tax, employee, first),
            base_parts=_base_parts(employee, changes, first, last, profiles, pay.monthly_base),
        )
        inputs.employees.append(EmployeeInputs(
            employee_id=employee.id, employee_no=employee.employee_no, name=employee.name,
            store_id=store_at_end,
            position_id=value_on(changes, "position_id", last, employee.position_id),
            level_id=level.id if level else None,
            level_name=level.name if level else "",
            level_multiplier=Decimal(level.commission_multiplier) if level else ONE,
            profile_id=profile.id, profile_name=profile.name, profile_source=source,
            month=month_inputs,
            card_sales_count=sales[1],
            reward_count=len(reward_lines.get("reward", ())),
            fine_count=len(reward_lines.get("fine", ())),
            adjustment_count=len(reward_lines.get("adjustment", ()))
            + len(settlements.get(employee.id, ())),
            overtime_hours_requested=sum((entry.hours for entry in overtime_entries),
                                         Decimal(0)),
        ))
    return inputs


def _monthly_base_on(employee, changes, day: date, profiles, fallback: Decimal) -> Decimal:
    """The monthly base in force on ``day``: the override, else the profile's (else
    ``fallback``, when no profile was in force that day)."""
    override = value_on(changes, "monthly_base", day, employee.monthly_base_override)
    if override is not None:
        return Decimal(override)
    profile, _source = profile_in_force(employee, changes, day, profiles)
    return Decimal(profile.monthly_base) if profile is not None else fallback


# The changes that can move the monthly base (override, own profile, position's profile).
_BASE_FIELDS = ("monthly_base", "pay_profile_id", "position_id")


def _base_parts(employee, changes, first: date, last: date, profiles,
                month_end_base: Decimal) -> tuple[BasePart, ...]:
    """The month split where the monthly base changes (empty: one base all month)."""
    starts = sorted({c.effective_on for c in changes
                     if first < c.effective_on <= last
                     and any(c.new.get(name) is not None for name in _BASE_FIELDS)})
    if not starts:
        return ()
    parts: list[BasePart] = []
    for index, start in enumerate([first, *starts]):
        end = starts[index] - timedelta(days=1) if index < len(starts) else last
        amount = _monthly_base_on(employee, changes, start, profiles, month_end_base)
        if parts and parts[-1].monthly_base == amount:
            parts[-1] = BasePart(parts[-1].first_day, end, amount)  # no change: one part
        else:
            parts.append(BasePart(start, end, amount))
    return tuple(parts) if len(parts) > 1 else ()


def _employed_on(employee, day: date) -> bool:
    return employee.hire_date <= day and (employee.last_day is None
                                          or day <= employee.last_day)


# The columns of the employee file a run reads (rows, not entities: no decryption of
# the sensitive columns, no identity map for 1,500 people).
_EMPLOYEE_COLUMNS = (
    Employee.id, Employee.employee_no, Employee.name, Employee.store_id, Employee.position_id,
    Employee.status, Employee.hire_date, Employee.last_day, Employee.level_id,
    Employee.pay_profile_id, Employee.monthly_base_override, Employee.si_enrolled,
    Employee.si_base, Employee.monthly_special_deduction,
)


def _candidates(first: date, last: date, store_id: int | None) -> list:
    """Employees employed on some day of the month (for a store run: every one who was
    or became that store's, the store at the month's end is decided afterwards)."""
    query = (
        select(*_EMPLOYEE_COLUMNS)
        .where(Employee.hire_date.is_not(None), Employee.hire_date <= last,
               or_(Employee.last_day.is_(None), Employee.last_day >= first),
               or_(Employee.status.in_(EMPLOYED_STATUSES),
                   (Employee.status == "left") & Employee.last_day.is_not(None)))
        .order_by(Employee.employee_no, Employee.id)
    )
    if store_id is not None:
        moved_here = select(EmployeeChange.employee_id).where(
            EmployeeChange.status == "applied",
            or_(EmployeeChange.new_store_id == store_id,
                EmployeeChange.old_store_id == store_id))
        query = query.where(or_(Employee.store_id == store_id, Employee.id.in_(moved_here)))
    return list(db.session.execute(query))
