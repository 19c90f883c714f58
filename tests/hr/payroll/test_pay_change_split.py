"""A change of monthly base within the month (specs/payroll.md, "pay change within the
month"): the month is split at the effective date, each part paid at its own rate; the
payslip (page, API, Excel) shows both parts.

November 2026 has 30 days; the shifts are every day but the 4th, 11th, 18th and 25th:
26 scheduled days, 13 in 11/1–11/15 and 13 in 11/16–11/30.  The base goes from
3000.00 to 3600.00 on 11/16; pay_days_per_month 21.75, sick_pay_ratio 0.8:
daily_rate_1 = 3000 / 21.75 = 137.9310344827…, daily_rate_2 = 3600 / 21.75 = 165.5172413793….
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.blueprints.hr.models import EmployeeChange, PayrollRun, Payslip
from app.blueprints.hr.payroll import exports
from app.blueprints.hr.payroll import run as payroll
from app.blueprints.hr.payroll.attendance import AttendanceFacts, DayFacts
from app.blueprints.hr.payroll.rules import (
    BasePart,
    EmployeeMonth,
    PayProfile,
    PayrollPolicy,
    compute_payslip,
)
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data

D = Decimal
NOV = date(2026, 11, 1)
CHANGE = date(2026, 11, 16)
REST = {4, 11, 18, 25}
PARTS = (BasePart(NOV, date(2026, 11, 15), D("3000.00")),
         BasePart(CHANGE, date(2026, 11, 30), D("3600.00")))


def days_of(special: dict[int, dict], first: int = 1) -> AttendanceFacts:
    """Facts of the scheduled days from ``first`` on: attended unless ``special`` says."""
    days = []
    for n in range(first, 31):
        if n in REST:
            continue
        kwargs = special.get(n, {"attended": D(1)})
        days.append(DayFacts(date(2026, 11, n), **{k: D(v) for k, v in kwargs.items()}))

    def total(name):
        return sum((getattr(d, name) for d in days), D(0))

    return AttendanceFacts(scheduled=len(days), attended=total("attended"),
                           paid_leave=total("paid_leave"), sick_leave=total("sick_leave"),
                           unpaid_leave=total("unpaid_leave"), absent=total("absent"),
                           days=tuple(days))


def month(attendance, **changes) -> EmployeeMonth:
    base = EmployeeMonth(month=NOV, profile=PayProfile(monthly_base=D("3600.00")),
                         attendance=attendance, employed_from=date(2025, 3, 1),
                         si_enrolled=False, base_parts=PARTS)
    return replace(base, **changes)


def test_whole_month_with_personal_leave_and_absence_in_each_part():
    # Part 1 (11/1–11/15): personal leave on the 5th (UL 1), half a day absent on the
    # 9th (AB 0.5).  Part 2 (11/16–11/30): absent on the 20th (AB 1), sick on the 23rd.
    facts = days_of({5: {"unpaid_leave": 1}, 9: {"attended": "0.5", "absent": "0.5"},
                     20: {"absent": 1}, 23: {"sick_leave": 1}})
    assert facts.scheduled == 26
    s = compute_payslip(month(facts), PayrollPolicy())
    # 3000 × 13/26 + 3600 × 13/26               = 1500 + 1800            = 3300
    # − 137.9310344827… × (1 + 0.5)             = − 206.8965517241…
    # − 165.5172413793… × 1                     = − 165.5172413793…
    # − 165.5172413793… × (1 − 0.8) × 1         = −  33.1034482758…
    #                                           = 2894.4827586206… → 2894.48
    assert s.base == D("2894.48")
    # The old rule (the whole month at 3600) would have paid
    # 3600 − 165.517… × 2.5 − 33.103… = 3153.10.
    assert s.base != D("3153.10")
    first, second = s.base_parts
    assert (first.first_day, first.last_day, first.monthly_base) == (
        NOV, date(2026, 11, 15), D("3000.00"))
    assert (first.share_days, first.month_days) == (13, 26)
    assert (first.unpaid_leave, first.absent, first.sick_leave) == (D(1), D("0.5"), D(0))
    assert first.amount == D("1293.10")  # 1500 − 206.8965…
    assert (second.share_days, second.absent, second.sick_leave) == (13, D(1), D(1))
    assert second.amount == D("1601.38")  # 1800 − 165.5172… − 33.1034…
    # The daily rate shown, overtime and the SI base default follow the month-end base.
    assert s.daily_rate.quantize(D("0.0001")) == D("165.5172")


def test_a_joiner_is_paid_each_part_at_its_own_daily_rate():
    # Hired 11/10: scheduled 10, 12–15 in part 1 (5 days, all attended); part 2: 13
    # scheduled days, 12 attended and annual leave (PL) on the 24th.
    facts = days_of({24: {"paid_leave": 1}}, first=10)
    s = compute_payslip(month(facts, employed_from=date(2026, 11, 10)), PayrollPolicy())
    # 137.9310344827… × 5           =  689.6551724137…
    # 165.5172413793… × (12 + 1)    = 2151.7241379310…
    #                               = 2841.3793103448… → 2841.38 (not above 3600)
    assert s.base == D("2841.38")
    assert [p.amount for p in s.base_parts] == [D("689.66"), D("2151.72")]
    assert [p.scheduled for p in s.base_parts] == [5, 13]


def test_a_leaver_is_paid_each_part_at_its_own_daily_rate():
    # Last day 11/20: part 1 all 13 scheduled days attended; part 2 the 16th, 17th,
    # 19th and 20th (the 18th is a rest day).
    facts = days_of({})
    facts = replace(facts, days=tuple(d for d in facts.days if d.work_date.day <= 20),
                    scheduled=17, attended=D(17))
    s = compute_payslip(month(facts, employed_to=date(2026, 11, 20)), PayrollPolicy())
    # 137.9310344827… × 13 = 1793.1034482758…
    # 165.5172413793… ×  4 =  662.0689655172…
    #                      = 2455.1724137931… → 2455.17
    assert s.base == D("2455.17")
    assert [p.scheduled for p in s.base_parts] == [13, 4]


def test_nothing_scheduled_splits_by_calendar_days():
    s = compute_payslip(month(AttendanceFacts()), PayrollPolicy())
    # 3000 × 15/30 + 3600 × 15/30 = 1500 + 1800 = 3300.00
    assert s.base == D("3300.00")
    assert [(p.share_days, p.month_days) for p in s.base_parts] == [(15, 30), (15, 30)]


def test_one_part_is_the_plain_whole_month_rule():
    facts = days_of({5: {"unpaid_leave": 1}})
    plain = compute_payslip(month(facts, base_parts=()), PayrollPolicy())
    assert plain.base == D("3600.00") - (D("3600.00") / D("21.75")).quantize(D("0.01"))
    assert plain.base_parts == ()


@pytest.mark.parametrize("parts", [
    (BasePart(date(2026, 11, 2), date(2026, 11, 15), D(1)), PARTS[1]),
    (PARTS[0], BasePart(date(2026, 11, 17), date(2026, 11, 30), D(1))),
])
def test_parts_must_cover_the_month(parts):
    with pytest.raises(ValueError):
        compute_payslip(month(days_of({}), base_parts=parts), PayrollPolicy())


def _person_with_a_raise(company):
    """A therapist on the worked example's profile (3000.00), raised to 3600.00 from
    11/16 by an applied 调薪; UL/AB/SL as in the first test above."""
    store = company.stores[0]
    data.pay_setup()
    person = data.add_therapist(store, "R1", name="调薪技师")
    shift_days = data.schedule_month(person, store)
    off = {date(2026, 11, n) for n in (5, 20, 23)}
    data.clock_days(person, store, [d for d in shift_days if d not in off],
                    late={date(2026, 11, 9): 130})  # beyond 120 min: half a day absent
    data.leave(person, store, date(2026, 11, 5))  # personal
    data.leave(person, store, date(2026, 11, 23), kind="sick")
    db.session.add(EmployeeChange(employee_id=person.id, kind="pay_change",
                                  effective_on=CHANGE, status="applied",
                                  new_monthly_base=D("3600.00"), old_monthly_base=None,
                                  applied_at=data.at(CHANGE, 0)))
    db.session.flush()
    return person


def test_the_run_pays_the_split_and_every_view_shows_both_parts(
        app, client, auth, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        person = _person_with_a_raise(company_a)
        run, _job = payroll.start_run("2026-11")
        commit_and_dispatch()
        run_id, person_id = run.id, person.id
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == run_id,
                                                       Payslip.employee_id == person_id))
        assert slip.base == D("2894.48")  # the arithmetic of the first test
        slip_id = slip.id
        content = exports.payroll_workbook(db.session.get(PayrollRun, run_id))

    auth.login_as(company_a, "hr_manager")
    page = client.get(f"/hr/payroll/payslips/{slip_id}").text
    parts = page.split('data-line="base_parts"')[1].split("</li>")[0]
    assert "11/1–11/15 月薪 3000.00 × 13/26 天" in parts
    assert "11/16–11/30 月薪 3600.00 × 13/26 天" in parts
    assert "1293.10" in parts and "1601.38" in parts

    headers = api_token(company_a, "hr_manager")
    slips = client.get(f"/api/v1/payroll/runs/{run_id}/payslips", headers=headers).get_json()
    items = slips["items"] if isinstance(slips, dict) else slips
    mine = next(s for s in items if s["employee_id"] == person_id)
    assert mine["base"] == "2894.48"
    assert [(p["first_day"], p["last_day"], p["monthly_base"], p["amount"])
            for p in mine["detail"]["base_parts"]] == [
        ("2026-11-01", "2026-11-15", "3000.00", "1293.10"),
        ("2026-11-16", "2026-11-30", "3600.00", "1601.38")]

    sheet = load_workbook(io.BytesIO(content))["工资表"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "R1")
    text = row[header.index("基本工资分段")]
    assert "11/1–11/15 月薪 3000.00" in text and "11/16–11/30 月薪 3600.00" in text


def test_no_change_in_the_month_leaves_no_parts(app, company_a):
    with tenant_context(company_a.tenant_id):
        example = data.worked_example(company_a)
        run, _job = payroll.start_run("2026-11")
        commit_and_dispatch()
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == run.id,
                                                       Payslip.employee_id == example.id))
        assert slip.base == data.WORKED_EXAMPLE["base"]
        assert slip.detail["base_parts"] == []
