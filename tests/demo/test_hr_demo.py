"""HR demo data: the file, levels and profiles, last month scheduled, clocked and locked,
card sellers credited, idempotent, and a month more for a scale company."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.blueprints.hr.models import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    Offboarding,
    OvertimeRequest,
    PayrollRun,
    Payslip,
    RewardPenalty,
    ScheduleEntry,
    ShiftTemplate,
    TaxOpeningBalance,
)
from app.blueprints.hr.payroll.attendance import LeaveDay, Punches, Shift, attendance_facts
from app.blueprints.hr.payroll.holidays import HolidayCalendarMissing, is_statutory_holiday
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry
from app.demo.history import load_history
from app.demo.hr import (
    count_rows,
    draft_payroll,
    load_hr,
    luhn_digit,
    month_end,
    previous_month,
)
from app.demo.loader import load_demo
from app.extensions import db
from app.models import Employee, PayProfile, Position, Store, TherapistLevel
from app.models.people import ON_STAFF_STATUSES
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code

# Also on SQLite: the HR demo month (COPY on PostgreSQL, executemany on SQLite).
pytestmark = pytest.mark.both_backends

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.fixture
def hr_demo(app):
    load_demo()
    results = {code: load_hr(code) for code in ("yuezu", "qingxi")}
    db.session.commit()
    return results


def _yuezu():
    return tenant_context(find_tenant_by_code("yuezu").id)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _valid_id(number: str) -> bool:
    """GB 11643: 17 digits, then ISO 7064 MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS,
                                                           strict=True)) % 11] == number[17]


def _people():
    return db.session.execute(
        select(Employee, Position.role).join(Position, Position.id == Employee.position_id)
        .order_by(Employee.employee_no)).all()


def test_employee_file_levels_and_pay_profiles(app, hr_demo):
    assert not hr_demo["yuezu"].skipped
    with _yuezu():
        today = today_for_store()
        first = previous_month(today)
        levels = {lv.name: lv.commission_multiplier
                  for lv in db.session.scalars(select(TherapistLevel))}
        assert levels == {"初级": Decimal("1.000"), "中级": Decimal("1.100"),
                          "高级": Decimal("1.200"), "金牌": Decimal("1.350")}
        profiles = {p.position_id: p for p in db.session.scalars(
            select(PayProfile).where(PayProfile.position_id.is_not(None)))}
        positions = {p.role: p.id for p in db.session.scalars(select(Position))}
        assert set(profiles) == set(positions.values()), "every post has its default profile"
        therapist = profiles[positions["therapist"]]
        assert therapist.commission and not therapist.overtime_eligible
        assert Decimal("2500") <= therapist.monthly_base <= Decimal("3000")
        assert therapist.meal_allowance_per_day == Decimal("15.00")
        assert therapist.full_attendance_bonus == Decimal("200.00")
        for role in ("cashier", "receptionist", "store_manager"):
            assert profiles[positions[role]].card_sale_rate == Decimal("0.03"), role
        assert Decimal("7000") <= profiles[positions["store_manager"]].monthly_base <= 9000
        assert all(p.overtime_eligible for p in profiles.values()
                   if not p.commission and p.position_id not in (
                       positions["owner"], positions["general_manager"]))

        people = _people()
        for e, role in people:
            assert _valid_id(e.id_card_no), e.employee_no
            assert e.id_card_no[6:14] == f"{e.birth_date:%Y%m%d}"
            assert int(e.id_card_no[16]) % 2 == (1 if e.gender == "male" else 0)
            assert e.id_card_masked.startswith(e.id_card_no[:3]) and "*" in e.id_card_masked
            assert 16 <= len(e.bank_account_no) <= 19 and e.bank_name
            assert luhn_digit(e.bank_account_no[:-1]) == e.bank_account_no[-1]
            assert e.emergency_contact and e.emergency_phone
            assert e.si_base is not None and e.si_base > 0
            assert (e.level_id is not None) == (role == "therapist"), e.employee_no
            if e.store_id is not None:
                assert e.health_cert_no and e.health_cert_expires_on
        assert any(e.monthly_special_deduction in (Decimal(1000), Decimal(2000))
                   for e, _ in people)

        # One expired certificate (a therapist of the first store), a few expiring soon.
        gz01 = db.session.scalar(select(Store.id).where(Store.code == "GZ01"))
        expired = [(e, role) for e, role in people if e.status != "left"
                   and not e.health_cert_valid_on(today)]
        assert [(e.store_id, role) for e, role in expired] == [(gz01, "therapist")]
        soon = [e for e, _ in people if e.health_cert_expires_on
                and today <= e.health_cert_expires_on <= today + timedelta(days=30)]
        assert 1 <= len(soon) <= 10

        # Hired before the demo months, but two joiners and one leaver last month.
        joiners = [e for e, _ in people if e.hire_date >= first]
        assert len(joiners) == 2 and all(
            e.hire_date.month == first.month and 10 <= e.hire_date.day <= 20
            and e.status == "probation" for e in joiners)
        left = [e for e, _ in people if e.status == "left"]
        assert len(left) == 1 and first <= left[0].last_day <= month_end(first)
        offboarding = db.session.scalar(select(Offboarding))
        assert offboarding.employee_id == left[0].id and offboarding.status == "approved"

        balances = {b.employee_id: b for b in db.session.scalars(select(TaxOpeningBalance))}
        if first.month > 1:
            hired_before = [e for e, _ in people if e.hire_date < date(first.year, 1, 1)]
            assert all(balances[e.id].year == first.year for e in hired_before)
            assert all(balances[e.id].cumulative_taxable > 0 for e in hired_before)
            assert not any(e.id in balances for e in joiners)


