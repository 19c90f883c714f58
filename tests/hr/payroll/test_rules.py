"""Each payroll rule of specs/payroll.md as a unit test on plain values."""

import decimal
from dataclasses import replace
from datetime import date
from decimal import Decimal

import chinese_calendar
import pytest

from app.blueprints.hr.payroll import holidays
from app.blueprints.hr.payroll.attendance import AttendanceFacts
from app.blueprints.hr.payroll.holidays import (
    HolidayCalendarMissing,
    is_statutory_holiday,
    statutory_holidays,
)
from app.blueprints.hr.payroll.rules import (
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
POLICY = PayrollPolicy()
NOV = date(2026, 11, 1)
# 2175 / 21.75 = 100 a day, 12.50 an hour: easy figures to check by hand.
PROFILE = PayProfile(monthly_base=D("2175.00"))


def facts(attended=22, paid=0, sick=0, unpaid=0, absent=0, late=0, scheduled=None):
    days = [D(x) for x in (attended, paid, sick, unpaid, absent)]
    return AttendanceFacts(scheduled=scheduled if scheduled is not None else int(sum(days)),
                           attended=days[0], paid_leave=days[1], sick_leave=days[2],
                           unpaid_leave=days[3], absent=days[4], late=late)


def month(**changes) -> EmployeeMonth:
    base = EmployeeMonth(month=NOV, profile=PROFILE, attendance=facts(),
                         employed_from=date(2025, 3, 1), si_enrolled=False)
    return replace(base, **changes)


def slip(policy=POLICY, **changes):
    return compute_payslip(month(**changes), policy)


# --- money --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "rounded"), [
    ("2.675", "2.68"), ("2.665", "2.67"), ("0.005", "0.01"), ("0.0049999", "0.00"),
    ("-0.005", "-0.01"), ("12", "12.00"), (7, "7.00"),
])
def test_round_money_is_half_up_to_the_fen(raw, rounded):
    assert round_money(raw) == D(rounded)
    assert str(round_money(raw)) == rounded


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(2.675)


def test_a_callers_decimal_context_does_not_change_the_payslip():
    reference = slip(profile=replace(PROFILE, monthly_base=D("3000.00")),
                     attendance=facts(unpaid=1, attended=21))
    with decimal.localcontext(prec=4, rounding=decimal.ROUND_DOWN):
        again = slip(profile=replace(PROFILE, monthly_base=D("3000.00")),
                     attendance=facts(unpaid=1, attended=21))
    assert again == reference
    assert again.base == D("2862.07")


# --- settings -----------------------------------------------------------------------------

def test_policy_defaults_are_the_specs():
    p = PayrollPolicy()
    assert (p.pay_days_per_month, p.hours_per_day, p.late_grace_minutes, p.late_deduction,
            p.late_half_day_minutes, p.sick_pay_ratio) == (
        D("21.75"), 8, 5, D("20.00"), 120, D("0.8"))
    assert (p.pension_rate, p.medical_rate, p.unemployment_rate, p.housing_fund_rate) == (
        D("0.08"), D("0.02"), D("0.005"), D("0.05"))
    assert p.si_base_min is None and p.si_base_max is None
    assert PayrollPolicy.from_settings({}) == p


def test_policy_from_strings_numbers_and_json_floats():
    p = PayrollPolicy.from_settings({
        "pay_days_per_month": "22", "hours_per_day": 7.5, "late_grace_minutes": "10",
        "late_deduction": 30, "pension_rate": 0.08, "medical_rate": "0.021",
        "si_base_min": "4000.00", "si_base_max": 30000, "late_half_day_minutes": 90.0,
        "unrelated_setting": "ignored", "sick_pay_ratio": None,
    })
    assert p.pay_days_per_month == D("22") and p.hours_per_day == D("7.5")
    assert p.late_grace_minutes == 10 and type(p.late_grace_minutes) is int
    assert p.late_half_day_minutes == 90
    assert p.pension_rate == D("0.08") and p.medical_rate == D("0.021")
    assert (p.si_base_min, p.si_base_max) == (D("4000.00"), D(30000))
    assert p.sick_pay_ratio == D("0.8")
    assert p.attendance_policy().late_grace_minutes == 10


