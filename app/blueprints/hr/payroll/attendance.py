"""考勤结果: a month's attendance facts from plain day records (specs/payroll.md).

For every scheduled day inside employment (hire date .. last day, both included):

1. Approved leave covering it: paid kinds -> ``paid_leave`` (PL), sick -> ``sick_leave``
   (SL), personal -> ``unpaid_leave`` (UL).  Leave wins over punches.
2. Otherwise a clock-in and a clock-out -> ``attended`` += 1 (A).  Lateness (clock-in
   after the shift start) and early departure (clock-out before the shift end) are
   judged separately: more than ``late_grace_minutes`` and at most
   ``late_half_day_minutes`` -> one occurrence, ``late`` += 1 (LATE); more than
   ``late_half_day_minutes`` -> half a day absent (A -= 0.5, AB += 0.5) and no
   occurrence.  Minutes are compared exactly (seconds count): 5 min 0 s is within a
   5-minute grace, 5 min 1 s is not.
3. Otherwise (no punch, or only one of the two: the caller has already applied the
   foreman/HR corrections 补卡) -> absent (旷工), ``absent`` += 1 (AB).  Punches that
   do not overlap the shift at all (in after its end, or out before its start) count
   as no attendance either.

Half-day leave counts 0.5 to its kind; the other half is 0.5 attended if both
punches exist, else 0.5 absent.  The leave record does not say which half was
taken, so lateness and early departure are not judged on such a day.

Days without a scheduled shift are rest days and produce no facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

ONE = Decimal(1)
HALF = Decimal("0.5")
ZERO = Decimal(0)

# The same kinds as app/blueprints/hr/models/time.py LEAVE_KINDS (a test keeps them equal).
PAID_LEAVE_KINDS = ("annual", "marriage", "bereavement", "maternity", "paternity")
SICK_LEAVE = "sick"
PERSONAL_LEAVE = "personal"
LEAVE_KINDS = (*PAID_LEAVE_KINDS, SICK_LEAVE, PERSONAL_LEAVE)


@dataclass(frozen=True)
class Shift:
    """One scheduled shift (排班).  Aware datetimes; an overnight shift belongs to the
    day it starts (``work_date``)."""

    work_date: date
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Punches:
    """The first clock-in and last clock-out of a shift day, corrections (补卡) applied
    and voided punches dropped by the caller."""

    first_in: datetime | None = None
    last_out: datetime | None = None


@dataclass(frozen=True)
class LeaveDay:
    """Approved leave on one day: ``kind`` in LEAVE_KINDS, ``fraction`` 1 or 0.5."""

    kind: str
    fraction: Decimal = Decimal(1)


@dataclass(frozen=True)
class AttendancePolicy:
    """The tenant's lateness thresholds (PayrollPolicy.attendance_policy() builds one)."""

    late_grace_minutes: int = 5
    late_half_day_minutes: int = 120


@dataclass(frozen=True)
class DayFacts:
    """What one scheduled day contributed, for the payslip's detail (考勤明细)."""

    work_date: date
    attended: Decimal = Decimal(0)
    paid_leave: Decimal = Decimal(0)
    sick_leave: Decimal = Decimal(0)
    unpaid_leave: Decimal = Decimal(0)
    absent: Decimal = Decimal(0)
    late: int = 0
    # Whole minutes late / early (seconds dropped), 0 when on time or not judged.
    late_minutes: int = 0
    early_minutes: int = 0
    note: str = ""


@dataclass(frozen=True)
class AttendanceFacts:
    """A month's attendance: the spec's A, PL, SL, UL, AB (days, exact) and LATE.

    ``scheduled`` counts scheduled days inside employment; for each of them
    attended + paid_leave + sick_leave + unpaid_leave + absent = 1.
    """

    scheduled: int = 0
    attended: Decimal = Decimal(0)  # A
    paid_leave: Decimal = Decimal(0)  # PL
    sick_leave: Decimal = Decimal(0)  # SL
    unpaid_leave: Decimal = Decimal(0)  # UL
    absent: Decimal = Decimal(0)  # AB
    late: int = 0  # LATE (occurrences)
    days: tuple[DayFacts, ...] = field(default=())