def _time_records(employee_id: int, first: date, last: date):
    entries = db.session.scalars(select(ScheduleEntry).where(
        ScheduleEntry.employee_id == employee_id,
        ScheduleEntry.work_date.between(first, last))).all()
    clocks = db.session.scalars(select(ClockRecord).where(
        ClockRecord.employee_id == employee_id, ClockRecord.voided_at.is_(None))).all()
    return entries, clocks


def test_last_month_is_scheduled_clocked_and_locked(app, hr_demo):
    with _yuezu():
        today = today_for_store()
        first = previous_month(today)
        last = month_end(first)
        stores = set(db.session.scalars(select(Store.id)))
        zone = ZoneInfo(find_tenant_by_code("yuezu").timezone)
        assert Counter(db.session.scalars(select(ShiftTemplate.name))) == {
            "早班": 6, "中班": 6, "晚班": 6, "通宵": 2}
        sheets = db.session.scalars(select(AttendanceSheet).where(
            AttendanceSheet.month == first)).all()
        assert {s.store_id for s in sheets} == stores
        assert all(s.status == "locked" and s.locked_at for s in sheets)

        days = (last - first).days + 1
        leave = defaultdict(dict)
        for lr in db.session.scalars(select(LeaveRequest).where(
                LeaveRequest.status == "approved")):
            day = lr.starts_on
            while day <= lr.ends_on:
                leave[lr.employee_id][day] = LeaveDay(
                    lr.kind, Decimal("0.5") if lr.half_day else Decimal(1))
                day += timedelta(days=1)
        overtime = {(o.employee_id, o.work_date) for o in db.session.scalars(
            select(OvertimeRequest).where(OvertimeRequest.status == "approved"))}
        totals = Counter()
        scheduled_people = 0
        for e, _role in _people():
            if e.store_id is None:
                continue
            entries, clocks = _time_records(e.id, first, last)
            start = max(first, e.hire_date)
            end = min(last, e.last_day or last)
            if e.status in ON_STAFF_STATUSES or e.status == "left":
                # Every day of employment last month: a published shift or a rest day.
                assert sorted(x.work_date for x in entries) == [
                    start + timedelta(days=n) for n in range((end - start).days + 1)], \
                    e.employee_no
                scheduled_people += 1
            assert all(x.published_at is not None for x in entries)
            if e.hire_date <= first and e.last_day is None:
                assert sum(x.is_rest for x in entries) == 4, e.employee_no
            # Clocks match shifts: every punch of the month lies near a shift of that
            # person, or on a day of approved overtime.
            shifts = [Shift(x.work_date, _aware(x.starts_at), _aware(x.ends_at))
                      for x in entries if not x.is_rest]
            assert all(x.shift_template_id and x.ends_at > x.starts_at
                       for x in entries if not x.is_rest)
            punches: dict[tuple[date, str], list[datetime]] = defaultdict(list)
            for c in clocks:
                at = _aware(c.at)
                near = [s for s in shifts
                        if s.starts_at - timedelta(hours=4) <= at <= s.ends_at + timedelta(
                            hours=4)]
                if not near:
                    local_day = at.astimezone(zone).date()
                    if first <= local_day <= last:
                        assert (e.id, local_day) in overtime, (e.employee_no, at)
                    continue
                punches[(near[0].work_date, c.kind)].append(at)
                if c.source == "correction":
                    assert c.reason
            day_punches = {}
            for s in shifts:
                ins, outs = punches[(s.work_date, "in")], punches[(s.work_date, "out")]
                day_punches[s.work_date] = Punches(min(ins) if ins else None,
                                                   max(outs) if outs else None)
            facts = attendance_facts(shifts, day_punches, leave[e.id], e.hire_date, e.last_day)
            assert facts.scheduled == len(shifts)
            totals["people"] += 1
            totals["attended"] += facts.attended
            totals["absent"] += facts.absent
            totals["late"] += facts.late
            totals["leave"] += facts.paid_leave + facts.sick_leave + facts.unpaid_leave
            totals["full"] += facts.absent == 0 and facts.late == 0 and facts.unpaid_leave == 0
        assert scheduled_people == totals["people"] >= 110
        # Most people on time all month; a few late; a couple of absences (a 3-hour
        # lateness is half a day, an uncorrected missing punch a whole one).
        assert totals["full"] / totals["people"] > 0.5
        assert 10 <= totals["late"] <= totals["people"]
        assert Decimal("0.5") <= totals["absent"] <= Decimal(8)
        assert totals["leave"] >= 5
        assert totals["attended"] > totals["people"] * (days - 6)

        corrections = db.session.scalars(select(ClockRecord).where(
            ClockRecord.source == "correction")).all()
        assert corrections and all(c.reason for c in corrections)


