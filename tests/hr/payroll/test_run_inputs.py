"""What a payroll run reads from the database (inputs.py): who is in it, the values in
force (store, level, pay) by their effective dates, the month's business days for jobs
and card sales, punches paired with shifts, leave, overtime, settlements."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr.models import ClockRecord, EmployeeChange, Offboarding, ScheduleEntry
from app.blueprints.hr.payroll.inputs import load_run_inputs, value_on
from app.blueprints.hr.payroll.rules import compute_payslip
from app.extensions import db
from app.models import PayProfile
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data
from tests.hr.payroll.payroll_data import NOVEMBER, at

# Also on SQLite: business-day windows on timestamps and money sums in SQL.
pytestmark = pytest.mark.both_backends

M = Decimal


def inputs_by_no(month=NOVEMBER, store_id=None) -> dict:
    return {p.employee_no: p for p in load_run_inputs(month, store_id).employees}


def test_who_is_in_the_run_of_a_month(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        data.add_therapist(store, "A1")
        data.add_therapist(store, "A2", hire_date=date(2026, 11, 10))  # joined in the month
        data.add_therapist(store, "A3", hire_date=date(2026, 12, 1))  # not yet
        data.add_therapist(store, "A4", status="left", last_day=date(2026, 11, 15))
        data.add_therapist(store, "A5", status="left", last_day=date(2026, 10, 31))
        data.add_therapist(store, "A6", status="left")  # no last day: cannot be paid
        data.add_therapist(store, "A7", status="candidate")
        data.add_therapist(store, "A8", hire_date=None, status="onboarding")
        data.add_therapist(store, "A9", status="offboarding", last_day=date(2026, 12, 3))
        people = inputs_by_no()
    assert {"A1", "A2", "A4", "A9"} <= set(people)
    assert not {"A3", "A5", "A6", "A7", "A8"} & set(people)
    assert people["A2"].month.employed_whole_month is False
    assert people["A4"].month.employed_to == date(2026, 11, 15)
    assert people["A9"].month.employed_whole_month is True


def test_head_office_staff_only_in_the_company_wide_run(app, company_a):
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        db.session.add(PayProfile(name="人事", position_id=data.position("hr_staff").id,
                                  monthly_base=M("6000.00")))
        db.session.flush()
        hr_no = company_a.employees["hr_staff"].employee_no
        assert hr_no in inputs_by_no()
        assert inputs_by_no()[hr_no].store_id is None
        for store in company_a.stores:
            assert hr_no not in inputs_by_no(store_id=store.id)


def test_a_transfer_puts_people_in_the_store_of_the_months_end(app, company_a):
    first, second = company_a.stores
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        moved = data.add_therapist(second, "T1")  # moved 1 → 2 on Nov 20 (applied)
        later = data.add_therapist(second, "T2")  # moved 1 → 2 on Dec 5 (applied early)
        for person, day in ((moved, date(2026, 11, 20)), (later, date(2026, 12, 5))):
            db.session.add(EmployeeChange(employee_id=person.id, kind="transfer",
                                          effective_on=day, status="applied",
                                          new_store_id=second.id, old_store_id=first.id))
        db.session.flush()
        in_first, in_second = inputs_by_no(store_id=first.id), inputs_by_no(store_id=second.id)
        assert "T1" in in_second and "T1" not in in_first
        assert "T2" in in_first and "T2" not in in_second
        assert inputs_by_no()["T2"].store_id == first.id


def test_value_in_force_on_a_date():
    from app.blueprints.hr.payroll.change_history import AppliedChange

    changes = [AppliedChange(date(2026, 11, 10), 1, {"level_id": 2}, {"level_id": 1}),
               AppliedChange(date(2026, 11, 20), 2, {"level_id": 3}, {"level_id": 2}),
               AppliedChange(date(2026, 11, 25), 3, {"store_id": 9}, {"store_id": 8})]
    assert value_on(changes, "level_id", date(2026, 11, 9), 3) == 1  # before any: the old
    assert value_on(changes, "level_id", date(2026, 11, 10), 3) == 2  # on its day: the new
    assert value_on(changes, "level_id", date(2026, 11, 19), 3) == 2
    assert value_on(changes, "level_id", date(2026, 11, 30), 3) == 3
    assert value_on(changes, "position_id", date(2026, 11, 30), 7) == 7  # never changed
    assert value_on([], "level_id", date(2026, 11, 30), None) is None


def test_jobs_are_paid_at_the_level_in_force_when_they_started(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        person = data.add_therapist(store, "L1", level=setup["senior"])  # now 高级 (×1.5)
        data.level_change(person, setup["senior"], setup["level"], date(2026, 11, 16))
        jobs = data.Jobs(store, setup["item"])
        jobs.add(person, [date(2026, 11, 15)], rotation=2)  # 中级 ×1.2: 36.00 each
        # Started at 01:00 on the 16th (business day of the 15th): already 高级 ×1.5.
        jobs.add(person, [date(2026, 11, 16)], requested=1, hour=1)
        jobs.add(person, [date(2026, 11, 20)], rotation=1)  # ×1.5: 45.00
        steady = data.add_therapist(store, "L2", level=setup["level"])
        jobs.add(steady, [date(2026, 11, 20)], rotation=1, requested=1)
        people = inputs_by_no()
        promoted = people["L1"].month
        assert sorted((j.job_type, j.level_multiplier) for j in promoted.jobs
                      for _ in range(j.count)) == [
            ("requested", M("1.500")), ("rotation", M("1.200")), ("rotation", M("1.200")),
            ("rotation", M("1.500"))]
        slip = compute_payslip(promoted, load_run_inputs(NOVEMBER).policy)
        assert slip.commission == M("36.00") * 2 + M("60.00") + M("45.00")
        assert {j.level_multiplier for j in people["L2"].month.jobs} == {M("1.200")}
        # For October (before the promotion) the level was 中级.
        assert inputs_by_no(date(2026, 10, 1))["L1"].level_name == "中级"


def test_jobs_of_the_months_business_days_only(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        person = data.add_therapist(store, "J1", level=setup["level"])
        jobs = data.Jobs(store, setup["item"])
        jobs.add(person, [date(2026, 12, 1)], rotation=1, hour=2)  # 02:00 Dec 1: Nov 30's day
        jobs.add(person, [date(2026, 11, 1)], rotation=1, hour=3)  # 03:00 Nov 1: Oct 31's day
        jobs.add(person, [date(2026, 11, 1)], rotation=1, requested=1, returned=3, hour=10)
        month = inputs_by_no()["J1"].month
        assert sorted(j.job_type for j in month.jobs for _ in range(j.count)) == [
            "requested", "rotation", "rotation"]
        assert sum(j.count for j in inputs_by_no(date(2026, 10, 1))["J1"].month.jobs) == 1


def test_card_sales_count_the_money_paid_not_the_bonus(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        setup["profile"].card_sale_rate = M("0.0300")
        person = data.add_therapist(store, "C1")
        data.sell_card(store, person, "1000.00", bonus="200.00")
        data.sell_card(store, person, "880.00", kind="package")
        data.sell_card(store, person, "500.00", when=at(date(2026, 12, 1), 5))  # Nov 30's day
        data.sell_card(store, person, "700.00", when=at(date(2026, 12, 1), 7))  # December
        db.session.flush()
        people = inputs_by_no()
        assert people["C1"].month.card_sales_amount == M("2380.00")
        assert people["C1"].card_sales_count == 3
        slip = compute_payslip(people["C1"].month, load_run_inputs(NOVEMBER).policy)
        assert slip.card_commission == M("71.40")


def test_a_pay_change_splits_the_month_of_its_effective_date(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        person = data.add_therapist(store, "P1", monthly_base_override=M("4000.00"))
        db.session.add(EmployeeChange(employee_id=person.id, kind="pay_change",
                                      effective_on=date(2026, 11, 20), status="applied",
                                      new_monthly_base=M("4000.00"), old_monthly_base=None))
        own = PayProfile(name="店长助理薪资", monthly_base=M("5000.00"), commission=False)
        db.session.add(own)
        db.session.flush()
        other = data.add_therapist(store, "P2", pay_profile_id=own.id)
        db.session.flush()
        november, october = inputs_by_no(), inputs_by_no(date(2026, 10, 1))
        # The month-end base, and November split at the 20th (specs/payroll.md).
        assert november["P1"].month.profile.monthly_base == M("4000.00")
        assert [(p.first_day, p.last_day, p.monthly_base)
                for p in november["P1"].month.base_parts] == [
            (date(2026, 11, 1), date(2026, 11, 19), M("3000.00")),
            (date(2026, 11, 20), date(2026, 11, 30), M("4000.00"))]
        assert october["P1"].month.profile.monthly_base == M("3000.00")
        assert october["P1"].month.base_parts == ()
        assert november[other.employee_no].month.base_parts == ()
        assert (november["P1"].profile_name, november["P1"].profile_source) == (
            "技师薪资", "position")
        assert november[other.employee_no].month.profile.monthly_base == M("5000.00")
        assert november[other.employee_no].profile_source == "employee"
        assert setup["profile"].id == november["P1"].profile_id


def test_punches_leave_and_overtime_as_the_attendance_rules_need_them(app, company_a):
    store = company_a.stores[0]
    days = [date(2026, 11, d) for d in range(2, 8)]
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        person = data.add_therapist(store, "K1")
        data.schedule_month(person, store, days=days, rest={date(2026, 11, 7)})
        # An unpublished shift on the 8th is not payroll's business.
        db.session.add(ScheduleEntry(employee_id=person.id, store_id=store.id,
                                     work_date=date(2026, 11, 8), starts_at=at(date(2026, 11, 8),
                                                                               12),
                                     ends_at=at(date(2026, 11, 8), 22)))
        data.clock_days(person, store, days[:3])
        # The 5th: the clock-in was voided, a correction (补卡) replaced it.
        data.clock_days(person, store, [date(2026, 11, 5)])
        wrong = db.session.scalars(select(ClockRecord).where(
            ClockRecord.employee_id == person.id, ClockRecord.kind == "in",
            ClockRecord.at >= at(date(2026, 11, 5), 0))).first()
        wrong.voided_at = at(date(2026, 11, 5), 13)
        db.session.add(ClockRecord(employee_id=person.id, store_id=store.id, kind="in",
                                   at=at(date(2026, 11, 5), 12, 3), source="correction",
                                   reason="忘记打卡"))
        # The 6th: half a day of annual leave, and present.
        data.clock_days(person, store, [date(2026, 11, 6)], late={date(2026, 11, 6): 200})
        data.leave(person, store, date(2026, 11, 6), kind="annual", half_day=True)
        data.leave(person, store, date(2026, 11, 3), kind="sick", status="rejected")
        data.overtime(person, store, date(2026, 11, 3), "2")
        data.overtime(person, store, date(2026, 11, 7), "3")  # rest day
        data.overtime(person, store, date(2026, 11, 8), "1", status="pending")
        person_inputs = inputs_by_no()["K1"]
    facts = person_inputs.month.attendance
    assert facts.scheduled == 5
    assert (facts.attended, facts.paid_leave, facts.absent, facts.late) == (
        M("4.5"), M("0.5"), M("0"), 0)
    assert [(o.work_date.day, o.hours, o.is_rest_day)
            for o in person_inputs.month.overtime] == [(3, M("2.00"), False),
                                                        (7, M("3.00"), True)]


def test_overnight_shifts_take_the_next_mornings_clock_out(app, company_a):
    store = company_a.stores[0]
    days = [date(2026, 11, 2), date(2026, 11, 3)]
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        person = data.add_therapist(store, "N1")
        for day in days:
            db.session.add(ScheduleEntry(employee_id=person.id, store_id=store.id, work_date=day,
                                         starts_at=at(day, 20),
                                         ends_at=at(day + timedelta(days=1), 4),
                                         published_at=at(day, 0)))
            db.session.add_all([
                ClockRecord(employee_id=person.id, store_id=store.id, kind="in",
                            at=at(day, 19, 55)),
                ClockRecord(employee_id=person.id, store_id=store.id, kind="out",
                            at=at(day + timedelta(days=1), 4, 1))])
        db.session.flush()
        facts = inputs_by_no()["N1"].month.attendance
    assert (facts.scheduled, facts.attended, facts.absent, facts.late) == (2, M(2), M(0), 0)


def test_the_settlement_of_a_departure_is_paid_in_the_last_month(app, company_a):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        data.pay_setup()
        person = data.add_therapist(store, "S1", status="left", last_day=date(2026, 11, 12))
        db.session.add_all([
            Offboarding(employee_id=person.id, last_day=date(2026, 11, 12), status="completed",
                        settlement_amount=M("-150.00"), settlement_note="工服未还"),
            Offboarding(employee_id=person.id, last_day=date(2026, 11, 10), status="cancelled",
                        settlement_amount=M("999.00")),
        ])
        data.reward(person, store, "30.00", kind="adjustment")
        db.session.flush()
        month = inputs_by_no()["S1"].month
    assert sorted(month.adjustments) == [M("-150.00"), M("30.00")]
