"""排班: who works which shift on which day at a store, rest days (排休), publishing a week
and copying last week.

Rules chosen where the spec is silent:
* A cell is one employee and one day: a shift of the store, a rest day (排休) or nothing.
  One entry per person per day across the company; a cell already planned at another
  store (after a transfer) cannot be overwritten from here.
* Setting or changing a cell makes it a draft (``published_at`` None) — visible to the
  store only — until the week is published again; an unchanged cell keeps its state.
  Clearing a cell deletes the plan (it is a plan, not a record of work).
* Only people whose file says they work at the store may be planned there, on days they
  are employed (from the hire date to the last working day; not candidates).
* Copying last week copies every cell of the store's week (drafts included) into the same
  weekday of the target week as drafts, with the shift's CURRENT times; it skips cells
  already filled (by anyone), people who left or moved to another store or whose last day
  has passed by then, deactivated shifts, and days in a locked month — and reports each.
* A batch (the week grid's 保存, the API's bulk upsert of up to a month of a store) is all
  or nothing: every bad cell is reported, by its place in the batch, and nothing is
  written; the same person and day twice in one batch is refused.  The batch is checked
  and written in a fixed number of statements whatever its size.
* Publishing the week publishes the store's drafts of those seven days; audited, as is
  a copy.  Nothing dated in a locked month may change (``sheets.ensure_month_open``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.audit import record_audit
from app.blueprints.hr.models.time import ScheduleEntry, ShiftTemplate
from app.blueprints.hr.time import TimeError, actor_id, tenant_zone, utc
from app.blueprints.hr.time.locks import MonthLockedError, ensure_month_open, locked_months
from app.blueprints.hr.time.shifts import shift_window
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

REST = "rest"


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=n) for n in range(7)]


def schedulable_on(employee: Employee, day: date) -> bool:
    """Employed that day: hired (or about to be), not yet past the last working day."""
    if employee.status == "candidate":
        return False
    if employee.status == "left" and employee.last_day is None:
        return False
    if employee.hire_date is not None and day < employee.hire_date:
        return False
    return employee.last_day is None or day <= employee.last_day


# --------------------------------------------------------------------------- the week grid


@dataclass
class GridRow:
    employee: Employee
    cells: dict[date, ScheduleEntry | None]


@dataclass
class WeekGrid:
    """The store's week: people × 7 days, each cell an entry (of any store) or None."""

    store_id: int
    week_start: date
    days: list[date]
    rows: list[GridRow]
    shifts: dict[int, ShiftTemplate]
    locked_days: set[date]

    @property
    def active_shifts(self) -> list[ShiftTemplate]:
        return [s for s in self.shifts.values() if s.is_active]

    def _here(self):
        for row in self.rows:
            for entry in row.cells.values():
                if entry is not None and entry.store_id == self.store_id:
                    yield entry

    @property
    def drafts(self) -> int:
        return sum(1 for entry in self._here() if entry.published_at is None)

    @property
    def published(self) -> int:
        return sum(1 for entry in self._here() if entry.published_at is not None)


def week_grid(store_id: int, week_start: date) -> WeekGrid:
    """The grid of the week starting ``week_start`` (a Monday), in a fixed number of
    statements."""
    days = week_days(week_start)
    first, last = days[0], days[-1]
    planned_here = select(ScheduleEntry.employee_id).where(
        ScheduleEntry.store_id == store_id, ScheduleEntry.work_date >= first,
        ScheduleEntry.work_date <= last)
    people = db.session.scalars(
        select(Employee).where(or_(Employee.store_id == store_id,
                                   Employee.id.in_(planned_here)))
        .order_by(Employee.employee_no, Employee.id)).all()
    entries = db.session.scalars(
        select(ScheduleEntry).where(ScheduleEntry.employee_id.in_([e.id for e in people] or [-1]),
                                    ScheduleEntry.work_date >= first,
                                    ScheduleEntry.work_date <= last)).all()
    by_cell = {(e.employee_id, e.work_date): e for e in entries}
    planned = {e.employee_id for e in entries if e.store_id == store_id}
    rows = [GridRow(person, {day: by_cell.get((person.id, day)) for day in days})
            for person in people
            if person.id in planned
            or (person.store_id == store_id and any(schedulable_on(person, d) for d in days))]
    shifts = {s.id: s for s in db.session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.store_id == store_id)
        .order_by(ShiftTemplate.starts_at, ShiftTemplate.id))}
    locked = locked_months([store_id], first, last)
    locked_days = {d for d in days if (store_id, d.replace(day=1)) in locked}
    return WeekGrid(store_id, week_start, days, rows, shifts, locked_days)