@pytest.mark.parametrize(("settings", "key"), [
    ({"late_deduction": "twenty"}, "late_deduction"),
    ({"late_deduction": "-1"}, "late_deduction"),
    ({"pay_days_per_month": "0"}, "pay_days_per_month"),
    ({"hours_per_day": "25"}, "hours_per_day"),
    ({"pension_rate": "1.5"}, "pension_rate"),
    ({"housing_fund_rate": "-0.01"}, "housing_fund_rate"),
    ({"sick_pay_ratio": "NaN"}, "sick_pay_ratio"),
    ({"medical_rate": "Infinity"}, "medical_rate"),
    ({"late_grace_minutes": "5.5"}, "late_grace_minutes"),
    ({"late_grace_minutes": True}, "late_grace_minutes"),
    ({"leave_hr_approval_days": [3]}, "leave_hr_approval_days"),
    ({"late_grace_minutes": 30, "late_half_day_minutes": 20}, "late_half_day_minutes"),
    ({"si_base_min": "5000", "si_base_max": "4000"}, "si_base_max"),
])
def test_policy_refuses_bad_settings_naming_the_key(settings, key):
    with pytest.raises(ValueError, match=key):
        PayrollPolicy.from_settings(settings)


def test_policy_built_directly_is_checked_too():
    with pytest.raises(ValueError, match="hours_per_day"):
        PayrollPolicy(hours_per_day=8.0)
    with pytest.raises(ValueError, match="sick_pay_ratio"):
        PayrollPolicy(sick_pay_ratio=D("1.2"))


# --- base ---------------------------------------------------------------------------------

def test_base_whole_month_takes_off_unpaid_absent_and_part_of_sick_days():
    s = slip(attendance=facts(attended=18, unpaid=1, absent=D("0.5"), sick=2, paid=D("0.5")))
    # 2175 − 100 × 1.5 − 100 × 0.2 × 2; paid leave costs nothing.
    assert s.base == D("1985.00")
    assert s.daily_rate == D(100) and s.hourly_rate == D("12.5")


def test_base_whole_month_follows_the_sick_pay_ratio():
    s = slip(policy=replace(POLICY, sick_pay_ratio=D("0.6")), attendance=facts(sick=3))
    assert s.base == D("2175.00") - D("120.00")


def test_base_whole_month_not_below_zero():
    assert slip(attendance=facts(attended=0, absent=26)).base == D("0.00")


def test_base_whole_month_ignores_the_number_of_scheduled_days():
    assert slip(attendance=facts(attended=26)).base == D("2175.00")
    assert slip(attendance=facts(attended=0, scheduled=0)).base == D("2175.00")


def test_base_mid_month_joiner_is_paid_for_days():
    s = slip(employed_from=date(2026, 11, 16),
             attendance=facts(attended=D("10.5"), paid=1, sick=1, unpaid=2, absent=D("0.5")))
    assert s.base == D("1230.00")  # 100 × (10.5 + 1 + 0.8 × 1)


def test_base_mid_month_leaver_is_paid_for_days():
    s = slip(employed_to=date(2026, 11, 10), attendance=facts(attended=7, absent=1))
    assert s.base == D("700.00")


def test_base_joiner_not_above_monthly_base():
    assert slip(employed_from=date(2026, 11, 2), attendance=facts(attended=25)).base == D(
        "2175.00")


def test_base_is_rounded_half_up_once():
    # daily rate 1234.565: half-even would give 1234.56.
    s = slip(profile=replace(PROFILE, monthly_base=D("2469.13")),
             policy=replace(POLICY, pay_days_per_month=D(2)),
             employed_from=date(2026, 11, 20), attendance=facts(attended=1))
    assert s.base == D("1234.57")


@pytest.mark.parametrize(("employed_from", "employed_to", "whole"), [
    (date(2026, 11, 1), None, True),
    (date(2020, 1, 1), date(2026, 11, 30), True),
    (date(2020, 1, 1), date(2027, 3, 1), True),
    (date(2026, 11, 2), None, False),
    (date(2020, 1, 1), date(2026, 11, 29), False),
    (date(2026, 11, 1), date(2026, 11, 1), False),
])
def test_employed_whole_month(employed_from, employed_to, whole):
    assert month(employed_from=employed_from, employed_to=employed_to).employed_whole_month is whole


