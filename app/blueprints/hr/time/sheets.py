"""月度考勤表: the month's attendance of a store, HR's review, and the data
gathering the payroll run shares (:func:`month_records`).

The lock is in locks.py, the punch window rule in punches.py (both importable from
here too).

Rules chosen where the spec is silent:

* A LOCKED month (``AttendanceSheet.status == "locked"`` for the store and month) refuses
  every change dated inside it: punches (and their voiding), leave and overtime requests
  and their decisions, schedule cells, publishing and copying.  :func:`ensure_month_open`
  is the one check, called by every verb of the package.  Records of head-office staff
  (no store) belong to no sheet, so nothing locks them.
* Only ``hr_manager`` and ``owner`` lock (they alone hold ``attendance.lock``) and unlock;
  unlocking needs a reason.  Both are audited.  A sheet row is created on first lock.
* The sheet of a store lists the people whose file says they work there now, plus anyone
  with a published schedule at the store in the month (moved away mid-month); for each
  of them it shows the whole month (a person's attendance is one month, wherever worked).
* Only PUBLISHED schedule entries count (drafts are the store's plan, not yet the
  person's); a published rest entry (排休) is a rest day.
* A punch belongs to the work day of the shift whose window contains it: from
  ``PUNCH_WINDOW_BEFORE`` (4 h) before the shift's start to ``PUNCH_WINDOW_AFTER`` (8 h)
  after its end.  Where two windows overlap (a late shift followed by an early one) the
  punch goes to the shift it is nearest to (0 inside the shift); a tie goes to the
  earlier shift for a clock-out, the later one for a clock-in.  The day's first clock-in
  and last clock-out are used; a clock-out earlier than the clock-in counts as missing
  (so the day is judged "missing punch", not an error).  Voided punches are ignored;
  punches outside every window (e.g. on a rest day) count for nothing — overtime is
  paid from approved overtime requests.
* Leave: every calendar day an approved request covers, whole (1) or half (0.5); should
  two approved requests cover one day (refused when asked), the larger share wins, then
  the earlier request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select

from app.blueprints.hr.models.time import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    OvertimeRequest,
    ScheduleEntry,
)
from app.blueprints.hr.payroll.attendance import (
    AttendanceFacts,
    AttendancePolicy,
    LeaveDay,
    Punches,
    Shift,
    attendance_facts,
)
from app.blueprints.hr.payroll.rules import OvertimeEntry, PayrollPolicy
from app.blueprints.hr.time import (
    aware,
    day_bounds,
    month_end,
    month_start,
    tenant_zone,
)
from app.blueprints.hr.time.locks import get_sheet
from app.blueprints.hr.time.punches import (
    PUNCH_WINDOW_AFTER,
    PUNCH_WINDOW_BEFORE,
    attribute_punches,
)
from app.extensions import db
from app.models import Employee, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id

HALF = Decimal("0.5")
ONE = Decimal(1)


# --------------------------------------------------------------------------- month_records


@dataclass(frozen=True)
class AttendanceInputs:
    """One employee's month, ready for ``attendance_facts`` (and the payroll run).

    * ``employed_from``: the hire date (the first day of the month when none is on file);
      ``employed_to``: the last working day (None: still employed).
    * ``shifts``: the published, non-rest schedule entries whose work day is in the month,
      sorted by day (aware datetimes; an overnight shift belongs to the day it starts).
    * ``punches``: work day -> first clock-in / last clock-out attributed to that day's
      shift (voided punches dropped; only days with a shift and at least one punch).
    * ``leave``: calendar day in the month -> approved leave (kind, 1 or 0.5).
    * ``overtime``: approved overtime requests dated in the month, as payroll's
      ``OvertimeEntry`` (``is_rest_day``: no published shift that day).
    * ``rest_days``: days with a published rest entry (排休).
    """

    employee_id: int
    employee_no: str
    name: str
    store_id: int | None
    status: str
    employed_from: date
    employed_to: date | None
    shifts: tuple[Shift, ...] = ()
    punches: Mapping[date, Punches] = field(default_factory=dict)
    leave: Mapping[date, LeaveDay] = field(default_factory=dict)
    overtime: tuple[OvertimeEntry, ...] = ()
    rest_days: frozenset[date] = frozenset()

    @property
    def overtime_hours(self) -> Decimal:
        return sum((entry.hours for entry in self.overtime), Decimal(0))

    def facts(self, policy: AttendancePolicy | None = None,
              as_of: datetime | None = None) -> AttendanceFacts:
        """``attendance_facts`` of this month (policy: the default thresholds if None).

        ``as_of``: a month still running is judged only on the shifts that have ended
        by then, so today's and later shifts are not yet 旷工 on 我的考勤 or the sheet.
        """
        shifts = self.shifts if as_of is None else tuple(
            shift for shift in self.shifts if shift.ends_at <= as_of)
        return attendance_facts(shifts, self.punches, self.leave, self.employed_from,
                                self.employed_to, policy or AttendancePolicy())


def _employees_of_month(store_id: int | None, first: date, last: date,
                        employee_ids: Iterable[int] | None):
    """The select of the employees a month's records cover (see :func:`month_records`)."""
    query = select(Employee).where(
        Employee.status != "candidate",
        or_(Employee.status != "left", Employee.last_day.is_not(None)),
        or_(Employee.last_day.is_(None), Employee.last_day >= first),
        or_(Employee.hire_date.is_(None), Employee.hire_date <= last),
    )
    if store_id is not None:
        scheduled_here = (select(ScheduleEntry.employee_id)
                          .where(ScheduleEntry.store_id == store_id,
                                 ScheduleEntry.work_date >= first,
                                 ScheduleEntry.work_date <= last,
                                 ScheduleEntry.published_at.is_not(None)))
        query = query.where(or_(Employee.store_id == store_id,
                                Employee.id.in_(scheduled_here)))
    if employee_ids is not None:
        query = query.where(Employee.id.in_(list(employee_ids) or [-1]))
    return query