# --------------------------------------------------------------------------- setting cells


@dataclass(frozen=True)
class CellChange:
    """One cell: ``value`` None/"" clears it, "rest" is 排休, an int is a shift id."""

    employee_id: int
    work_date: date
    value: int | str | None


def _parse_value(value) -> int | str | None:
    if value in (None, ""):
        return None
    if value == REST:
        return REST
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # unknown shift: refused below


@dataclass(frozen=True)
class CellProblem:
    """Why the ``index``-th cell of a batch was refused, on ``field``."""

    index: int
    field: str
    message: str


@dataclass
class CellsSaved:
    """What a batch did: entries created and changed, cells cleared, cells left as they were."""

    created: list[ScheduleEntry] = field(default_factory=list)
    updated: list[ScheduleEntry] = field(default_factory=list)
    cleared: int = 0
    unchanged: int = 0


class CellsRefused(TimeError):
    """A batch refused as a whole; ``problems`` names each bad cell by its index."""

    def __init__(self, problems: list[CellProblem], fields: dict[str, str]):
        super().__init__(fields)
        self.problems = problems


def _check_cells(cells: list[tuple[int, CellChange]]):
    """Every refusal of a batch of (store id, cell), and what writing it needs, in a fixed
    number of statements whatever the number of cells or stores."""
    employees = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_({c.employee_id for _s, c in cells})))}
    first = min(c.work_date for _s, c in cells)
    last = max(c.work_date for _s, c in cells)
    existing = {(e.employee_id, e.work_date): e for e in db.session.scalars(
        select(ScheduleEntry).where(ScheduleEntry.employee_id.in_(list(employees) or [-1]),
                                    ScheduleEntry.work_date >= first,
                                    ScheduleEntry.work_date <= last))}
    store_ids = {store_id for store_id, _c in cells}
    shifts = {s.id: s for s in db.session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.store_id.in_(store_ids)))}
    locked = locked_months(store_ids, first, last)

    problems: list[CellProblem] = []
    seen: set[tuple[int, date]] = set()
    for index, (store_id, change) in enumerate(cells):
        def refuse(name: str, message: str, index=index) -> None:
            problems.append(CellProblem(index, name, message))

        employee = employees.get(change.employee_id)
        entry = existing.get((change.employee_id, change.work_date))
        if employee is None:
            refuse("employee_id", _("没有这个员工"))
            continue
        if (change.employee_id, change.work_date) in seen:
            refuse("work_date", _("同一人同一天出现了两次"))
            continue
        seen.add((change.employee_id, change.work_date))
        if entry is not None and entry.store_id != store_id:
            refuse("work_date", _("当天已在其他门店排班"))
            continue
        try:
            ensure_month_open(store_id, change.work_date, field="work_date", locked=locked)
        except MonthLockedError as exc:
            refuse("work_date", exc.message)
            continue
        if change.value is None:
            continue
        if employee.store_id != store_id:
            refuse("employee_id", _("不是本店员工"))
        elif not schedulable_on(employee, change.work_date):
            refuse("work_date", _("当天不在职（未入职或已过最后工作日）"))
        elif change.value != REST:
            shift = shifts.get(change.value)
            if shift is None or shift.store_id != store_id:
                refuse("shift_template_id", _("没有这个班次"))
            elif not shift.is_active and not (entry is not None
                                               and entry.shift_template_id == shift.id):
                refuse("shift_template_id", _("班次“%(name)s”已停用", name=shift.name))
    return problems, employees, existing, shifts


def _write_cells(cells: list[tuple[int, CellChange]], existing, shifts, actor) -> CellsSaved:
    zone = tenant_zone()
    saved = CellsSaved()
    for store_id, change in cells:
        entry = existing.get((change.employee_id, change.work_date))
        if change.value is None:
            if entry is not None:
                db.session.delete(entry)
                existing.pop((change.employee_id, change.work_date))
                saved.cleared += 1
            else:
                saved.unchanged += 1
            continue
        if entry is not None and (
                (change.value == REST and entry.is_rest)
                or (change.value != REST and not entry.is_rest
                    and entry.shift_template_id == change.value)):
            saved.unchanged += 1
            continue  # unchanged: keeps its published state
        if entry is None:
            entry = ScheduleEntry(employee_id=change.employee_id, store_id=store_id,
                                  work_date=change.work_date,
                                  created_by_account_id=actor_id(actor))
            db.session.add(entry)
            existing[(change.employee_id, change.work_date)] = entry
            saved.created.append(entry)
        else:
            saved.updated.append(entry)
        _fill(entry, change.value, shifts, zone)
    db.session.flush()
    return saved