def test_employed_whole_month_in_february():
    assert month(month=date(2026, 2, 1), employed_to=date(2026, 2, 28)).employed_whole_month
    assert not month(month=date(2028, 2, 1), employed_to=date(2028, 2, 28)).employed_whole_month


# --- overtime -----------------------------------------------------------------------------

WORKING_DAY = date(2026, 10, 12)   # a Monday the employee is scheduled
REST_DAY = date(2026, 10, 11)      # a Sunday off by the employee's schedule
NATIONAL_DAY = date(2026, 10, 1)   # 国庆节, statutory


def overtime_slip(*entries, **changes):
    return slip(month=date(2026, 10, 1), overtime=tuple(entries), **changes)


def test_overtime_on_a_working_day_is_one_and_a_half():
    s = overtime_slip(OvertimeEntry(WORKING_DAY, D(2), is_rest_day=False))
    assert s.overtime == D("37.50") and s.overtime_hours_working_day == D(2)


def test_overtime_on_a_rest_day_is_double():
    s = overtime_slip(OvertimeEntry(REST_DAY, D(2), is_rest_day=True))
    assert s.overtime == D("50.00") and s.overtime_hours_rest_day == D(2)


@pytest.mark.parametrize("is_rest_day", [False, True])
def test_overtime_on_a_statutory_holiday_is_triple_and_wins_over_a_rest_day(is_rest_day):
    s = overtime_slip(OvertimeEntry(NATIONAL_DAY, D(2), is_rest_day=is_rest_day))
    assert s.overtime == D("75.00")
    assert (s.overtime_hours_holiday, s.overtime_hours_rest_day) == (D(2), D(0))


@pytest.mark.parametrize(("day", "is_rest_day", "pay"), [
    (date(2026, 10, 5), False, "37.50"),   # 调休 day of the break: not statutory
    (date(2026, 10, 4), True, "50.00"),    # Sunday inside the break: not statutory
    (date(2026, 10, 3), False, "75.00"),   # statutory, though a Saturday
    (date(2026, 2, 16), False, "75.00"),   # 除夕, statutory from 2025
    (date(2026, 2, 20), True, "50.00"),    # 调休 in the Spring Festival break
    (date(2026, 9, 20), False, "37.50"),   # a Sunday made a working day (调班)
])
def test_only_statutory_days_of_an_official_break_pay_triple(day, is_rest_day, pay):
    assert overtime_slip(OvertimeEntry(day, D(2), is_rest_day=is_rest_day)).overtime == D(pay)


def test_overtime_hours_are_summed_exactly_then_rounded_once():
    p = replace(PROFILE, monthly_base=D("3000.00"))  # hourly 17.2413793...
    s = overtime_slip(*(OvertimeEntry(date(2026, 10, d), D(1)) for d in (12, 13, 14)), profile=p)
    assert s.overtime == D("77.59")  # rounding each entry would give 3 × 25.86 = 77.58


def test_overtime_mixed_kinds_add_up():
    s = overtime_slip(OvertimeEntry(WORKING_DAY, D("1.5")), OvertimeEntry(REST_DAY, D(3), True),
                      OvertimeEntry(NATIONAL_DAY, D("0.5")))
    # 1.5 × 12.5 × 1.5 + 3 × 12.5 × 2 + 0.5 × 12.5 × 3 = 28.125 + 75 + 18.75 = 121.875
    assert s.overtime == D("121.88")


def _unknown_year() -> int:
    """The first year the calendar package does not know yet (2027 with the pinned
    release; derived, so a newer release that knows 2027 moves it on)."""
    return max(_known_years()) + 1


def test_no_overtime_pay_when_not_eligible_and_no_calendar_needed():
    profile = replace(PROFILE, overtime_eligible=False)
    year = _unknown_year()
    s = slip(month=date(year, 1, 1), profile=profile,
             overtime=(OvertimeEntry(date(year, 1, 1), D(4)),))
    assert s.overtime == D("0.00") and s.overtime_hours_working_day == D(0)


def test_overtime_in_a_year_without_a_calendar_names_the_year():
    year = _unknown_year()
    with pytest.raises(HolidayCalendarMissing) as caught:
        slip(month=date(year, 1, 1), overtime=(OvertimeEntry(date(year, 1, 4), D(2)),))
    assert caught.value.year == year
    assert str(year) in str(caught.value)