def month_records(store_id: int | None, month: date,
                  employee_ids: Iterable[int] | None = None) -> dict[int, AttendanceInputs]:
    """The inputs of ``attendance_facts`` for every employee of a month, in FIVE SQL
    statements whatever the number of employees (no per-employee query).

    ``store_id``: the people of that store's sheet (their file says they work there, or
    they have a published schedule there in the month); None: the whole company.
    ``month``: any day of the month.  ``employee_ids``: only these (combined with the store
    filter when both are given).  Employees included: not candidates, hired on or before
    the month's last day (or no hire date), and not gone before it started (``last_day``;
    a ``left`` file without a last day is left out).

    Returns ``{employee_id: AttendanceInputs}`` in employee-number order; see
    :class:`AttendanceInputs`.  The statements: employees, schedule entries (the day
    before the month to the day after, for the punch windows), clock records, approved
    leave, approved overtime (plus the tenant's row for its time zone unless already
    loaded).  Read-only.
    """
    first = month_start(month)
    last = month_end(first)
    zone = tenant_zone()
    # Plain rows, not ORM objects: the whole company's month is tens of thousands of
    # rows, and the employee file's encrypted columns are not needed here.
    base = _employees_of_month(store_id, first, last, employee_ids)
    employees = db.session.execute(
        base.with_only_columns(Employee.id, Employee.employee_no, Employee.name,
                               Employee.store_id, Employee.status, Employee.hire_date,
                               Employee.last_day)
        .order_by(Employee.employee_no, Employee.id)).all()
    if not employees:
        return {}
    ids = base.with_only_columns(Employee.id)

    # employee -> (work_date, is_rest, starts_at, ends_at): plain tuples, read once.
    entries: dict[int, list[tuple]] = defaultdict(list)
    for employee_id, *entry in db.session.execute(
            select(ScheduleEntry.employee_id, ScheduleEntry.work_date, ScheduleEntry.is_rest,
                   ScheduleEntry.starts_at, ScheduleEntry.ends_at)
            .where(ScheduleEntry.employee_id.in_(ids),
                   ScheduleEntry.published_at.is_not(None),
                   ScheduleEntry.work_date >= first - timedelta(days=1),
                   ScheduleEntry.work_date <= last + timedelta(days=1))
            .order_by(ScheduleEntry.work_date)):
        entries[employee_id].append(entry)

    window_start = day_bounds(first - timedelta(days=1), zone)[0] - PUNCH_WINDOW_BEFORE
    window_end = day_bounds(last + timedelta(days=1), zone)[1] + PUNCH_WINDOW_AFTER
    clocks: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for employee_id, kind, at in db.session.execute(
            select(ClockRecord.employee_id, ClockRecord.kind, ClockRecord.at)
            .where(ClockRecord.employee_id.in_(ids), ClockRecord.voided_at.is_(None),
                   ClockRecord.at >= window_start, ClockRecord.at < window_end)
            .order_by(ClockRecord.at, ClockRecord.id)):
        clocks[employee_id].append((kind, aware(at)))

    leave: dict[int, dict[date, LeaveDay]] = defaultdict(dict)
    for request in db.session.execute(
            select(LeaveRequest.employee_id, LeaveRequest.kind, LeaveRequest.starts_on,
                   LeaveRequest.ends_on, LeaveRequest.half_day)
            .where(LeaveRequest.employee_id.in_(ids), LeaveRequest.status == "approved",
                   LeaveRequest.starts_on <= last, LeaveRequest.ends_on >= first)
            .order_by(LeaveRequest.id)):
        fraction = HALF if request.half_day else ONE
        day = max(request.starts_on, first)
        while day <= min(request.ends_on, last):
            # Overlaps are refused when asked; should two remain, the larger share wins,
            # then the earlier request (the payroll loader's rule).
            held = leave[request.employee_id].get(day)
            if held is None or fraction > held.fraction:
                leave[request.employee_id][day] = LeaveDay(request.kind, fraction)
            day += timedelta(days=1)

    overtime: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for employee_id, work_date, hours in db.session.execute(
            select(OvertimeRequest.employee_id, OvertimeRequest.work_date,
                   OvertimeRequest.hours)
            .where(OvertimeRequest.employee_id.in_(ids), OvertimeRequest.status == "approved",
                   OvertimeRequest.work_date >= first, OvertimeRequest.work_date <= last)
            .order_by(OvertimeRequest.work_date, OvertimeRequest.id)):
        overtime[employee_id].append((work_date, Decimal(hours)))

    result: dict[int, AttendanceInputs] = {}
    for employee in employees:
        own = entries.get(employee.id, [])
        all_shifts = []
        rest = []
        for work_date, is_rest, starts_at, ends_at in own:
            if is_rest:
                if first <= work_date <= last:
                    rest.append(work_date)
                continue
            if starts_at is None or ends_at is None:
                continue
            starts_at, ends_at = aware(starts_at), aware(ends_at)
            if ends_at > starts_at:
                all_shifts.append(Shift(work_date, starts_at, ends_at))
        shift_days = {s.work_date for s in all_shifts}
        rest_days = frozenset(rest)
        result[employee.id] = AttendanceInputs(
            employee_id=employee.id,
            employee_no=employee.employee_no,
            name=employee.name,
            store_id=employee.store_id,
            status=employee.status,
            employed_from=employee.hire_date or first,
            employed_to=employee.last_day,
            shifts=tuple(s for s in all_shifts if first <= s.work_date <= last),
            punches={day: punch for day, punch in
                     attribute_punches(all_shifts, clocks.get(employee.id, [])).items()
                     if first <= day <= last},
            leave=leave.get(employee.id, {}),
            overtime=tuple(OvertimeEntry(work_date=day, hours=hours,
                                         is_rest_day=day not in shift_days)
                           for day, hours in overtime.get(employee.id, [])),
            rest_days=rest_days,
        )
    return result


