"""培训 pages end to end: plan from the waiting list, the roster's buttons, store scope."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.blueprints.hr import onboarding
from app.blueprints.hr.models import ChecklistItem
from app.blueprints.technical import training
from app.blueprints.technical.models import TrainingAttendance, TrainingSession
from app.extensions import db
from tests.conftest import AuthActions
from tests.hr.helpers import add_employee
from tests.hr.lifecycle.helpers import candidate


def _client(app, company, role):
    client = app.test_client()
    AuthActions(client).login_as(company, role)
    return client


def _commit(company, in_tenant, fn):
    with in_tenant(company):
        result = fn()
        db.session.commit()
        return result


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return match.group(1) if match else ""


def test_a_supervisor_plans_a_pre_job_training_from_the_waiting_list(app, company_a, in_tenant):
    person_id = _commit(company_a, in_tenant, lambda: onboarding.start_onboarding(
        candidate(company_a, "T820", name="待培训技师")).onboarding.employee_id)
    supervisor = _client(app, company_a, "technical_supervisor")
    with in_tenant(company_a):
        review_id = db.session.scalar(select(ChecklistItem.id).where(
            ChecklistItem.employee_id == person_id, ChecklistItem.title == "入职技师审核"))
    # On the onboarding page, 通过 is refused with the reason until the training is passed.
    refused = supervisor.post(f"/hr/checklist-items/{review_id}/tick",
                              data={"outcome": "pass"})
    assert refused.status_code == 422 and "尚未通过岗前培训" in refused.get_data(as_text=True)
    page = supervisor.get("/technical/trainings").get_data(as_text=True)
    assert 'data-testid="pre-job-waiting"' in page and "待培训技师" in page
    assert 'data-tab="technical.trainings"' in page
    link = re.search(r'data-testid="plan-pre-job" href="([^"]+)"', page).group(1)
    form = supervisor.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and "待培训技师" in form.get_data(as_text=True)
    response = supervisor.post(link.replace("&amp;", "&"), data={
        "topic": "岗前培训：基础手法", "kind": "pre_job", "store_id": company_a.store.id,
        "partner_store_id": "", "trainer_employee_no": "", "trainer_name": "",
        "service_item_id": "", "starts_at": "2026-11-03T10:00", "duration_minutes": "120"})
    # No trainer: the form says so and nothing is saved.
    assert response.status_code == 422
    assert 'data-field-error="trainer_employee_no"' in response.get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.scalar(select(TrainingSession.id)) is None
    response = supervisor.post(link.replace("&amp;", "&"), data={
        "topic": "岗前培训：基础手法", "kind": "pre_job", "store_id": company_a.store.id,
        "partner_store_id": "", "trainer_name": "王老师", "service_item_id": "",
        "starts_at": "2026-11-03T10:00", "duration_minutes": "120"})
    assert response.status_code == 302
    with in_tenant(company_a):
        session = db.session.scalar(select(TrainingSession))
        assert session.starts_at.astimezone(UTC).replace(tzinfo=None) \
            == datetime(2026, 11, 3, 2, 0)  # 10:00 in Shanghai
        assert [row.employee_id for row in training.roster(session)] == [person_id]
        session_id = session.id
    detail = supervisor.get(f"/technical/trainings/{session_id}").get_data(as_text=True)
    token = _csrf(detail)
    # The row's 合格 button (it means they came); then 已举行 ticks the onboarding item.
    assert supervisor.post(f"/technical/trainings/{session_id}/attendance", data={
        "csrf_token": token, "employee_id": person_id, "passed": "1"}).status_code == 302
    assert supervisor.post(f"/technical/trainings/{session_id}/held",
                           data={"csrf_token": token}).status_code == 302
    with in_tenant(company_a):
        row = db.session.scalar(select(TrainingAttendance))
        assert row.attended is True and row.passed is True
        assert db.session.get(TrainingSession, session_id).status == "held"
        done = db.session.scalar(select(ChecklistItem.done_at).where(
            ChecklistItem.employee_id == person_id, ChecklistItem.title == "岗前培训"))
        assert done is not None
    page = supervisor.get("/technical/trainings?month=2026-11").get_data(as_text=True)
    assert 'data-testid="pre-job-waiting"' not in page
    assert f'data-training-id="{session_id}" data-status="held"' in page
    assert supervisor.post(f"/hr/checklist-items/{review_id}/tick",
                           data={"outcome": "pass"}).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(ChecklistItem, review_id).done_at is not None


def test_the_roster_buttons_and_another_stores_session(app, company_a, in_tenant):
    def setup():
        supervisor = company_a.accounts["technical_supervisor"]
        here = training.plan_training(supervisor, topic="刮痧", store_id=company_a.store.id,
                                      trainer_name="李老师",
                                      starts_at=datetime(2026, 11, 3, 2, tzinfo=UTC))
        training.add_attendees(here, [company_a.employees["therapist"].id])
        add_employee("T821", store=company_a.stores[1])
        there = training.plan_training(company_a.accounts["technical_director"], topic="拔罐",
                                       store_id=company_a.stores[1].id, trainer_name="李老师",
                                       starts_at=datetime(2026, 11, 3, 2, tzinfo=UTC))
        return here.id, there.id
    here, there = _commit(company_a, in_tenant, setup)
    supervisor = _client(app, company_a, "technical_supervisor")
    page = supervisor.get(f"/technical/trainings/{here}").get_data(as_text=True)
    assert 'data-attend="1"' in page and 'data-pass="1"' not in page  # no result: regular
    assert supervisor.post(f"/technical/trainings/{here}/attendance", data={
        "csrf_token": _csrf(page), "employee_id": company_a.employees["therapist"].id,
        "attended": "0"}).status_code == 302
    with in_tenant(company_a):
        assert db.session.scalar(select(TrainingAttendance.attended)) is False
    # Another store's session: not found, on every page and action.
    for url in (f"/technical/trainings/{there}", f"/technical/trainings/{there}/edit"):
        assert supervisor.get(url).status_code == 404
    assert supervisor.post(f"/technical/trainings/{there}/cancel",
                           data={"csrf_token": _csrf(page)}).status_code == 404
    listing = supervisor.get("/technical/trainings").get_data(as_text=True)
    assert "刮痧" in listing and "拔罐" not in listing
    # A therapist has no technical.view.
    assert _client(app, company_a, "therapist").get("/technical/trainings").status_code == 403
    # The head office's technical director edits any store's session.
    director = _client(app, company_a, "technical_director")
    assert director.get(f"/technical/trainings/{there}/edit").status_code == 200