def test_a_month_of_an_unknown_year_runs_when_no_paid_overtime_needs_it():
    year = _unknown_year()
    s = slip(month=date(year, 1, 1), overtime=(OvertimeEntry(date(year, 1, 1), D(0)),))
    assert s.base == D("2175.00") and s.overtime == D("0.00")


def test_negative_overtime_hours_are_refused():
    with pytest.raises(ValueError, match="overtime hours"):
        overtime_slip(OvertimeEntry(WORKING_DAY, D(-1)))


# --- statutory holidays -------------------------------------------------------------------

def test_statutory_holidays_2026_are_the_thirteen_days_of_the_regulation():
    assert sorted(statutory_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),
        date(2026, 4, 5),
        date(2026, 5, 1), date(2026, 5, 2),
        date(2026, 6, 19),
        date(2026, 9, 25),
        date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3),
    ]
    assert statutory_holidays(2026)[date(2026, 9, 25)] == "Mid-autumn Festival"


def test_statutory_holidays_2025():
    days = statutory_holidays(2025)
    assert len(days) == 13
    assert {date(2025, 1, 28), date(2025, 4, 4), date(2025, 5, 31), date(2025, 10, 6)} <= set(days)
    assert date(2025, 6, 2) not in days  # Monday given back for 端午 on a Saturday


def _known_years():
    return sorted({day.year for day in chinese_calendar.holidays
                   if day.year >= holidays.FIRST_YEAR})


def test_every_statutory_day_is_an_official_day_off_of_that_festival():
    """Checks the lunar conversion against the official calendar, every year it knows."""
    assert _known_years(), "chinesecalendar knows no year since the 2025 regulation"
    for year in _known_years():
        for day, name in statutory_holidays(year).items():
            assert chinese_calendar.get_holiday_detail(day) == (True, name), day
            assert not chinese_calendar.is_in_lieu(day), day


def test_every_year_the_calendar_package_knows_has_thirteen_statutory_days():
    years = _known_years()
    assert {2025, 2026} <= set(years)  # the years the demo and the tests pay
    for year in years:
        assert len(statutory_holidays(year)) == 13, year


def test_is_statutory_holiday():
    assert is_statutory_holiday(date(2026, 10, 1))
    assert not is_statutory_holiday(date(2026, 10, 7))
    assert not is_statutory_holiday(date(2026, 11, 14))  # an ordinary Saturday


@pytest.mark.parametrize("year", [2024, "first unknown", 2100])
def test_unknown_years_raise_holiday_calendar_missing(year):
    year = _unknown_year() if year == "first unknown" else year
    with pytest.raises(HolidayCalendarMissing) as caught:
        is_statutory_holiday(date(year, 5, 1))
    assert caught.value.year == year


# --- commission ---------------------------------------------------------------------------

def job(kind="rotation", rotation="30.00", requested="40.00", multiplier="1"):
    return JobForPay(kind, D(rotation), D(requested), D(multiplier))


def test_commission_uses_the_jobs_type_and_level_multiplier():
    s = slip(profile=replace(PROFILE, commission=True),
             jobs=(job("rotation", multiplier="1.2"), job("requested", multiplier="1.5")))
    assert s.commission == D("96.00")  # 36 + 60
    assert (s.rotation_jobs, s.requested_jobs) == (1, 1)


def test_commission_each_job_rounded_then_summed():
    jobs = (job(rotation="10.05", multiplier="1.1"),) * 2  # 11.055 -> 11.06 each
    assert slip(profile=replace(PROFILE, commission=True), jobs=jobs).commission == D("22.12")


def test_a_line_of_n_jobs_pays_and_counts_like_n_lines_of_one():
    profile = replace(PROFILE, commission=True)
    one = job(rotation="10.05", multiplier="1.1")  # 11.055 -> 11.06 each, not 33.165 -> 33.17
    requested = job("requested", multiplier="1.5")
    counted = slip(profile=profile, jobs=(replace(one, count=3), requested))
    single = slip(profile=profile, jobs=(one, one, one, requested))
    assert counted.commission == single.commission == D("93.18")  # 3 × 11.06 + 60.00
    assert (counted.rotation_jobs, counted.requested_jobs) == (3, 1)
    assert counted == single
    none = slip(profile=profile, jobs=(replace(one, count=0),))
    assert none.commission == D("0.00") and none.rotation_jobs == 0


