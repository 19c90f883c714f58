"""Shift templates and schedules as plain functions: overnight shifts, cells, publish, copy."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.blueprints.hr.models.time import ScheduleEntry
from app.blueprints.hr.time import TimeError, shifts
from app.blueprints.hr.time import schedules as service
from app.extensions import db
from app.models import AuditEntry
from tests.hr.time.helpers import SHANGHAI, local, make_shifts, monday, plan, staff

# Also on SQLite: shift times (naive on SQLite, aware on PostgreSQL) and date grids.
pytestmark = pytest.mark.both_backends


def test_an_overnight_shift_belongs_to_the_day_it_starts(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        assert made["night"].crosses_midnight and made["late"].crosses_midnight
        assert not made["early"].crosses_midnight
        person = staff(store, 1)[0]
        day = monday(2)
        entry = service.set_cell(store.id, person.id, day, made["night"].id,
                                 company_a.accounts["foreman"])
        assert entry.work_date == day
        assert entry.starts_at.astimezone(SHANGHAI) == local(day, 22)
        assert entry.ends_at.astimezone(SHANGHAI) == local(day + timedelta(days=1), 6)
        late = service.set_cell(store.id, person.id, day + timedelta(days=1), made["late"].id,
                                None)
        assert late.ends_at.astimezone(SHANGHAI) == local(day + timedelta(days=2), 0)


def test_shift_names_are_unique_per_store_and_times_must_differ(app, company_a, in_tenant):
    with in_tenant(company_a):
        store, other = company_a.stores
        shifts.create_shift(store.id, "早班", time(10), time(18))
        shifts.create_shift(other.id, "早班", time(9), time(17))  # another store may
        with pytest.raises(TimeError) as error:
            shifts.create_shift(store.id, "早班", time(11), time(19))
        assert error.value.field == "name"
        with pytest.raises(TimeError) as error:
            shifts.create_shift(store.id, "怪班", time(10), time(10))
        assert error.value.field == "ends_at"


def test_a_used_shift_is_deactivated_never_deleted(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        person = staff(store, 1)[0]
        service.set_cell(store.id, person.id, monday(1), made["early"].id, None)
        with pytest.raises(TimeError):
            shifts.delete_shift(made["early"])
        shifts.set_shift_active(made["early"], False)
        shifts.delete_shift(made["late"])  # never used
        names = [s.name for s in shifts.store_shifts(store.id)]
        assert names == ["早班", "通宵"]
        # A deactivated shift is not offered for new cells.
        with pytest.raises(TimeError) as error:
            service.set_cell(store.id, person.id, monday(1) + timedelta(days=1),
                             made["early"].id, None)
        assert error.value.field == "shift_template_id"


def test_cells_are_drafts_until_the_week_is_published(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        a, b = staff(store, 2)
        week = monday(1)
        foreman = company_a.accounts["foreman"]
        service.save_cells(store.id, [
            service.CellChange(a.id, week, made["early"].id),
            service.CellChange(a.id, week + timedelta(days=1), "rest"),
            service.CellChange(b.id, week, made["late"].id),
        ], foreman)
        grid = service.week_grid(store.id, week)
        assert grid.drafts == 3 and grid.published == 0
        assert service.published_schedule(a.id, week, week + timedelta(days=6)) == []

        assert service.publish_week(store.id, week, foreman) == 3
        mine = service.published_schedule(a.id, week, week + timedelta(days=6))
        assert [(e.work_date, e.is_rest) for e in mine] == [
            (week, False), (week + timedelta(days=1), True)]
        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "schedule.publish"))
        assert audit.after == {"week": week.isoformat(), "cells": 3}
        assert service.publish_week(store.id, week, foreman) == 0  # nothing new

        # An unchanged cell keeps its state; a changed one is a draft again.
        service.save_cells(store.id, [service.CellChange(a.id, week, made["early"].id),
                                      service.CellChange(b.id, week, "rest")], foreman)
        grid = service.week_grid(store.id, week)
        assert grid.drafts == 1 and grid.published == 2
        # Clearing a cell removes the plan.
        service.save_cells(store.id, [service.CellChange(b.id, week, "")], foreman)
        assert service.week_grid(store.id, week).drafts == 0


def test_cells_refuse_other_stores_people_and_days_outside_employment(app, company_a,
                                                                      in_tenant):
    with in_tenant(company_a):
        store, other = company_a.stores
        made = make_shifts(store.id)
        week = monday(1)
        here = staff(store, 1)[0]
        there = staff(other, 1, start=950)[0]
        with pytest.raises(TimeError) as error:
            service.set_cell(store.id, there.id, week, made["early"].id, None)
        assert error.value.fields == {"employee_id": "不是本店员工"}
        here.last_day = week
        with pytest.raises(TimeError) as error:
            service.set_cell(store.id, here.id, week + timedelta(days=1), made["early"].id,
                             None)
        assert error.value.field == "work_date"
        # All or nothing: one bad cell and nothing is saved.
        with pytest.raises(TimeError) as error:
            service.save_cells(store.id, [
                service.CellChange(here.id, week, made["early"].id),
                service.CellChange(here.id, week + timedelta(days=2), made["early"].id)], None)
        assert list(error.value.fields) == [f"cell-{here.id}-{week + timedelta(days=2)}"]
        assert db.session.scalar(select(ScheduleEntry.id)) is None


def test_copy_week_fills_only_empty_cells_and_skips_leavers(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        stays, filled, leaver, mover = staff(store, 4)
        last_week, this_week = monday(1), monday(0)
        manager = company_a.accounts["store_manager"]
        plan(store.id, {
            (stays, last_week): made["early"],
            (stays, last_week + timedelta(days=1)): "rest",
            (filled, last_week): made["late"],
            (leaver, last_week): made["early"],
            (leaver, last_week + timedelta(days=3)): made["early"],
            (mover, last_week + timedelta(days=2)): made["night"],
        }, manager)
        # This week: one cell already planned; one person leaves on Tuesday; one moved.
        plan(store.id, {(filled, this_week): made["early"]}, manager, publish=False)
        leaver.last_day = this_week + timedelta(days=1)
        mover.store_id = company_a.stores[1].id
        db.session.flush()

        result = service.copy_week(store.id, last_week, this_week, manager)

        def named(cells):
            return sorted((e.employee_no, d) for e, d in cells)

        assert named(result.copied) == sorted([
            (stays.employee_no, this_week), (stays.employee_no, this_week + timedelta(days=1)),
            (leaver.employee_no, this_week)])
        assert named(result.filled) == [(filled.employee_no, this_week)]
        assert named(result.left) == sorted([
            (leaver.employee_no, this_week + timedelta(days=3)),
            (mover.employee_no, this_week + timedelta(days=2))])
        copied = db.session.scalars(select(ScheduleEntry).where(
            ScheduleEntry.employee_id == stays.id,
            ScheduleEntry.work_date >= this_week)
            .order_by(ScheduleEntry.work_date)).all()
        assert [e.published_at for e in copied] == [None, None]  # drafts
        assert copied[0].starts_at.astimezone(SHANGHAI) == local(this_week, 10)
        assert copied[1].is_rest
        kept = db.session.scalar(select(ScheduleEntry).where(
            ScheduleEntry.employee_id == filled.id, ScheduleEntry.work_date == this_week))
        assert kept.shift_template_id == made["early"].id  # not overwritten by 晚班
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.copy"))
        assert audit.after["copied"] == 3 and audit.after["filled"] == 1

        # Copying again copies nothing: every cell is filled now.
        again = service.copy_week(store.id, last_week, this_week, manager)
        assert again.counts()["copied"] == 0 and len(again.filled) == 4


def test_copy_week_uses_the_shifts_current_times_and_skips_deactivated(app, company_a,
                                                                        in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        a, b = staff(store, 2)
        plan(store.id, {(a, monday(1)): made["early"], (b, monday(1)): made["late"]}, None)
        shifts.update_shift(made["early"], "早班", time(9, 30), time(17, 30))
        shifts.set_shift_active(made["late"], False)
        result = service.copy_week(store.id, monday(1), monday(0), None)
        assert [e.employee_no for e, _d in result.copied] == [a.employee_no]
        assert [e.employee_no for e, _d in result.inactive_shift] == [b.employee_no]
        entry = db.session.scalar(select(ScheduleEntry).where(
            ScheduleEntry.employee_id == a.id, ScheduleEntry.work_date == monday(0)))
        assert entry.starts_at.astimezone(SHANGHAI) == local(monday(0), 9, 30)
        # Last week's cell keeps the times it was planned with.
        old = db.session.scalar(select(ScheduleEntry).where(
            ScheduleEntry.employee_id == a.id, ScheduleEntry.work_date == monday(1)))
        assert old.starts_at.astimezone(SHANGHAI) == local(monday(1), 10)
