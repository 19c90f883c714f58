"""Store and room pages end to end: permissions, scope, field errors."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Room, Store

STORE_FORM = {"code": "S09", "name": "九号店", "city": "佛山", "address": "祖庙路 9 号",
              "phone": "0757-1234567", "opens_at": "10:00", "closes_at": "02:00",
              "status": "preparing"}


def _stores(company, in_tenant) -> dict[str, Store]:
    with in_tenant(company):
        return {s.code: s for s in db.session.scalars(select(Store))}


def test_gm_creates_a_store(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "general_manager")
    response = client.post("/gm/stores/new", data=STORE_FORM)
    assert response.status_code == 302
    store = _stores(company_a, in_tenant)["S09"]
    assert (store.name, store.city, store.status) == ("九号店", "佛山", "preparing")
    assert f"{store.opens_at:%H:%M}" == "10:00"
    page = client.get(response.location)
    assert "九号店" in page.get_data(as_text=True)


def test_gm_edits_and_closes_a_store(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "general_manager")
    store_id = company_a.stores[0].id
    form = client.get(f"/gm/stores/{store_id}/edit")
    assert form.status_code == 200
    assert 'value="S01"' in form.get_data(as_text=True)
    response = client.post(f"/gm/stores/{store_id}/edit",
                           data=dict(STORE_FORM, code="S01", status="closed"))
    assert response.status_code == 302
    store = _stores(company_a, in_tenant)["S01"]
    assert (store.name, store.status) == ("九号店", "closed")


def test_duplicate_code_shows_the_field_error_and_changes_nothing(client, auth, company_a,
                                                                 in_tenant):
    auth.login_as(company_a, "general_manager")
    with in_tenant(company_a):
        before = db.session.scalar(select(func.count()).select_from(Store))
    response = client.post("/gm/stores/new", data=dict(STORE_FORM, code="S02"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-field-error="code"' in html
    assert "门店编号 S02 已被本企业其他门店使用" in html
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count()).select_from(Store)) == before

    store_id = company_a.stores[0].id
    response = client.post(f"/gm/stores/{store_id}/edit", data=dict(STORE_FORM, code="S02"))
    assert response.status_code == 200
    assert 'data-field-error="code"' in response.get_data(as_text=True)
    store = _stores(company_a, in_tenant)["S01"]
    assert store.name == "阿尔法 1号店"


def test_cashier_cannot_create_or_edit_stores(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "cashier")
    assert client.get("/gm/stores/new").status_code == 403
    assert client.post("/gm/stores/new", data=STORE_FORM).status_code == 403
    store_id = company_a.stores[0].id
    assert client.post(f"/gm/stores/{store_id}/edit", data=STORE_FORM).status_code == 403
    assert client.get(f"/store/{store_id}/rooms/new").status_code == 403
    assert "S09" not in _stores(company_a, in_tenant)


def test_cashier_of_store_1_gets_404_for_store_2(client, auth, company_a):
    auth.login_as(company_a, "cashier")
    first, second = company_a.stores
    own_room = next(r for r in company_a.rooms if r.store_id == first.id)
    other_room = next(r for r in company_a.rooms if r.store_id == second.id)
    assert client.get(f"/store/{first.id}/rooms/{own_room.id}").status_code == 200
    assert client.get(f"/store/{second.id}/rooms/{other_room.id}").status_code == 404
    # Nor by pairing its own store with the other store's room.
    assert client.get(f"/store/{first.id}/rooms/{other_room.id}").status_code == 404
    assert client.get(f"/store/?store_id={second.id}").status_code == 404
    assert client.get(f"/gm/stores/{second.id}").status_code == 404
    assert client.get(f"/gm/stores/{first.id}").status_code == 200


def test_another_tenants_store_and_room_are_not_found(client, auth, company_a, company_b):
    auth.login_as(company_a, "general_manager")
    other_store = company_b.stores[0]
    other_room = company_b.rooms[0]
    assert client.get(f"/gm/stores/{other_store.id}").status_code == 404
    assert client.get(f"/gm/stores/{other_store.id}/edit").status_code == 404
    assert client.get(f"/store/{other_store.id}/rooms/{other_room.id}/edit").status_code == 404
    assert client.get(f"/store/?store_id={other_store.id}").status_code == 404


def test_chain_overview_shows_stores_rooms_and_headcount(client, auth, company_a, company_b):
    auth.login_as(company_a, "general_manager")
    html = client.get("/gm/stores").get_data(as_text=True)
    assert "阿尔法 1号店" in html and "阿尔法 2号店" in html
    assert "贝塔" not in html
    assert 'data-total="stores">2<' in html
    assert 'data-total="rooms">6<' in html
    on_staff = sum(1 for e in company_a.employees.values() if e.store_id is not None)
    assert f'data-total="headcount">{on_staff}<' in html
    assert "11:00–02:00" in html


def test_room_board_for_store_roles_and_head_office(client, auth, company_a):
    first, second = company_a.stores
    auth.login_as(company_a, "receptionist")
    html = client.get("/store/").get_data(as_text=True)
    assert 'data-testid="room-board"' in html
    assert "101" in html and "201" not in html
    assert 'data-testid="store-picker"' not in html
    auth.logout()
    auth.login_as(company_a, "general_manager")
    html = client.get(f"/store/?store_id={second.id}").get_data(as_text=True)
    assert 'data-testid="store-picker"' in html
    assert "201" in html


def test_receptionist_changes_room_status_cashier_cannot(client, auth, company_a, in_tenant):
    store = company_a.stores[0]
    room = company_a.rooms[0]
    url = f"/store/{store.id}/rooms/{room.id}/status"
    auth.login_as(company_a, "cashier")
    assert client.post(url, data={"status": "occupied"}).status_code == 403
    auth.logout()
    auth.login_as(company_a, "receptionist")
    response = client.post(url, data={"status": "occupied"})
    assert response.status_code == 302
    assert client.post(url, data={"status": "on_fire"}).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(Room, room.id).status == "occupied"
    html = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    assert f'data-room-id="{room.id}" data-room-status="occupied"' in html


def test_gm_adds_and_edits_rooms(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "general_manager")
    store = company_a.stores[0]
    response = client.post(f"/store/{store.id}/rooms/new",
                           data={"number": "V1", "type": "vip", "beds": "2", "status": "free"})
    assert response.status_code == 302
    duplicate = client.post(f"/store/{store.id}/rooms/new",
                            data={"number": "101", "type": "single", "beds": "1",
                                  "status": "free"})
    assert duplicate.status_code == 200
    assert 'data-field-error="number"' in duplicate.get_data(as_text=True)
    with in_tenant(company_a):
        room = db.session.scalar(select(Room).where(Room.number == "V1"))
        assert (room.type, room.beds) == ("vip", 2)
        assert db.session.scalar(select(func.count()).select_from(Room)
                                 .where(Room.store_id == store.id)) == 4
    response = client.post(f"/store/{store.id}/rooms/{room.id}/edit",
                           data={"number": "V1", "type": "vip", "beds": "3",
                                 "status": "out_of_order"})
    assert response.status_code == 302
    with in_tenant(company_a):
        room = db.session.get(Room, room.id)
        assert (room.beds, room.status) == (3, "out_of_order")
    # A room of store 1 is not reachable under store 2's URL.
    other = company_a.stores[1]
    assert client.get(f"/store/{other.id}/rooms/{room.id}/edit").status_code == 404


def test_department_landing_pages_show_real_data(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        room = db.session.get(Room, company_a.rooms[0].id)
        room.status = "out_of_order"
    for role, url, expected in (
        ("finance_manager", "/finance/", ["广州", "阿尔法 1号店", "日结"]),
        ("service_manager", "/service/", ["阿尔法 2号店", 'data-testid="rooms-out-of-order"',
                                          f'data-room-id="{company_a.rooms[0].id}"']),
        # The landing page became the asset overview (issue 12): a card per store.
        ("logistics_head", "/logistics/", ['data-testid="store-cards"', "阿尔法 1号店",
                                           "阿尔法 2号店", 'data-total="assets">0<']),
    ):
        auth.login_as(company_a, role)
        response = client.get(url)
        assert response.status_code == 200, role
        html = response.get_data(as_text=True)
        for text in expected:
            assert text in html, (role, text)
        auth.logout()