def save_cells(store_id: int, changes: Iterable[CellChange], actor) -> list[ScheduleEntry]:
    """Set many cells of the store at once (the week grid's 保存), all or nothing.

    Returns the entries created or changed (cleared ones are deleted).  Errors name the
    field (``employee_id`` / ``work_date`` / ``shift_template_id``) and the person and day
    in the message.  A fixed number of statements whatever the number of cells.
    """
    cells = [(store_id, CellChange(c.employee_id, c.work_date, _parse_value(c.value)))
             for c in changes]
    if not cells:
        return []
    problems, employees, existing, shifts = _check_cells(cells)
    if problems:
        single = len(cells) == 1
        errors: dict[str, str] = {}
        for problem in problems:
            change = cells[problem.index][1]
            employee = employees.get(change.employee_id)
            who = f"{employee.name} {change.work_date:%m-%d}" if employee else ""
            key = (problem.field if single
                   else f"cell-{change.employee_id}-{change.work_date.isoformat()}")
            errors.setdefault(key, f"{who}：{problem.message}" if who and not single
                              else problem.message)
        raise TimeError(errors)
    saved = _write_cells(cells, existing, shifts, actor)
    return saved.created + saved.updated


def check_cells(cells: list[tuple[int, CellChange]]) -> list[CellProblem]:
    """What :func:`upsert_cells` would refuse in this batch, writing nothing."""
    cells = [(store_id, CellChange(c.employee_id, c.work_date, _parse_value(c.value)))
             for store_id, c in cells]
    return _check_cells(cells)[0] if cells else []


def upsert_cells(cells: list[tuple[int, CellChange]], actor) -> CellsSaved:
    """Set a batch of cells, each (store id, cell), possibly of several stores — the API's
    bulk upsert: all or nothing, the same rules as :func:`save_cells`, and a cell may not
    appear twice.  Raises :class:`CellsRefused` listing every bad cell by its index."""
    cells = [(store_id, CellChange(c.employee_id, c.work_date, _parse_value(c.value)))
             for store_id, c in cells]
    if not cells:
        return CellsSaved()
    problems, _employees, existing, shifts = _check_cells(cells)
    if problems:
        raise CellsRefused(problems, {f"entries.{p.index}.{p.field}": p.message
                                      for p in problems})
    return _write_cells(cells, existing, shifts, actor)


def _fill(entry: ScheduleEntry, value, shifts: dict[int, ShiftTemplate], zone) -> None:
    entry.published_at = None
    if value == REST:
        entry.is_rest = True
        entry.shift_template_id = None
        entry.starts_at = entry.ends_at = None
        return
    shift = shifts[value]
    entry.is_rest = False
    entry.shift_template_id = shift.id
    starts_at, ends_at = shift_window(shift.starts_at, shift.ends_at, entry.work_date, zone)
    entry.starts_at, entry.ends_at = utc(starts_at), utc(ends_at)


def set_cell(store_id: int, employee_id: int, work_date: date, value, actor
             ) -> ScheduleEntry | None:
    """One cell (the API's upsert): returns the entry, or None when cleared."""
    save_cells(store_id, [CellChange(employee_id, work_date, value)], actor)
    return db.session.scalar(select(ScheduleEntry).where(
        ScheduleEntry.employee_id == employee_id, ScheduleEntry.work_date == work_date,
        ScheduleEntry.store_id == store_id))


def clear_entry(entry: ScheduleEntry) -> None:
    """Delete one planned cell (its month must be open)."""
    ensure_month_open(entry.store_id, entry.work_date, field="work_date")
    db.session.delete(entry)
    db.session.flush()


# --------------------------------------------------------------------------- publish / copy


def publish_week(store_id: int, week_start: date, actor) -> int:
    """发布: every draft of the store in the seven days from ``week_start``; audited.
    Returns how many cells were published (0: nothing to publish)."""
    days = week_days(week_start)
    drafts = db.session.scalars(select(ScheduleEntry).where(
        ScheduleEntry.store_id == store_id, ScheduleEntry.work_date >= days[0],
        ScheduleEntry.work_date <= days[-1], ScheduleEntry.published_at.is_(None))).all()
    if not drafts:
        return 0
    locked = locked_months([store_id], days[0], days[-1])
    for entry in drafts:
        ensure_month_open(store_id, entry.work_date, field="week", locked=locked)
    now = utcnow()
    for entry in drafts:
        entry.published_at = now
    db.session.flush()
    record_audit("schedule.publish", "store", store_id, after={
        "week": days[0].isoformat(), "cells": len(drafts)})
    return len(drafts)


