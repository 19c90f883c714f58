"""工资规则: one employee's month -> every figure of the payslip (specs/payroll.md).

Pure functions over plain values; the payroll run (DB side) loads the inputs, and
the tenant's settings (``PayrollPolicy``, importable from here) are policy.py's.

Rules chosen where the spec is silent:

* Money: every component is rounded once to 0.01, ROUND_HALF_UP; gross and net are
  sums of the rounded components.  Rates, hours and days stay exact (Decimal at
  40 digits) until a component is rounded.  ``daily_rate`` and ``hourly_rate`` on the
  payslip are exact, for display only.
* Employed the whole month means hired on or before the 1st and not left before the
  last day of the month; otherwise the joiner/leaver formula applies.
* Pay change within the month (``EmployeeMonth.base_parts``, one per monthly base in
  force, split at each effective date): employed the whole month, base =
  Σ monthly_base_i × (scheduled days in part i / scheduled days in the month)
  − Σ daily_rate_i × (UL_i + AB_i) − Σ daily_rate_i × (1 − sick_pay_ratio) × SL_i,
  not below 0; with no scheduled day in the month the shares are calendar days.
  A joiner or leaver: Σ daily_rate_i × (A_i + PL_i + sick_pay_ratio × SL_i), not
  above the largest monthly_base_i (a month's pay at the better rate at most).  The
  parts' amounts are exact and summed; base is rounded once (each part's amount on
  the payslip is shown rounded, for reading only, so the parts may differ from base
  by a fen).  ``daily_rate``/``hourly_rate`` (and overtime) use the monthly base in
  force on the month's last day, as before.
* Overtime: each entry's hours × hourly_rate × multiplier, summed exactly, rounded
  once.  A statutory holiday (holidays.py) is ×3 whether or not it is the employee's
  rest day; otherwise ×2 on the employee's rest day, ×1.5 on a working day.  The
  holiday calendar is consulted only for overtime that is paid (profile eligible,
  hours > 0), so a month without such overtime never needs the year's calendar.
  Entries of an employee who is not ``overtime_eligible`` pay nothing and their
  hours are not counted on the payslip.
* Commission: the caller passes completed jobs ending in the month's business days
  (营业日, not calendar days: a 钟 ending at 00:50 on the 1st is the month before's)
  and leaves out returned ones (退钟); each job's item commission for its type × the
  level multiplier is rounded, then summed.  Jobs pay nothing unless the profile has
  ``commission``; they are still counted on the payslip.  Card sales are counted by
  business day the same way (the money paid, bonuses left out).
* The 20% cap (specs/payroll.md): cap = 20% of (base + overtime + commission), rounded
  DOWN to the fen so the deductions never exceed 20%.  Where fines + late deduction
  exceed it, the late deduction is kept first (it follows a fixed rule) and the fines
  are cut first, to what is left; ``deductions_capped`` is then True and the uncapped
  amounts stay on the payslip (``fines_uncapped``, ``late_deduction_uncapped``).
* Adjustment: signed correction lines for earlier, already approved months (the spec's
  "adjustment line in a later month"), summed and rounded once, added to gross
  (so taxed this month) and outside the 20% cap.
* Social insurance for a joiner or leaver is the full month's, on the clamped base
  (the spec has no pro-rating for it).  Not enrolled: every insurance is 0.
* IIT: ``cum_tax`` is exact in the computation (shown rounded); IIT =
  round(max(0, cum_tax − already withheld)).  Already withheld = the opening
  balance's tax + the IIT of this year's earlier payslips.  ``months`` comes from the
  caller (months of this year up to this one in which the employee was employed
  here, the opening balance's months included).
* Net may come out negative (e.g. absent all month but insured); it is not clamped,
  the run is expected to show it for HR to deal with.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext

from app.blueprints.hr.payroll.attendance import AttendanceFacts
from app.blueprints.hr.payroll.holidays import is_statutory_holiday
from app.blueprints.hr.payroll.policy import PayrollPolicy  # the tenant's settings

FEN = Decimal("0.01")
ZERO = Decimal(0)
# Exact enough that 3000/21.75 and friends cannot move a fen; fixed here so a caller's
# decimal context cannot change a payslip.
_CONTEXT = Context(prec=40)
OVERTIME_WORKING_DAY = Decimal("1.5")
OVERTIME_REST_DAY = Decimal("2.0")
OVERTIME_HOLIDAY = Decimal("3.0")
CAP_SHARE = Decimal("0.2")
JOB_TYPES = ("rotation", "requested")  # 轮钟, 点钟

# 个人所得税预扣率表一 (居民个人工资、薪金所得预扣预缴): (cum_taxable up to, rate, quick deduction)
IIT_TABLE: tuple[tuple[Decimal | None, Decimal, Decimal], ...] = (
    (Decimal(36000), Decimal("0.03"), Decimal(0)),
    (Decimal(144000), Decimal("0.10"), Decimal(2520)),
    (Decimal(300000), Decimal("0.20"), Decimal(16920)),
    (Decimal(420000), Decimal("0.25"), Decimal(31920)),
    (Decimal(660000), Decimal("0.30"), Decimal(52920)),
    (Decimal(960000), Decimal("0.35"), Decimal(85920)),
    (None, Decimal("0.45"), Decimal(181920)),
)
# 基本减除费用: 5,000 a month.
BASIC_DEDUCTION_PER_MONTH = Decimal(5000)


def round_money(x: Decimal | int | str) -> Decimal:
    """``x`` rounded to 0.01, ROUND_HALF_UP (the one rounding of a money component)."""
    if isinstance(x, float):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    return Decimal(x).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PayProfile:
    """薪资方案 as in force for the employee this month (position's, or their own)."""

    monthly_base: Decimal
    overtime_eligible: bool = True
    commission: bool = False
    card_sale_rate: Decimal = Decimal(0)
    meal_allowance_per_day: Decimal = Decimal(0)
    full_attendance_bonus: Decimal = Decimal(0)


@dataclass(frozen=True)
class OvertimeEntry:
    """Approved overtime (加班) on one day.  ``is_rest_day``: the employee had no shift
    that day by their schedule.  Statutory holidays are decided inside."""

    work_date: date
    hours: Decimal
    is_rest_day: bool = False


@dataclass(frozen=True)
class JobForPay:
    """One completed, not returned, service job ending in the month.

    ``job_type``: "rotation" (轮钟) or "requested" (点钟); the service item's
    commission for each type; the multiplier of the therapist's level in force when
    the job started.  ``count``: how many such jobs (same type, item commissions and
    multiplier) this one line stands for — each is still rounded on its own, so a line
    of ``count`` n pays exactly what n lines of 1 pay.
    """

    job_type: str
    commission_rotation: Decimal
    commission_requested: Decimal
    level_multiplier: Decimal = Decimal(1)
    count: int = 1


@dataclass(frozen=True)
class BasePart:
    """The days ``first_day`` .. ``last_day`` of the month, paid at ``monthly_base``
    (one part per monthly base in force: a pay change 调薪 within the month splits it)."""

    first_day: date
    last_day: date
    monthly_base: Decimal


@dataclass(frozen=True)
class BasePartFigures:
    """One part of a split base, as the payslip shows it.  ``amount`` is the part's
    exact contribution, rounded for display only.  ``share_days`` / ``month_days``:
    the part's share of the monthly base, in scheduled days of the part / of the
    month (calendar days when nothing is scheduled in the month)."""

    first_day: date
    last_day: date
    monthly_base: Decimal
    daily_rate: Decimal
    scheduled: int
    share_days: int
    month_days: int
    attended: Decimal
    paid_leave: Decimal
    sick_leave: Decimal
    unpaid_leave: Decimal
    absent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TaxHistory:
    """The employee's tax year at this tenant before this month (累计预扣法 inputs).

    ``opening_taxable`` / ``opening_tax``: the opening balance (before the first run
    in Muzu).  ``earlier_taxable`` / ``earlier_tax``: sums of taxable and IIT of this
    year's earlier Muzu payslips, the opening balance NOT included.  ``months``:
    months of this year up to and including this one in which the employee was
    employed here (so at least 1).
    """

    opening_taxable: Decimal = Decimal(0)
    opening_tax: Decimal = Decimal(0)
    earlier_taxable: Decimal = Decimal(0)
    earlier_tax: Decimal = Decimal(0)
    months: int = 1


@dataclass(frozen=True)
class EmployeeMonth:
    """Everything one payslip needs, for one employee and one month.

    ``month`` is the first day of the month.  ``employed_from`` / ``employed_to``: hire
    date and last day (None: still employed).  ``rewards`` / ``fines``: the approved
    amounts, each positive.  ``adjustments``: signed correction lines for earlier
    months.  ``si_base`` None means the profile's monthly_base.  ``base_parts``: the
    month split by a change of monthly base (in order, covering the month); empty or
    one part: the whole month at ``profile.monthly_base``.
    """

    month: date
    profile: PayProfile
    attendance: AttendanceFacts
    employed_from: date
    employed_to: date | None = None
    overtime: tuple[OvertimeEntry, ...] = ()
    jobs: tuple[JobForPay, ...] = ()
    card_sales_amount: Decimal = Decimal(0)
    rewards: tuple[Decimal, ...] = ()
    fines: tuple[Decimal, ...] = ()
    adjustments: tuple[Decimal, ...] = ()
    si_enrolled: bool = True
    si_base: Decimal | None = None
    monthly_special_deduction: Decimal = Decimal(0)
    tax: TaxHistory = field(default_factory=TaxHistory)
    base_parts: tuple[BasePart, ...] = ()

    @property
    def employed_whole_month(self) -> bool:
        """Hired on or before the 1st and not left before the month's last day."""
        last_day = self.month.replace(day=calendar.monthrange(self.month.year,
                                                              self.month.month)[1])
        return self.employed_from <= self.month.replace(day=1) and (
            self.employed_to is None or self.employed_to >= last_day)


@dataclass(frozen=True)
class PayslipFigures:
    """Every figure of one payslip.  Money is rounded to 0.01; rates are exact."""

    # rates (exact, for display)
    daily_rate: Decimal
    hourly_rate: Decimal
    # earnings
    base: Decimal
    overtime: Decimal
    commission: Decimal
    card_commission: Decimal
    meal: Decimal
    full_attendance_bonus: Decimal
    rewards: Decimal
    # deductions, after the 20% cap
    fines: Decimal
    late_deduction: Decimal
    deductions_capped: bool
    deduction_cap: Decimal
    fines_uncapped: Decimal
    late_deduction_uncapped: Decimal
    adjustment: Decimal
    gross: Decimal
    # social insurance (employee's share)
    si_base: Decimal
    si_pension: Decimal
    si_medical: Decimal
    si_unemployment: Decimal
    si_housing_fund: Decimal
    si_total: Decimal
    taxable: Decimal
    # individual income tax, cumulative
    tax_months: int
    cum_income: Decimal
    cum_deductible: Decimal
    cum_taxable: Decimal
    cum_tax: Decimal
    tax_already_withheld: Decimal
    iit: Decimal
    net: Decimal
    # detail
    overtime_hours_working_day: Decimal
    overtime_hours_rest_day: Decimal
    overtime_hours_holiday: Decimal
    rotation_jobs: int
    requested_jobs: int
    late_count: int
    # the base's parts when a pay change split the month (empty otherwise)
    base_parts: tuple[BasePartFigures, ...] = ()


def iit_table_tax(cum_taxable: Decimal) -> Decimal:
    """cum_taxable × rate − quick deduction from IIT_TABLE, exact (not rounded); 0 for
    cum_taxable ≤ 0."""
    if cum_taxable <= 0:
        return ZERO
    for up_to, rate, quick_deduction in IIT_TABLE:
        if up_to is None or cum_taxable <= up_to:
            with localcontext(_CONTEXT):
                return cum_taxable * rate - quick_deduction
    raise AssertionError("IIT_TABLE ends with an open bracket")


def compute_payslip(month: EmployeeMonth, policy: PayrollPolicy) -> PayslipFigures:
    """Every figure of the payslip of ``month`` under ``policy``.

    Raises ValueError for inputs that cannot be paid (negative amounts, unknown job
    type, months < 1) and holidays.HolidayCalendarMissing when paid overtime falls
    in a year whose holiday calendar is not known.
    """
    with localcontext(_CONTEXT):
        return _compute(month, policy)


def _require_non_negative(name: str, value: Decimal) -> None:
    if value < 0:
        raise ValueError(f"{name}: must not be negative, got {value}")


def _compute(m: EmployeeMonth, policy: PayrollPolicy) -> PayslipFigures:
    profile, facts = m.profile, m.attendance
    for name in ("monthly_base", "card_sale_rate", "meal_allowance_per_day",
                 "full_attendance_bonus"):
        _require_non_negative(name, getattr(profile, name))
    _require_non_negative("card_sales_amount", m.card_sales_amount)
    _require_non_negative("monthly_special_deduction", m.monthly_special_deduction)
    for amount in m.rewards:
        _require_non_negative("reward", amount)
    for amount in m.fines:
        _require_non_negative("fine", amount)
    if m.tax.months < 1:
        raise ValueError(f"tax months: must be at least 1, got {m.tax.months}")

    daily_rate = profile.monthly_base / policy.pay_days_per_month
    hourly_rate = daily_rate / policy.hours_per_day

    base_parts: tuple[BasePartFigures, ...] = ()
    if len(m.base_parts) > 1:
        base, base_parts = _split_base(m, policy)
    elif m.employed_whole_month:
        base = max(ZERO, profile.monthly_base
                   - daily_rate * (facts.unpaid_leave + facts.absent)
                   - daily_rate * (1 - policy.sick_pay_ratio) * facts.sick_leave)
    else:
        base = min(profile.monthly_base, daily_rate * (
            facts.attended + facts.paid_leave + policy.sick_pay_ratio * facts.sick_leave))
    base = round_money(base)

    hours = {OVERTIME_WORKING_DAY: ZERO, OVERTIME_REST_DAY: ZERO, OVERTIME_HOLIDAY: ZERO}
    if profile.overtime_eligible:
        for entry in m.overtime:
            _require_non_negative(f"overtime hours on {entry.work_date}", entry.hours)
            if entry.hours == 0:
                continue  # nothing to pay: no need to know the year's holidays
            if is_statutory_holiday(entry.work_date):
                hours[OVERTIME_HOLIDAY] += entry.hours
            elif entry.is_rest_day:
                hours[OVERTIME_REST_DAY] += entry.hours
            else:
                hours[OVERTIME_WORKING_DAY] += entry.hours
    overtime = round_money(sum((h * hourly_rate * k for k, h in hours.items()), ZERO))

    rotation_jobs = requested_jobs = 0
    commission = ZERO
    for job in m.jobs:
        count = job.count
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"job count: expected a whole number >= 0, got {count!r}")
        if job.job_type == "rotation":
            rotation_jobs += count
            item_commission = job.commission_rotation
        elif job.job_type == "requested":
            requested_jobs += count
            item_commission = job.commission_requested
        else:
            raise ValueError(f"job_type: expected one of {JOB_TYPES}, got {job.job_type!r}")
        _require_non_negative("job commission", item_commission)
        _require_non_negative("level multiplier", job.level_multiplier)
        if profile.commission:
            # Each job rounded on its own, then summed: n equal jobs pay n × the rounding.
            commission += round_money(item_commission * job.level_multiplier) * count

    card_commission = round_money(profile.card_sale_rate * m.card_sales_amount)
    meal = round_money(profile.meal_allowance_per_day * facts.attended)
    earns_bonus = (m.employed_whole_month and facts.scheduled >= 1
                   and facts.unpaid_leave == facts.absent == facts.sick_leave == 0
                   and facts.late == 0)
    bonus = round_money(profile.full_attendance_bonus if earns_bonus else ZERO)
    rewards = round_money(sum(m.rewards, ZERO))

    fines_uncapped = round_money(sum(m.fines, ZERO))
    late_uncapped = round_money(facts.late * policy.late_deduction)
    cap = (CAP_SHARE * (base + overtime + commission)).quantize(FEN, rounding=ROUND_DOWN)
    capped = fines_uncapped + late_uncapped > cap
    if capped:
        late_deduction = min(late_uncapped, cap)
        fines = min(fines_uncapped, cap - late_deduction)
    else:
        late_deduction, fines = late_uncapped, fines_uncapped
    adjustment = round_money(sum(m.adjustments, ZERO))

    gross = (base + overtime + commission + card_commission + meal + bonus + rewards
             - fines - late_deduction + adjustment)

    si_base = profile.monthly_base if m.si_base is None else m.si_base
    _require_non_negative("si_base", si_base)
    if policy.si_base_min is not None:
        si_base = max(si_base, policy.si_base_min)
    if policy.si_base_max is not None:
        si_base = min(si_base, policy.si_base_max)
    insurances = [round_money(si_base * rate) if m.si_enrolled else ZERO.quantize(FEN)
                  for rate in (policy.pension_rate, policy.medical_rate,
                               policy.unemployment_rate, policy.housing_fund_rate)]
    si_total = sum(insurances, ZERO)
    taxable = gross - si_total

    cum_income = m.tax.opening_taxable + m.tax.earlier_taxable + taxable
    cum_deductible = (BASIC_DEDUCTION_PER_MONTH + m.monthly_special_deduction) * m.tax.months
    cum_taxable = max(ZERO, cum_income - cum_deductible)
    cum_tax = iit_table_tax(cum_taxable)
    withheld = m.tax.opening_tax + m.tax.earlier_tax
    iit = round_money(max(ZERO, cum_tax - withheld))
    net = gross - si_total - iit

    return PayslipFigures(
        daily_rate=daily_rate, hourly_rate=hourly_rate,
        base=base, overtime=overtime, commission=round_money(commission),
        card_commission=card_commission, meal=meal, full_attendance_bonus=bonus,
        rewards=rewards, fines=fines, late_deduction=late_deduction,
        deductions_capped=capped, deduction_cap=cap, fines_uncapped=fines_uncapped,
        late_deduction_uncapped=late_uncapped, adjustment=adjustment, gross=gross,
        si_base=round_money(si_base), si_pension=insurances[0], si_medical=insurances[1],
        si_unemployment=insurances[2], si_housing_fund=insurances[3], si_total=si_total,
        taxable=taxable, tax_months=m.tax.months, cum_income=round_money(cum_income),
        cum_deductible=round_money(cum_deductible), cum_taxable=round_money(cum_taxable),
        cum_tax=round_money(cum_tax), tax_already_withheld=round_money(withheld), iit=iit,
        net=net,
        overtime_hours_working_day=hours[OVERTIME_WORKING_DAY],
        overtime_hours_rest_day=hours[OVERTIME_REST_DAY],
        overtime_hours_holiday=hours[OVERTIME_HOLIDAY],
        rotation_jobs=rotation_jobs, requested_jobs=requested_jobs, late_count=facts.late,
        base_parts=base_parts,
    )


