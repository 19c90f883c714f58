"""Attendance facts from shifts, punches and leave (specs/payroll.md, Attendance facts)."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.blueprints.hr.payroll.attendance import (
    LEAVE_KINDS,
    PAID_LEAVE_KINDS,
    AttendancePolicy,
    LeaveDay,
    Punches,
    Shift,
    attendance_facts,
)

CST = timezone(timedelta(hours=8))
DAY = date(2026, 11, 10)
HIRED = date(2026, 1, 1)


def shift(day: date = DAY, start=(10, 0), hours: int = 8) -> Shift:
    starts = datetime(day.year, day.month, day.day, *start, tzinfo=CST)
    return Shift(day, starts, starts + timedelta(hours=hours))


def one_day(punch: Punches | None = None, leave: LeaveDay | None = None, s: Shift | None = None,
            policy: AttendancePolicy | None = None):
    s = s or shift()
    return attendance_facts([s], {s.work_date: punch} if punch else {},
                            {s.work_date: leave} if leave else {}, HIRED, None,
                            policy or AttendancePolicy())


def punched(late=timedelta(0), early=timedelta(0), s: Shift | None = None) -> Punches:
    s = s or shift()
    return Punches(s.starts_at + late, s.ends_at - early)


def summary(facts):
    return (facts.attended, facts.paid_leave, facts.sick_leave, facts.unpaid_leave,
            facts.absent, facts.late)


def test_on_time_is_one_day_attended():
    facts = one_day(punched())
    assert facts.scheduled == 1
    assert summary(facts) == (1, 0, 0, 0, 0, 0)


def test_early_arrival_and_late_leaving_are_on_time():
    assert summary(one_day(punched(late=-timedelta(hours=1), early=-timedelta(hours=2)))) == (
        1, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("what", ["late", "early"])
@pytest.mark.parametrize(("by", "attended", "absent", "late"), [
    (timedelta(minutes=5), 1, 0, 0),                      # grace, inclusive
    (timedelta(minutes=5, seconds=1), 1, 0, 1),           # beyond grace, seconds count
    (timedelta(minutes=30), 1, 0, 1),
    (timedelta(minutes=120), 1, 0, 1),                    # up to the half-day limit
    (timedelta(minutes=120, seconds=1), Decimal("0.5"), Decimal("0.5"), 0),
    (timedelta(hours=5), Decimal("0.5"), Decimal("0.5"), 0),
])
def test_lateness_and_early_departure_thresholds(what, by, attended, absent, late):
    facts = one_day(punched(**{what: by}))
    assert (facts.attended, facts.absent, facts.late) == (attended, absent, late)


def test_late_and_early_on_one_day_are_two_occurrences():
    facts = one_day(punched(late=timedelta(minutes=10), early=timedelta(minutes=10)))
    assert summary(facts) == (1, 0, 0, 0, 0, 2)
    assert (facts.days[0].late_minutes, facts.days[0].early_minutes) == (10, 10)


def test_very_late_and_very_early_make_the_whole_day_absent():
    facts = one_day(punched(late=timedelta(minutes=150), early=timedelta(minutes=150)))
    assert summary(facts) == (0, 0, 0, 0, 1, 0)


def test_very_late_but_only_a_little_early():
    facts = one_day(punched(late=timedelta(minutes=121), early=timedelta(minutes=6)))
    assert summary(facts) == (Decimal("0.5"), 0, 0, 0, Decimal("0.5"), 1)


def test_thresholds_follow_the_policy():
    strict = AttendancePolicy(late_grace_minutes=0, late_half_day_minutes=30)
    assert one_day(punched(late=timedelta(minutes=1)), policy=strict).late == 1
    assert one_day(punched(late=timedelta(minutes=31)), policy=strict).absent == Decimal("0.5")
    assert one_day(punched(late=timedelta(minutes=31))).late == 1  # default policy


def test_punches_in_another_time_zone_compare_as_instants():
    s = shift()
    utc_in = (s.starts_at + timedelta(minutes=3)).astimezone(UTC)
    assert one_day(Punches(utc_in, s.ends_at.astimezone(UTC))).late == 0
    utc_in = (s.starts_at + timedelta(minutes=7)).astimezone(UTC)
    assert one_day(Punches(utc_in, s.ends_at.astimezone(UTC))).late == 1


@pytest.mark.parametrize("punch", [
    None,
    Punches(),
    Punches(first_in=shift().starts_at),          # clock-out missing, not corrected
    Punches(last_out=shift().ends_at),            # clock-in missing
])
def test_no_or_missing_punch_is_absent(punch):
    facts = one_day(punch)
    assert summary(facts) == (0, 0, 0, 0, 1, 0)


def test_punches_outside_the_shift_are_no_attendance():
    s = shift()
    after = Punches(s.ends_at + timedelta(minutes=1), s.ends_at + timedelta(hours=1))
    before = Punches(s.starts_at - timedelta(hours=2), s.starts_at - timedelta(minutes=1))
    assert one_day(after).absent == 1
    assert one_day(before).absent == 1


@pytest.mark.parametrize("kind", PAID_LEAVE_KINDS)
def test_paid_leave_kinds(kind):
    assert summary(one_day(leave=LeaveDay(kind, Decimal(1)))) == (0, 1, 0, 0, 0, 0)


def test_sick_and_personal_leave():
    assert summary(one_day(leave=LeaveDay("sick", Decimal(1)))) == (0, 0, 1, 0, 0, 0)
    assert summary(one_day(leave=LeaveDay("personal", Decimal(1)))) == (0, 0, 0, 1, 0, 0)


def test_whole_day_leave_wins_over_punches():
    facts = one_day(punched(late=timedelta(hours=3)), LeaveDay("annual", Decimal(1)))
    assert summary(facts) == (0, 1, 0, 0, 0, 0)


def test_half_day_leave_with_punches_is_half_attended():
    facts = one_day(punched(late=timedelta(hours=4)), LeaveDay("personal", Decimal("0.5")))
    # Arriving at mid-shift is what a morning off means: lateness is not judged.
    assert summary(facts) == (Decimal("0.5"), 0, 0, Decimal("0.5"), 0, 0)


def test_half_day_leave_without_punches_is_half_absent():
    facts = one_day(None, LeaveDay("sick", Decimal("0.5")))
    assert summary(facts) == (0, 0, Decimal("0.5"), 0, Decimal("0.5"), 0)
    half_punch = one_day(Punches(first_in=shift().starts_at), LeaveDay("annual", Decimal("0.5")))
    assert summary(half_punch) == (0, Decimal("0.5"), 0, 0, Decimal("0.5"), 0)


def test_overnight_shift_belongs_to_the_day_it_starts():
    night = shift(start=(20, 0), hours=10)  # 20:00 - 06:00 next day
    facts = attendance_facts([night], {DAY: punched(early=timedelta(minutes=20), s=night)}, {},
                             HIRED, None)
    assert facts.days[0].work_date == DAY
    assert (facts.attended, facts.late, facts.days[0].early_minutes) == (1, 1, 20)


def test_only_days_inside_employment_count():
    days = [date(2026, 11, d) for d in range(1, 31)]
    shifts = [shift(d) for d in days]
    punches = {s.work_date: punched(s=s) for s in shifts}
    facts = attendance_facts(shifts, punches, {}, date(2026, 11, 10), date(2026, 11, 20))
    assert facts.scheduled == 11  # the 10th .. the 20th, both included
    assert facts.attended == 11
    assert [d.work_date for d in facts.days] == days[9:20]
    # Unpunched days outside employment are not absences.
    facts = attendance_facts(shifts, {}, {}, date(2026, 11, 25), None)
    assert (facts.scheduled, facts.absent) == (6, 6)


def test_rest_days_produce_nothing_and_leave_on_them_is_ignored():
    facts = attendance_facts([shift(DAY)], {DAY: punched()},
                             {DAY + timedelta(days=1): LeaveDay("personal", Decimal(1))},
                             HIRED, None)
    assert summary(facts) == (1, 0, 0, 0, 0, 0)


def test_month_totals_add_up_and_days_are_in_date_order():
    days = [date(2026, 11, d) for d in (5, 1, 3, 2, 4)]
    shifts = [shift(d) for d in days]
    punches = {date(2026, 11, 1): punched(s=shifts[1]),
               date(2026, 11, 2): punched(late=timedelta(minutes=9), s=shifts[3]),
               date(2026, 11, 3): punched(early=timedelta(hours=3), s=shifts[2])}
    leave = {date(2026, 11, 4): LeaveDay("sick", Decimal("0.5")),
             date(2026, 11, 5): LeaveDay("marriage", Decimal(1))}
    facts = attendance_facts(shifts, punches, leave, HIRED, None)
    assert [d.work_date.day for d in facts.days] == [1, 2, 3, 4, 5]
    assert summary(facts) == (Decimal("2.5"), 1, Decimal("0.5"), 0, 1, 1)
    assert facts.scheduled == sum(d.attended + d.paid_leave + d.sick_leave + d.unpaid_leave
                                  + d.absent for d in facts.days)
    assert all(d.note for d in facts.days if d.work_date.day != 1)


def test_leave_kinds_match_the_leave_request_model():
    from app.blueprints.hr.models.time import LEAVE_KINDS as MODEL_KINDS

    assert set(LEAVE_KINDS) == set(MODEL_KINDS)


@pytest.mark.parametrize(("shifts", "punches", "leave", "message"), [
    ([shift(), shift()], {}, {}, "two shifts"),
    ([Shift(DAY, shift().ends_at, shift().starts_at)], {}, {}, "does not end after"),
    ([Shift(DAY, datetime(2026, 11, 10, 10), datetime(2026, 11, 10, 18))], {}, {}, "aware"),
    ([shift()], {DAY: Punches(datetime(2026, 11, 10, 10), None)}, {}, "aware"),
    ([shift()], {DAY: Punches(shift().ends_at, shift().starts_at)}, {}, "clock-out before"),
    ([shift()], {}, {DAY: LeaveDay("holiday", Decimal(1))}, "unknown kind"),
    ([shift()], {}, {DAY: LeaveDay("annual", Decimal("0.3"))}, "fraction"),
])
def test_bad_records_are_refused(shifts, punches, leave, message):
    with pytest.raises(ValueError, match=message):
        attendance_facts(shifts, punches, leave, HIRED, None)
