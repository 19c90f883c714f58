"""技能评定 over the API and the pages: start, read, confirm, settings; statement count
of a run independent of the number of therapists."""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.store.models import ServiceItem
from app.blueprints.technical import assessment
from app.blueprints.technical.models import SkillAssessment
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.models import Store, TherapistLevel
from app.tenancy import tenant_context
from tests.hr.test_query_budget import count_statements
from tests.technical import assessment_data as ad


def _run_statements(company) -> int:
    with tenant_context(company.tenant_id):
        run = assessment.start_assessment_run(*ad.OCTOBER, None)
        run_id, record_id = run.id, run.job_record_id
        db.session.commit()
        db.session.info.pop("muzu_committed_jobs", None)  # computed here, counted
        db.session.expunge_all()
        with count_statements() as statements:
            assessment.compute_run(run_id)
            db.session.commit()
        # Done, as the runner would record it (a queued job blocks another run).
        db.session.get(JobRecord, record_id).status = "finished"
        db.session.commit()
        return len(statements)


def test_a_runs_statements_do_not_grow_with_therapists(app, company_a):
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        ids = (setup["store"].id, setup["item"].id)
        db.session.commit()
    few = _run_statements(company_a)
    with tenant_context(company_a.tenant_id):
        ad.more_therapists(db.session.get(Store, ids[0]), db.session.get(ServiceItem, ids[1]),
                           40)
        db.session.commit()
    many = _run_statements(company_a)
    assert many == few, f"{few} statements for 3 therapists, {many} for 43"
    assert few <= 25


def test_api_start_list_read_confirm(client, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        setup = ad.october(company_a)
        promoted_to = setup["levels"]["资深"].id
        db.session.commit()
    headers = api_token(company_a, "technical_director")
    response = client.post("/api/v1/assessment-runs", headers=headers, json={
        "period_start": "2026-10-01", "period_end": "2026-10-31"})
    assert response.status_code == 202, response.json
    run_id = response.json["id"]
    assert client.get(f"/api/v1/assessment-runs/{run_id}", headers=headers).json["status"] \
        == "done"
    page = client.get(f"/api/v1/assessments?run_id={run_id}&recommendation=promote",
                      headers=headers).json
    assert [row["score"] for row in page["items"]] == ["95.00"]
    row_id = page["items"][0]["id"]
    detail = client.get(f"/api/v1/assessments/{row_id}", headers=headers).json
    assert detail["inputs"]["weights"]["exam"] == "0.5"
    bad = client.post(f"/api/v1/assessments/{row_id}/confirm", headers=headers,
                      json={"effective_on": "2026-10-15"})
    assert bad.status_code == 422 and "effective_on" in bad.json["errors"]["json"] \
        if "errors" in bad.json else bad.status_code == 422
    done = client.post(f"/api/v1/assessments/{row_id}/confirm", headers=headers, json={})
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["effective_on"]) == ("confirmed", "2026-11-01")
    with tenant_context(company_a.tenant_id):
        row = db.session.get(SkillAssessment, row_id)
        assert row.employee_change_id is not None
        assert row.recommended_level_id == promoted_to


def test_api_settings_and_thresholds(client, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        level = TherapistLevel(name="测试级", rank=5)
        db.session.add(level)
        db.session.commit()
        level_id = level.id
    headers = api_token(company_a, "technical_director")
    got = client.get("/api/v1/technical/settings", headers=headers).json
    assert got["min_jobs"] == 20 and got["level_thresholds"][str(level_id)] is None
    put = client.put("/api/v1/technical/settings", headers=headers,
                     json={"min_jobs": 10, "level_thresholds": {str(level_id): "75"}})
    assert put.status_code == 200, put.json
    assert put.json["min_jobs"] == 10 and put.json["level_thresholds"][str(level_id)] == "75.00"
    bad = client.put("/api/v1/technical/settings", headers=headers,
                     json={"level_thresholds": {str(level_id): "101"}})
    assert bad.status_code == 422
    supervisor = api_token(company_a, "technical_supervisor")
    assert client.get("/api/v1/technical/settings", headers=supervisor).status_code == 403


def test_pages_list_detail_and_settings(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        ad.october(company_a)
        assessment.start_assessment_run(*ad.OCTOBER, None)
        commit_and_dispatch()
        row_id = db.session.scalar(select(SkillAssessment.id)
                                   .where(SkillAssessment.recommendation == "demote"))
    auth.login_as(company_a, "technical_supervisor")
    listing = client.get("/technical/assessments")
    assert listing.status_code == 200 and "技师乙" in listing.text
    detail = client.get(f"/technical/assessments/{row_id}")
    assert "33.00" in detail.text and "建议降级" in detail.text
    assert client.get("/technical/settings").status_code == 403
    auth.logout()
    auth.login_as(company_a, "technical_director")
    page = client.get("/technical/settings")
    assert page.status_code == 200 and "资深" in page.text
    bad = client.post("/technical/settings", data={"min_jobs": "x"})
    assert bad.status_code == 422


def test_hr_level_form_and_api_carry_the_assessment_threshold(client, api_token, auth,
                                                              company_a):
    headers = api_token(company_a, "hr_manager")
    made = client.post("/api/v1/therapist-levels", headers=headers, json={
        "name": "特级", "commission_multiplier": "1.4", "rank": 9,
        "assessment_threshold": "95"})
    assert made.status_code == 201, made.json
    assert made.json["assessment_threshold"] == "95.00"
    bad = client.patch(f"/api/v1/therapist-levels/{made.json['id']}", headers=headers,
                       json={"assessment_threshold": "120"})
    assert bad.status_code == 422
    auth.login_as(company_a, "hr_manager")
    page = client.get(f"/hr/pay/levels/{made.json['id']}/edit")
    assert 'name="assessment_threshold"' in page.text and "95.00" in page.text