@dataclass
class CopyResult:
    """What a week copy did, cell by cell: (employee, target day)."""

    copied: list[tuple[Employee, date]] = field(default_factory=list)
    filled: list[tuple[Employee, date]] = field(default_factory=list)
    left: list[tuple[Employee, date]] = field(default_factory=list)
    inactive_shift: list[tuple[Employee, date]] = field(default_factory=list)
    locked: list[tuple[Employee, date]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name))
                for name in ("copied", "filled", "left", "inactive_shift", "locked")}


def copy_week(store_id: int, from_week: date, to_week: date, actor) -> CopyResult:
    """复制上周: the store's cells of ``from_week`` into the same weekdays of ``to_week``
    (drafts, current shift times); only empty cells, only people still here.  Audited."""
    from_week, to_week = week_start_of(from_week), week_start_of(to_week)
    if from_week == to_week:
        raise TimeError.on("week", _("不能把一周复制到同一周"))
    shift_by = to_week - from_week
    zone = tenant_zone()
    source = db.session.scalars(
        select(ScheduleEntry).where(ScheduleEntry.store_id == store_id,
                                    ScheduleEntry.work_date >= from_week,
                                    ScheduleEntry.work_date <= from_week + timedelta(days=6))
        .order_by(ScheduleEntry.work_date, ScheduleEntry.id)).all()
    result = CopyResult()
    if not source:
        return result
    people = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_({e.employee_id for e in source})))}
    taken = {(employee_id, day) for employee_id, day in db.session.execute(
        select(ScheduleEntry.employee_id, ScheduleEntry.work_date)
        .where(ScheduleEntry.employee_id.in_(list(people)),
               ScheduleEntry.work_date >= to_week,
               ScheduleEntry.work_date <= to_week + timedelta(days=6)))}
    shifts = {s.id: s for s in db.session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.store_id == store_id))}
    locked = locked_months([store_id], to_week, to_week + timedelta(days=6))

    for entry in sorted(source, key=lambda e: (people[e.employee_id].employee_no, e.work_date)):
        person = people[entry.employee_id]
        day = entry.work_date + shift_by
        cell = (person, day)
        if person.store_id != store_id or not schedulable_on(person, day):
            result.left.append(cell)
        elif (person.id, day) in taken:
            result.filled.append(cell)
        elif not entry.is_rest and (entry.shift_template_id not in shifts
                                    or not shifts[entry.shift_template_id].is_active):
            result.inactive_shift.append(cell)
        elif (store_id, day.replace(day=1)) in locked:
            result.locked.append(cell)
        else:
            new = ScheduleEntry(employee_id=person.id, store_id=store_id, work_date=day,
                                created_by_account_id=actor_id(actor))
            _fill(new, REST if entry.is_rest else entry.shift_template_id, shifts, zone)
            db.session.add(new)
            taken.add((person.id, day))
            result.copied.append(cell)
    db.session.flush()
    record_audit("schedule.copy", "store", store_id, after={
        "from_week": from_week.isoformat(), "to_week": to_week.isoformat(),
        **result.counts()})
    return result


# --------------------------------------------------------------------------- reading


def published_schedule(employee_id: int, first: date, last: date) -> list[ScheduleEntry]:
    """An employee's published cells from ``first`` to ``last`` (我的排班)."""
    return list(db.session.scalars(select(ScheduleEntry).where(
        ScheduleEntry.employee_id == employee_id, ScheduleEntry.published_at.is_not(None),
        ScheduleEntry.work_date >= first, ScheduleEntry.work_date <= last)
        .order_by(ScheduleEntry.work_date)))


def shift_names(shift_ids: Iterable[int | None]) -> dict[int, ShiftTemplate]:
    ids = {i for i in shift_ids if i is not None}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.id.in_(ids)))}


def list_entries(store_ids: set[int] | None, first: date, last: date,
                 store_id: int | None = None, employee_id: int | None = None,
                 published_only: bool = False):
    """The select behind the API's schedule list (store scope applied)."""
    query = select(ScheduleEntry).where(ScheduleEntry.work_date >= first,
                                        ScheduleEntry.work_date <= last)
    if store_ids is not None:
        query = query.where(ScheduleEntry.store_id.in_(store_ids or [-1]))
    if store_id is not None:
        query = query.where(ScheduleEntry.store_id == store_id)
    if employee_id is not None:
        query = query.where(ScheduleEntry.employee_id == employee_id)
    if published_only:
        query = query.where(ScheduleEntry.published_at.is_not(None))
    return query.order_by(ScheduleEntry.work_date, ScheduleEntry.employee_id)