# --------------------------------------------------------------------------- display


def payroll_policy() -> PayrollPolicy:
    """The tenant's payroll settings (tenant.policies["payroll"]), defaults where unset."""
    tenant = db.session.get(Tenant, current_tenant_id())
    return PayrollPolicy.from_settings(dict((tenant.policies or {}).get("payroll", {}))
                                       if tenant else {})


@dataclass(frozen=True)
class SheetRow:
    inputs: AttendanceInputs
    facts: AttendanceFacts

    @property
    def overtime_hours(self) -> Decimal:
        return self.inputs.overtime_hours


@dataclass(frozen=True)
class SheetView:
    store_id: int
    month: date
    sheet: AttendanceSheet | None
    rows: list[SheetRow]

    @property
    def locked(self) -> bool:
        return self.sheet is not None and self.sheet.status == "locked"


def sheet_view(store_id: int, month: date) -> SheetView:
    """The 月度考勤表 of a store: one row per employee with the month's facts."""
    month = month_start(month)
    policy = payroll_policy().attendance_policy()
    now = utcnow()
    rows = [SheetRow(inputs, inputs.facts(policy, as_of=now))
            for inputs in month_records(store_id, month).values()]
    return SheetView(store_id, month, get_sheet(store_id, month), rows)


@dataclass(frozen=True)
class EmployeeMonthView:
    """One person's month for display: facts day by day, every punch, leave, overtime."""

    inputs: AttendanceInputs | None
    facts: AttendanceFacts | None
    clocks: list[ClockRecord]
    leave: list[LeaveRequest]
    overtime: list[OvertimeRequest]


def employee_month(employee_id: int, month: date) -> EmployeeMonthView:
    """The per-employee month summary (我的考勤, the sheet's day-by-day detail)."""
    first = month_start(month)
    last = month_end(first)
    zone = tenant_zone()
    inputs = month_records(None, first, [employee_id]).get(employee_id)
    facts = inputs.facts(payroll_policy().attendance_policy(), as_of=utcnow()) if inputs else None
    clocks = list(db.session.scalars(
        select(ClockRecord).where(
            ClockRecord.employee_id == employee_id,
            ClockRecord.at >= day_bounds(first, zone)[0],
            ClockRecord.at < day_bounds(last, zone)[1])
        .order_by(ClockRecord.at, ClockRecord.id)))
    leave = list(db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.employee_id == employee_id,
                                   LeaveRequest.starts_on <= last,
                                   LeaveRequest.ends_on >= first)
        .order_by(LeaveRequest.starts_on, LeaveRequest.id)))
    overtime = list(db.session.scalars(
        select(OvertimeRequest).where(OvertimeRequest.employee_id == employee_id,
                                      and_(OvertimeRequest.work_date >= first,
                                           OvertimeRequest.work_date <= last))
        .order_by(OvertimeRequest.work_date, OvertimeRequest.id)))
    return EmployeeMonthView(inputs, facts, clocks, leave, overtime)


# Importable from here as before the module was split (views, tests).
from app.blueprints.hr.time.locks import (  # noqa: E402,F401
    UNLOCK_ROLES,
    MonthLockedError,
    ensure_month_open,
    lock_sheet,
    locked_months,
    months_between,
    unlock_sheet,
)
from app.blueprints.hr.time.punches import shift_for_punch  # noqa: E402,F401
