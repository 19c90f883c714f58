"""月度考勤表: the month's attendance of a store, HR's review and lock, and the data
gathering the payroll run shares (:func:`month_records`).

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
from operator import itemgetter

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from app.audit import record_audit
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
    NotAllowed,
    TimeError,
    actor_id,
    aware,
    day_bounds,
    month_end,
    month_start,
    next_month,
    tenant_zone,
)
from app.extensions import db
from app.models import Employee, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id

PUNCH_WINDOW_BEFORE = timedelta(hours=4)
PUNCH_WINDOW_AFTER = timedelta(hours=8)
# Roles that may unlock a locked sheet (with a reason).
UNLOCK_ROLES = frozenset({"hr_manager", "owner"})
HALF = Decimal("0.5")
ONE = Decimal(1)


class MonthLockedError(TimeError):
    """The attendance sheet of that store and month is locked: nothing dated inside it
    may change until HR unlocks it."""


# --------------------------------------------------------------------------- the lock


def locked_months(store_ids: Iterable[int | None], first: date, last: date
                  ) -> set[tuple[int, date]]:
    """``{(store_id, month)}`` of the locked sheets of these stores between the months of
    ``first`` and ``last`` (one statement); pass it to :func:`ensure_month_open` to check
    many days without a query each."""
    ids = sorted({s for s in store_ids if s is not None})
    if not ids:
        return set()
    rows = db.session.execute(
        select(AttendanceSheet.store_id, AttendanceSheet.month)
        .where(AttendanceSheet.store_id.in_(ids), AttendanceSheet.status == "locked",
               AttendanceSheet.month >= month_start(first),
               AttendanceSheet.month <= month_start(last)))
    return {(store_id, month) for store_id, month in rows}


def ensure_month_open(store_id: int | None, day: date, *, field: str = "date",
                      locked: set[tuple[int, date]] | None = None) -> None:
    """Refuse a change dated ``day`` at ``store_id`` when that store's month is locked.

    Raises :class:`MonthLockedError` on ``field``.  ``locked`` (from
    :func:`locked_months`) answers without a query; otherwise one statement.  No store
    (head office): never locked.
    """
    if store_id is None:
        return
    month = month_start(day)
    if locked is None:
        is_locked = db.session.scalar(
            select(AttendanceSheet.id).where(
                AttendanceSheet.store_id == store_id, AttendanceSheet.month == month,
                AttendanceSheet.status == "locked")) is not None
    else:
        is_locked = (store_id, month) in locked
    if is_locked:
        raise MonthLockedError.on(field, _(
            "%(year)s年%(month)s月的考勤表已锁定，不能再修改（需人力资源经理解锁）",
            year=month.year, month=month.month))


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def get_sheet(store_id: int, month: date) -> AttendanceSheet | None:
    return db.session.scalar(select(AttendanceSheet).where(
        AttendanceSheet.store_id == store_id, AttendanceSheet.month == month_start(month)))


def lock_sheet(store_id: int, month: date, actor, note: str = "") -> AttendanceSheet:
    """HR reviewed the month: lock it (created on first lock).  Audited."""
    month = month_start(month)
    sheet = get_sheet(store_id, month)
    if sheet is None:
        sheet = AttendanceSheet(store_id=store_id, month=month, status="open")
        db.session.add(sheet)
    if sheet.status == "locked":
        raise TimeError.on("month", _("该月考勤表已经锁定"))
    sheet.status = "locked"
    sheet.locked_at = utcnow()
    sheet.locked_by_account_id = actor_id(actor)
    sheet.note = (note or "").strip()[:255]
    db.session.flush()
    record_audit("attendance.lock", "attendance_sheet", sheet.id,
                 before={"status": "open"},
                 after={"status": "locked", "store_id": store_id,
                        "month": month.isoformat(), "note": sheet.note})
    return sheet


def unlock_sheet(sheet: AttendanceSheet, actor, reason: str) -> AttendanceSheet:
    """Re-open a locked month (only the HR manager or the owner, with a reason).  Audited."""
    if getattr(actor, "role", None) not in UNLOCK_ROLES:
        raise NotAllowed.on("month", _("只有人力资源经理或企业主可以解锁考勤表"))
    reason = (reason or "").strip()
    if not reason:
        raise TimeError.on("reason", _("请填写解锁原因"))
    if sheet.status != "locked":
        raise TimeError.on("month", _("该月考勤表没有锁定"))
    sheet.status = "open"
    sheet.note = reason[:255]
    before = {"status": "locked", "locked_at": aware(sheet.locked_at).isoformat()
              if sheet.locked_at else None, "locked_by_account_id": sheet.locked_by_account_id}
    sheet.locked_at = None
    sheet.locked_by_account_id = None
    db.session.flush()
    record_audit("attendance.unlock", "attendance_sheet", sheet.id, before=before,
                 after={"status": "open", "store_id": sheet.store_id,
                        "month": sheet.month.isoformat(), "reason": reason})
    return sheet


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


_BEFORE = PUNCH_WINDOW_BEFORE.total_seconds()
_AFTER = PUNCH_WINDOW_AFTER.total_seconds()
# A shift is shorter than a day: a span starting earlier than this before a punch cannot
# hold it.
_REACH = timedelta(days=1).total_seconds() + _AFTER


def _span(shift: Shift) -> tuple[float, float, date]:
    # Plain POSIX seconds: comparing aware datetimes is many times slower, and the whole
    # company's month is attributed in one go.
    return shift.starts_at.timestamp(), shift.ends_at.timestamp(), shift.work_date


def _nearest(spans, first: int, kind: str, moment: float):
    """Among ``spans`` (sorted by start) from index ``first``, the one whose window holds
    ``moment``, nearest first; on a tie a clock-in takes the later shift, a clock-out the
    earlier."""
    best, best_key = None, None
    for index in range(first, len(spans)):
        start, end, _day = span = spans[index]
        if start - _BEFORE > moment:
            break
        if moment > end + _AFTER:
            continue
        distance = start - moment if moment < start else (moment - end if moment > end else 0)
        key = (distance, -start if kind == "in" else start)
        if best_key is None or key < best_key:
            best, best_key = span, key
    return best


def shift_for_punch(shifts: list[Shift], kind: str, at: datetime) -> Shift | None:
    """The shift a punch belongs to (the window rule of the module docstring), or None."""
    by_span = {_span(s): s for s in shifts}
    found = _nearest(sorted(by_span), 0, kind, at.timestamp())
    return by_span[found] if found is not None else None


def attribute_punches(shifts: list[Shift], punches: list[tuple[str, datetime]]
                      ) -> dict[date, Punches]:
    """Work day -> (first clock-in, last clock-out) of the punches in its shift's window.

    One sweep over the punches in time order and the shifts in start order: each punch is
    compared only with the shifts that can still reach it (linear, not punches × shifts).
    """
    spans = sorted(_span(s) for s in shifts)
    firsts: dict[date, datetime] = {}
    lasts: dict[date, datetime] = {}
    low = 0
    # Each punch's POSIX seconds computed once; sorted on them (stable: equal moments
    # keep the caller's order, as sorting on the datetimes did).
    for moment, kind, at in sorted(((at.timestamp(), kind, at) for kind, at in punches),
                                   key=itemgetter(0)):
        while low < len(spans) and spans[low][0] + _REACH < moment:
            low += 1
        found = _nearest(spans, low, kind, moment)
        if found is None:
            continue
        day = found[2]
        if kind == "in" and (day not in firsts or at < firsts[day]):
            firsts[day] = at
        elif kind == "out" and (day not in lasts or at > lasts[day]):
            lasts[day] = at
    result = {}
    for day in set(firsts) | set(lasts):
        first_in, last_out = firsts.get(day), lasts.get(day)
        if first_in is not None and last_out is not None and last_out < first_in:
            last_out = None  # a clock-out before the day's clock-in: the real one is missing
        result[day] = Punches(first_in=first_in, last_out=last_out)
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
