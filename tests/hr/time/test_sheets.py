"""The monthly attendance sheet: month_records (the data payroll shares), its SQL budget,
and the lock that freezes a month for every verb (ensure_month_open)."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from app.blueprints.hr.models.time import ClockRecord, LeaveRequest, ShiftTemplate
from app.blueprints.hr.time import NotAllowed, TimeError, clocks, leave, schedules
from app.blueprints.hr.time import sheets as service
from app.blueprints.hr.time.sheets import MonthLockedError, ensure_month_open, month_records
from app.extensions import db
from app.models import Account, AuditEntry, Store
from tests.hr.time.helpers import first_of_month, local, make_shifts, plan, staff

# Also on SQLite: a month of shifts and punches compared as moments on both engines.
pytestmark = pytest.mark.both_backends


def _punch(person, kind, at, store_id):
    db.session.add(ClockRecord(employee_id=person.id, store_id=store_id, kind=kind,
                               at=at.astimezone(UTC), source="device"))


def test_month_records_gathers_shifts_punches_and_leave_per_employee(app, company_a,
                                                                     in_tenant):
    with in_tenant(company_a):
        store, other = company_a.stores
        made = make_shifts(store.id)
        month = first_of_month(1)
        days = [month + timedelta(days=n) for n in range(8)]
        person, elsewhere, gone = staff(store, 3)
        gone.last_day = month - timedelta(days=3)
        gone.status = "left"
        plan(store.id, {
            (person, month - timedelta(days=1)): made["night"],  # last month's overnight
            (person, days[0]): made["early"],
            (person, days[2]): made["early"],
            (person, days[3]): made["night"],
            (person, days[4]): made["early"],
            (person, days[5]): made["early"],
            (person, days[6]): "rest",
            (elsewhere, days[2]): made["early"],
        }, None)
        schedules.set_cell(store.id, person.id, days[7], made["early"].id, None)  # a draft
        elsewhere.store_id = other.id  # moved away after working here this month
        _punch(person, "in", local(month - timedelta(days=1), 21, 58), store.id)
        _punch(person, "out", local(days[0], 6, 5), store.id)  # ends last month's night
        _punch(person, "in", local(days[0], 9, 59), store.id)
        _punch(person, "out", local(days[0], 18, 0), store.id)
        _punch(person, "in", local(days[2], 9, 58), store.id)
        _punch(person, "out", local(days[2], 18, 3), store.id)
        _punch(person, "in", local(days[3], 22, 10), store.id)  # 10 minutes late
        _punch(person, "out", local(days[4], 6, 0), store.id)  # next morning: the night's
        # days[4]: no punch at all; days[5]: half a day's sick leave and half a day worked
        _punch(person, "in", local(days[5], 10, 0), store.id)
        _punch(person, "out", local(days[5], 14, 0), store.id)
        _punch(person, "in", local(days[6], 11, 0), store.id)  # a rest day: counts nothing
        db.session.add(LeaveRequest(employee_id=person.id, store_id=store.id, kind="sick",
                                    starts_on=days[5], ends_on=days[5], half_day=True,
                                    days=Decimal("0.5"), status="approved"))
        db.session.add(LeaveRequest(employee_id=person.id, store_id=store.id, kind="annual",
                                    starts_on=days[4], ends_on=days[4], days=Decimal(1),
                                    status="rejected"))
        db.session.flush()

        records = month_records(store.id, month)
        ours = {person.id, elsewhere.id, gone.id}
        # The store's people (the factory's desk staff too) in employee-number order; the
        # one who moved away still shows for the days worked here; who left before, not.
        assert [i for i in records if i in ours] == [person.id, elsewhere.id]
        assert list(records)[-2:] == [person.id, elsewhere.id]
        mine = records[person.id]
        assert [s.work_date for s in mine.shifts] == [days[0], days[2], days[3], days[4],
                                                      days[5]]
        assert mine.rest_days == frozenset({days[6]})
        assert mine.punches[days[0]].first_in == local(days[0], 9, 59)
        assert mine.punches[days[0]].last_out == local(days[0], 18, 0)
        assert mine.punches[days[3]].last_out == local(days[4], 6, 0)
        assert days[4] not in mine.punches and days[6] not in mine.punches
        assert set(mine.leave) == {days[5]} and mine.leave[days[5]].fraction == Decimal("0.5")

        facts = mine.facts()
        assert facts.scheduled == 5
        assert facts.attended == Decimal("3.5")
        assert facts.absent == 1 and facts.sick_leave == Decimal("0.5") and facts.late == 1
        assert list(month_records(other.id, month)) == [elsewhere.id]  # works there now
        everyone = month_records(None, month)
        assert person.id in everyone and gone.id not in everyone
        assert list(month_records(None, month, employee_ids=[elsewhere.id])) == [elsewhere.id]


class Statements:
    def __init__(self):
        self.sql: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        self.sql.append(" ".join(statement.split())[:120])

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._record)


def _populate(store, shifts, month, start: int, count: int, manager) -> None:
    people = staff(store, count, start=start)
    cells = {}
    for n, person in enumerate(people):
        for d in range(0, 20, 2):
            cells[(person, month + timedelta(days=d))] = shifts["early"]
        cells[(person, month + timedelta(days=1))] = "rest"
        _punch(person, "in", local(month, 9, 55 + n % 4), store.id)
        _punch(person, "out", local(month, 18, 1), store.id)
        db.session.add(LeaveRequest(employee_id=person.id, store_id=store.id, kind="personal",
                                    starts_on=month + timedelta(days=2),
                                    ends_on=month + timedelta(days=2), days=Decimal(1),
                                    status="approved"))
    plan(store.id, cells, None)
    for person in people:
        overtime = leave.request_overtime(person, month + timedelta(days=4), "1.5", "客人多",
                                          manager)
        # Who filed it does not decide it (app/approvals.py): HR approves.
        leave.approve_overtime(overtime, db.session.scalar(
            select(Account).where(Account.role == "hr_manager")))
    db.session.commit()


def test_month_records_statements_do_not_grow_with_employees(app, company_a, in_tenant):
    with in_tenant(company_a):
        store_id = company_a.store.id
        make_shifts(store_id)
        db.session.commit()
        month = first_of_month(1)
        counts = []
        for start, count in ((700, 2), (720, 18)):
            store = db.session.get(Store, store_id)
            shifts = {"early": db.session.scalar(select(ShiftTemplate).where(
                ShiftTemplate.store_id == store_id, ShiftTemplate.name == "早班"))}
            _populate(store, shifts, month, start, count,
                      db.session.scalar(select(Account).where(Account.role == "store_manager")))
            db.session.expunge_all()
            with Statements() as statements:
                records = month_records(store_id, month)
            counts.append(len(statements.sql))
            ours = [r for r in records.values() if r.employee_no.startswith("7")]
            assert len(ours) == (2 if start == 700 else 20)
            assert all(len(r.shifts) == 10 and r.overtime_hours == Decimal("1.5")
                       and len(r.leave) == 1 and len(r.punches) == 1 for r in ours)
        assert counts[0] == counts[1], counts
        assert counts[0] <= 6


# --------------------------------------------------------------------------- the lock


def test_a_locked_month_refuses_every_change_dated_inside_it(app, company_a, in_tenant):
    with in_tenant(company_a):
        store, other = company_a.stores
        made = make_shifts(store.id)
        month = first_of_month(1)
        day = month + timedelta(days=9)
        person = company_a.employees["cashier"]
        me = company_a.accounts["cashier"]
        foreman = company_a.accounts["foreman"]
        punch = clocks.record_punch(person, "in", local(day, 10), "补卡", foreman)
        pending = leave.request_leave(person, "personal", day + timedelta(days=2),
                                      day + timedelta(days=2), False, "", me)
        schedules.set_cell(store.id, person.id, day + timedelta(days=3), made["early"].id, None)

        sheet = service.lock_sheet(store.id, month, company_a.accounts["hr_manager"], "已核对")
        assert sheet.status == "locked" and sheet.locked_by_account_id == (
            company_a.accounts["hr_manager"].id)
        with pytest.raises(TimeError):
            service.lock_sheet(store.id, month, company_a.accounts["hr_manager"])

        with pytest.raises(MonthLockedError):
            ensure_month_open(store.id, day)
        ensure_month_open(other.id, day)  # another store's month is its own
        ensure_month_open(store.id, month - timedelta(days=1))  # the month before is open
        ensure_month_open(None, day)  # head office belongs to no sheet

        refused = [
            lambda: clocks.record_punch(person, "out", local(day, 18), "补卡", foreman),
            lambda: clocks.void_punch(punch, "打错", foreman),
            lambda: leave.request_leave(person, "sick", day, day, False, "", me),
            lambda: leave.request_overtime(person, day, 2, "客人多", me),
            lambda: leave.approve_leave(pending, company_a.accounts["store_manager"]),
            lambda: leave.cancel_leave(pending, me),
            lambda: schedules.set_cell(store.id, person.id, day, made["late"].id, None),
            lambda: schedules.save_cells(store.id, [schedules.CellChange(
                person.id, day + timedelta(days=3), "")], None),
        ]
        for verb in refused:
            with pytest.raises(TimeError) as error:
                verb()
            assert "已锁定" in error.value.message
        with pytest.raises(MonthLockedError):
            schedules.publish_week(store.id, schedules.week_start_of(day + timedelta(days=3)),
                                   None)

        with pytest.raises(NotAllowed):
            service.unlock_sheet(sheet, company_a.accounts["store_manager"], "错了")
        with pytest.raises(TimeError) as error:
            service.unlock_sheet(sheet, company_a.accounts["hr_manager"], " ")
        assert error.value.field == "reason"
        service.unlock_sheet(sheet, company_a.accounts["hr_manager"], "补录病假")
        assert sheet.status == "open" and sheet.locked_at is None
        clocks.record_punch(person, "out", local(day, 18), "补卡", foreman)
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("attendance.%")).order_by(AuditEntry.id)).all()
        assert actions == ["attendance.lock", "attendance.unlock"]
        unlock = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "attendance.unlock"))
        assert unlock.after["reason"] == "补录病假"


def test_a_punch_that_ends_a_locked_months_last_night_is_refused(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        month = first_of_month(2)
        next_first = first_of_month(1)
        last_night = next_first - timedelta(days=1)
        person = company_a.employees["cashier"]
        plan(store.id, {(person, last_night): made["night"], (person, next_first): made["late"]},
             None)
        service.lock_sheet(store.id, month, company_a.accounts["hr_manager"])
        with pytest.raises(MonthLockedError):
            clocks.record_punch(person, "out", local(next_first, 6, 5), "漏打下班卡",
                                company_a.accounts["foreman"])
        # The 1st's own shift (晚班 16:00) is in the open month: its punches are fine.
        clocks.record_punch(person, "in", local(next_first, 15, 58), "上班漏打",
                            company_a.accounts["foreman"])


def test_punches_go_to_the_nearest_shift_and_ties_split_by_kind(app):
    """Back-to-back shifts: the 06:00 clock-out ends the night shift, the 06:00 clock-in
    starts the morning one; a punch far from every shift counts for nothing."""
    from app.blueprints.hr.payroll.attendance import Shift
    from app.blueprints.hr.time.sheets import attribute_punches

    day = first_of_month(1) + timedelta(days=3)
    before = day - timedelta(days=1)
    night = Shift(before, local(before, 22), local(day, 6))
    morning = Shift(day, local(day, 6), local(day, 14))
    punches = attribute_punches([morning, night], [
        ("out", local(day, 6)), ("in", local(day, 6)), ("in", local(before, 21, 50)),
        ("out", local(day, 14, 30)), ("in", local(before, 3))])
    assert punches[before].first_in == local(before, 21, 50)
    assert punches[before].last_out == local(day, 6)
    assert punches[day].first_in == local(day, 6)
    assert punches[day].last_out == local(day, 14, 30)
    assert set(punches) == {before, day}


def test_a_running_month_counts_no_absence_for_shifts_that_have_not_ended(app, company_a,
                                                                          in_tenant):
    """我的考勤 on the morning of a working day: today's and later shifts are not 旷工."""
    from datetime import date

    with in_tenant(company_a):
        store = company_a.stores[0]
        made = make_shifts(store.id)
        person = staff(store, 1)[0]
        person.hire_date = date(2020, 1, 1)
        ahead = first_of_month(0) + timedelta(days=40)  # a shift surely not yet worked
        plan(store.id, {(person, ahead): made["early"]}, None)
        db.session.flush()
        month = service.employee_month(person.id, ahead)
        assert month.facts.scheduled == 0 and month.facts.absent == 0
        inputs = month_records(None, ahead, [person.id])[person.id]
        # Payroll of a finished month judges every shift: the missing punches are 旷工.
        assert inputs.facts().absent == 1