def test_requests_rewards_and_card_sellers(app, hr_demo):
    with _yuezu():
        today = today_for_store()
        first = previous_month(today)
        last = month_end(first)
        leave = db.session.scalars(select(LeaveRequest)).all()
        approved = [lr for lr in leave if lr.status == "approved"]
        assert {"annual", "sick", "personal"} <= {lr.kind for lr in approved}
        assert any(lr.half_day and lr.days == Decimal("0.5") for lr in approved)
        assert any(lr.needs_hr for lr in approved)
        assert [lr.status for lr in leave if lr.starts_on > today] == ["pending"]

        roles = {e.id: role for e, role in _people()}
        overtime = db.session.scalars(select(OvertimeRequest).where(
            OvertimeRequest.status == "approved")).all()
        assert overtime and all(roles[o.employee_id] != "therapist" for o in overtime)
        assert all(first <= o.work_date <= last for o in overtime)
        try:
            holiday = next((first + timedelta(days=n) for n in range((last - first).days + 1)
                            if is_statutory_holiday(first + timedelta(days=n))), None)
        except HolidayCalendarMissing:
            holiday = None
        if holiday is not None:
            assert any(o.work_date == holiday for o in overtime)
        rests = {(x.employee_id, x.work_date) for x in db.session.scalars(
            select(ScheduleEntry).where(ScheduleEntry.is_rest))}
        assert any((o.employee_id, o.work_date) in rests for o in overtime)
        assert db.session.scalar(select(func.count(OvertimeRequest.id)).where(
            OvertimeRequest.status == "pending")) == 1

        rewards = db.session.scalars(select(RewardPenalty)).all()
        done = [r for r in rewards if r.status == "approved"]
        assert {"reward", "fine"} == {r.kind for r in done}
        assert all(first <= r.effective_on <= last for r in done)

    # Front-desk history loaded after the HR data: its top-ups get their sellers on the
    # next load, each a cashier, receptionist or manager of the store, or the store's
    # therapist who recommended the card (技师推卡, credited by the history itself).
    load_history("yuezu", days=3, customers=200)
    again = load_hr("yuezu")
    db.session.commit()
    assert again.skipped and again.rows["card sellers"] > 0
    with _yuezu():
        stores = {e.id: e.store_id for e, _ in _people()}
        topups = db.session.scalars(select(CardLedgerEntry).where(
            CardLedgerEntry.kind == "topup")).all()
        assert topups
        for entry in topups:
            assert roles[entry.sold_by_employee_id] in ("cashier", "receptionist",
                                                        "store_manager", "therapist")
            assert stores[entry.sold_by_employee_id] == entry.store_id
        assert db.session.scalar(select(func.count(CardLedgerEntry.id)).where(
            CardLedgerEntry.kind != "topup",
            CardLedgerEntry.sold_by_employee_id.is_not(None))) == 0


