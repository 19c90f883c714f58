"""工资数据: everything one payroll run needs, for every employee in scope, in a FIXED
number of SQL statements (whatever the number of employees, days, punches or jobs).

``load_run_inputs(month, store_id)`` returns one ``EmployeeInputs`` per employee in
the run (with the ``EmployeeMonth`` that rules.compute_payslip takes) plus the tenant's
``PayrollPolicy``.  The payroll run (run.py) computes and stores the payslips.

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
* **Pay profile of a month**: as in force on the month's last day — a pay change
  (调薪) applies to the whole month its effective date falls in.  The profile is the
  employee's own ``pay_profile_id``, else the active profile of their position
  (``PayProfile.position_id``; the lowest id if several); ``monthly_base_override``
  replaces the profile's monthly base.  Someone with neither is left out of the
  run and listed in ``RunInputs.skipped`` for HR to fix (a payslip of 0.00 would
  look like a decision).
* **Level multiplier** of a job (提成系数): the level in force on the local date the
  job started (起钟); no level: ×1.
* **Month window for jobs and card sales**: the business days of the month
  (store policy ``business_day_starts_at``, default 06:00 local), as the daily
  closing counts them: a 钟 that ends at 01:30 on the 1st belongs to the evening
  before, so to the previous month.  Jobs: status ``finished`` (returned 退钟 and
  cancelled ones are not paid), ``ended_at`` in the window, the commission of the
  job's service item (``OrderLine.service_item_id``) for its job type as the
  catalogue has it now.  Card sales (售卡): ledger entries of kind ``topup`` (a
  stored-value top-up, or the price of a package card 次卡) credited to the
  employee (``sold_by_employee_id``); bonus entries are not money paid.
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
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from app.blueprints.hr.models import (
    EmployeeChange,
    Offboarding,
    PayrollRun,
    Payslip,
    RewardPenalty,
    TaxOpeningBalance,
)
from app.blueprints.hr.payroll.attendance import attendance_facts
from app.blueprints.hr.payroll.rules import (
    EmployeeMonth,
    JobForPay,
    PayProfile,
    PayrollPolicy,
    TaxHistory,
)
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


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: every timestamp is stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# --- values in force on a date (EmployeeChange history) -----------------------------------

@dataclass(frozen=True)
class AppliedChange:
    effective_on: date
    id: int
    new: dict
    old: dict


HISTORY_FIELDS = ("store_id", "position_id", "level_id", "pay_profile_id", "monthly_base")


def value_on(changes: list[AppliedChange], name: str, day: date, current):
    """The value of ``name`` in force on ``day``: the rule in the module docstring.

    ``changes`` are one employee's applied changes sorted by (effective_on, id).
    """
    relevant = [c for c in changes if c.new.get(name) is not None]
    before = [c for c in relevant if c.effective_on <= day]
    if before:
        return before[-1].new[name]
    if relevant:
        return relevant[0].old.get(name)
    return current


def level_changes_between(changes: list[AppliedChange], after: date, until: date) -> bool:
    """Whether a level change takes effect on a day in (after, until]."""
    return any(c.new.get("level_id") is not None and after < c.effective_on <= until
               for c in changes)


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
    history = _applied_changes([e.id for e in candidates])
    in_scope = []
    for employee in candidates:
        store_at_end = value_on(history[employee.id], "store_id", last, employee.store_id)
        if store_id is not None and store_at_end != store_id:
            continue
        in_scope.append((employee, store_at_end))
    ids = [employee.id for employee, _store in in_scope]

    profiles = {p.id: p for p in db.session.scalars(select(PayProfileRow))}
    levels = {lv.id: lv for lv in db.session.scalars(select(TherapistLevel))}
    settlements = _settlements(ids, first, last)
    # The whole company's records for a company run (no list of ids to send).
    time_records = month_records(None, first, employee_ids=None if store_id is None else ids)
    window = business_window(tenant, first)
    current_levels = {employee.id: employee.level_id for employee, _store in in_scope}
    jobs = _jobs(ids, window, zone, history, levels, current_levels,
                 company_wide=store_id is None)
    card_sales = _card_sales(ids, window)
    rewards = _rewards(ids, first, last)
    tax = _tax_history(ids, first)

    for employee, store_at_end in in_scope:
        changes = history[employee.id]
        profile, source = _profile_in_force(employee, changes, last, profiles)
        if profile is None:
            inputs.skipped.append({
                "employee_id": employee.id, "employee_no": employee.employee_no,
                "name": employee.name, "reason": "no_pay_profile"})
            continue
        base_override = value_on(changes, "monthly_base", last, employee.monthly_base_override)
        pay = PayProfile(
            monthly_base=Decimal(base_override if base_override is not None
                                 else profile.monthly_base),
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
            tax=_tax_for(tax, employee, first),
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


def _applied_changes(ids: list[int]) -> dict[int, list[AppliedChange]]:
    history: dict[int, list[AppliedChange]] = defaultdict(list)
    rows = db.session.execute(
        select(EmployeeChange.employee_id, EmployeeChange.id, EmployeeChange.effective_on,
               EmployeeChange.new_store_id, EmployeeChange.old_store_id,
               EmployeeChange.new_position_id, EmployeeChange.old_position_id,
               EmployeeChange.new_level_id, EmployeeChange.old_level_id,
               EmployeeChange.new_pay_profile_id, EmployeeChange.old_pay_profile_id,
               EmployeeChange.new_monthly_base, EmployeeChange.old_monthly_base)
        .where(EmployeeChange.status == "applied", EmployeeChange.employee_id.in_(ids))
        .order_by(EmployeeChange.effective_on, EmployeeChange.id))
    for row in rows:
        history[row.employee_id].append(AppliedChange(
            effective_on=row.effective_on, id=row.id,
            new={"store_id": row.new_store_id, "position_id": row.new_position_id,
                 "level_id": row.new_level_id, "pay_profile_id": row.new_pay_profile_id,
                 "monthly_base": row.new_monthly_base},
            old={"store_id": row.old_store_id, "position_id": row.old_position_id,
                 "level_id": row.old_level_id, "pay_profile_id": row.old_pay_profile_id,
                 "monthly_base": row.old_monthly_base}))
    return history


def _profile_in_force(employee, changes: list[AppliedChange], day: date,
                      profiles: dict[int, PayProfileRow]):
    """(profile row, "employee" | "position") in force on ``day``, or (None, "")."""
    own = value_on(changes, "pay_profile_id", day, employee.pay_profile_id)
    if own is not None and own in profiles:
        return profiles[own], "employee"
    position_id = value_on(changes, "position_id", day, employee.position_id)
    for profile in sorted(profiles.values(), key=lambda p: p.id):
        if profile.position_id == position_id and profile.is_active:
            return profile, "position"
    return None, ""


def _settlements(ids: list[int], first: date, last: date) -> dict[int, list[Decimal]]:
    found: dict[int, list[Decimal]] = defaultdict(list)
    rows = db.session.execute(
        select(Offboarding.employee_id, Offboarding.settlement_amount)
        .where(Offboarding.employee_id.in_(ids),
               Offboarding.status.in_(("approved", "completed")),
               Offboarding.last_day >= first, Offboarding.last_day <= last)
        .order_by(Offboarding.id))
    for employee_id, amount in rows:
        if amount:
            found[employee_id].append(Decimal(amount))
    return found


def _jobs(ids: list[int], window: tuple[datetime, datetime], zone: ZoneInfo,
          history: dict[int, list[AppliedChange]],
          levels: dict[int, TherapistLevel],
          current_levels: dict[int, int | None], company_wide: bool = False
          ) -> dict[int, tuple[JobForPay, ...]]:
    """Completed jobs ending in the window, with commission and level multiplier.

    Two statements: the jobs counted by (therapist, type, item), one line with its
    ``count`` per group (each job still rounded on its own) — enough for every
    therapist whose level stayed the same all month — and, one by one, the jobs of
    the therapists whose level changed while jobs of the month were started.  A
    company-wide run counts every therapist's jobs (no list of ids to send) and keeps
    those of the run's people.
    """
    from app.blueprints.store.models import OrderLine, ServiceItem, ServiceJob

    since, until = window
    # A job ending in the window started at most a day before it (no job is that long).
    start_day = since.astimezone(zone).date() - timedelta(days=1)
    end_day = until.astimezone(zone).date()
    changing = sorted(i for i in ids
                      if level_changes_between(history.get(i, []), start_day, end_day))

    def multiplier(level_id) -> Decimal:
        level = levels.get(level_id) if level_id is not None else None
        return Decimal(level.commission_multiplier) if level else ONE

    base = (select(ServiceJob.therapist_id, ServiceJob.job_type,
                   ServiceItem.commission_rotation, ServiceItem.commission_requested)
            .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
            .join(ServiceItem, ServiceItem.id == OrderLine.service_item_id)
            .where(ServiceJob.status == "finished", ServiceJob.ended_at >= since,
                   ServiceJob.ended_at < until))
    found: dict[int, list[JobForPay]] = defaultdict(list)
    steady = set(ids) - set(changing)
    grouped = base.add_columns(func.count().label("jobs"))
    if not company_wide:
        grouped = grouped.where(ServiceJob.therapist_id.in_(ids))
    grouped = (grouped
               .group_by(ServiceJob.therapist_id, ServiceJob.job_type, ServiceItem.id,
                         ServiceItem.commission_rotation, ServiceItem.commission_requested)
               .order_by(ServiceJob.therapist_id, ServiceJob.job_type, ServiceItem.id))
    for row in db.session.execute(grouped):
        if row.therapist_id not in steady:
            continue
        changes = history.get(row.therapist_id, [])
        level_id = value_on(changes, "level_id", start_day, current_levels.get(row.therapist_id))
        # One line per group (``count`` jobs): each still rounded on its own (rules.py).
        found[row.therapist_id].append(JobForPay(
            row.job_type, Decimal(row.commission_rotation), Decimal(row.commission_requested),
            multiplier(level_id), count=row.jobs))
    single = (base.add_columns(ServiceJob.started_at)
              .where(ServiceJob.therapist_id.in_(changing))
              .order_by(ServiceJob.therapist_id, ServiceJob.started_at, ServiceJob.id))
    for row in db.session.execute(single):
        started_on = as_utc(row.started_at).astimezone(zone).date()
        level_id = value_on(history.get(row.therapist_id, []), "level_id", started_on,
                            current_levels.get(row.therapist_id))
        found[row.therapist_id].append(JobForPay(
            row.job_type, Decimal(row.commission_rotation), Decimal(row.commission_requested),
            multiplier(level_id)))
    return {employee_id: tuple(jobs) for employee_id, jobs in found.items()}


def _card_sales(ids: list[int], window: tuple[datetime, datetime]
                ) -> dict[int, tuple[Decimal, int]]:
    """Money paid for cards each employee sold in the window: (amount, count)."""
    from app.blueprints.store.models import CardLedgerEntry

    since, until = window
    totals: dict[int, list] = defaultdict(lambda: [Decimal(0), 0])
    # Summed here, not in SQL: SQLite sums NUMERIC as floats.
    for employee_id, amount in db.session.execute(
            select(CardLedgerEntry.sold_by_employee_id, CardLedgerEntry.amount)
            .where(CardLedgerEntry.sold_by_employee_id.in_(ids),
                   CardLedgerEntry.kind == "topup",
                   CardLedgerEntry.created_at >= since, CardLedgerEntry.created_at < until)):
        totals[employee_id][0] += Decimal(amount)
        totals[employee_id][1] += 1
    return {employee_id: (amount, count) for employee_id, (amount, count) in totals.items()}


def _rewards(ids: list[int], first: date, last: date) -> dict[int, dict[str, list[Decimal]]]:
    found: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for employee_id, kind, amount in db.session.execute(
            select(RewardPenalty.employee_id, RewardPenalty.kind, RewardPenalty.amount)
            .where(RewardPenalty.employee_id.in_(ids), RewardPenalty.status == "approved",
                   RewardPenalty.effective_on >= first, RewardPenalty.effective_on <= last)
            .order_by(RewardPenalty.employee_id, RewardPenalty.id)):
        found[employee_id][kind].append(Decimal(amount))
    return found


@dataclass
class _Tax:
    opening: dict[int, tuple[Decimal, Decimal]]
    earlier: dict[int, tuple[Decimal, Decimal]]


def _tax_history(ids: list[int], first: date) -> _Tax:
    opening = {
        row.employee_id: (Decimal(row.cumulative_taxable), Decimal(row.cumulative_tax))
        for row in db.session.execute(
            select(TaxOpeningBalance.employee_id, TaxOpeningBalance.cumulative_taxable,
                   TaxOpeningBalance.cumulative_tax)
            .where(TaxOpeningBalance.employee_id.in_(ids),
                   TaxOpeningBalance.year == first.year))
    }
    latest: dict[tuple[int, date], tuple[int, Decimal, Decimal]] = {}
    for row in db.session.execute(
            select(Payslip.employee_id, Payslip.month, Payslip.run_id, Payslip.taxable,
                   Payslip.iit)
            .join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(Payslip.employee_id.in_(ids), Payslip.month >= date(first.year, 1, 1),
                   Payslip.month < first, PayrollRun.status != "failed")):
        key = (row.employee_id, row.month)
        if key not in latest or row.run_id > latest[key][0]:
            latest[key] = (row.run_id, Decimal(row.taxable), Decimal(row.iit))
    earlier: dict[int, tuple[Decimal, Decimal]] = {}
    for (employee_id, _month), (_run, taxable, iit) in sorted(latest.items()):
        held = earlier.get(employee_id, (Decimal(0), Decimal(0)))
        earlier[employee_id] = (held[0] + taxable, held[1] + iit)
    return _Tax(opening=opening, earlier=earlier)


def _tax_for(tax: _Tax, employee, first: date) -> TaxHistory:
    opening = tax.opening.get(employee.id, (Decimal(0), Decimal(0)))
    earlier = tax.earlier.get(employee.id, (Decimal(0), Decimal(0)))
    hired = employee.hire_date
    from_month = hired.month if hired.year == first.year else 1
    return TaxHistory(opening_taxable=opening[0], opening_tax=opening[1],
                      earlier_taxable=earlier[0], earlier_tax=earlier[1],
                      months=max(1, first.month - from_month + 1))
