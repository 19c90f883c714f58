"""培训 rules as plain functions: the session's life, exchanges, store scope, the
pre-job training's tie to onboarding (岗前培训 ticked, 入职技师审核 refused before)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.blueprints.hr import onboarding, services
from app.blueprints.technical import training
from app.blueprints.technical.models import TrainingAttendance, TrainingSession
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow
from tests.hr.helpers import add_employee
from tests.hr.lifecycle.helpers import candidate, item

PAST = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _plan(company, actor_role="technical_supervisor", **values):
    values = {"topic": "足底反射区手法", "kind": "regular", "store_id": company.store.id,
              "trainer_employee_id": company.employees["technical_supervisor"].id,
              "starts_at": PAST, "duration_minutes": 90, **values}
    return training.plan_training(company.accounts[actor_role], **values)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.both_backends
def test_a_session_is_planned_attended_and_held(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        therapist = company_a.employees["therapist"]
        absent = add_employee("T801", store=company_a.store, name="缺席技师")
        session = _plan(company_a)
        assert session.status == "planned" and session.store_id == company_a.store.id
        training.add_attendees(session, [therapist.id, absent.id], supervisor)
        training.edit_training(session, supervisor, topic="足底反射区手法（复训）")
        assert session.topic == "足底反射区手法（复训）" and session.duration_minutes == 90
        # Held only when everyone's attendance is recorded.
        training.record_attendance(session, [{"employee_id": therapist.id, "attended": True}],
                                   supervisor)
        with pytest.raises(training.TrainingError) as error:
            training.mark_held(session, supervisor)
        assert "缺席技师" in error.value.fields["attendance"]
        training.record_attendance(session, [{"employee_id": absent.id, "attended": False,
                                              "note": "请假"}], supervisor)
        training.mark_held(session, supervisor)
        assert session.status == "held"
        # Held: no more edits or list changes; what they attended shows on their profile.
        with pytest.raises(training.TrainingError) as error:
            training.edit_training(session, supervisor, topic="改")
        assert "status" in error.value.fields
        with pytest.raises(training.TrainingError):
            training.add_attendees(session, [therapist.id], supervisor)
        assert training.attended_trainings(therapist.id) == [session]
        assert training.attended_trainings(absent.id) == []
        assert training.attended_trainings(therapist.id, start=date(2026, 11, 4)) == []
        assert training.attended_trainings(therapist.id, end=date(2026, 11, 3)) == [session]
        actions = set(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "training_session", AuditEntry.object_id == str(session.id))))
        assert {"training.plan", "training.edit", "training.attendees_add",
                "training.attendance", "training.held"} <= actions


def test_a_cancelled_session_is_kept_and_not_held(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        session = _plan(company_a, starts_at=utcnow() + timedelta(days=3))
        training.cancel_training(session, supervisor, reason="讲师出差")
        assert session.status == "cancelled" and "讲师出差" in session.notes
        assert _count(TrainingSession, TrainingSession.id == session.id) == 1
        with pytest.raises(training.TrainingError):
            training.cancel_training(session, supervisor)
        with pytest.raises(training.TrainingError):
            training.record_attendance(session, [{"employee_id": 1, "attended": True}],
                                       supervisor)


def test_a_session_that_has_not_started_cannot_be_held(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        session = _plan(company_a, starts_at=utcnow() + timedelta(hours=2))
        training.add_attendees(session, [company_a.employees["therapist"].id], supervisor)
        training.record_attendance(session, [{"employee_id": company_a.employees["therapist"].id,
                                              "attended": True}], supervisor)
        with pytest.raises(training.TrainingError) as error:
            training.mark_held(session, supervisor)
        assert "starts_at" in error.value.fields


def test_bad_input_names_each_field_and_writes_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        before = _count(TrainingSession)
        with pytest.raises(training.TrainingError) as error:
            training.plan_training(company_a.accounts["technical_director"], topic=" ",
                                   kind="party", starts_at=None, duration_minutes=5)
        assert {"topic", "kind", "starts_at", "duration_minutes",
                "trainer_employee_id"} <= set(error.value.fields)
        assert _count(TrainingSession) == before
        # An outside trainer by name is enough.
        session = _plan(company_a, trainer_employee_id=None, trainer_name="王老师")
        assert session.trainer_name == "王老师"


def test_an_exchange_needs_two_different_stores(company_a, in_tenant):
    with in_tenant(company_a):
        here, there = company_a.stores
        with pytest.raises(training.TrainingError) as error:
            _plan(company_a, kind="exchange")
        assert "partner_store_id" in error.value.fields
        with pytest.raises(training.TrainingError) as error:
            _plan(company_a, kind="exchange", partner_store_id=here.id)
        assert "不能与举办门店相同" in error.value.fields["partner_store_id"]
        with pytest.raises(training.TrainingError) as error:
            _plan(company_a, "technical_director", kind="exchange", store_id=None,
                  partner_store_id=there.id)
        assert "store_id" in error.value.fields
        with pytest.raises(training.TrainingError) as error:
            _plan(company_a, partner_store_id=there.id)  # regular: no partner
        assert "partner_store_id" in error.value.fields
        session = _plan(company_a, kind="exchange", partner_store_id=there.id)
        # Therapists of both stores may come; a third store's may not.
        visitor = add_employee("T802", store=there, name="来访技师")
        training.add_attendees(session, [company_a.employees["therapist"].id, visitor.id],
                               company_a.accounts["technical_supervisor"])
        assert _count(TrainingAttendance, TrainingAttendance.session_id == session.id) == 2
        # Passed is for pre-job trainings only.
        with pytest.raises(training.TrainingError) as error:
            training.record_attendance(session, [{"employee_id": visitor.id, "attended": True,
                                                  "passed": True}])
        assert "passed" in error.value.fields
        assert db.session.scalar(select(TrainingAttendance.attended).where(
            TrainingAttendance.employee_id == visitor.id)) is None


def test_a_store_supervisor_plans_for_their_stores_only(company_a, in_tenant):
    with in_tenant(company_a):
        other = company_a.stores[1]
        for store_id in (other.id, None):
            with pytest.raises(training.TrainingError) as error:
                _plan(company_a, store_id=store_id)
            assert "store_id" in error.value.fields
        elsewhere = add_employee("T803", store=other, name="别店技师")
        session = _plan(company_a)
        with pytest.raises(training.TrainingError) as error:
            training.add_attendees(session, [elsewhere.id])
        assert "别店技师" in error.value.fields["employee_ids"]
        # Head office plans anywhere, head-office sessions take anyone.
        central = _plan(company_a, "technical_director", store_id=None)
        training.add_attendees(central, [elsewhere.id])
        visible = set(db.session.scalars(training.training_query(scope={company_a.store.id})))
        assert session in visible and central not in visible


def _new_therapist(company, number="T810"):
    person = candidate(company, number, name="新技师")
    result = onboarding.start_onboarding(person)
    return person, result.onboarding


@pytest.mark.both_backends
def test_pre_job_pass_ticks_the_onboarding_item_and_unlocks_the_review(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        person, process = _new_therapist(company_a)
        review = item(process, "入职技师审核")
        pre_job_item = item(process, "岗前培训")
        # 入职技师审核 "pass" is refused until a pre-job training is passed.
        with pytest.raises(services.HrError) as error:
            onboarding.tick_item(review, supervisor, outcome="pass")
        assert "岗前培训" in error.value.fields["outcome"]
        assert review.done_at is None
        # Waiting on the trainings page; an active therapist cannot join a pre-job training.
        assert [e.id for e, _item in training.waiting_for_pre_job({company_a.store.id})] \
            == [person.id]
        session = _plan(company_a, kind="pre_job", topic="新技师岗前培训")
        with pytest.raises(training.TrainingError):
            training.add_attendees(session, [company_a.employees["therapist"].id])
        training.add_attendees(session, [person.id], supervisor)
        with pytest.raises(training.TrainingError) as error:  # absent and passed
            training.record_attendance(session, [{"employee_id": person.id, "attended": False,
                                                  "passed": True}], supervisor)
        assert "passed" in error.value.fields
        training.record_attendance(session, [{"employee_id": person.id, "attended": True,
                                              "passed": True}], supervisor)
        assert pre_job_item.done_at is None  # not before the session is held
        with pytest.raises(services.HrError):
            onboarding.tick_item(review, supervisor, outcome="pass")
        held = training.mark_held(session, supervisor)
        assert [e.id for e in held.ticked] == [person.id]
        assert pre_job_item.done_at is not None
        assert pre_job_item.done_by_account_id == supervisor.id
        assert "新技师岗前培训" in pre_job_item.note
        assert training.waiting_for_pre_job({company_a.store.id}) == []
        onboarding.tick_item(review, supervisor, outcome="pass", note="手法规范")
        assert review.done_at is not None


def test_a_pass_recorded_after_the_session_was_held_ticks_too(company_a, in_tenant):
    with in_tenant(company_a):
        supervisor = company_a.accounts["technical_supervisor"]
        person, process = _new_therapist(company_a, "T811")
        session = _plan(company_a, kind="pre_job")
        training.add_attendees(session, [person.id], supervisor)
        training.record_attendance(session, [{"employee_id": person.id, "attended": True,
                                              "passed": False, "note": "手法生疏"}], supervisor)
        training.mark_held(session, supervisor)
        assert item(process, "岗前培训").done_at is None
        with pytest.raises(services.HrError):  # failed is not passed
            onboarding.tick_item(item(process, "入职技师审核"), supervisor, outcome="pass")
        again = training.record_attendance(session, [{"employee_id": person.id,
                                                      "attended": True, "passed": True}],
                                           supervisor)
        assert [e.id for e in again.ticked] == [person.id]
        assert item(process, "岗前培训").done_at is not None


def test_a_trainee_supervisor_records_but_leaves_the_item_to_a_supervisor(company_a, in_tenant):
    with in_tenant(company_a):
        trainee = company_a.accounts["trainee_supervisor"]  # no therapist.assess
        person, process = _new_therapist(company_a, "T812")
        session = _plan(company_a, "trainee_supervisor", kind="pre_job")
        training.add_attendees(session, [person.id], trainee)
        training.record_attendance(session, [{"employee_id": person.id, "attended": True,
                                              "passed": True}], trainee)
        result = training.mark_held(session, trainee)
        assert result.ticked == [] and [e.id for e in result.not_ticked] == [person.id]
        assert item(process, "岗前培训").done_at is None
        # The pass still counts for the review.
        onboarding.tick_item(item(process, "入职技师审核"),
                             company_a.accounts["technical_supervisor"], outcome="pass")