@pytest.mark.parametrize("count", [-1, 1.5, True, "2"])
def test_a_job_count_that_is_not_a_whole_number_is_refused(count):
    with pytest.raises(ValueError, match="job count"):
        slip(profile=replace(PROFILE, commission=True), jobs=(replace(job(), count=count),))


def test_no_commission_without_the_profile_flag_but_jobs_are_counted():
    s = slip(jobs=(job(), job("requested")))
    assert s.commission == D("0.00") and (s.rotation_jobs, s.requested_jobs) == (1, 1)


def test_unknown_job_type_is_refused():
    with pytest.raises(ValueError, match="job_type"):
        slip(profile=replace(PROFILE, commission=True), jobs=(job("returned"),))


# --- card sales, meal, bonus, rewards -----------------------------------------------------

@pytest.mark.parametrize(("rate", "amount", "pay"), [
    ("0.05", "12345.67", "617.28"), ("0.03", "16.50", "0.50"), ("0", "9999.00", "0.00"),
])
def test_card_sale_commission(rate, amount, pay):
    s = slip(profile=replace(PROFILE, card_sale_rate=D(rate)), card_sales_amount=D(amount))
    assert s.card_commission == D(pay)


def test_meal_allowance_per_attended_day_including_halves():
    s = slip(profile=replace(PROFILE, meal_allowance_per_day=D("15.00")),
             attendance=facts(attended=D("24.5"), absent=D("0.5")))
    assert s.meal == D("367.50")


BONUS = replace(PROFILE, full_attendance_bonus=D("200.00"))


def test_full_attendance_bonus_when_nothing_breaks_it():
    assert slip(profile=BONUS, attendance=facts(attended=20, paid=6)).full_attendance_bonus == D(
        "200.00")


@pytest.mark.parametrize("broken_by", [
    {"unpaid": D("0.5")}, {"absent": D("0.5")}, {"sick": D("0.5")}, {"late": 1},
])
def test_full_attendance_bonus_lost(broken_by):
    assert slip(profile=BONUS, attendance=facts(**broken_by)).full_attendance_bonus == D("0.00")


def test_no_full_attendance_bonus_for_joiner_or_without_scheduled_days():
    assert slip(profile=BONUS, employed_from=date(2026, 11, 2)).full_attendance_bonus == 0
    assert slip(profile=BONUS, attendance=facts(attended=0, scheduled=0)
                ).full_attendance_bonus == 0


def test_rewards_are_summed():
    assert slip(rewards=(D("100.00"), D("50.50"))).rewards == D("150.50")


@pytest.mark.parametrize("field", ["rewards", "fines"])
def test_negative_rewards_or_fines_are_refused(field):
    with pytest.raises(ValueError):
        slip(**{field: (D("-1.00"),)})


# --- fines, late deduction and the 20% cap ------------------------------------------------

def test_fines_and_late_deduction_under_the_cap():
    s = slip(attendance=facts(late=2), fines=(D("100.00"),))
    assert (s.fines, s.late_deduction, s.deductions_capped) == (D("100.00"), D("40.00"), False)
    assert s.deduction_cap == D("435.00")
    assert s.gross == D("2175.00") - D("140.00")


def test_fines_and_late_deduction_capped_at_twenty_percent_late_first():
    small = replace(PROFILE, monthly_base=D("500.00"))
    s = slip(profile=small, attendance=facts(late=2), fines=(D("50.00"), D("30.00")))
    assert s.deduction_cap == D("100.00")
    assert (s.late_deduction, s.fines, s.deductions_capped) == (D("40.00"), D("60.00"), True)
    assert (s.late_deduction_uncapped, s.fines_uncapped) == (D("40.00"), D("80.00"))
    assert s.gross == D("400.00")


def test_late_deduction_alone_above_the_cap_leaves_no_fine():
    small = replace(PROFILE, monthly_base=D("500.00"))
    s = slip(profile=small, attendance=facts(late=6), fines=(D("50.00"),))
    assert (s.late_deduction, s.fines, s.deductions_capped) == (D("100.00"), D("0.00"), True)