def test_loading_twice_changes_nothing_and_qingxi_stays_apart(app, hr_demo):
    def counts():
        out = {}
        for code in ("yuezu", "qingxi"):
            with tenant_context(find_tenant_by_code(code).id):
                out[code] = count_rows()
        return out

    before = counts()
    again = {code: load_hr(code) for code in ("yuezu", "qingxi")}
    db.session.commit()
    assert all(r.skipped and not r.rows.get("card sellers") for r in again.values())
    assert counts() == before

    qingxi = before["qingxi"]
    assert qingxi["therapist_levels"] == 4 and qingxi["pay_profiles"] > 0
    assert qingxi["schedule_entries"] == 7 * qingxi["employees"] - 7  # the owner: no store
    with tenant_context(find_tenant_by_code("yuezu").id):
        yuezu_employees = set(db.session.scalars(select(Employee.id)))
    db.session.expunge_all()
    with tenant_context(find_tenant_by_code("qingxi").id):
        assert not set(db.session.scalars(select(ScheduleEntry.employee_id))) & yuezu_employees


def test_hr_month_for_a_scale_company_is_added_once(app):
    from app.demo.scale import build_scale

    printed = []
    build_scale("small", echo=printed.append)
    assert any("Added HR month" in line for line in printed), printed
    code = "chainsmall"
    with tenant_context(find_tenant_by_code(code).id):
        today = today_for_store()
        first = previous_month(today)
        employees = db.session.scalar(select(func.count(Employee.id)))
        assert employees == 2 * (10 + 8)  # 10 staff and 8 therapists per store
        scheduled = db.session.scalar(select(func.count(func.distinct(
            ScheduleEntry.employee_id))).where(ScheduleEntry.work_date.between(
                first, month_end(first))))
        assert scheduled == employees
        assert db.session.scalar(select(func.count(ClockRecord.id))) > employees * 30
        before = count_rows()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "hr-month", "--tenant", code,
                                 "--month", f"{first:%Y-%m}"])
    assert result.exit_code == 0, result.output
    assert "left unchanged" in result.output
    with tenant_context(find_tenant_by_code(code).id):
        assert count_rows() == before
    earlier = previous_month(first)
    result = runner.invoke(args=["demo", "hr-month", "--tenant", code,
                                 "--month", f"{earlier:%Y-%m}"])
    assert result.exit_code == 0, result.output
    with tenant_context(find_tenant_by_code(code).id):
        assert db.session.scalar(select(func.count(AttendanceSheet.id)).where(
            AttendanceSheet.month == earlier, AttendanceSheet.status == "locked")) == 2


