"""Adding a service to an open order of a party: with no guest named, the line is for
the first guest who has no service yet (a party of 3 where guest 3 has none: guest
3), else guest 1 — the same on the order page, through the API and in the service."""

import pytest
from sqlalchemy import select

from app.blueprints.store import orders
from app.blueprints.store.models import OrderLine
from app.extensions import db
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue


@pytest.fixture
def party(company_a):
    """A party of 3 in room 101: 足疗 for guest 1 and guest 2, a tea; guest 3 has nothing."""
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        order = orders.check_in(company_a.stores[0].id, room_id=company_a.rooms[0].id,
                                party_size=3,
                                services=[orders.ServiceRequest(items["foot"].id, 1),
                                          orders.ServiceRequest(items["foot"].id, 2)],
                                products=[orders.ProductRequest(items["tea"].id)])
        db.session.commit()
        yield {"company": company_a, "store_id": order.store_id, "order_id": order.id,
               "order": order, "items": {name: item.id for name, item in items.items()}}


def _guests(order_id: int) -> list[int]:
    return list(db.session.scalars(
        select(OrderLine.guest_no).where(OrderLine.order_id == order_id,
                                         OrderLine.kind == "service").order_by(OrderLine.id)))


def test_the_service_gives_an_unnamed_line_to_the_guest_without_a_service(party):
    order, ear = party["order"], party["items"]["ear"]
    assert orders.add_service_line(order, ear).guest_no == 3
    assert orders.add_service_line(order, ear).guest_no == 1  # everyone has one now
    second = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id,
                                                        OrderLine.guest_no == 2)).all()
    for line in second:
        orders.cancel_line(line, "客人不做了")
    assert orders.add_service_line(order, ear).guest_no == 2  # a cancelled one is none
    assert orders.add_service_line(order, ear, guest_no=3).guest_no == 3  # named: kept


def test_order_page_preselects_the_guest_without_a_service(client, auth, party):
    url = f"/store/{party['store_id']}/orders/{party['order_id']}"
    auth.login_as(party["company"], "receptionist")
    html = client.get(url).get_data(as_text=True)
    select_ = html[html.index('id="guest_no"'):]
    select_ = select_[:select_.index("</select>")]
    assert '<option value="3" selected>' in select_
    assert select_.count("selected") == 1

    client.post(f"{url}/lines", data={"kind": "service",
                                      "service_item_id": str(party["items"]["ear"])})
    with tenant_context(party["company"].tenant_id):
        assert _guests(party["order_id"]) == [1, 2, 3]
    html = client.get(url).get_data(as_text=True)
    select_ = html[html.index('id="guest_no"'):]
    assert '<option value="1" selected>' in select_[:select_.index("</select>")]


def test_api_an_omitted_guest_no_is_the_guest_without_a_service(client, api_token, party):
    headers = api_token(party["company"], "receptionist")
    url = f"/api/v1/orders/{party['order_id']}/lines"
    ear = party["items"]["ear"]
    response = client.post(url, headers=headers, json={"service_item_id": ear})
    assert response.status_code == 201, response.get_json()
    response = client.post(url, headers=headers, json={"service_item_id": ear,
                                                        "guest_no": None})
    assert response.status_code == 201, response.get_json()
    response = client.post(url, headers=headers, json={"service_item_id": ear, "guest_no": 2})
    assert response.status_code == 201, response.get_json()
    with tenant_context(party["company"].tenant_id):
        assert _guests(party["order_id"]) == [1, 2, 3, 1, 2]
    bad = client.post(url, headers=headers, json={"service_item_id": ear, "guest_no": 4})
    assert bad.status_code == 422 and "guest_no" in bad.get_json()["error"]["fields"]
