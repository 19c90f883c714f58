"""/api/v1/technique-complaints and /api/v1/complaints/{id}/investigation: the same rules
and permissions as the pages; 422 names the fields and writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.blueprints.technical.models import ComplaintInvestigation
from app.extensions import db
from app.models import AuditEntry
from app.tenancy import tenant_context
from tests.technical.complaint_helpers import complaint_with_job


def _setup(company):
    with tenant_context(company.tenant_id):
        case, served, other = complaint_with_job(company)
        theirs, elsewhere, _ = complaint_with_job(company, 1, number_from=901)
        db.session.commit()
        return case.id, served.id, theirs.id, elsewhere.id


def _counts(company):
    with tenant_context(company.tenant_id):
        return (db.session.scalar(select(func.count(ComplaintInvestigation.id))),
                db.session.scalar(select(func.count(AuditEntry.id))))


def test_investigate_and_conclude_over_the_api(client, company_a, api_token):
    case_id, served_id, theirs_id, elsewhere_id = _setup(company_a)
    headers = api_token(company_a, "technical_supervisor")
    base = f"/api/v1/complaints/{case_id}/investigation"
    got = client.get(base, headers=headers).get_json()
    assert (got["state"], got["investigation"], got["complaint_therapist_id"]) == (
        "pending", None, served_id)
    # Nothing to conclude yet: 422 naming every missing field, nothing written.
    before = _counts(company_a)
    refused = client.post(f"{base}/conclude", headers=headers)
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"substantiated", "findings",
                                                          "guest_feedback"}
    assert _counts(company_a) == before
    # Another store's therapist, and a bad action: 422, nothing written.
    bad = client.put(base, headers=headers, json={"therapist_id": elsewhere_id,
                                                  "findings": "力度过大"})
    assert bad.status_code == 422 and "therapist_id" in bad.get_json()["error"]["fields"]
    bad = client.put(base, headers=headers, json={"corrective_action": "fire"})
    assert bad.status_code == 422 and "corrective_action" in bad.get_json()["error"]["fields"]
    assert _counts(company_a) == before
    saved = client.put(base, headers=headers, json={
        "substantiated": True, "findings": "力度过大", "guest_feedback": "已致歉"})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["state"] == "open" and body["investigation"]["therapist_id"] == served_id
    assert body["investigation"]["guest_feedback_at"] is not None
    refused = client.post(f"{base}/conclude", headers=headers)
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["corrective_action"]
    client.put(base, headers=headers, json={"corrective_action": "training"})
    done = client.post(f"{base}/conclude", headers=headers).get_json()
    assert done["state"] == "concluded" and done["investigation"]["concluded_on"]
    assert client.put(base, headers=headers, json={"findings": "改"}).status_code == 422
    # Only the director reopens.
    assert client.post(f"{base}/reopen", headers=headers).status_code == 403
    director = api_token(company_a, "technical_director")
    assert client.post(f"{base}/reopen", headers=director).get_json()["state"] == "open"
    listed = client.get("/api/v1/technique-complaints?state=open", headers=headers).get_json()
    assert [row["complaint_id"] for row in listed["items"]] == [case_id]


def test_store_scope_and_permissions(client, company_a, api_token):
    case_id, _served, theirs_id, _elsewhere = _setup(company_a)
    supervisor = api_token(company_a, "technical_supervisor")
    listed = client.get("/api/v1/technique-complaints", headers=supervisor).get_json()
    assert [row["complaint_id"] for row in listed["items"]] == [case_id]
    assert listed["items"][0]["state"] == "pending"
    other_store = company_a.stores[1].id
    assert client.get(f"/api/v1/technique-complaints?store_id={other_store}",
                      headers=supervisor).status_code == 404
    assert client.get(f"/api/v1/complaints/{theirs_id}/investigation",
                      headers=supervisor).status_code == 404
    assert client.put(f"/api/v1/complaints/{theirs_id}/investigation", headers=supervisor,
                      json={"findings": "x"}).status_code == 404
    # Head office sees both; a trainee supervisor reads but does not investigate.
    director = api_token(company_a, "technical_director")
    assert client.get("/api/v1/technique-complaints",
                      headers=director).get_json()["total"] == 2
    trainee = api_token(company_a, "trainee_supervisor")
    assert client.get(f"/api/v1/complaints/{case_id}/investigation",
                      headers=trainee).status_code == 200
    assert client.put(f"/api/v1/complaints/{case_id}/investigation", headers=trainee,
                      json={"findings": "x"}).status_code == 403
    therapist = api_token(company_a, "therapist")
    assert client.get("/api/v1/technique-complaints", headers=therapist).status_code == 403
