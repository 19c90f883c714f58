"""离职 rules as plain functions: request, approval, checklist, items, the last day."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.auth import services as auth_services
from app.blueprints.hr import checklists, offboarding, services
from app.blueprints.hr.models import (
    ChecklistItem,
    IssuedItem,
    Offboarding,
    ScheduleEntry,
)
from app.blueprints.store import dispatch
from app.blueprints.store.models import BoardEntry
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.models import Account, ApiToken, AuditEntry, Tenant
from app.security import hash_token
from tests.hr.lifecycle.helpers import item

SHANGHAI_MIDNIGHT_UTC = time(16, 0)  # 00:00 in China is 16:00 UTC the day before


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _approved(company, last_day: date, role: str = "therapist", now=None) -> Offboarding:
    person = company.employees[role]
    request = offboarding.request_offboarding(person, kind="resignation", last_day=last_day,
                                              reason="回老家", actor=company.accounts["hr_staff"])
    offboarding.approve_offboarding(request, company.accounts["hr_manager"],
                                    now=now or datetime(2026, 1, 1, tzinfo=UTC))
    return request


def test_request_rules(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        with pytest.raises(services.HrError) as error:
            offboarding.request_offboarding(person, kind="termination", last_day=None)
        assert {"last_day", "reason"} <= set(error.value.fields)
        with pytest.raises(services.HrError) as error:
            offboarding.request_offboarding(person, kind="resignation",
                                            last_day=date(2024, 12, 31))
        assert "last_day" in error.value.fields  # before the hire date (2025-01-01)
        request = offboarding.request_offboarding(person, kind="resignation",
                                                  last_day=date(2026, 5, 31))
        assert request.status == "requested" and person.status == "active"
        assert person.last_day is None  # nothing changes before the approval
        with pytest.raises(services.HrError) as error:
            offboarding.request_offboarding(person, kind="resignation",
                                            last_day=date(2026, 6, 30))
        assert "employee" in error.value.fields  # one open offboarding per person


def test_approval_sets_the_status_last_day_and_checklist(company_a, in_tenant):
    with in_tenant(company_a):
        request = _approved(company_a, date(2026, 5, 31))
        person = company_a.employees["therapist"]
        assert request.status == "approved"
        assert request.approved_by_account_id == company_a.accounts["hr_manager"].id
        assert person.status == "offboarding" and person.last_day == date(2026, 5, 31)
        items = {i.title: i for i in offboarding.items_of(request)}
        assert items["归还物品"].owner_department == "logistics"
        assert items["归还物品"].due_on == date(2026, 5, 31)
        assert items["离职面谈"].due_on == date(2026, 5, 30)
        assert items["结算"].owner_department == "finance"
        final_pay = next(i for t, i in items.items() if t.startswith("最后工资"))
        assert final_pay.due_on == date(2026, 6, 15)
        assert request.job_record_id is None  # the last day is still to come
        with pytest.raises(services.HrError):
            offboarding.approve_offboarding(request)


def test_approving_a_past_last_day_starts_the_job_at_once(company_a, in_tenant):
    with in_tenant(company_a):
        yesterday = checklists.tenant_today() - timedelta(days=1)
        request = _approved(company_a, yesterday, now=datetime.now(UTC))
        record = db.session.scalar(select(JobRecord).where(JobRecord.id == request.job_record_id))
        assert record.kind == "hr.offboard_employee"
        assert record.params == {"offboarding_id": request.id}
        commit_and_dispatch()  # inline without Redis
        request = db.session.scalar(select(Offboarding).where(Offboarding.id == request.id))
        assert request.status == "completed"
        assert company_a.employees["therapist"].status == "left"


def test_reject_and_cancel(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["cashier"]
        request = offboarding.request_offboarding(person, kind="resignation",
                                                  last_day=date(2026, 5, 31))
        with pytest.raises(services.HrError):
            offboarding.reject_offboarding(request, company_a.accounts["hr_manager"], reason="")
        offboarding.reject_offboarding(request, company_a.accounts["hr_manager"],
                                       reason="再考虑一下")
        assert request.status == "rejected" and person.status == "active"
        request = _approved(company_a, date(2026, 6, 30), role="cashier")
        offboarding.cancel_offboarding(request, reason="员工决定留下")
        assert request.status == "cancelled"
        assert person.status == "active" and person.last_day is None
        assert _count(ChecklistItem, ChecklistItem.offboarding_id == request.id) > 0


def test_items_are_returned_or_charged_before_settlement(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        uniform = IssuedItem(employee_id=person.id, name="工服", issued_on=date(2025, 1, 2))
        key = IssuedItem(employee_id=person.id, name="储物柜钥匙", issued_on=date(2025, 1, 2))
        db.session.add_all([uniform, key])
        db.session.flush()
        request = _approved(company_a, date(2026, 5, 31))
        logistics, finance = company_a.accounts["logistics_head"], company_a.accounts[
            "finance_manager"]
        returns, settlement = item(request, "归还物品"), item(request, "结算")
        with pytest.raises(services.HrError) as error:
            offboarding.tick_item(returns, logistics)
        assert "储物柜钥匙" in error.value.message
        with pytest.raises(checklists.ChecklistForbidden):
            offboarding.tick_item(settlement, logistics, settlement_amount="0")
        offboarding.return_issued_item(uniform, logistics, today=date(2026, 5, 31))
        with pytest.raises(services.HrError):
            offboarding.charge_issued_item(key, "-5", logistics)
        offboarding.charge_issued_item(key, "50", logistics)
        assert (uniform.status, uniform.returned_on) == ("returned", date(2026, 5, 31))
        assert (key.status, key.charge) == ("charged", Decimal("50.00"))
        with pytest.raises(services.HrError):
            offboarding.return_issued_item(key, logistics)  # already closed
        offboarding.tick_item(returns, logistics)
        assert offboarding.suggested_settlement(request) == Decimal("-50.00")
        with pytest.raises(services.HrError) as error:
            offboarding.tick_item(settlement, finance)
        assert "settlement_amount" in error.value.fields
        offboarding.tick_item(settlement, finance, settlement_amount="1,234.565",
                              settlement_note="工资余额 1284.57 − 钥匙 50")
        assert request.settlement_amount == Decimal("1234.57")
        assert settlement.done_by_account_id == finance.id


def _board_and_schedules(company, person, last_day: date):
    """Today's board with the therapist on it, and schedules around the last day."""
    store_id = company.store.id
    dispatch.clock_in(store_id, person.id, actor=None)
    for offset in (-1, 0, 1, 2):
        day = last_day + timedelta(days=offset)
        db.session.add(ScheduleEntry(employee_id=person.id, store_id=store_id, work_date=day,
                                     is_rest=offset == 2))
    db.session.flush()


