"""The service department's API: same permissions as the pages, 422 naming the field
(nothing saved), another tenant's object a 404."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.blueprints.service.models_inspections import DisinfectionRound, Inspection
from app.extensions import db
from tests.service.inspection_helpers import hygiene_template, inspect


def test_inspection_api_scores_ranks_and_refuses_bad_input(client, company_a, company_b,
                                                           in_tenant, api_token):
    headers = api_token(company_a, "service_manager")
    made = client.post("/api/v1/service/inspection-templates", headers=headers, json={
        "kind": "hygiene", "name": "卫生周检",
        "items": [{"text": "足浴盆消毒", "max_points": 10}, {"text": "地面", "max_points": 10}]})
    assert made.status_code == 201, made.get_json()
    items = [i["id"] for i in made.get_json()["items"]]
    body = {"template_id": made.get_json()["id"], "store_id": company_a.store.id,
            "inspected_on": "2026-03-05",
            "scores": [{"inspection_item_id": items[0], "points": 9},
                       {"inspection_item_id": items[1], "points": 6}]}
    bad = client.post("/api/v1/service/inspections", headers=headers,
                      json=body | {"scores": [{"inspection_item_id": items[0], "points": 11}]})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {f"score_{items[0]}", f"score_{items[1]}"}
    other = client.post("/api/v1/service/inspections", headers=headers,
                        json=body | {"store_id": company_b.store.id})
    assert other.status_code == 422 and "store_id" in other.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(Inspection.id))) == 0
    done = client.post("/api/v1/service/inspections", headers=headers, json=body)
    assert done.status_code == 201 and done.get_json()["percentage"] == "75.00"
    ranking = client.get("/api/v1/service/hygiene-ranking?month=2026-03", headers=headers)
    assert ranking.get_json()["stores"][0]["average"] == "75.00"
    assert client.get("/api/v1/service/hygiene-ranking?month=2026-13",
                      headers=headers).status_code == 422
    inspection_id = done.get_json()["id"]
    no_owner = client.post(f"/api/v1/service/inspections/{inspection_id}/follow-ups",
                           headers=headers, json={"what": "x", "owner_employee_id": 0,
                                                  "due_on": "2026-03-09"})
    assert no_owner.status_code == 422 and "owner_employee_id" in \
        no_owner.get_json()["error"]["fields"]
    # Another company's service manager: 404; a cleaner: 403.
    assert client.get(f"/api/v1/service/inspections/{inspection_id}",
                      headers=api_token(company_b, "service_manager")).status_code == 404
    assert client.get("/api/v1/service/inspections",
                      headers=api_token(company_a, "cleaner")).status_code == 403


def test_follow_ups_over_the_api(client, company_a, in_tenant, api_token):
    with in_tenant(company_a):
        template = hygiene_template((10,))
        inspection = inspect(company_a.store, template, date(2026, 3, 2), (5,))
        from app.blueprints.service import inspections as rules
        action = rules.add_follow_up(inspection, what="补漆", due_on=date(2026, 3, 3),
                                     owner_employee_id=company_a.employees["cleaner"].id)
        db.session.commit()
        action_id = action.id
    headers = api_token(company_a, "store_manager")
    listed = client.get("/api/v1/service/follow-ups", headers=headers).get_json()
    assert [(a["id"], a["overdue"]) for a in listed] == [(action_id, True)]
    empty = client.post(f"/api/v1/service/follow-ups/{action_id}/done", headers=headers,
                        json={"note": ""})
    assert empty.status_code == 422 and "note" in empty.get_json()["error"]["fields"]
    done = client.post(f"/api/v1/service/follow-ups/{action_id}/done", headers=headers,
                       json={"note": "已补漆"})
    assert done.status_code == 200 and done.get_json()["overdue"] is False


def test_disinfection_api(client, company_a, in_tenant, api_token):
    headers = api_token(company_a, "cleaner")
    bad = client.post("/api/v1/service/disinfection-rounds", headers=headers,
                      json={"store_id": company_a.store.id, "items": ["towel"],
                            "method": "laser"})
    assert bad.status_code == 422 and "method" in bad.get_json()["error"]["fields"]
    other_store = client.post("/api/v1/service/disinfection-rounds", headers=headers,
                              json={"store_id": company_a.stores[1].id, "items": ["towel"],
                                    "method": "uv"})
    assert other_store.status_code == 422 and "store_id" in \
        other_store.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(DisinfectionRound.id))) == 0
    done = client.post("/api/v1/service/disinfection-rounds", headers=headers,
                       json={"store_id": company_a.store.id, "items": ["towel", "cup"],
                             "method": "uv"})
    assert done.status_code == 201 and done.get_json()["items"] == ["towel", "cup"]
    assert client.get(f"/api/v1/service/disinfection-log?store_id={company_a.store.id}",
                      headers=headers).status_code == 403
    log = client.get(f"/api/v1/service/disinfection-log?store_id={company_a.store.id}&days=2",
                     headers=api_token(company_a, "store_manager")).get_json()
    assert len(log) == 2 and log[0]["rounds"][0]["method"] == "uv"
    # Yesterday had no round: every required item of both periods is a gap.
    assert len(log[1]["gaps"]) == 8
