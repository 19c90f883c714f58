"""/api/v1 技术考核: the rubric (read by the department, replaced by the director), scoring
an exam (422 naming the field with nothing written, 404 outside the caller's stores), the
list's filters and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.store.models import TherapistQualification
from app.blueprints.technical.models import ExamCriterion, PracticalExam
from app.extensions import db
from app.tenancy import tenant_context
from tests.technical.helpers import make_exam_setup


@pytest.fixture
def setup(company_a):
    with tenant_context(company_a.tenant_id):
        found = make_exam_setup(company_a)
        ids = {"foot": found["foot"].id, "oil": found["items"]["oil"].id,
               "mine": found["mine"].id, "other": found["other"].id,
               "criteria": [c.id for c in found["criteria"]]}
        db.session.commit()
    return {**ids, "company": company_a}


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def _counts(company) -> tuple[int, int]:
    with tenant_context(company.tenant_id):
        return (db.session.scalar(select(func.count(PracticalExam.id))),
                db.session.scalar(select(func.count(TherapistQualification.id))))


def test_the_rubric_is_read_by_the_department_and_replaced_by_the_director(setup, client,
                                                                          api_token):
    company = setup["company"]
    url = f"/api/v1/service-items/{setup['foot']}/exam-rubric"
    supervisor = api_token(company, "technical_supervisor")
    got = client.get(url, headers=supervisor).get_json()
    assert got["pass_score"] == "80.00"
    assert [(c["name"], c["weight"]) for c in got["criteria"]] == [
        ("手法", "2.00"), ("力度", "1.00"), ("穴位", "1.00")]
    technique, strength, points = setup["criteria"]
    body = {"pass_score": "85", "criteria": [{"id": technique, "weight": "3"},
                                             {"id": strength}, {"name": "仪态", "weight": "1"}]}
    assert client.put(url, headers=supervisor, json=body).status_code == 403

    director = api_token(company, "technical_director")
    bad = client.put(url, headers=director, json={
        "pass_score": "101", "criteria": [{"id": technique, "weight": "0"}, {"name": ""}]})
    assert bad.status_code == 422
    assert set(_fields(bad)) == {"pass_score", "criteria.0.weight", "criteria.1.name",
                                 "criteria.1.weight"}
    assert client.get(url, headers=director).get_json() == got  # nothing written

    put = client.put(url, headers=director, json=body)
    assert put.status_code == 200, put.get_json()
    saved = put.get_json()
    assert saved["pass_score"] == "85.00"
    assert [(c["name"], c["weight"], c["is_active"]) for c in saved["criteria"]] == [
        ("手法", "3.00", True), ("力度", "1.00", True), ("仪态", "1.00", True),
        ("穴位", "1.00", False)]
    # Clearing the pass mark: the item needs no exam any more.
    cleared = client.put(url, headers=director, json={"pass_score": None, "criteria": []})
    assert cleared.get_json()["pass_score"] is None
    assert all(not c["is_active"] for c in cleared.get_json()["criteria"])


def test_scoring_an_exam_over_the_api_grants_the_item(setup, client, api_token):
    company = setup["company"]
    supervisor = api_token(company, "technical_supervisor")
    technique, strength, points = setup["criteria"]
    body = {"employee_id": setup["mine"], "service_item_id": setup["foot"], "kind": "qualification",
            "scores": {str(technique): "88.5", str(strength): 90, str(points): "79"}}
    made = client.post("/api/v1/exams", headers=supervisor, json=body)
    assert made.status_code == 201, made.get_json()
    exam = made.get_json()
    assert (exam["score"], exam["pass_score"], exam["passed"]) == ("86.50", "80.00", True)
    assert exam["employee"]["employee_no"] == "801"
    assert [row["name"] for row in exam["scores"]] == ["手法", "力度", "穴位"]
    assert client.get(f"/api/v1/exams/{exam['id']}", headers=supervisor).get_json() == exam
    quals = client.get(f"/api/v1/employees/{setup['mine']}/qualifications",
                       headers=api_token(company, "general_manager")).get_json()
    assert quals["service_item_ids"] == [setup["foot"]]

    failed = client.post("/api/v1/exams", headers=supervisor, json={
        **body, "kind": "re_exam", "scores": {str(technique): 50, str(strength): 50,
                                              str(points): 50}})
    assert failed.get_json()["passed"] is False
    listed = client.get(f"/api/v1/exams?passed=false&employee_id={setup['mine']}",
                        headers=supervisor).get_json()
    assert [row["id"] for row in listed["items"]] == [failed.get_json()["id"]]
    assert client.get("/api/v1/exams", headers=supervisor).get_json()["total"] == 2


def test_a_bad_exam_is_422_naming_each_field_and_writes_nothing(setup, client, api_token):
    company = setup["company"]
    supervisor = api_token(company, "technical_supervisor")
    technique, strength, points = setup["criteria"]
    before = _counts(company)
    bad = client.post("/api/v1/exams", headers=supervisor, json={
        "employee_id": setup["mine"], "service_item_id": setup["foot"],
        "scores": {str(technique): "100.5", str(strength): "x"}})
    assert bad.status_code == 422
    assert set(_fields(bad)) == {f"scores.{technique}", f"scores.{strength}",
                                 f"scores.{points}"}
    no_rubric = client.post("/api/v1/exams", headers=supervisor, json={
        "employee_id": setup["mine"], "service_item_id": setup["oil"], "scores": {}})
    assert no_rubric.status_code == 422 and set(_fields(no_rubric)) == {"service_item_id"}
    wrong_kind = client.post("/api/v1/exams", headers=supervisor, json={
        "employee_id": setup["mine"], "service_item_id": setup["foot"], "kind": "oral",
        "scores": {}})
    assert wrong_kind.status_code == 422 and "kind" in str(_fields(wrong_kind))
    assert _counts(company) == before


def test_another_stores_therapist_and_exam_are_404_and_scoring_needs_the_permission(
        setup, client, api_token):
    company = setup["company"]
    scores = {str(c): 90 for c in setup["criteria"]}
    body = {"employee_id": setup["other"], "service_item_id": setup["foot"], "scores": scores}
    supervisor = api_token(company, "technical_supervisor")
    assert client.post("/api/v1/exams", headers=supervisor, json=body).status_code == 404
    director = api_token(company, "technical_director")
    theirs = client.post("/api/v1/exams", headers=director, json=body)
    assert theirs.status_code == 201
    assert client.get(f"/api/v1/exams/{theirs.get_json()['id']}",
                      headers=supervisor).status_code == 404
    assert client.get("/api/v1/exams", headers=supervisor).get_json()["total"] == 0
    trainee = api_token(company, "trainee_supervisor")  # technical.view, not therapist.assess
    assert client.get("/api/v1/exams", headers=trainee).status_code == 200
    assert client.post("/api/v1/exams", headers=trainee, json={
        **body, "employee_id": setup["mine"]}).status_code == 403
    with tenant_context(company.tenant_id):
        assert db.session.scalar(select(func.count(ExamCriterion.id))) == 3
        assert db.session.scalar(select(PracticalExam.score)) == Decimal("90.00")
