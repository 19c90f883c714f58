"""请假 and 加班 as plain functions: days, routing to HR, overlaps, decisions, cancelling."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr.time import NotAllowed, TimeError
from app.blueprints.hr.time import leave as service
from app.blueprints.hr.time.sheets import month_records
from app.extensions import db
from app.models import AuditEntry, Tenant
from tests.hr.time.helpers import first_of_month, make_shifts, monday, plan, staff

# Also on SQLite: date ranges and overlaps compared in SQL.
pytestmark = pytest.mark.both_backends


def _people(company):
    return {role: company.accounts[role] for role in
            ("therapist", "store_manager", "hr_manager", "foreman", "supervisor")}


def test_leave_days_are_calendar_days_or_half_a_day(app, company_a, in_tenant):
    with in_tenant(company_a):
        accounts = _people(company_a)
        me = db.session.get(type(company_a.employees["therapist"]),
                            accounts["therapist"].employee_id)
        start = monday(-1)
        three = service.request_leave(me, "annual", start, start + timedelta(days=2), False,
                                      "回老家", accounts["therapist"])
        assert three.days == Decimal(3) and not three.needs_hr and three.status == "pending"
        assert three.store_id == me.store_id
        half = service.request_leave(me, "personal", start + timedelta(days=5), None, True, "",
                                     accounts["therapist"])
        assert half.days == Decimal("0.5") and half.ends_on == half.starts_on
        with pytest.raises(TimeError) as error:
            service.request_leave(me, "sick", start + timedelta(days=7),
                                  start + timedelta(days=8), True, "", accounts["therapist"])
        assert error.value.field == "half_day"
        with pytest.raises(TimeError) as error:
            service.request_leave(me, "sick", start + timedelta(days=9), start, False, "",
                                  accounts["therapist"])
        assert error.value.field == "ends_on"
        with pytest.raises(TimeError) as error:
            service.request_leave(me, "holiday", start, start, False, "", accounts["therapist"])
        assert error.value.field == "kind"


def test_leave_above_the_threshold_goes_to_hr(app, company_a, in_tenant):
    with in_tenant(company_a):
        accounts = _people(company_a)
        therapist = accounts["therapist"]
        me = company_a.employees["therapist"]
        start = monday(-2)
        short = service.request_leave(me, "annual", start, start + timedelta(days=2), False, "",
                                      therapist)
        long = service.request_leave(me, "marriage", start + timedelta(days=7),
                                     start + timedelta(days=10), False, "婚假", therapist)
        assert long.days == 4 and long.needs_hr

        assert service.can_decide_leave(accounts["store_manager"], short)
        assert not service.can_decide_leave(accounts["store_manager"], long)
        with pytest.raises(NotAllowed) as error:
            service.approve_leave(long, accounts["store_manager"])
        assert "人力资源" in error.value.message
        with pytest.raises(NotAllowed):  # a foreman approves nothing
            service.approve_leave(short, accounts["foreman"])
        with pytest.raises(NotAllowed):  # nobody approves their own
            service.approve_leave(short, therapist)

        service.approve_leave(short, accounts["store_manager"], "好")
        service.approve_leave(long, accounts["hr_manager"])
        assert (short.status, long.status) == ("approved", "approved")
        assert short.decided_by_account_id == accounts["store_manager"].id
        with pytest.raises(TimeError) as error:
            service.approve_leave(short, accounts["store_manager"])
        assert error.value.field == "status"
        audits = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "leave.approve").order_by(AuditEntry.id)).all()
        assert [a.object_id for a in audits] == [str(short.id), str(long.id)]


def test_the_threshold_is_the_tenants_policy(app, company_a, in_tenant):
    with in_tenant(company_a):
        tenant = db.session.get(Tenant, company_a.tenant_id)
        tenant.policies = {**(tenant.policies or {}), "payroll": {"leave_hr_approval_days": "5"}}
        db.session.flush()
        me = company_a.employees["therapist"]
        start = monday(-1)
        leave = service.request_leave(me, "annual", start, start + timedelta(days=4), False, "",
                                      company_a.accounts["therapist"])
        assert leave.days == 5 and not leave.needs_hr
        service.approve_leave(leave, company_a.accounts["store_manager"])


def test_overlapping_leave_is_refused_until_the_first_is_cancelled(app, company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.accounts["therapist"]
        me = company_a.employees["therapist"]
        start = monday(-1)
        first = service.request_leave(me, "annual", start, start + timedelta(days=2), False, "",
                                      therapist)
        for starts, ends, half in ((start + timedelta(days=2), start + timedelta(days=4), False),
                                   (start - timedelta(days=1), start, False),
                                   (start + timedelta(days=1), None, True)):
            with pytest.raises(TimeError) as error:
                service.request_leave(me, "sick", starts, ends, half, "", therapist)
            assert error.value.field == "starts_on" and "重叠" in error.value.message
        # Another person's leave on the same days is fine.
        service.request_leave(company_a.employees["foreman"], "sick", start, start, False, "",
                              company_a.accounts["foreman"])
        service.approve_leave(first, company_a.accounts["store_manager"])
        service.cancel_leave(first, therapist)
        assert first.status == "cancelled"  # kept, not deleted
        again = service.request_leave(me, "sick", start, start, False, "", therapist)
        assert again.status == "pending"
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "leave.cancel")) is not None
        with pytest.raises(TimeError):
            service.cancel_leave(first, therapist)  # already cancelled


def test_a_store_manager_files_leave_only_for_their_stores_people(app, company_a, in_tenant):
    with in_tenant(company_a):
        manager = company_a.accounts["store_manager"]
        here = company_a.employees["cashier"]
        there = staff(company_a.stores[1], 1, start=950, role="cashier")[0]
        day = monday(-1)
        filed = service.request_leave(here, "sick", day, day, False, "电话请假", manager)
        assert filed.requested_by_account_id == manager.id
        with pytest.raises(NotAllowed):
            service.request_leave(there, "sick", day, day, False, "", manager)
        with pytest.raises(NotAllowed):  # a therapist files only their own
            service.request_leave(here, "sick", day + timedelta(days=1), None, False, "",
                                  company_a.accounts["therapist"])


def test_overtime_is_approved_by_the_store_and_reaches_the_month(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        therapist = company_a.accounts["therapist"]
        me = company_a.employees["therapist"]
        day = first_of_month(1) + timedelta(days=8)  # the 9th of last month
        plan(store.id, {(me, day): made["early"], (me, day + timedelta(days=1)): "rest"}, None)
        worked = service.request_overtime(me, day, "2.5", "客人多", therapist)
        rest_day = service.request_overtime(me, day + timedelta(days=1), Decimal(3), "顶班",
                                            therapist)
        refused = service.request_overtime(me, day + timedelta(days=2), 1, "加钟", therapist)
        for bad in ("0", "-1", "25", "1.005", "abc"):
            with pytest.raises(TimeError) as error:
                service.request_overtime(me, day, bad, "x", therapist)
            assert error.value.field == "hours"
        with pytest.raises(TimeError) as error:
            service.request_overtime(me, day, 1, " ", therapist)
        assert error.value.field == "reason"
        with pytest.raises(NotAllowed):
            service.approve_overtime(worked, therapist)
        with pytest.raises(NotAllowed):
            service.approve_overtime(worked, company_a.accounts["foreman"])
        service.approve_overtime(worked, company_a.accounts["store_manager"])
        service.approve_overtime(rest_day, company_a.accounts["hr_manager"])
        service.reject_overtime(refused, company_a.accounts["store_manager"], "没有安排")
        assert refused.status == "rejected" and refused.decision_note == "没有安排"

        inputs = month_records(None, day)[me.id]
        entries = {e.work_date: e for e in inputs.overtime}
        assert set(entries) == {day, day + timedelta(days=1)}  # approved ones only
        assert entries[day].hours == Decimal("2.50") and not entries[day].is_rest_day
        assert entries[day + timedelta(days=1)].is_rest_day
        assert inputs.overtime_hours == Decimal("5.50")
        service.cancel_overtime(worked, company_a.accounts["store_manager"])
        assert worked.status == "cancelled"
