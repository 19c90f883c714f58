"""/api/v1 技师项目资格: a therapist created and qualified through the API can be dispatched;
the grid's permission (catalogue.manage) and scope, 422 naming the field with nothing
changed, and the audit entry the grid writes."""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.store.models import TherapistQualification
from app.extensions import db
from app.models import AuditEntry, Position
from tests.store.helpers import make_catalogue


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def _held(company, in_tenant) -> set[tuple[int, int]]:
    with in_tenant(company):
        return {tuple(row) for row in db.session.execute(select(
            TherapistQualification.employee_id, TherapistQualification.service_item_id))}


def test_a_therapist_made_and_qualified_over_the_api_is_dispatched(client, company_a,
                                                                   api_token, in_tenant):
    with in_tenant(company_a):
        items = {name: item.id for name, item in make_catalogue().items()}
        therapist_position = db.session.scalar(
            select(Position.id).where(Position.role == "therapist"))
        db.session.commit()
    store = company_a.store.id
    hr = api_token(company_a, "hr_manager")
    made = client.post("/api/v1/employees", headers=hr, json={
        "employee_no": "8801", "name": "新技师", "gender": "female", "phone": "13800008801",
        "store_id": store, "position_id": therapist_position, "status": "active",
        "hire_date": "2025-06-01"})
    assert made.status_code == 201, made.get_json()
    therapist = made.get_json()["id"]

    dispatcher = api_token(company_a, "dispatcher")
    assert client.post(f"/api/v1/stores/{store}/board/clock-in", headers=dispatcher,
                       json={"therapist_id": therapist}).status_code == 201
    order = client.post(f"/api/v1/stores/{store}/orders", headers=api_token(
        company_a, "receptionist"), json={"party_size": 1, "room_id": company_a.rooms[0].id,
                                          "services": [{"service_item_id": items["foot"]}]})
    line = order.get_json()["lines"][0]["id"]
    unqualified = client.post(f"/api/v1/order-lines/{line}/assign", headers=dispatcher,
                              json={"mode": "rotation"})
    assert unqualified.status_code == 422  # nobody may do 足疗 yet

    gm = api_token(company_a, "general_manager")
    url = f"/api/v1/employees/{therapist}/qualifications"
    assert client.get(url, headers=gm).get_json() == {
        "employee_id": therapist, "service_item_ids": [], "service_items": []}
    put = client.put(url, headers=gm, json={"service_item_ids": [items["foot"], items["ear"]]})
    assert put.status_code == 200, put.get_json()
    assert sorted(put.get_json()["service_item_ids"]) == sorted([items["foot"], items["ear"]])
    assert {i["code"] for i in client.get(url, headers=gm).get_json()["service_items"]} \
        == {"ZL60", "CE30"}

    job = client.post(f"/api/v1/order-lines/{line}/assign", headers=dispatcher,
                      json={"mode": "rotation"})
    assert job.status_code == 201, job.get_json()
    assert job.get_json()["therapist_id"] == therapist

    # Replacing the set removes what is not named; audited as the grid is.
    again = client.put(url, headers=gm, json={"service_item_ids": [items["oil"]]})
    assert again.get_json()["service_item_ids"] == [items["oil"]]
    assert _held(company_a, in_tenant) == {(therapist, items["oil"])}
    with in_tenant(company_a):
        audits = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "qualifications").order_by(AuditEntry.id)).all()
    assert [a.after for a in audits] == [
        {"added": sorted([[therapist, items["foot"]], [therapist, items["ear"]]]),
         "removed": []},
        {"added": [[therapist, items["oil"]]],
         "removed": sorted([[therapist, items["foot"]], [therapist, items["ear"]]])}]
    assert audits[0].actor_account_id == company_a.accounts["general_manager"].id


def test_qualifications_permission_scope_and_bad_input(client, company_a, company_b,
                                                       api_token, in_tenant):
    with in_tenant(company_a):
        items = {name: item.id for name, item in make_catalogue().items()}
        therapist = company_a.employees["therapist"].id
        db.session.add(TherapistQualification(employee_id=therapist,
                                              service_item_id=items["foot"]))
        db.session.commit()
    with in_tenant(company_b):
        foreign_item = make_catalogue()["oil"].id
        foreign = company_b.employees["therapist"].id
        db.session.commit()
    url = f"/api/v1/employees/{therapist}/qualifications"
    before = _held(company_a, in_tenant)

    for role in ("store_manager", "therapist", "hr_manager"):
        headers = api_token(company_a, role)
        assert client.get(url, headers=headers).status_code == 403, role
        assert client.put(url, headers=headers,
                          json={"service_item_ids": []}).status_code == 403, role
    owner = api_token(company_a, "owner")
    foreign_url = f"/api/v1/employees/{foreign}/qualifications"
    assert client.get(foreign_url, headers=owner).status_code == 404
    assert client.put(foreign_url, headers=owner,
                      json={"service_item_ids": []}).status_code == 404

    for body, field in (({"service_item_ids": [items["ear"], 999999]}, "service_item_ids"),
                        ({"service_item_ids": [foreign_item]}, "service_item_ids"),
                        ({"service_item_ids": ["足疗"]}, "service_item_ids"),
                        ({}, "service_item_ids")):
        response = client.put(url, headers=owner, json=body)
        assert response.status_code == 422 and field in _fields(response), body
    cashier = company_a.employees["cashier"].id
    not_a_therapist = client.put(f"/api/v1/employees/{cashier}/qualifications",
                                 headers=owner, json={"service_item_ids": [items["foot"]]})
    assert not_a_therapist.status_code == 422 and "employee_id" in _fields(not_a_therapist)
    assert _held(company_a, in_tenant) == before
    assert client.get(url, headers=owner).get_json()["service_item_ids"] == [items["foot"]]
