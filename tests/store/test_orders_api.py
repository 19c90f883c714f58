"""/api/v1 orders and room board: check-in, lines, seat, tea, cancel, 422 naming
the field, 404 across tenants and stores, the cleaner's one action."""

from datetime import timedelta

from sqlalchemy import func, select

from app.blueprints.store import orders
from app.blueprints.store.models import Order, OrderLine, ServiceJob
from app.extensions import db
from app.models import Employee, Room
from app.models.base import utcnow
from tests.store.helpers import make_catalogue, make_therapists


def _catalogue(company, in_tenant):
    with in_tenant(company):
        items = make_catalogue()
        make_therapists(company.stores[0].id, 2, qualified=[items["foot"]])
        db.session.commit()
        return {name: item.id for name, item in items.items()}


def test_check_in_read_and_change_an_order(client, company_a, api_token, in_tenant):
    items = _catalogue(company_a, in_tenant)
    store, room = company_a.stores[0], company_a.rooms[0]
    headers = api_token(company_a, "receptionist")
    response = client.post(f"/api/v1/stores/{store.id}/orders", headers=headers, json={
        "party_size": 2, "room_id": room.id, "guest_name": "王先生",
        "services": [{"service_item_id": items["foot"], "guest_no": 1, "therapist_no": "801"},
                     {"service_item_id": items["ear"], "guest_no": 2}],
        "products": [{"product_id": items["tea"], "quantity": 2}]})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["status"] == "in_service" and order["room_number"] == "101"
    assert order["amount"] == "232.00" and order["number"].endswith("-001")
    assert [line["requested_therapist_no"] for line in order["lines"]] == ["801", None, None]
    order_id = order["id"]

    got = client.get(f"/api/v1/orders/{order_id}", headers=headers).get_json()
    assert got["lines"][0]["jobs"] == [] and got["tea_due_at"]
    response = client.post(f"/api/v1/orders/{order_id}/lines", headers=headers,
                           json={"kind": "service", "service_item_id": items["oil"]})
    assert response.status_code == 201 and len(response.get_json()["lines"]) == 4
    ear = next(line for line in got["lines"] if line["name"].startswith("采耳"))
    response = client.post(f"/api/v1/order-lines/{ear['id']}/cancel", headers=headers,
                           json={"reason": "客人不做了"})
    assert response.status_code == 200
    assert {line["id"]: line["status"] for line in response.get_json()["lines"]}[ear["id"]] \
        == "cancelled"
    response = client.post(f"/api/v1/orders/{order_id}/tea", headers=headers)
    assert response.status_code == 200 and response.get_json()["last_tea_at"]
    response = client.post(f"/api/v1/orders/{order_id}/room", headers=headers,
                           json={"room_id": company_a.rooms[1].id})
    assert response.status_code == 200 and response.get_json()["room_number"] == "102"

    listed = client.get(f"/api/v1/stores/{store.id}/orders?status=in_service",
                        headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["amount"] == "432.00"
    assert client.get(f"/api/v1/stores/{store.id}/orders?status=paid",
                      headers=headers).get_json()["total"] == 0

    board = client.get(f"/api/v1/stores/{store.id}/room-board", headers=headers).get_json()
    rooms = {r["number"]: r for r in board["rooms"]}
    assert rooms["101"]["status"] == "cleaning" and rooms["102"]["order"]["id"] == order_id
    assert board["counts"]["occupied"] == 1


def test_bad_input_is_422_naming_the_field_and_changes_nothing(client, company_a, api_token,
                                                               in_tenant):
    items = _catalogue(company_a, in_tenant)
    store, room = company_a.stores[0], company_a.rooms[0]
    headers = api_token(company_a, "greeter")
    response = client.post(f"/api/v1/stores/{store.id}/orders", headers=headers, json={
        "party_size": 1, "room_id": room.id,
        "services": [{"service_item_id": items["foot"], "guest_no": 2, "therapist_no": "999"}]})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"services.0.guest_no",
                                                           "services.0.therapist_no"}
    response = client.post(f"/api/v1/stores/{store.id}/orders", headers=headers,
                           json={"party_size": "two"})
    assert response.status_code == 422 and "party_size" in response.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Room, room.id).status == "free"
    response = client.post(f"/api/v1/stores/{store.id}/orders", headers=headers,
                           json={"room_id": room.id})
    order_id = response.get_json()["id"]
    for url, body, field in (
            (f"/api/v1/orders/{order_id}/room", {"room_id": room.id}, "room_id"),
            (f"/api/v1/orders/{order_id}/lines", {"kind": "product", "product_id": 0},
             "product_id"),
            (f"/api/v1/orders/{order_id}/cancel", {"reason": ""}, "reason")):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422, url
        assert field in response.get_json()["error"]["fields"], url