def attendance_facts(
    shifts: Iterable[Shift],
    punches: Mapping[date, Punches],
    leave: Mapping[date, LeaveDay],
    employed_from: date,
    employed_to: date | None,
    policy: AttendancePolicy = AttendancePolicy(),  # noqa: B008  (frozen, so shared safely)
) -> AttendanceFacts:
    """The attendance facts of the given shifts (normally one month's).

    ``punches`` and ``leave`` are keyed by the shift's ``work_date``.  Shifts outside
    ``employed_from`` .. ``employed_to`` (None: still employed) are ignored.  Raises
    ValueError for two shifts on one day, a shift that does not end after it starts,
    naive datetimes, a clock-out before the clock-in, an unknown leave kind or a
    fraction other than 1 or 0.5.
    """
    shifts = list(shifts)
    seen: set[date] = set()
    for shift in shifts:
        if shift.work_date in seen:
            raise ValueError(f"two shifts on {shift.work_date}")
        seen.add(shift.work_date)
        if _naive(shift.starts_at) or _naive(shift.ends_at):
            raise ValueError(f"shift on {shift.work_date}: times must be timezone-aware")
        if shift.ends_at <= shift.starts_at:
            raise ValueError(f"shift on {shift.work_date} does not end after it starts")

    # The thresholds as durations once, not once per day.
    grace = timedelta(minutes=policy.late_grace_minutes)
    half_day = timedelta(minutes=policy.late_half_day_minutes)
    days = tuple(
        _judge_day(shift, punches.get(shift.work_date), leave.get(shift.work_date),
                   grace, half_day)
        for shift in sorted(shifts, key=lambda s: s.work_date)
        if employed_from <= shift.work_date and (employed_to is None
                                                 or shift.work_date <= employed_to)
    )
    return AttendanceFacts(
        scheduled=len(days),
        attended=sum((d.attended for d in days), ZERO),
        paid_leave=sum((d.paid_leave for d in days), ZERO),
        sick_leave=sum((d.sick_leave for d in days), ZERO),
        unpaid_leave=sum((d.unpaid_leave for d in days), ZERO),
        absent=sum((d.absent for d in days), ZERO),
        late=sum(d.late for d in days),
        days=days,
    )


def _naive(moment: datetime) -> bool:
    return moment.utcoffset() is None  # None for a naive datetime too


def _judge_day(shift: Shift, punch: Punches | None, leave: LeaveDay | None,
               grace: timedelta, half_day: timedelta) -> DayFacts:
    day = shift.work_date
    punch = punch or Punches()
    for moment in (punch.first_in, punch.last_out):
        if moment is not None and _naive(moment):
            raise ValueError(f"punch on {day}: times must be timezone-aware")
    if punch.first_in and punch.last_out and punch.last_out < punch.first_in:
        raise ValueError(f"punches on {day}: clock-out before clock-in")
    present = (punch.first_in is not None and punch.last_out is not None
               and punch.first_in < shift.ends_at and punch.last_out > shift.starts_at)

    if leave is not None:
        if leave.kind not in LEAVE_KINDS:
            raise ValueError(f"leave on {day}: unknown kind {leave.kind!r}")
        if leave.fraction not in (ONE, HALF):
            raise ValueError(f"leave on {day}: fraction must be 1 or 0.5, not {leave.fraction}")
        taken = {"paid_leave": ZERO, "sick_leave": ZERO, "unpaid_leave": ZERO}
        slot = ("sick_leave" if leave.kind == SICK_LEAVE
                else "unpaid_leave" if leave.kind == PERSONAL_LEAVE else "paid_leave")
        taken[slot] = leave.fraction
        if leave.fraction == ONE:
            return DayFacts(day, **taken, note=f"leave:{leave.kind}")
        # Which half was taken is not recorded, so only presence is judged.
        if present:
            return DayFacts(day, attended=HALF, **taken, note=f"half leave:{leave.kind}")
        return DayFacts(day, absent=HALF, **taken,
                        note=f"half leave:{leave.kind}, other half absent")

    if not present:
        if punch.first_in is None and punch.last_out is None:
            return DayFacts(day, absent=ONE, note="absent: no punch")
        if punch.first_in is None or punch.last_out is None:
            return DayFacts(day, absent=ONE, note="absent: missing punch")
        return DayFacts(day, absent=ONE, note="absent: punches outside the shift")

    late_by = max(punch.first_in - shift.starts_at, timedelta(0))
    early_by = max(shift.ends_at - punch.last_out, timedelta(0))
    attended, absent, late, notes = ONE, ZERO, 0, []
    for what, by in (("late", late_by), ("early", early_by)):
        if by > half_day:
            attended -= HALF
            absent += HALF
            notes.append(f"{what} {_minutes(by)} min: half day absent")
        elif by > grace:
            late += 1
            notes.append(f"{what} {_minutes(by)} min")
    return DayFacts(day, attended=attended, absent=absent, late=late,
                    late_minutes=_minutes(late_by), early_minutes=_minutes(early_by),
                    note="; ".join(notes))


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
