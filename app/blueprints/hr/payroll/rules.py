"""工资规则: one employee's month -> every figure of the payslip (specs/payroll.md).

Pure functions over plain values; the payroll run (DB side) loads the inputs.

Rules chosen where the spec is silent:

* Money: every component is rounded once to 0.01, ROUND_HALF_UP; gross and net are
  sums of the rounded components.  Rates, hours and days stay exact (Decimal at
  40 digits) until a component is rounded.  ``daily_rate`` and ``hourly_rate`` on the
  payslip are exact, for display only.
* Employed the whole month means hired on or before the 1st and not left before the
  last day of the month; otherwise the joiner/leaver formula applies.
* Overtime: each entry's hours × hourly_rate × multiplier, summed exactly, rounded
  once.  A statutory holiday (holidays.py) is ×3 whether or not it is the employee's
  rest day; otherwise ×2 on the employee's rest day, ×1.5 on a working day.  The
  holiday calendar is consulted only for overtime that is paid (profile eligible,
  hours > 0), so a month without such overtime never needs the year's calendar.
  Entries of an employee who is not ``overtime_eligible`` pay nothing and their
  hours are not counted on the payslip.
* Commission: the caller passes completed jobs ending in the month and leaves out
  returned ones (退钟); each job's item commission for its type × the level
  multiplier is rounded, then summed.  Jobs pay nothing unless the profile has
  ``commission``; they are still counted on the payslip.
* The 20% cap: cap = 20% of (base + overtime + commission), rounded DOWN to the fen
  so the deductions never exceed 20%.  Where fines + late deduction exceed it, the
  late deduction is kept first (it follows a fixed rule) and the fines are reduced
  to what is left; ``deductions_capped`` is then True and the uncapped amounts
  stay on the payslip (``fines_uncapped``, ``late_deduction_uncapped``).
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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.blueprints.hr.payroll.attendance import AttendanceFacts, AttendancePolicy

FEN = Decimal("0.01")
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
    return Decimal(x).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PayrollPolicy:
    """The tenant's payroll settings (specs/payroll.md, Settings), validated."""

    pay_days_per_month: Decimal = Decimal("21.75")
    hours_per_day: Decimal = Decimal(8)
    late_grace_minutes: int = 5
    late_deduction: Decimal = Decimal("20.00")
    late_half_day_minutes: int = 120
    sick_pay_ratio: Decimal = Decimal("0.8")
    pension_rate: Decimal = Decimal("0.08")
    medical_rate: Decimal = Decimal("0.02")
    unemployment_rate: Decimal = Decimal("0.005")
    housing_fund_rate: Decimal = Decimal("0.05")
    si_base_min: Decimal | None = None
    si_base_max: Decimal | None = None
    leave_hr_approval_days: int = 3

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PayrollPolicy:
        """A policy from stored tenant settings (strings or numbers).

        A missing key, or None, takes the default (for the SI bounds: no bound).
        Keys that are not payroll settings are ignored.  A bad value raises
        ValueError naming the key.
        """
        raise NotImplementedError

    def attendance_policy(self) -> AttendancePolicy:
        """The lateness thresholds, for attendance.attendance_facts()."""
        return AttendancePolicy(late_grace_minutes=self.late_grace_minutes,
                                late_half_day_minutes=self.late_half_day_minutes)


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
    the job started.
    """

    job_type: str
    commission_rotation: Decimal
    commission_requested: Decimal
    level_multiplier: Decimal = Decimal(1)


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
    months.  ``si_base`` None means the profile's monthly_base.
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

    @property
    def employed_whole_month(self) -> bool:
        """Hired on or before the 1st and not left before the month's last day."""
        raise NotImplementedError


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


def iit_table_tax(cum_taxable: Decimal) -> Decimal:
    """cum_taxable × rate − quick deduction from IIT_TABLE, exact (not rounded); 0 for
    cum_taxable ≤ 0."""
    raise NotImplementedError


def compute_payslip(month: EmployeeMonth, policy: PayrollPolicy) -> PayslipFigures:
    """Every figure of the payslip of ``month`` under ``policy``.

    Raises ValueError for inputs that cannot be paid (negative amounts, unknown job
    type, months < 1) and holidays.HolidayCalendarMissing when paid overtime falls
    in a year whose holiday calendar is not known.
    """
    raise NotImplementedError