def test_another_tenant_or_store_is_404(client, company_a, company_b, api_token, in_tenant):
    _catalogue(company_a, in_tenant)
    first, second = company_a.stores
    with in_tenant(company_a):
        own = orders.open_order(first.id, room_id=company_a.rooms[0].id)
        other_store = orders.open_order(second.id, room_id=company_a.rooms[3].id)
        db.session.commit()
    intruder = api_token(company_b, "owner")
    for method, url in (("GET", f"/api/v1/orders/{own.id}"),
                        ("POST", f"/api/v1/orders/{own.id}/tea"),
                        ("GET", f"/api/v1/stores/{first.id}/room-board"),
                        ("GET", f"/api/v1/stores/{first.id}/orders"),
                        ("POST", f"/api/v1/rooms/{company_a.rooms[0].id}/clean")):
        assert client.open(url, method=method, headers=intruder).status_code == 404, url
    cashier = api_token(company_a, "cashier")  # works in store 1
    assert client.get(f"/api/v1/orders/{own.id}", headers=cashier).status_code == 200
    assert client.get(f"/api/v1/orders/{other_store.id}", headers=cashier).status_code == 404
    assert client.post(f"/api/v1/stores/{second.id}/orders", headers=cashier,
                       json={}).status_code == 404


def test_cleaner_cleans_and_sees_rooms_only(client, company_a, api_token, in_tenant):
    items = _catalogue(company_a, in_tenant)
    store = company_a.stores[0]
    with in_tenant(company_a):
        order = orders.check_in(store.id, room_id=company_a.rooms[0].id, guest_name="王先生",
                                services=[orders.ServiceRequest(items["foot"])])
        db.session.get(Room, company_a.rooms[1].id).status = "cleaning"
        db.session.commit()
    cleaner = api_token(company_a, "cleaner")
    board = client.get(f"/api/v1/stores/{store.id}/room-board", headers=cleaner).get_json()
    assert all(room["order"] is None for room in board["rooms"])
    assert client.get(f"/api/v1/orders/{order.id}", headers=cleaner).status_code == 403
    assert client.post(f"/api/v1/stores/{store.id}/orders", headers=cleaner,
                       json={}).status_code == 403
    response = client.post(f"/api/v1/rooms/{company_a.rooms[1].id}/clean", headers=cleaner)
    assert response.status_code == 200 and response.get_json()["status"] == "free"
    response = client.post(f"/api/v1/rooms/{company_a.rooms[0].id}/clean", headers=cleaner)
    assert response.status_code == 422 and "status" in response.get_json()["error"]["fields"]


def test_board_shows_the_running_job(client, company_a, api_token, in_tenant):
    items = _catalogue(company_a, in_tenant)
    store = company_a.stores[0]
    with in_tenant(company_a):
        order = orders.check_in(store.id, room_id=company_a.rooms[0].id,
                                services=[orders.ServiceRequest(items["foot"])])
        therapist = db.session.scalar(select(Employee).where(Employee.employee_no == "801"))
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        now = utcnow()
        db.session.add(ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                                  order_id=order.id, order_line_id=line.id,
                                  therapist_id=therapist.id, room_id=order.room_id,
                                  job_type="requested", started_at=now,
                                  planned_end_at=now + timedelta(minutes=60)))
        db.session.commit()
    headers = api_token(company_a, "dispatcher")
    board = client.get(f"/api/v1/stores/{store.id}/room-board", headers=headers).get_json()
    job = board["rooms"][0]["order"]["lines"][0]["job"]
    assert (job["therapist_no"], job["job_type"]) == ("801", "requested")
    assert 58 <= job["minutes_left"] <= 60 and not job["overrun"]


def test_check_in_of_a_party_without_guest_numbers_goes_guest_by_guest(
        client, company_a, api_token, in_tenant):
    items = _catalogue(company_a, in_tenant)
    store = company_a.stores[0]
    response = client.post(f"/api/v1/stores/{store.id}/orders",
                           headers=api_token(company_a, "receptionist"), json={
        "party_size": 2, "guest_name": "两位",
        "services": [{"service_item_id": items["foot"]}, {"service_item_id": items["foot"]},
                     {"service_item_id": items["ear"]}]})
    assert response.status_code == 201, response.get_json()
    lines = sorted(response.get_json()["lines"], key=lambda line: line["id"])
    assert [line["guest_no"] for line in lines] == [1, 2, 1]


def test_service_check_in_defaults_the_next_guest(company_a, in_tenant):
    items = _catalogue(company_a, in_tenant)
    with in_tenant(company_a):
        order = orders.check_in(company_a.stores[0].id, party_size=3, services=[
            orders.ServiceRequest(items["foot"]), orders.ServiceRequest(items["foot"], 1),
            orders.ServiceRequest(items["foot"], None), orders.ServiceRequest(items["ear"], "")])
        guests = db.session.scalars(select(OrderLine.guest_no).where(
            OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
        assert guests == [1, 1, 3, 1]
