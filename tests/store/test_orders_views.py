"""Check-in, the order page and today's orders over HTTP: roles, scope, field errors."""

from sqlalchemy import func, select

from app.blueprints.store import orders
from app.blueprints.store.models import Customer, Order, OrderLine, ServiceJob
from app.extensions import db
from app.models import Employee, Room
from tests.store.helpers import make_catalogue, make_therapists


def _setup(company, in_tenant):
    with in_tenant(company):
        items = make_catalogue()
        make_therapists(company.stores[0].id, 2, qualified=[items["foot"]])
        customer = Customer(name="张女士", phone="13800001111", phone_tail="1111",
                            taboos="对精油过敏")
        db.session.add(customer)
        db.session.commit()
        return {name: item.id for name, item in items.items()}, customer.id


def _checkin_form(items, room_id="", **extra):
    form = {"party_size": "2", "room_id": str(room_id), "guest_name": "王先生",
            "services-0-guest_no": "1", "services-0-service_item_id": str(items["foot"]),
            "services-0-therapist_no": "802",
            "services-1-guest_no": "2", "services-1-service_item_id": str(items["ear"]),
            "products-0-product_id": str(items["tea"]), "products-0-quantity": "1"}
    form.update(extra)
    return form


def test_receptionist_checks_in_a_known_guest_to_a_room(client, auth, company_a, in_tenant):
    items, customer_id = _setup(company_a, in_tenant)
    store, room = company_a.stores[0], company_a.rooms[0]
    auth.login_as(company_a, "receptionist")
    page = client.get(f"/store/{store.id}/checkin?tail=1111&room_id={room.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "张女士" in html and "138****1111" in html
    page = client.get(f"/store/{store.id}/checkin?customer_id={customer_id}&room_id={room.id}")
    assert "对精油过敏" in page.get_data(as_text=True)  # taboos before the order is taken
    response = client.post(f"/store/{store.id}/checkin",
                           data=_checkin_form(items, room.id, customer_id=str(customer_id)))
    assert response.status_code == 302
    with in_tenant(company_a):
        order = db.session.scalar(select(Order))
        assert (order.customer_id, order.room_id, order.party_size) == (customer_id, room.id, 2)
        assert db.session.scalar(select(func.count(OrderLine.id))) == 3
        assert db.session.get(Room, room.id).status == "occupied"
    assert response.location.endswith(f"/store/{store.id}/orders/{order.id}")
    detail = client.get(response.location).get_data(as_text=True)
    assert "足疗 60 分钟" in detail and "点 802 号" in detail and "¥214.00" in detail
    board = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    assert f'data-order-id="{order.id}"' in board and "待派钟" in board


def test_bad_check_in_shows_field_errors_and_changes_nothing(client, auth, company_a,
                                                             in_tenant):
    items, _ = _setup(company_a, in_tenant)
    store, room = company_a.stores[0], company_a.rooms[0]
    auth.login_as(company_a, "greeter")
    form = _checkin_form(items, room.id, **{"services-0-therapist_no": "999",
                                            "services-1-guest_no": "5"})
    # An empty row between filled ones: errors still land on the right row.
    form["services-2-service_item_id"] = ""
    response = client.post(f"/store/{store.id}/checkin", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-field-error="services-0-therapist_no"' in html and "本店没有 999 号技师" in html
    assert 'data-field-error="services-1-guest_no"' in html
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Room, room.id).status == "free"


def test_greeter_checks_in_to_the_waiting_area_and_seats_from_the_board(client, auth,
                                                                        company_a, in_tenant):
    items, _ = _setup(company_a, in_tenant)
    store = company_a.stores[0]
    auth.login_as(company_a, "greeter")
    response = client.post(f"/store/{store.id}/checkin", data=_checkin_form(items, ""))
    assert response.status_code == 302
    with in_tenant(company_a):
        order = db.session.scalar(select(Order))
        assert order.status == "waiting"
    board = client.get(f"/store/{store.id}/rooms/live").get_data(as_text=True)
    assert f'data-waiting-order-id="{order.id}"' in board and "入房 → 101" in board
    room = company_a.rooms[0]
    response = client.post(f"/store/{store.id}/orders/{order.id}/room",
                           data={"room_id": room.id, "next": f"/store/?store_id={store.id}"})
    assert response.status_code == 302
    assert response.location.endswith(f"/store/?store_id={store.id}")
    with in_tenant(company_a):
        order = db.session.get(Order, order.id)
        assert (order.status, order.room_id) == ("in_service", room.id)
    # An outside "next" is ignored.
    response = client.post(f"/store/{store.id}/orders/{order.id}/tea",
                           data={"next": "https://evil.example/"})
    assert response.location.endswith(f"/store/{store.id}/orders/{order.id}")


def test_order_page_adds_and_cancels_lines_and_moves_rooms(client, auth, company_a, in_tenant):
    items, _ = _setup(company_a, in_tenant)
    store = company_a.stores[0]
    with in_tenant(company_a):
        order = orders.check_in(store.id, room_id=company_a.rooms[0].id,
                                services=[orders.ServiceRequest(items["foot"])])
        db.session.commit()
        order_id = order.id
    auth.login_as(company_a, "receptionist")
    url = f"/store/{store.id}/orders/{order_id}"
    assert client.post(f"{url}/lines", data={"kind": "service", "guest_no": "1",
                                             "service_item_id": items["oil"],
                                             "therapist_no": "801"}).status_code == 302
    bad = client.post(f"{url}/lines", data={"kind": "product", "product_id": items["tea"],
                                            "quantity": "0"}, follow_redirects=True)
    assert "数量应为 1–99" in bad.get_data(as_text=True)
    with in_tenant(company_a):
        oil = db.session.scalar(select(OrderLine).where(OrderLine.name.like("精油%")))
        assert oil.requested_therapist_id is not None
        assert db.session.scalar(select(func.count(OrderLine.id))) == 2
    assert client.post(f"/store/{store.id}/lines/{oil.id}/cancel",
                       data={"reason": "改做足疗"}).status_code == 302
    assert client.post(f"{url}/room", data={"room_id": company_a.rooms[1].id}).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(OrderLine, oil.id).status == "cancelled"
        assert db.session.get(Room, company_a.rooms[0].id).status == "cleaning"
        assert db.session.get(Order, order_id).room_id == company_a.rooms[1].id
    html = client.get(url).get_data(as_text=True)
    assert f'data-line-id="{oil.id}" data-line-status="cancelled"' in html
    listing = client.get(f"/store/{store.id}/orders?status=in_service").get_data(as_text=True)
    assert f'data-order-id="{order_id}"' in listing and "¥128.00" in listing
    assert f'data-order-id="{order_id}"' not in client.get(
        f"/store/{store.id}/orders?status=paid").get_data(as_text=True)
    # The menu's store-less links land on the person's store.
    assert client.get("/store/orders").location.endswith(f"/store/{store.id}/orders")
    assert client.get("/store/checkin").location.endswith(f"/store/{store.id}/checkin")


def test_cashier_of_store_1_gets_404_for_store_2s_order(client, auth, company_a, in_tenant):
    items, _ = _setup(company_a, in_tenant)
    first, second = company_a.stores
    with in_tenant(company_a):
        own = orders.open_order(first.id, room_id=company_a.rooms[0].id)
        other = orders.open_order(second.id, room_id=company_a.rooms[3].id)
        db.session.commit()
    auth.login_as(company_a, "cashier")
    assert client.get(f"/store/{first.id}/orders/{own.id}").status_code == 200
    assert client.get(f"/store/{second.id}/orders/{other.id}").status_code == 404
    # Nor by pairing its own store with the other store's order.
    assert client.get(f"/store/{first.id}/orders/{other.id}").status_code == 404
    assert client.post(f"/store/{first.id}/orders/{other.id}/tea").status_code == 404
    assert client.get(f"/store/{second.id}/checkin").status_code == 404
    assert client.get(f"/store/{second.id}/rooms/live").status_code == 404


def test_cleaner_can_only_mark_rooms_clean(client, auth, company_a, in_tenant):
    items, _ = _setup(company_a, in_tenant)
    store = company_a.stores[0]
    with in_tenant(company_a):
        order = orders.open_order(store.id, room_id=company_a.rooms[0].id, guest_name="王先生")
        db.session.get(Room, company_a.rooms[1].id).status = "cleaning"
        db.session.commit()
    auth.login_as(company_a, "cleaner")
    board = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    assert 'data-action="clean"' in board
    assert "王先生" not in board and 'data-action="checkin"' not in board  # no guest details
    assert client.get(f"/store/{store.id}/checkin").status_code == 403
    assert client.post(f"/store/{store.id}/checkin", data=_checkin_form(items)).status_code == 403
    assert client.get(f"/store/{store.id}/orders/{order.id}").status_code == 403
    assert client.post(f"/store/{store.id}/orders/{order.id}/tea").status_code == 403
    assert client.post(f"/store/{store.id}/orders/{order.id}/room",
                       data={"room_id": company_a.rooms[2].id}).status_code == 403
    cleaning = company_a.rooms[1]
    response = client.post(f"/store/{store.id}/rooms/{cleaning.id}/clean")
    assert response.status_code == 302
    # A room with guests cannot be "cleaned" out from under them.
    client.post(f"/store/{store.id}/rooms/{company_a.rooms[0].id}/clean")
    with in_tenant(company_a):
        assert db.session.get(Room, cleaning.id).status == "free"
        assert db.session.get(Room, company_a.rooms[0].id).status == "occupied"


def test_tea_and_out_of_order_from_the_board(client, auth, company_a, in_tenant):
    store = company_a.stores[0]
    with in_tenant(company_a):
        order = orders.open_order(store.id, room_id=company_a.rooms[0].id)
        db.session.commit()
    auth.login_as(company_a, "receptionist")
    assert client.post(f"/store/{store.id}/orders/{order.id}/tea").status_code == 302
    spare = company_a.rooms[2]
    assert client.post(f"/store/{store.id}/rooms/{spare.id}/out-of-order").status_code == 302
    with in_tenant(company_a):
        assert db.session.get(Order, order.id).last_tea_at is not None
        assert db.session.get(Room, spare.id).status == "out_of_order"
    board = client.get(f"/store/{store.id}/rooms/live").get_data(as_text=True)
    assert 'data-action="back-in-service"' in board
    assert client.post(f"/store/{store.id}/rooms/{spare.id}/back-in-service").status_code == 302
    with in_tenant(company_a):
        assert db.session.get(Room, spare.id).status == "cleaning"


def test_order_page_dispatch_buttons_work_end_to_end(client, auth, company_a, in_tenant):
    """The order page's 派钟 / 下钟 buttons post to the dispatch endpoints (when they
    exist) and come back to the order; the room goes to cleaning at the end."""
    from app.blueprints.store import dispatch

    items, _ = _setup(company_a, in_tenant)
    store, room = company_a.stores[0], company_a.rooms[0]
    with in_tenant(company_a):
        therapists = db.session.scalars(select(Employee).where(Employee.employee_no == "801"))
        for therapist in therapists:
            dispatch.clock_in(store.id, therapist.id, None)
        order = orders.check_in(store.id, room_id=room.id,
                                services=[orders.ServiceRequest(items["foot"])])
        db.session.commit()
        order_id = order.id
        line_id = db.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
    url = f"/store/{store.id}/orders/{order_id}"
    auth.login_as(company_a, "receptionist")  # no dispatch.assign: no dispatch buttons
    assert 'data-testid="assign-form"' not in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login_as(company_a, "dispatcher")
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="assign-form"' in html  # a dispatcher gets the 派钟 form
    response = client.post(f"/store/{store.id}/lines/{line_id}/assign",
                           data={"mode": "rotation", "next": url})
    assert response.status_code == 302 and response.location.endswith(url)
    html = client.get(url).get_data(as_text=True)
    assert "801号" in html and 'data-action="finish"' in html
    with in_tenant(company_a):
        job_id = db.session.scalar(select(ServiceJob.id).where(ServiceJob.order_id == order_id))
    client.post(f"/store/{store.id}/service-jobs/{job_id}/finish",
                data={"next": url, "reason": "客人提前结束"})
    with in_tenant(company_a):
        assert db.session.get(Order, order_id).status == "to_pay"
        assert db.session.get(Room, room.id).status == "cleaning"
    board = client.get(f"/store/{store.id}/rooms/live").get_data(as_text=True)
    assert f'data-to-pay-order-id="{order_id}"' in board


def test_check_in_of_a_party_defaults_each_row_to_the_next_guest(client, auth, company_a,
                                                                 in_tenant):
    """Row n is guest n (then round again): a party of three is not three lines of 客1."""
    items, _ = _setup(company_a, in_tenant)
    store = company_a.stores[0]
    auth.login_as(company_a, "receptionist")
    html = client.get(f"/store/{store.id}/checkin?party_size=3").get_data(as_text=True)
    values = [html.split(f'name="services-{n}-guest_no"')[1].split('value="')[1].split('"')[0]
              for n in range(4)]
    assert values == ["1", "2", "3", "1"]
    assert 'data-guest-auto' in html and "<script>" not in html
    # A row whose guest is left blank goes to the next guest too (the service decides).
    response = client.post(f"/store/{store.id}/checkin", data={
        "party_size": "3", "room_id": "", "guest_name": "三位",
        **{f"services-{n}-guest_no": "" for n in range(3)},
        **{f"services-{n}-service_item_id": str(items["foot"]) for n in range(3)}})
    assert response.status_code == 302
    with in_tenant(company_a):
        guests = db.session.scalars(select(OrderLine.guest_no).order_by(OrderLine.id)).all()
        assert guests == [1, 2, 3]


def test_the_check_in_script_fills_the_next_guest():
    """muzu.js (no inline script): the party size renumbers the rows not typed in."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[2].joinpath("static/js/muzu.js").read_text()
    assert "data-guest-auto" in script and "party_size" in script