def test_the_last_day_job_ends_everything_once(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        account = company_a.accounts["therapist"]
        issued = auth_services.create_api_token(account, "打卡机")
        last_day = checklists.tenant_today() - timedelta(days=1)
        _board_and_schedules(company_a, person, last_day)
        version = account.session_version
        request = offboarding.request_offboarding(person, kind="resignation", last_day=last_day)
        offboarding.approve_offboarding(request, company_a.accounts["hr_manager"],
                                        now=datetime(2020, 1, 1, tzinfo=UTC))  # no job yet
        result = offboarding.run_last_day(request.id)
        assert result.done and result.accounts_disabled == 1
        assert not account.is_enabled and account.session_version == version + 1
        token = db.session.scalar(select(ApiToken).where(ApiToken.id == issued.row.id))
        assert token.revoked_at is not None
        assert auth_services.load_token_user(issued.token) is None
        entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == person.id))
        assert entry.status == "away"
        assert result.board_entries == 1
        remaining = db.session.scalars(select(ScheduleEntry.work_date).where(
            ScheduleEntry.employee_id == person.id).order_by(ScheduleEntry.work_date)).all()
        assert remaining == [last_day - timedelta(days=1), last_day]  # worked days stay
        assert result.schedules_removed == 2
        assert person.status == "left" and person.last_day == last_day
        assert request.status == "completed" and request.completed_at is not None
        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "employee.offboard"))
        assert audit.after["status"] == "left" and len(audit.after["schedules_removed"]) == 2
        db.session.commit()

        audits = _count(AuditEntry)
        again = offboarding.run_last_day(request.id)
        assert again.done is False
        assert _count(AuditEntry) == audits
        assert token.token_hash == hash_token(issued.token)
        assert db.session.scalar(select(Account.session_version).where(
            Account.id == account.id)) == version + 1