def test_deductions_exactly_at_the_cap_are_not_capped():
    small = replace(PROFILE, monthly_base=D("500.00"))
    s = slip(profile=small, attendance=facts(late=1), fines=(D("80.00"),))
    assert (s.late_deduction, s.fines, s.deductions_capped) == (D("20.00"), D("80.00"), False)


def test_cap_counts_base_overtime_and_commission_only_and_rounds_down():
    profile = PayProfile(monthly_base=D("0.00"), commission=True,
                         meal_allowance_per_day=D("100.00"))
    s = slip(profile=profile, jobs=(job(rotation="33.33"),), rewards=(D("1000.00"),),
             fines=(D("10.00"),))
    assert s.deduction_cap == D("6.66")  # 20% of 33.33 = 6.666, never above 20%
    assert (s.fines, s.deductions_capped) == (D("6.66"), True)
    with_overtime = overtime_slip(OvertimeEntry(WORKING_DAY, D(8)), fines=(D("1000.00"),))
    assert with_overtime.deduction_cap == D("465.00")  # 20% of (2175 + 150)


def test_adjustment_is_signed_added_to_gross_and_not_capped():
    s = slip(adjustments=(D("-300.00"), D("25.50")), fines=(D("10.00"),))
    assert s.adjustment == D("-274.50")
    assert s.deductions_capped is False
    assert s.gross == D("2175.00") - D("10.00") - D("274.50")
    assert s.taxable == s.gross


# --- social insurance ---------------------------------------------------------------------

def test_social_insurance_on_the_monthly_base_by_default():
    s = slip(si_enrolled=True)
    assert s.si_base == D("2175.00")
    assert (s.si_pension, s.si_medical, s.si_unemployment, s.si_housing_fund) == (
        D("174.00"), D("43.50"), D("10.88"), D("108.75"))
    assert s.si_total == D("337.13")
    assert s.taxable == s.gross - s.si_total


def test_each_insurance_is_rounded_then_summed():
    s = slip(si_enrolled=True, si_base=D("3333.33"))
    assert (s.si_pension, s.si_medical, s.si_unemployment, s.si_housing_fund) == (
        D("266.67"), D("66.67"), D("16.67"), D("166.67"))
    assert s.si_total == D("516.68")  # rounding the exact sum would give 516.67


@pytest.mark.parametrize(("si_base", "clamped"), [
    ("2000.00", "4000.00"), ("5000.00", "5000.00"), ("40000.00", "30000.00"),
])
def test_social_insurance_base_clamped_to_the_bounds(si_base, clamped):
    policy = replace(POLICY, si_base_min=D("4000.00"), si_base_max=D("30000.00"))
    s = slip(policy=policy, si_enrolled=True, si_base=D(si_base))
    assert s.si_base == D(clamped)
    assert s.si_pension == round_money(D(clamped) * D("0.08"))


def test_no_social_insurance_when_not_enrolled():
    s = slip(si_enrolled=False, si_base=D("5000.00"))
    assert s.si_total == D("0.00") and s.si_pension == D("0.00") and s.taxable == s.gross


# --- individual income tax ----------------------------------------------------------------

@pytest.mark.parametrize(("cum_taxable", "tax"), [
    ("-100", "0"), ("0", "0"), ("0.01", "0.0003"),
    ("35999.99", "1079.9997"), ("36000", "1080.00"), ("36000.01", "1080.001"),
    ("143999.99", "11879.999"), ("144000", "11880.00"), ("144000.01", "11880.002"),
    ("299999.99", "43079.998"), ("300000", "43080.00"), ("300000.01", "43080.0025"),
    ("419999.99", "73079.9975"), ("420000", "73080.00"), ("420000.01", "73080.003"),
    ("659999.99", "145079.997"), ("660000", "145080.00"), ("660000.01", "145080.0035"),
    ("959999.99", "250079.9965"), ("960000", "250080.00"), ("960000.01", "250080.0045"),
    ("1000000", "268080.00"),
])
def test_iit_table_at_every_bracket_boundary(cum_taxable, tax):
    assert iit_table_tax(D(cum_taxable)) == D(tax)


def taxed(taxable: str, **tax):
    """A January payslip whose taxable income is ``taxable`` (not insured)."""
    return slip(month=date(2026, 1, 1), profile=PayProfile(monthly_base=D(taxable)),
                tax=TaxHistory(**tax))


