"""违纪 rules as plain functions: the escalation ladder (verbal → written → fine within
the window, per kind, inclusive window, rejected and cancelled not counted), the
fine's amount, who may record, separation of duties, audit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.hr.models import RewardPenalty
from app.blueprints.technical import discipline
from app.blueprints.technical.discipline import DisciplineError
from app.blueprints.technical.models import DisciplineRecord
from app.blueprints.technical.settings import save_technical_settings
from app.extensions import db
from app.models import AuditEntry
from app.validation import InputError
from tests.hr.helpers import add_employee

SEP = date(2026, 9, 1)


def _record(company, employee, day, category="lateness", actor="technical_supervisor", **kw):
    return discipline.record_discipline(employee, category, day, "迟到 15 分钟",
                                        company.accounts[actor], **kw)


def test_repeats_of_a_kind_climb_verbal_written_fine(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        first = _record(company_a, therapist, SEP)
        second = _record(company_a, therapist, SEP + timedelta(days=20))
        assert (first.step, first.repeat_no) == ("verbal", 1)
        assert (second.step, second.repeat_no) == ("written", 2)
        ladder = discipline.next_step(therapist, "lateness", SEP + timedelta(days=30))
        assert (ladder.step, ladder.repeat_no) == ("fine", 3)
        assert [r.id for r in ladder.earlier] == [first.id, second.id]
        # A fine needs the agreed amount; nothing is written without it.
        with pytest.raises(DisciplineError) as error:
            _record(company_a, therapist, SEP + timedelta(days=30))
        assert list(error.value.fields) == ["fine_amount"]
        third = _record(company_a, therapist, SEP + timedelta(days=30), fine_amount="50")
        fourth = _record(company_a, therapist, SEP + timedelta(days=40), fine_amount="80.50")
        assert (third.step, third.repeat_no, third.fine_amount) == ("fine", 3, Decimal("50.00"))
        assert (fourth.step, fourth.repeat_no) == ("fine", 4)
        # Another kind starts again at a verbal warning.
        other = _record(company_a, therapist, SEP + timedelta(days=40), category="hygiene")
        assert (other.step, other.repeat_no) == ("verbal", 1)
        assert db.session.scalar(select(func.count(DisciplineRecord.id))) == 5
        assert third.store_id == company_a.store.id and third.status == "pending"


def test_the_window_counts_inclusive_days_and_follows_the_setting(company_a, in_tenant):
    with in_tenant(company_a):
        person = add_employee("D1", store=company_a.store)
        first = _record(company_a, person, date(2026, 1, 10))
        assert first.step == "verbal"
        # Default 90 days: exactly 90 days later still counts, 91 days later does not.
        assert discipline.next_step(person, "lateness", date(2026, 4, 10)).step == "written"
        assert discipline.next_step(person, "lateness", date(2026, 4, 11)).step == "verbal"
        # A late entry of an earlier offence does not count what came after it.
        assert discipline.next_step(person, "lateness", date(2026, 1, 9)).step == "verbal"
        save_technical_settings({"escalation_window_days": 30}, company_a.accounts["owner"])
        assert discipline.next_step(person, "lateness", date(2026, 2, 9)).step == "written"
        assert discipline.next_step(person, "lateness", date(2026, 2, 10)).step == "verbal"


def test_rejected_and_cancelled_records_do_not_count(company_a, in_tenant):
    with in_tenant(company_a):
        person = add_employee("D2", store=company_a.store)
        rejected = _record(company_a, person, SEP)
        discipline.reject_discipline(rejected, company_a.accounts["technical_director"],
                                     "查无实据")
        cancelled = _record(company_a, person, SEP + timedelta(days=1))
        discipline.cancel_discipline(cancelled, company_a.accounts["technical_supervisor"])
        assert (rejected.status, cancelled.status) == ("rejected", "cancelled")
        again = _record(company_a, person, SEP + timedelta(days=2))
        assert (again.step, again.repeat_no) == ("verbal", 1)
        # A pending one counts already.
        assert discipline.next_step(person, "lateness", SEP + timedelta(days=3)).step == "written"


def test_bad_input_names_each_field_and_writes_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        supervisor = company_a.accounts["technical_supervisor"]
        with pytest.raises(DisciplineError) as error:
            discipline.record_discipline(therapist, "napping", None, " ", supervisor)
        assert set(error.value.fields) == {"category", "occurred_on", "description"}
        with pytest.raises(DisciplineError) as error:
            _record(company_a, therapist, SEP, fine_amount="20")  # a first offence: no fine
        assert list(error.value.fields) == ["fine_amount"]
        with pytest.raises(DisciplineError) as error:
            _record(company_a, therapist, date.today() + timedelta(days=3))
        assert list(error.value.fields) == ["occurred_on"]
        # Nobody records about themselves; a store supervisor only in their stores.
        own = company_a.employees["technical_supervisor"]
        with pytest.raises(DisciplineError) as error:
            _record(company_a, own, SEP)
        assert list(error.value.fields) == ["employee_id"]
        elsewhere = add_employee("D3", store=company_a.stores[1])
        with pytest.raises(DisciplineError) as error:
            _record(company_a, elsewhere, SEP)
        assert list(error.value.fields) == ["employee_id"]
        # The director (head office) records in any store.
        assert _record(company_a, elsewhere, SEP, actor="technical_director").step == "verbal"
        assert db.session.scalar(select(func.count(DisciplineRecord.id))) == 1


def test_separation_of_duties_and_cancel_by_the_recorder_only(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        director = company_a.accounts["technical_director"]
        mine = _record(company_a, therapist, SEP, actor="technical_director")
        with pytest.raises(InputError) as error:
            discipline.approve_discipline(mine, director)  # their own request
        assert list(error.value.fields) == ["status"]
        with pytest.raises(InputError):
            discipline.approve_discipline(mine, company_a.accounts["technical_supervisor"])
        with pytest.raises(InputError):
            discipline.cancel_discipline(mine, company_a.accounts["technical_supervisor"])
        assert mine.status == "pending"
        discipline.approve_discipline(mine, company_a.accounts["hr_manager"])
        assert mine.status == "approved" and mine.reward_id is None  # a warning: no money
        with pytest.raises(InputError):
            discipline.cancel_discipline(mine, director)  # decided already
        # The HR manager decides nothing about themselves.
        about_hr = _record(company_a, company_a.employees["hr_manager"], SEP,
                           actor="technical_director")
        with pytest.raises(InputError):
            discipline.approve_discipline(about_hr, company_a.accounts["hr_manager"])
        # A rejection needs its reason.
        with pytest.raises(InputError) as error:
            discipline.reject_discipline(about_hr, company_a.accounts["owner"], "")
        assert list(error.value.fields) == ["note"]
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("discipline.%")).order_by(AuditEntry.id)).all()
        assert actions == ["discipline.record", "discipline.approve", "discipline.record"]


def test_an_approved_fine_is_an_approved_reward_penalty_fine_once(company_a, in_tenant):
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"]
        _record(company_a, therapist, date(2026, 10, 1))
        _record(company_a, therapist, date(2026, 10, 5))
        fine = _record(company_a, therapist, date(2026, 10, 9), fine_amount="50",
                       effective_on=date(2026, 11, 20))
        discipline.approve_discipline(fine, company_a.accounts["hr_manager"])
        reward = db.session.get(RewardPenalty, fine.reward_id)
        assert (reward.kind, reward.amount, reward.status, reward.effective_on, reward.store_id) \
            == ("fine", Decimal("50.00"), "approved", date(2026, 11, 20), company_a.store.id)
        assert f"#{fine.id}" in reward.reason
        with pytest.raises(InputError):
            discipline.approve_discipline(fine, company_a.accounts["technical_director"])
        assert db.session.scalar(select(func.count(RewardPenalty.id))) == 1