def test_a_busy_therapist_is_suspended_instead_of_clocked_out(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        dispatch.clock_in(company_a.store.id, person.id, actor=None)
        entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == person.id))
        entry.status = "busy"  # as if in a job right now
        db.session.flush()
        request = _approved(company_a, checklists.tenant_today() - timedelta(days=1))
        offboarding.run_last_day(request.id)
        entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == person.id)
                                  .execution_options(populate_existing=True))
        assert entry.suspended is True and entry.status == "busy"
        assert person.status == "left"


def test_the_job_waits_until_the_last_day_has_ended(company_a, in_tenant):
    with in_tenant(company_a):
        request = _approved(company_a, date(2026, 5, 31))
        evening = datetime.combine(date(2026, 5, 31), time(15, 59), tzinfo=UTC)  # 23:59 local
        assert offboarding.run_last_day(request.id, now=evening).done is False
        assert company_a.employees["therapist"].status == "offboarding"
        assert company_a.accounts["therapist"].is_enabled


def test_the_tick_picks_offboardings_whose_last_day_ended_in_the_company_time_zone(
        company_a, in_tenant):
    with in_tenant(company_a):
        ends_31 = _approved(company_a, date(2026, 5, 31))
        ends_30 = _approved(company_a, date(2026, 5, 30), role="cashier")
        later = _approved(company_a, date(2026, 6, 1), role="receptionist")
        assert ends_31.status == ends_30.status == later.status == "approved"

        # 23:30 on 31 May in Shanghai (15:30 UTC): the 31st is still a working day.
        before = datetime.combine(date(2026, 5, 31), time(15, 30), tzinfo=UTC)
        assert [o.id for o in offboarding.due_for_last_day(before)] == [ends_30.id]
        # 00:00 on 1 June in Shanghai (16:00 UTC on 31 May): the 31st has ended.
        midnight = datetime.combine(date(2026, 5, 31), SHANGHAI_MIDNIGHT_UTC, tzinfo=UTC)
        assert [o.id for o in offboarding.due_for_last_day(midnight)] == [ends_30.id, ends_31.id]
        summary = offboarding.process_due_offboardings(midnight)
        assert summary == {"completed": [ends_30.id, ends_31.id], "failed": []}
        assert later.status == "approved"
        assert company_a.employees["receptionist"].status == "offboarding"
        assert offboarding.process_due_offboardings(midnight) == {"completed": [], "failed": []}

        # The same moment is still the 31st for a company in Los Angeles.
        tenant = db.session.get(Tenant, company_a.tenant_id)
        tenant.timezone = "America/Los_Angeles"
        db.session.flush()
        la_morning = datetime.combine(date(2026, 6, 1), time(16, 0), tzinfo=UTC)  # 09:00 LA
        assert offboarding.due_for_last_day(la_morning) == []
        la_next = datetime.combine(date(2026, 6, 2), time(7, 0), tzinfo=UTC)  # 00:00 LA
        assert [o.id for o in offboarding.due_for_last_day(la_next)] == [later.id]


def test_the_tick_job_runs_through_the_job_machinery(company_a, in_tenant):
    from app.jobs import enqueue

    with in_tenant(company_a):
        request = _approved(company_a, date(2026, 5, 31))
        midnight = datetime.combine(date(2026, 5, 31), SHANGHAI_MIDNIGHT_UTC, tzinfo=UTC)
        record = enqueue("hr.offboarding_tick", now=midnight.isoformat())
        commit_and_dispatch()
        record = db.session.scalar(select(JobRecord).where(JobRecord.id == record.id))
        assert record.status == "finished", record.error
        assert record.result == {"completed": [request.id], "failed": []}
        request = db.session.scalar(select(Offboarding).where(Offboarding.id == request.id))
        assert request.status == "completed" and request.job_record_id == record.id
