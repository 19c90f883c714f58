"""预订 with the guest's gender wish ("要女技师" on the phone): booked on the page and
through the API, shown in Chinese, carried to every line the arrival opens, and
used by the rotation of those lines.

Therapists 801 (f) and 802 (m) of store 1 do 足疗 and 采耳.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.blueprints.store import dispatch, reservations
from app.blueprints.store.models import OrderLine, Reservation
from app.blueprints.store.rotation import RotationError
from app.extensions import db
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

AT_1500 = datetime(2030, 6, 1, 7, 0, tzinfo=UTC)
BOOKED_AT = AT_1500 - timedelta(days=1)


def book(store_id: int, **kwargs) -> Reservation:
    values = {"name": "李女士", "phone": "13900002222"} | kwargs
    return reservations.create_reservation(store_id, starts_at=AT_1500, now=BOOKED_AT,
                                           **values)


@pytest.fixture
def shop(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapists = make_therapists(store.id, 2, qualified=[items["foot"], items["ear"]])
        room = next(r for r in company_a.rooms if r.store_id == store.id)
        room.beds = 2
        db.session.flush()
        yield {"store": store, "items": items, "t": therapists,
               "actor": company_a.accounts["dispatcher"], "company": company_a}


def test_arrival_gives_every_line_the_wish_and_rotation_passes_over_the_men(shop):
    female, male = shop["t"]
    foot, ear = shop["items"]["foot"], shop["items"]["ear"]
    reservation = book(shop["store"].id, party_size=2, gender_wish="female",
                       service_item_ids=[foot.id, ear.id])
    assert reservation.gender_wish == "female"
    order = reservations.check_in_reservation(reservation).order
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                               .order_by(OrderLine.id)).all()
    assert [(line.guest_no, line.gender_wish) for line in lines] == [(1, "female"),
                                                                     (2, "female")]

    dispatch.clock_in(shop["store"].id, male.id, shop["actor"])  # only a man on the board
    with pytest.raises(RotationError) as error:
        dispatch.assign_rotation(lines[0], shop["actor"])
    assert [(p["number"], p["reason_code"], p["reason"])
            for p in error.value.details["passed_over"]] == [("802", "wrong_gender", "性别不符")]
    dispatch.clock_in(shop["store"].id, female.id, shop["actor"])  # behind him in the queue
    assert dispatch.assign_rotation(lines[0], shop["actor"]).therapist_id == female.id


def test_a_booking_without_a_wish_opens_lines_for_anyone(shop):
    reservation = book(shop["store"].id, service_item_ids=[shop["items"]["foot"].id])
    assert reservation.gender_wish is None
    order = reservations.check_in_reservation(reservation).order
    line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
    assert line.gender_wish is None


def test_a_bad_wish_names_the_field_and_changes_nothing(shop):
    with pytest.raises(reservations.ReservationError) as error:
        book(shop["store"].id, gender_wish="robot")
    assert set(error.value.fields) == {"gender_wish"}
    assert db.session.scalar(select(func.count(Reservation.id))) == 0

    reservation = book(shop["store"].id, gender_wish="male", note="老客")
    with pytest.raises(reservations.ReservationError) as error:
        reservations.update_reservation(reservation, now=BOOKED_AT, gender_wish="robot",
                                        note="改了")
    assert set(error.value.fields) == {"gender_wish"}
    assert (reservation.gender_wish, reservation.note) == ("male", "老客")
    reservations.update_reservation(reservation, now=BOOKED_AT, gender_wish="")
    assert reservation.gender_wish is None  # "" is "any"


# -- the page ------------------------------------------------------------------------


def _local_now(company):
    with tenant_context(company.tenant_id):
        return reservations.to_local(utcnow())


def test_page_books_with_a_wish_and_shows_it_in_chinese(client, auth, shop):
    company, store_id = shop["company"], shop["store"].id
    foot_id = shop["items"]["foot"].id
    db.session.commit()
    auth.login_as(company, "greeter")
    local = _local_now(company) + timedelta(hours=2)
    form = {"day": local.date().isoformat(), "at": local.strftime("%H:%M"), "name": "吴女士",
            "phone": "13600001234", "party_size": "1", "service_item_ids": [str(foot_id)],
            "requested_therapist_id": "", "note": ""}
    bad = client.post(f"/store/{store_id}/reservations/new", data=form | {"gender_wish": "x"})
    assert bad.status_code == 422
    assert 'data-field-error="gender_wish"' in bad.get_data(as_text=True)
    with tenant_context(company.tenant_id):
        assert db.session.scalar(select(func.count(Reservation.id))) == 0

    new = client.get(f"/store/{store_id}/reservations/new").get_data(as_text=True)
    assert 'name="gender_wish"' in new and "女技师" in new

    response = client.post(f"/store/{store_id}/reservations/new",
                           data=form | {"gender_wish": "female"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with tenant_context(company.tenant_id):
        reservation = db.session.scalar(select(Reservation))
        assert reservation.gender_wish == "female"
        reservation_id = reservation.id
    listed = client.get(response.location).get_data(as_text=True)
    row = listed[listed.index(f'data-reservation-id="{reservation_id}"'):]
    assert "指定女技师" in row[:row.index("</tr>")]

    detail = client.get(f"/store/reservations/{reservation_id}").get_data(as_text=True)
    assert "指定女技师" in detail
    assert '<option selected value="female">' in detail

    changed = client.post(f"/store/reservations/{reservation_id}",
                          data=form | {"gender_wish": "male"})
    assert changed.status_code == 302, changed.get_data(as_text=True)
    listed = client.get(changed.location).get_data(as_text=True)
    assert "指定男技师" in listed and "指定女技师" not in listed

    arrived = client.post(f"/store/reservations/{reservation_id}/arrive")
    assert arrived.status_code == 302
    with tenant_context(company.tenant_id):
        line = db.session.scalar(select(OrderLine))
        assert line.gender_wish == "male"


# -- the API -------------------------------------------------------------------------


def test_api_books_changes_and_arrives_with_a_wish(client, api_token, shop):
    store_id, foot_id = shop["store"].id, shop["items"]["foot"].id
    db.session.commit()
    headers = api_token(shop["company"], "receptionist")
    starts = (utcnow() + timedelta(hours=3)).isoformat()
    body = {"starts_at": starts, "name": "郑女士", "phone": "13500001111",
            "service_item_ids": [foot_id]}

    bad = client.post(f"/api/v1/stores/{store_id}/reservations", headers=headers,
                      json=body | {"gender_wish": "robot"})
    assert bad.status_code == 422 and "gender_wish" in bad.get_json()["error"]["fields"]
    with tenant_context(shop["company"].tenant_id):
        assert db.session.scalar(select(func.count(Reservation.id))) == 0

    created = client.post(f"/api/v1/stores/{store_id}/reservations", headers=headers,
                          json=body | {"gender_wish": "female"})
    assert created.status_code == 201, created.get_json()
    reservation = created.get_json()
    assert reservation["gender_wish"] == "female"
    url = f"/api/v1/reservations/{reservation['id']}"
    assert client.get(url, headers=headers).get_json()["gender_wish"] == "female"

    refused = client.patch(url, headers=headers, json={"gender_wish": "robot", "note": "改"})
    assert refused.status_code == 422 and "gender_wish" in refused.get_json()["error"]["fields"]
    unchanged = client.get(url, headers=headers).get_json()
    assert (unchanged["gender_wish"], unchanged["note"]) == ("female", "")

    changed = client.patch(url, headers=headers, json={"gender_wish": "male", "note": "老客"})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["gender_wish"], changed.get_json()["note"]) == ("male", "老客")
    assert changed.get_json()["starts_at"] == reservation["starts_at"]

    arrived = client.post(f"{url}/arrive", headers=headers)
    assert arrived.status_code == 201, arrived.get_json()
    order = client.get(f"/api/v1/orders/{arrived.get_json()['order_id']}",
                       headers=headers).get_json()
    assert [line["gender_wish"] for line in order["lines"]] == ["male"]