def test_with_payroll_computes_last_months_draft_once(app, hr_demo):
    started, line = draft_payroll("yuezu")
    assert started and "(draft)" in line, line
    with _yuezu():
        first = previous_month(today_for_store())
        run = db.session.scalar(select(PayrollRun))
        assert run.month == first and run.status == "draft"
        slips = {p.employee_id: p for p in db.session.scalars(select(Payslip))}
        people = _people()
        assert set(slips) == {e.id for e, _ in people}, "everyone employed last month is paid"
        bases = {p.position_id: p.monthly_base for p in db.session.scalars(select(PayProfile))}
        # The joiners and the leaver are paid for the days they were there.
        for e, _role in people:
            if e.hire_date > first or e.last_day is not None:
                assert Decimal(0) < slips[e.id].base < bases[e.position_id], e.employee_no
        store_staff = [slips[e.id] for e, _ in people if e.store_id is not None]
        assert sum(s.full_attendance_bonus > 0 for s in store_staff) > len(store_staff) / 2
        assert sum(s.overtime > 0 for s in slips.values()) >= 5
        assert sum(s.late_deduction > 0 for s in slips.values()) >= 5
        assert sum(s.rewards > 0 for s in slips.values()) >= 3
    assert draft_payroll("yuezu")[0] is False


def test_a_load_on_the_first_of_a_month(app, monkeypatch):
    """Loaded on 1 November 2026: October (with the National Day holidays) is complete
    and locked, November is published two weeks ahead, and the pending requests are
    not in the locked month."""
    import app.demo.hr as hr

    monkeypatch.setattr(hr, "today_for_store", lambda: date(2026, 11, 1))
    load_demo()
    load_hr("yuezu")
    db.session.commit()
    with _yuezu():
        october = date(2026, 10, 1)
        assert db.session.scalar(select(func.count(AttendanceSheet.id)).where(
            AttendanceSheet.month == october, AttendanceSheet.status == "locked")) == 6
        holiday_work = db.session.scalars(select(OvertimeRequest).where(
            OvertimeRequest.work_date == date(2026, 10, 1))).all()
        assert holiday_work and all(o.status == "approved" for o in holiday_work)
        pending = [(lr.starts_on, lr.status) for lr in db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.status == "pending"))]
        assert len(pending) == 1 and pending[0][0] >= date(2026, 11, 4)
        overtime = db.session.scalars(select(OvertimeRequest).where(
            OvertimeRequest.status == "pending")).all()
        assert len(overtime) == 1 and overtime[0].work_date >= date(2026, 11, 1)
        published = db.session.scalar(select(func.max(ScheduleEntry.work_date)).where(
            ScheduleEntry.published_at.is_not(None)))
        drafts = db.session.execute(select(ScheduleEntry.work_date, ScheduleEntry.store_id)
                                    .where(ScheduleEntry.published_at.is_(None))).all()
        assert published == date(2026, 11, 15)
        assert {d for d, _s in drafts} == {date(2026, 11, 15) + timedelta(days=n)
                                            for n in range(1, 8)}
        assert len({s for _d, s in drafts}) == 1
        # Nothing clocked for "today" (the night shift of the 31st ends at 06:00 local).
        assert _aware(db.session.scalar(select(func.max(ClockRecord.at)))) < datetime(
            2026, 11, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_card_sellers_earn_their_commission_on_the_payslip(app):
    """售卡提成: last month's top-ups are credited to the therapists who recommended
    them and to the desk; both see it on the payslip at their profile's rate."""
    load_demo()
    with _yuezu():
        today = today_for_store()
    load_history("yuezu", days=today.day + 12, customers=300)
    load_hr("yuezu")
    db.session.commit()
    draft_payroll("yuezu")
    with _yuezu():
        roles = {e.id: role for e, role in _people()}
        slips = {p.employee_id: p for p in db.session.scalars(select(Payslip))}
        earned = Counter(roles[e] for e, slip in slips.items() if slip.card_commission > 0)
        assert earned["therapist"] > 0 and earned["cashier"] + earned["receptionist"] > 0
        rates = {p.position_id: p.card_sale_rate for p in db.session.scalars(
            select(PayProfile).where(PayProfile.position_id.is_not(None)))}
        therapists = [e for e, role in _people() if role == "therapist"]
        assert rates[therapists[0].position_id] == Decimal("0.02")
