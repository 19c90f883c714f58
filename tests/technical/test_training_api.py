"""培训 API: the same rules and permissions; bad input is a 422 naming the field and
writes nothing; another store's session is a 404."""

from sqlalchemy import func, select

from app.blueprints.hr import onboarding
from app.blueprints.hr.models import ChecklistItem
from app.blueprints.technical import training
from app.blueprints.technical.models import TrainingAttendance, TrainingSession
from app.extensions import db
from app.models.base import utcnow
from tests.hr.lifecycle.helpers import candidate

START = "2026-11-03T10:00:00+08:00"


def _count(company, in_tenant, model) -> int:
    with in_tenant(company):
        return db.session.scalar(select(func.count()).select_from(model))


def test_plan_record_and_hold_a_pre_job_training(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        person = onboarding.start_onboarding(candidate(company_a, "T830")).onboarding
        person_id = person.employee_id
        db.session.commit()
    headers = api_token(company_a, "technical_supervisor")
    created = client.post("/api/v1/trainings", headers=headers, json={
        "topic": "岗前培训", "kind": "pre_job", "store_id": company_a.store.id,
        "trainer_name": "王老师", "starts_at": START, "employee_ids": [person_id]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "planned" and body["starts_at"].startswith("2026-11-03T02:00")
    assert [a["employee_id"] for a in body["attendance"]] == [person_id]
    training_id = body["id"]
    patched = client.patch(f"/api/v1/trainings/{training_id}", headers=headers,
                           json={"duration_minutes": 90})
    assert patched.status_code == 200 and patched.get_json()["duration_minutes"] == 90
    recorded = client.put(f"/api/v1/trainings/{training_id}/attendance", headers=headers,
                          json=[{"employee_id": person_id, "attended": True, "passed": True,
                                 "note": "手法规范"}])
    assert recorded.status_code == 200
    assert recorded.get_json()["attendance"][0]["passed"] is True
    held = client.post(f"/api/v1/trainings/{training_id}/held", headers=headers)
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    with in_tenant(company_a):
        assert db.session.scalar(select(ChecklistItem.done_at).where(
            ChecklistItem.employee_id == person_id, ChecklistItem.title == "岗前培训"))
    listed = client.get("/api/v1/trainings?kind=pre_job&month=2026-11", headers=headers)
    assert [t["id"] for t in listed.get_json()["items"]] == [training_id]


def test_bad_input_is_422_naming_fields_and_writes_nothing(client, api_token, company_a,
                                                           in_tenant):
    headers = api_token(company_a, "technical_supervisor")
    before = _count(company_a, in_tenant, TrainingSession)
    missing = client.post("/api/v1/trainings", headers=headers, json={"kind": "party"})
    assert missing.status_code == 422
    assert {"topic", "kind", "starts_at"} <= set(missing.get_json()["error"]["fields"])
    exchange = client.post("/api/v1/trainings", headers=headers, json={
        "topic": "交流", "kind": "exchange", "store_id": company_a.store.id,
        "partner_store_id": company_a.store.id, "starts_at": START})
    assert exchange.status_code == 422
    errors = exchange.get_json()["error"]["fields"]
    assert {"partner_store_id", "trainer_employee_id"} <= set(errors)
    # A store supervisor cannot host at another store.
    elsewhere = client.post("/api/v1/trainings", headers=headers, json={
        "topic": "交流", "store_id": company_a.stores[1].id, "trainer_name": "王老师",
        "starts_at": START})
    assert elsewhere.status_code == 422 and "store_id" in elsewhere.get_json()["error"]["fields"]
    assert _count(company_a, in_tenant, TrainingSession) == before

    with in_tenant(company_a):
        session = training.plan_training(topic="刮痧", store_id=company_a.store.id,
                                         trainer_name="李老师",
                                         starts_at=utcnow())
        training.add_attendees(session, [company_a.employees["therapist"].id])
        db.session.commit()
        training_id, therapist_id = session.id, company_a.employees["therapist"].id
    # One good entry and one bad one: nothing is recorded.
    response = client.put(f"/api/v1/trainings/{training_id}/attendance", headers=headers,
                          json=[{"employee_id": therapist_id, "attended": True},
                                {"employee_id": therapist_id, "attended": True,
                                 "passed": True}])
    assert response.status_code == 422 and "passed" in response.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(TrainingAttendance.attended)) is None
    bad_body = client.put(f"/api/v1/trainings/{training_id}/attendance", headers=headers,
                          json=[{"employee_id": therapist_id}])
    assert bad_body.status_code == 422
    assert "attended" in bad_body.get_json()["error"]["fields"]["0"]


def test_another_stores_session_is_not_found(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        there = training.plan_training(topic="拔罐", store_id=company_a.stores[1].id,
                                       trainer_name="李老师", starts_at=utcnow())
        db.session.commit()
        there_id = there.id
    headers = api_token(company_a, "technical_supervisor")
    assert client.get(f"/api/v1/trainings/{there_id}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/trainings/{there_id}", headers=headers,
                        json={"topic": "改"}).status_code == 404
    assert client.post(f"/api/v1/trainings/{there_id}/cancel", headers=headers,
                       json={}).status_code == 404
    assert client.get("/api/v1/trainings", headers=headers).get_json()["total"] == 0
    # The director sees it; a therapist may not read trainings at all.
    director = api_token(company_a, "technical_director")
    assert client.get(f"/api/v1/trainings/{there_id}", headers=director).status_code == 200
    cancelled = client.post(f"/api/v1/trainings/{there_id}/cancel", headers=director,
                            json={"reason": "讲师出差"})
    assert cancelled.get_json()["status"] == "cancelled"
    therapist = api_token(company_a, "therapist")
    assert client.get("/api/v1/trainings", headers=therapist).status_code == 403
