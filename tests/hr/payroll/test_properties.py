"""Properties of the payroll rules that hold for any month (Hypothesis)."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.blueprints.hr.payroll.attendance import (
    LEAVE_KINDS,
    AttendanceFacts,
    LeaveDay,
    Punches,
    Shift,
    attendance_facts,
)
from app.blueprints.hr.payroll.rules import (
    BASIC_DEDUCTION_PER_MONTH,
    EmployeeMonth,
    JobForPay,
    OvertimeEntry,
    PayProfile,
    PayrollPolicy,
    TaxHistory,
    compute_payslip,
    iit_table_tax,
    round_money,
)

D = Decimal
# No example database: a run does not depend on examples saved by earlier runs.
checked = settings(database=None, deadline=None, max_examples=150)
MONEY_FIELDS = (
    "base", "overtime", "commission", "card_commission", "meal", "full_attendance_bonus",
    "rewards", "fines", "late_deduction", "adjustment", "gross", "si_pension", "si_medical",
    "si_unemployment", "si_housing_fund", "si_total", "taxable", "iit", "net",
)


def money(low="0", high="50000"):
    return st.decimals(min_value=D(low), max_value=D(high), places=2,
                       allow_nan=False, allow_infinity=False)


def rate(high="0.2", places=4):
    return st.decimals(min_value=D(0), max_value=D(high), places=places,
                       allow_nan=False, allow_infinity=False)


half_days = st.integers(min_value=0, max_value=20).map(lambda n: D(n) / 2)


@st.composite
def facts(draw):
    attended, paid, sick, unpaid, absent = (draw(half_days) for _ in range(5))
    total = attended + paid + sick + unpaid + absent
    return AttendanceFacts(scheduled=int(total.to_integral_value()), attended=attended,
                           paid_leave=paid, sick_leave=sick, unpaid_leave=unpaid, absent=absent,
                           late=draw(st.integers(min_value=0, max_value=10)))


@st.composite
def policies(draw):
    low = draw(st.none() | money("0", "8000"))
    high = draw(st.none() | money("8000", "40000"))
    return PayrollPolicy(
        pay_days_per_month=draw(st.sampled_from([D("21.75"), D("26"), D("30"), D("20.83")])),
        hours_per_day=draw(st.sampled_from([D(8), D("7.5"), D(10)])),
        late_deduction=draw(money("0", "100")),
        sick_pay_ratio=draw(rate("1", 2)),
        pension_rate=draw(rate()), medical_rate=draw(rate()),
        unemployment_rate=draw(rate()), housing_fund_rate=draw(rate()),
        si_base_min=low, si_base_max=high,
    )


jobs = st.builds(JobForPay, st.sampled_from(["rotation", "requested"]), money("0", "200"),
                 money("0", "200"), rate("3", 2))
overtime = st.builds(OvertimeEntry,
                     st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
                     st.decimals(min_value=D(0), max_value=D(12), places=1),
                     st.booleans())


@st.composite
def employee_months(draw):
    first = date(2026, draw(st.integers(min_value=1, max_value=12)), 1)
    employed_from = draw(st.sampled_from([date(2025, 5, 1), first, first + timedelta(days=14)]))
    employed_to = draw(st.sampled_from([None, first + timedelta(days=20), date(2027, 6, 30)]))
    return EmployeeMonth(
        month=first,
        profile=PayProfile(monthly_base=draw(money("0", "60000")),
                           overtime_eligible=draw(st.booleans()), commission=draw(st.booleans()),
                           card_sale_rate=draw(rate("0.1")),
                           meal_allowance_per_day=draw(money("0", "50")),
                           full_attendance_bonus=draw(money("0", "500"))),
        attendance=draw(facts()),
        employed_from=employed_from, employed_to=employed_to,
        overtime=tuple(draw(st.lists(overtime, max_size=5))),
        jobs=tuple(draw(st.lists(jobs, max_size=30))),
        card_sales_amount=draw(money("0", "100000")),
        rewards=tuple(draw(st.lists(money("0", "2000"), max_size=3))),
        fines=tuple(draw(st.lists(money("0", "2000"), max_size=3))),
        adjustments=tuple(draw(st.lists(money("-3000", "3000"), max_size=2))),
        si_enrolled=draw(st.booleans()),
        si_base=draw(st.none() | money("0", "50000")),
        monthly_special_deduction=draw(money("0", "5000")),
        tax=TaxHistory(opening_taxable=draw(money("0", "100000")),
                       opening_tax=draw(money("0", "5000")),
                       earlier_taxable=draw(money("-5000", "300000")),
                       earlier_tax=draw(money("0", "60000")),
                       months=first.month),
    )


@checked
@given(employee_months(), policies())
def test_net_is_gross_less_social_insurance_and_tax(month, policy):
    slip = compute_payslip(month, policy)
    assert slip.net == slip.gross - slip.si_total - slip.iit
    assert slip.taxable == slip.gross - slip.si_total
    assert slip.si_total == (slip.si_pension + slip.si_medical + slip.si_unemployment
                             + slip.si_housing_fund)
    assert slip.gross == (slip.base + slip.overtime + slip.commission + slip.card_commission
                          + slip.meal + slip.full_attendance_bonus + slip.rewards - slip.fines
                          - slip.late_deduction + slip.adjustment)
    for name in MONEY_FIELDS:
        assert getattr(slip, name).as_tuple().exponent == -2, name


@checked
@given(employee_months(), policies(), st.randoms(use_true_random=False))
def test_a_rerun_gives_identical_figures_whatever_order_the_rows_come_in(month, policy, rng):
    """A recompute reads the same jobs, overtime and 奖惩 in whatever order the
    database returns them; the payslip must not depend on that order."""
    def shuffled(rows):
        rows = list(rows)
        rng.shuffle(rows)
        return tuple(rows)

    reread = replace(month, jobs=shuffled(month.jobs), overtime=shuffled(month.overtime),
                     rewards=shuffled(month.rewards), fines=shuffled(month.fines),
                     adjustments=shuffled(month.adjustments))
    first, again = compute_payslip(month, policy), compute_payslip(reread, policy)
    for name in MONEY_FIELDS:
        assert getattr(again, name) == getattr(first, name), name
    assert again == first


@checked
@given(employee_months(), policies())
def test_bounds_every_payslip_keeps(month, policy):
    slip = compute_payslip(month, policy)
    assert D(0) <= slip.base <= month.profile.monthly_base
    assert slip.iit >= 0
    # The 20% cap is never exceeded, and only binds when it has to.
    capped_on = slip.base + slip.overtime + slip.commission
    assert slip.fines + slip.late_deduction <= capped_on * D("0.2")
    assert D(0) <= slip.fines <= slip.fines_uncapped
    assert D(0) <= slip.late_deduction <= slip.late_deduction_uncapped
    assert slip.deductions_capped == (
        slip.fines_uncapped + slip.late_deduction_uncapped > slip.deduction_cap)
    if not slip.deductions_capped:
        assert (slip.fines, slip.late_deduction) == (slip.fines_uncapped,
                                                     slip.late_deduction_uncapped)
    if policy.si_base_min is not None and month.si_enrolled:
        assert slip.si_base >= policy.si_base_min or (
            policy.si_base_max is not None and slip.si_base == policy.si_base_max)


@st.composite
def working_years(draw):
    """Twelve months from January whose taxable income is each ≥ 5,000 + special."""
    special = draw(money("0", "4000"))
    floor = (BASIC_DEDUCTION_PER_MONTH + special) * D("1.6")
    months = []
    for _ in range(12):
        months.append(dict(
            monthly_base=draw(money(str(floor), "150000")),
            commission_jobs=tuple(draw(st.lists(jobs, max_size=5))),
            rewards=tuple(draw(st.lists(money("0", "3000"), max_size=2))),
            fines=tuple(draw(st.lists(money("0", "3000"), max_size=2))),
            late=draw(st.integers(min_value=0, max_value=5)),
            si_enrolled=draw(st.booleans()),
        ))
    return special, months


@checked
@given(working_years())
def test_a_years_withholding_adds_up_to_the_table_tax_on_the_year(year):
    special, months = year
    policy = PayrollPolicy()
    history = TaxHistory(months=1)
    withheld = []
    for number, spec in enumerate(months, start=1):
        slip = compute_payslip(EmployeeMonth(
            month=date(2026, number, 1),
            profile=PayProfile(monthly_base=spec["monthly_base"], commission=True),
            attendance=AttendanceFacts(scheduled=22, attended=D(22), late=spec["late"]),
            employed_from=date(2025, 1, 1), jobs=spec["commission_jobs"],
            rewards=spec["rewards"], fines=spec["fines"], si_enrolled=spec["si_enrolled"],
            monthly_special_deduction=special,
            tax=TaxHistory(earlier_taxable=history.earlier_taxable,
                           earlier_tax=history.earlier_tax, months=number),
        ), policy)
        assume(slip.taxable >= BASIC_DEDUCTION_PER_MONTH + special)
        withheld.append(slip.iit)
        history = TaxHistory(earlier_taxable=history.earlier_taxable + slip.taxable,
                             earlier_tax=history.earlier_tax + slip.iit)
    year_taxable = history.earlier_taxable - (BASIC_DEDUCTION_PER_MONTH + special) * 12
    assert sum(withheld) == round_money(iit_table_tax(year_taxable))
    assert slip.cum_taxable == year_taxable


CST = timezone(timedelta(hours=8))
day_outcomes = st.tuples(
    st.sampled_from([None, *LEAVE_KINDS]),          # leave kind
    st.sampled_from([D(1), D("0.5")]),              # leave fraction
    st.sampled_from(["both", "in", "out", "none"]),  # punches present
    st.integers(min_value=-60, max_value=400),       # minutes late
    st.integers(min_value=-60, max_value=400),       # minutes early
)


@checked
@given(st.lists(day_outcomes, min_size=0, max_size=31), st.integers(min_value=0, max_value=31))
def test_every_scheduled_day_inside_employment_is_accounted_for_once(days, hired_on):
    first = date(2026, 1, 1)
    shifts, punches, leave = [], {}, {}
    for n, (kind, fraction, present, late, early) in enumerate(days):
        day = first + timedelta(days=n)
        start = datetime(2026, 1, day.day, 11, tzinfo=CST)
        shift = Shift(day, start, start + timedelta(hours=10))
        shifts.append(shift)
        clock_in = start + timedelta(minutes=late)
        clock_out = max(shift.ends_at - timedelta(minutes=early), clock_in)
        punches[day] = Punches(clock_in if present in ("both", "in") else None,
                               clock_out if present in ("both", "out") else None)
        if kind:
            leave[day] = LeaveDay(kind, fraction)
    employed_from = first + timedelta(days=hired_on)
    facts = attendance_facts(shifts, punches, leave, employed_from, None)
    assert facts.scheduled == sum(1 for s in shifts if s.work_date >= employed_from)
    assert (facts.attended + facts.paid_leave + facts.sick_leave + facts.unpaid_leave
            + facts.absent) == facts.scheduled
    assert 0 <= facts.late <= 2 * facts.scheduled
    for d in facts.days:
        assert d.attended + d.paid_leave + d.sick_leave + d.unpaid_leave + d.absent == 1