def test_iit_first_month():
    s = taxed("8000.00")
    assert (s.cum_income, s.cum_deductible, s.cum_taxable, s.iit) == (
        D("8000.00"), D("5000.00"), D("3000.00"), D("90.00"))
    assert s.net == D("7910.00")


def test_iit_nothing_below_the_threshold():
    s = taxed("4999.99")
    assert (s.cum_taxable, s.cum_tax, s.iit) == (D("0.00"), D("0.00"), D("0.00"))


def test_iit_counts_months_special_deduction_opening_balance_and_earlier_payslips():
    s = slip(profile=PayProfile(monthly_base=D("20000.00")), monthly_special_deduction=D("1500"),
             tax=TaxHistory(opening_taxable=D("60000.00"), opening_tax=D("1200.00"),
                            earlier_taxable=D("20000.00"), earlier_tax=D("1100.00"), months=5))
    # cum income 100,000 − (6,500 × 5) = 67,500 → 10% − 2,520 = 4,230 − 2,300 withheld.
    assert (s.cum_income, s.cum_deductible, s.cum_taxable) == (
        D("100000.00"), D("32500.00"), D("67500.00"))
    assert (s.cum_tax, s.tax_already_withheld, s.iit) == (D("4230.00"), D("2300.00"),
                                                          D("1930.00"))
    assert s.tax_months == 5


def test_iit_crossing_a_bracket_within_the_month():
    # cumulative 30,000 taxable earlier (900 withheld), this month +10,000 → 40,000.
    s = slip(profile=PayProfile(monthly_base=D("15000.00")),
             tax=TaxHistory(earlier_taxable=D("40000.00"), earlier_tax=D("900.00"), months=3))
    assert s.cum_taxable == D("40000.00")
    assert s.iit == D("580.00")  # 40,000 × 10% − 2,520 − 900


def test_iit_uses_the_exact_cumulative_tax_and_rounds_half_up():
    s = taxed("5016.50")  # 16.50 × 3% = 0.495
    assert s.iit == D("0.50")


def test_iit_never_negative_when_more_was_withheld():
    s = slip(attendance=facts(attended=0, absent=22), si_enrolled=True,
             tax=TaxHistory(earlier_taxable=D("20000.00"), earlier_tax=D("450.00"), months=3))
    assert s.iit == D("0.00")
    assert s.net == s.gross - s.si_total  # negative here: shown, not clamped
    assert s.net < 0


def test_tax_months_must_be_at_least_one():
    with pytest.raises(ValueError, match="months"):
        slip(tax=TaxHistory(months=0))


# --- totals -------------------------------------------------------------------------------

def test_gross_and_net_are_sums_of_rounded_components():
    profile = PayProfile(monthly_base=D("3000.00"), commission=True, card_sale_rate=D("0.03"),
                         meal_allowance_per_day=D("15.00"), full_attendance_bonus=D("200.00"))
    s = compute_payslip(month(
        month=date(2026, 10, 1), profile=profile, attendance=facts(attended=25),
        overtime=(OvertimeEntry(NATIONAL_DAY, D("2.5")),), jobs=(job(multiplier="1.15"),) * 3,
        card_sales_amount=D("1999.99"), rewards=(D("88.88"),), fines=(D("12.34"),),
        adjustments=(D("0.05"),), si_enrolled=True, si_base=D("3333.33")), POLICY)
    components = (s.base + s.overtime + s.commission + s.card_commission + s.meal
                  + s.full_attendance_bonus + s.rewards - s.fines - s.late_deduction
                  + s.adjustment)
    assert s.gross == components
    assert s.overtime == D("129.31")  # 2.5 × 17.2413793 × 3 = 129.3103
    assert s.commission == D("103.50")
    assert s.card_commission == D("60.00")
    assert s.gross == D("3000.00") + D("129.31") + D("103.50") + D("60.00") + D("375.00") + D(
        "200.00") + D("88.88") - D("12.34") + D("0.05")
    assert s.net == s.gross - s.si_total - s.iit
    for name in ("gross", "net", "taxable", "si_total", "iit"):
        assert s.__getattribute__(name).as_tuple().exponent == -2
