"""specs/payroll.md's worked example, from shifts, punches and leave to the net pay."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.blueprints.hr.payroll.attendance import LeaveDay, Punches, Shift, attendance_facts
from app.blueprints.hr.payroll.rules import (
    EmployeeMonth,
    JobForPay,
    PayProfile,
    PayrollPolicy,
    TaxHistory,
    compute_payslip,
)

CST = timezone(timedelta(hours=8))
NOVEMBER = [date(2026, 11, d) for d in range(1, 31)]
REST_DAYS = {date(2026, 11, d) for d in (4, 11, 18, 25)}  # one rest day a week
LATE_DAY = date(2026, 11, 9)
LEAVE_DAY = date(2026, 11, 20)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def november_attendance(policy: PayrollPolicy):
    shifts = [Shift(d, _at(d, 12), _at(d, 22)) for d in NOVEMBER if d not in REST_DAYS]
    punches = {s.work_date: Punches(s.starts_at - timedelta(minutes=10), s.ends_at)
               for s in shifts if s.work_date != LEAVE_DAY}
    punches[LATE_DAY] = Punches(_at(LATE_DAY, 12, 30), _at(LATE_DAY, 22, 2))
    leave = {LEAVE_DAY: LeaveDay("personal", Decimal(1))}
    return attendance_facts(shifts, punches, leave, employed_from=date(2026, 9, 1),
                            employed_to=None, policy=policy.attendance_policy())


def november_jobs():
    item = {"commission_rotation": Decimal("30.00"), "commission_requested": Decimal("40.00")}
    done = ([("rotation", False)] * 120 + [("requested", False)] * 40
            + [("rotation", True)] * 2)
    # The payroll run leaves returned jobs (退钟) out, as the rules expect.
    return tuple(JobForPay(kind, level_multiplier=Decimal("1.2"), **item)
                 for kind, returned in done if not returned)


def test_worked_example_every_row():
    policy = PayrollPolicy()
    facts = november_attendance(policy)
    assert (facts.scheduled, facts.attended, facts.unpaid_leave, facts.late) == (26, 25, 1, 1)
    assert facts.absent == facts.sick_leave == facts.paid_leave == 0

    month = EmployeeMonth(
        month=date(2026, 11, 1),
        profile=PayProfile(monthly_base=Decimal("3000.00"), overtime_eligible=False,
                           commission=True, meal_allowance_per_day=Decimal("15.00"),
                           full_attendance_bonus=Decimal("200.00")),
        attendance=facts,
        employed_from=date(2026, 9, 1),
        jobs=november_jobs(),
        rewards=(Decimal("100.00"),),
        si_base=Decimal("3000.00"),
        tax=TaxHistory(earlier_taxable=Decimal("8000.00") + Decimal("9000.00"),
                       earlier_tax=Decimal("90.00") + Decimal("120.00"), months=3),
    )
    slip = compute_payslip(month, policy)

    assert slip.base == Decimal("2862.07")
    assert (slip.rotation_jobs, slip.requested_jobs) == (120, 40)
    assert slip.commission == Decimal("6240.00")
    assert slip.overtime == Decimal("0.00")
    assert slip.card_commission == Decimal("0.00")
    assert slip.meal == Decimal("375.00")
    assert slip.full_attendance_bonus == Decimal("0.00")
    assert slip.rewards == Decimal("100.00")
    assert slip.late_deduction == Decimal("20.00")
    assert slip.fines == Decimal("0.00")
    assert slip.deductions_capped is False
    assert slip.gross == Decimal("9557.07")
    assert (slip.si_pension, slip.si_medical, slip.si_unemployment, slip.si_housing_fund) == (
        Decimal("240.00"), Decimal("60.00"), Decimal("15.00"), Decimal("150.00"))
    assert slip.si_total == Decimal("465.00")
    assert slip.taxable == Decimal("9092.07")
    assert slip.cum_income == Decimal("26092.07")
    assert slip.cum_deductible == Decimal("15000.00")
    assert slip.cum_taxable == Decimal("11092.07")
    assert slip.cum_tax == Decimal("332.76")
    assert slip.tax_already_withheld == Decimal("210.00")
    assert slip.iit == Decimal("122.76")
    assert slip.net == Decimal("8969.31")
    # Every money figure carries exactly two decimals, as NUMERIC(12,2) will store it.
    for name in ("base", "commission", "meal", "gross", "si_total", "taxable", "iit", "net"):
        assert getattr(slip, name).as_tuple().exponent == -2, name


def test_worked_example_months_before_it_withheld_what_the_spec_says():
    """September and October, as Muzu would have computed them, withheld 90 and 120."""
    policy = PayrollPolicy()
    september = compute_payslip(EmployeeMonth(
        month=date(2026, 9, 1), profile=PayProfile(monthly_base=Decimal("8465.00")),
        attendance=_full_month_facts(date(2026, 9, 1)), employed_from=date(2026, 9, 1),
        si_base=Decimal("3000.00"), tax=TaxHistory(months=1)), policy)
    assert september.taxable == Decimal("8000.00")
    assert september.iit == Decimal("90.00")
    october = compute_payslip(EmployeeMonth(
        month=date(2026, 10, 1), profile=PayProfile(monthly_base=Decimal("9465.00")),
        attendance=_full_month_facts(date(2026, 10, 1)), employed_from=date(2026, 9, 1),
        si_base=Decimal("3000.00"),
        tax=TaxHistory(earlier_taxable=september.taxable, earlier_tax=september.iit,
                       months=2)), policy)
    assert october.taxable == Decimal("9000.00")
    assert october.iit == Decimal("120.00")


def _full_month_facts(first: date):
    days = [first + timedelta(days=n) for n in range(10)]
    shifts = [Shift(d, _at(d, 12), _at(d, 22)) for d in days]
    return attendance_facts(shifts, {s.work_date: Punches(s.starts_at, s.ends_at) for s in shifts},
                            {}, employed_from=date(2026, 9, 1), employed_to=None)
