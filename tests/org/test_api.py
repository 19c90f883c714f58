"""/api/v1/stores and /api/v1/rooms: list, create, patch, scope, field errors."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Room, Store


def test_gm_lists_every_store_cashier_only_its_own(client, company_a, company_b, api_token):
    body = client.get("/api/v1/stores", headers=api_token(company_a, "general_manager")).get_json()
    assert body["total"] == 2
    assert [s["code"] for s in body["items"]] == ["S01", "S02"]
    assert body["items"][0]["opens_at"] == "11:00"
    assert body["items"][0]["closes_at"] == "02:00"

    body = client.get("/api/v1/stores", headers=api_token(company_a, "cashier")).get_json()
    assert [s["id"] for s in body["items"]] == [company_a.stores[0].id]
    assert body["total"] == 1


def test_pagination(client, company_a, api_token):
    body = client.get("/api/v1/stores?page=2&page_size=1",
                      headers=api_token(company_a, "general_manager")).get_json()
    assert (body["page"], body["page_size"], body["total"]) == (2, 1, 2)
    assert [s["code"] for s in body["items"]] == ["S02"]


def test_create_and_patch_a_store(client, company_a, api_token, in_tenant):
    headers = api_token(company_a, "general_manager")
    response = client.post("/api/v1/stores", headers=headers, json={
        "code": "SZ1", "name": "深圳一店", "city": "深圳", "opens_at": "12:00",
        "closes_at": "03:30", "status": "preparing"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["closes_at"] == "03:30"
    assert created["opening_hours"] == "12:00–03:30"

    response = client.patch(f"/api/v1/stores/{created['id']}", headers=headers,
                            json={"status": "open", "phone": "0755-000"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "open"
    with in_tenant(company_a):
        store = db.session.get(Store, created["id"])
        assert (store.status, store.phone, store.tenant_id) == ("open", "0755-000",
                                                                 company_a.tenant_id)


def test_duplicate_code_is_422_naming_the_field(client, company_a, api_token, in_tenant):
    headers = api_token(company_a, "general_manager")
    response = client.post("/api/v1/stores", headers=headers,
                           json={"code": "S01", "name": "重复", "city": "广州"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "code" in error["fields"]
    assert "S01" in str(error["fields"]["code"])

    response = client.patch(f"/api/v1/stores/{company_a.stores[1].id}", headers=headers,
                            json={"code": "S01"})
    assert response.status_code == 422
    assert "code" in response.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count()).select_from(Store)) == 2
        assert db.session.get(Store, company_a.stores[1].id).code == "S02"


def test_bad_time_and_missing_fields_are_422_naming_the_field(client, company_a, api_token):
    headers = api_token(company_a, "general_manager")
    response = client.post("/api/v1/stores", headers=headers,
                           json={"code": "X1", "name": "X", "city": "广州", "opens_at": "25:00"})
    assert response.status_code == 422
    assert "opens_at" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/stores", headers=headers, json={"code": "X1"})
    assert response.status_code == 422
    assert {"name", "city"} <= set(response.get_json()["error"]["fields"])


def test_another_tenants_ids_are_not_found(client, company_a, company_b, api_token):
    headers = api_token(company_a, "general_manager")
    store_id, room_id = company_b.stores[0].id, company_b.rooms[0].id
    assert client.get(f"/api/v1/stores/{store_id}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/stores/{store_id}", headers=headers,
                        json={"name": "偷改"}).status_code == 404
    assert client.get(f"/api/v1/stores/{store_id}/rooms", headers=headers).status_code == 404
    assert client.post(f"/api/v1/stores/{store_id}/rooms", headers=headers,
                       json={"number": "X"}).status_code == 404
    assert client.get(f"/api/v1/rooms/{room_id}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/rooms/{room_id}", headers=headers,
                        json={"beds": 2}).status_code == 404
    response = client.get(f"/api/v1/stores/{store_id}", headers=headers)
    assert response.get_json()["error"]["code"] == "not_found"


def test_cashier_scope_and_permissions(client, company_a, api_token):
    headers = api_token(company_a, "cashier")
    first, second = company_a.stores
    assert client.get(f"/api/v1/stores/{first.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/stores/{second.id}", headers=headers).status_code == 404
    other_room = next(r for r in company_a.rooms if r.store_id == second.id)
    assert client.get(f"/api/v1/rooms/{other_room.id}", headers=headers).status_code == 404
    assert client.post("/api/v1/stores", headers=headers,
                       json={"code": "C1", "name": "C", "city": "C"}).status_code == 403
    assert client.patch(f"/api/v1/stores/{first.id}", headers=headers,
                        json={"name": "C"}).status_code == 403
    assert client.get("/api/v1/stores").status_code == 401


def test_rooms_list_create_patch(client, company_a, api_token, in_tenant):
    headers = api_token(company_a, "general_manager")
    store = company_a.stores[0]
    body = client.get(f"/api/v1/stores/{store.id}/rooms", headers=headers).get_json()
    assert [r["number"] for r in body["items"]] == ["101", "102", "103"]

    response = client.post(f"/api/v1/stores/{store.id}/rooms", headers=headers,
                           json={"number": "V8", "type": "vip", "beds": 2})
    assert response.status_code == 201, response.get_json()
    room = response.get_json()
    assert (room["store_id"], room["status"]) == (store.id, "free")

    response = client.post(f"/api/v1/stores/{store.id}/rooms", headers=headers,
                           json={"number": "101"})
    assert response.status_code == 422
    assert "number" in response.get_json()["error"]["fields"]

    response = client.patch(f"/api/v1/rooms/{room['id']}", headers=headers,
                            json={"beds": 0})
    assert response.status_code == 422
    assert "beds" in response.get_json()["error"]["fields"]

    response = client.patch(f"/api/v1/rooms/{room['id']}", headers=headers,
                            json={"status": "out_of_order", "beds": 3})
    assert response.status_code == 200
    assert response.get_json()["beds"] == 3
    with in_tenant(company_a):
        assert db.session.get(Room, room["id"]).status == "out_of_order"


def test_front_desk_sets_room_status(client, company_a, api_token, in_tenant):
    room = company_a.rooms[0]
    cashier = api_token(company_a, "cashier")
    assert client.put(f"/api/v1/rooms/{room.id}/status", headers=cashier,
                      json={"status": "occupied"}).status_code == 403
    receptionist = api_token(company_a, "receptionist")
    response = client.put(f"/api/v1/rooms/{room.id}/status", headers=receptionist,
                          json={"status": "occupied"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "occupied"
    response = client.put(f"/api/v1/rooms/{room.id}/status", headers=receptionist,
                          json={"status": "smoky"})
    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["fields"]
    # A receptionist may not edit the room itself.
    assert client.patch(f"/api/v1/rooms/{room.id}", headers=receptionist,
                        json={"beds": 4}).status_code == 403