def _split_base(m: EmployeeMonth, policy: PayrollPolicy
                ) -> tuple[Decimal, tuple[BasePartFigures, ...]]:
    """The exact base of a month split by pay changes, and each part's figures."""
    facts = m.attendance
    first = m.month.replace(day=1)
    month_days = calendar.monthrange(first.year, first.month)[1]
    parts = m.base_parts
    if (parts[0].first_day != first or parts[-1].last_day != first.replace(day=month_days)
            or any((b.first_day - a.last_day).days != 1
                   for a, b in itertools.pairwise(parts))):
        raise ValueError("base parts: must cover the month day by day, in order")
    if facts.scheduled and len(facts.days) != facts.scheduled:
        raise ValueError("base parts: the attendance must list its days to be split")
    # The shares: scheduled days; calendar days when nothing is scheduled in the month.
    by_schedule = facts.scheduled > 0
    month_share = facts.scheduled if by_schedule else month_days
    figures, total = [], ZERO
    for part in parts:
        _require_non_negative("monthly_base", part.monthly_base)
        days = [d for d in facts.days if part.first_day <= d.work_date <= part.last_day]
        sums = {name: sum((getattr(d, name) for d in days), ZERO)
                for name in ("attended", "paid_leave", "sick_leave", "unpaid_leave", "absent")}
        rate = part.monthly_base / policy.pay_days_per_month
        share = len(days) if by_schedule else (part.last_day - part.first_day).days + 1
        if m.employed_whole_month:
            amount = (part.monthly_base * share / month_share
                      - rate * (sums["unpaid_leave"] + sums["absent"])
                      - rate * (1 - policy.sick_pay_ratio) * sums["sick_leave"])
        else:
            amount = rate * (sums["attended"] + sums["paid_leave"]
                             + policy.sick_pay_ratio * sums["sick_leave"])
        total += amount
        figures.append(BasePartFigures(
            first_day=part.first_day, last_day=part.last_day, monthly_base=part.monthly_base,
            daily_rate=rate, scheduled=len(days), share_days=share, month_days=month_share,
            amount=round_money(amount), **sums))
    if m.employed_whole_month:
        return max(ZERO, total), tuple(figures)
    return min(max(p.monthly_base for p in parts), total), tuple(figures)
