"""预订: booking, room hold and no-show at the boundaries, the tick job, arrival."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.blueprints.store import customers, reservations
from app.blueprints.store.models import Order, OrderLine, Reservation
from app.extensions import db
from app.jobs import commit_and_dispatch, enqueue
from app.jobs.models import JobRecord
from app.models import Room
from app.models.base import utcnow
from app.schedule import PERIODIC
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

# Also on SQLite: reservation times compared in SQL.
pytestmark = pytest.mark.both_backends

# 15:00 in Shanghai (the companies' time zone) on a day far from the real clock.
AT_1500 = datetime(2030, 6, 1, 7, 0, tzinfo=UTC)
DAY = date(2030, 6, 1)
BOOKED_AT = AT_1500 - timedelta(days=1)


def book(store_id: int, starts_at=AT_1500, **kwargs) -> Reservation:
    values = {"name": "李先生", "phone": "13900002222"} | kwargs
    return reservations.create_reservation(store_id, starts_at=starts_at, now=BOOKED_AT,
                                           **values)


def room_status(room_id: int) -> str:
    return db.session.get(Room, room_id).status


def tick(at: datetime) -> dict:
    return reservations.run_reservation_tick(at)


def test_room_is_held_from_15_minutes_before_and_released_30_minutes_after(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        reservation = book(store.id)
        assert reservation.room_id is None  # booked a day ahead: nothing held yet

        assert tick(AT_1500 - timedelta(minutes=15, seconds=1))["held"] == 0  # 14:44:59
        assert reservation.room_id is None
        assert tick(AT_1500 - timedelta(minutes=15))["held"] == 1  # 14:45:00
        held = reservation.room_id
        assert held is not None and room_status(held) == "reserved"
        assert db.session.get(Room, held).store_id == store.id

        # idempotent: the same moment again, or a minute later, changes nothing
        assert tick(AT_1500 - timedelta(minutes=15)) == {
            "held": 0, "no_show": 0, "no_room": 0,
            "at": (AT_1500 - timedelta(minutes=15)).isoformat()}
        assert tick(AT_1500 + timedelta(minutes=29, seconds=59))["no_show"] == 0  # 15:29:59
        assert reservation.status == "booked" and reservation.room_id == held

        assert tick(AT_1500 + timedelta(minutes=30))["no_show"] == 1  # 15:30:00
        assert reservation.status == "no_show" and reservation.room_id is None
        assert room_status(held) == "free"
        assert tick(AT_1500 + timedelta(minutes=30))["no_show"] == 0


def test_hold_picks_a_free_room_that_seats_the_party(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        first, second, third = (r for r in company_a.rooms if r.store_id == store.id)
        second.beds, third.beds = 2, 3
        first.status = "occupied"
        pair = book(store.id, party_size=2)
        four = book(store.id, party_size=4)
        result = tick(AT_1500 - timedelta(minutes=10))
        assert result == {"held": 1, "no_show": 0, "no_room": 1, "at": result["at"]}
        assert pair.room_id == second.id  # the smallest room that seats two
        assert four.room_id is None  # no room seats four: the greeter sees 未留房


def test_booking_inside_the_window_holds_at_once_and_cancel_frees_the_room(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        now = AT_1500 - timedelta(minutes=5)
        reservation = reservations.create_reservation(
            store.id, starts_at=AT_1500, name="王女士", phone="13700001111", now=now)
        assert reservation.room_id is not None and room_status(reservation.room_id) == "reserved"
        held = reservation.room_id
        reservations.cancel_reservation(reservation, "临时有事")
        assert reservation.status == "cancelled" and room_status(held) == "free"
        assert "临时有事" in reservation.note
        with pytest.raises(reservations.ReservationError) as error:
            reservations.confirm_reservation(reservation)
        assert error.value.field == "status"


def test_bad_bookings_name_the_field_and_save_nothing(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        other_store_therapist = make_therapists(company_a.stores[1].id, 1)[0]
        cases = [
            ({"name": "", "phone": ""}, {"name", "phone"}),
            ({"starts_at": BOOKED_AT - timedelta(hours=1)}, {"starts_at"}),
            ({"party_size": 0}, {"party_size"}),
            ({"service_item_ids": [items["foot"].id, 999999]}, {"service_item_ids"}),
            ({"requested_therapist_id": other_store_therapist.id}, {"requested_therapist_id"}),
            ({"customer_id": 999999}, {"customer_id"}),
        ]
        for changes, fields in cases:
            with pytest.raises(reservations.ReservationError) as error:
                book(store.id, **changes)
            assert set(error.value.fields) == fields, changes
        assert db.session.scalar(select(Reservation.id)) is None


def test_a_known_phone_links_the_customer_file(company_a):
    with tenant_context(company_a.tenant_id):
        guest = customers.create_customer(name="孙女士", phone="13800009999", taboos="腰伤")
        reservation = book(company_a.stores[0].id, name="", phone="138 0000 9999")
        assert reservation.customer_id == guest.id and reservation.name == "孙女士"
        rows = reservations.reservations_of_day(company_a.stores[0].id, DAY)
        assert [row.reservation for row in rows] == [reservation]
        assert rows[0].customer_taboos == "腰伤"
        assert reservations.reservations_of_day(company_a.stores[0].id,
                                                DAY + timedelta(days=1)) == []


def test_arrival_checks_in_to_the_held_room_with_the_reserved_items(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapist = make_therapists(store.id, 1, qualified=[items["foot"]])[0]
        guest = customers.create_customer(name="周先生", phone="13800008888")
        room = next(r for r in company_a.rooms if r.store_id == store.id)
        room.beds = 2
        reservation = book(store.id, customer_id=guest.id, name="", phone="", party_size=2,
                           service_item_ids=[items["foot"].id, items["ear"].id],
                           requested_therapist_id=therapist.id)
        tick(AT_1500 - timedelta(minutes=15))
        assert reservation.room_id == room.id and room_status(room.id) == "reserved"

        check_in = reservations.check_in_reservation(reservation)
        order = check_in.order
        assert order.room_id == room.id and room_status(room.id) == "occupied"
        assert order.customer_id == guest.id and order.party_size == 2
        assert reservation.status == "arrived" and reservation.order_id == order.id
        lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                   .order_by(OrderLine.id)).all()
        assert [(line.service_item_id, line.guest_no, line.requested_therapist_id)
                for line in lines] == [(items["foot"].id, 1, therapist.id),
                                       (items["ear"].id, 2, None)]
        with pytest.raises(reservations.ReservationError):
            reservations.check_in_reservation(reservation)  # only once
        # the tick leaves an arrived booking alone
        assert tick(AT_1500 + timedelta(hours=1))["no_show"] == 0


def test_arrival_when_the_held_room_was_given_away_uses_another(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        reservation = book(store.id)
        tick(AT_1500 - timedelta(minutes=15))
        held = db.session.get(Room, reservation.room_id)
        held.status = "occupied"  # the desk seated a walk-in there
        order = reservations.check_in_reservation(reservation).order
        assert order.room_id not in (None, held.id)
        assert room_status(order.room_id) == "occupied"


# --------------------------------------------------------------------------- the job


def test_the_tick_is_a_scheduled_job_that_runs_inline(company_a, company_b):
    assert any(p.kind == "store.reservations_tick" and p.cron == "*/5 * * * *"
               for p in PERIODIC)
    with tenant_context(company_b.tenant_id):
        other = book(company_b.stores[0].id)
        db.session.commit()
        other_id = other.id
    with tenant_context(company_a.tenant_id):
        mine = book(company_a.stores[0].id)
        late = book(company_a.stores[1].id, starts_at=AT_1500 - timedelta(hours=1))
        record = enqueue("store.reservations_tick", now=(AT_1500 - timedelta(minutes=15))
                         .isoformat())
        commit_and_dispatch()
        db.session.expire_all()
        record = db.session.get(JobRecord, record.id)
        assert record.status == "finished", record.error
        assert (record.result["held"], record.result["no_show"]) == (1, 1)
        assert db.session.get(Reservation, mine.id).room_id is not None
        assert db.session.get(Reservation, late.id).status == "no_show"
    with tenant_context(company_b.tenant_id):
        untouched = db.session.get(Reservation, other_id)
        assert untouched.room_id is None and untouched.status == "booked"


# --------------------------------------------------------------------------- pages, API


def test_greeter_books_sees_the_day_and_checks_the_guest_in(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        db.session.commit()
        foot_id = items["foot"].id
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "greeter")
    local = reservations_local_now(company_a) + timedelta(minutes=10)
    response = client.post(f"/store/{store_id}/reservations/new", data={
        "day": local.date().isoformat(), "at": local.strftime("%H:%M"), "name": "吴女士",
        "phone": "13600001234", "party_size": "1", "service_item_ids": [str(foot_id)],
        "requested_therapist_id": "", "note": "靠窗"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "吴女士" in page and 'data-status="booked"' in page
    with tenant_context(company_a.tenant_id):
        reservation = db.session.scalar(select(Reservation))
        reservation_id, held = reservation.id, reservation.room_id
    assert held is not None  # ten minutes ahead: held at once
    bad = client.post(f"/store/{store_id}/reservations/new", data={
        "day": "2020-01-01", "at": "10:00", "name": "吴女士", "phone": "13600001234",
        "party_size": "1"})
    assert bad.status_code == 422 and 'data-field-error="at"' in bad.get_data(as_text=True)

    arrived = client.post(f"/store/reservations/{reservation_id}/arrive")
    assert arrived.status_code == 302
    with tenant_context(company_a.tenant_id):
        order = db.session.scalar(select(Order))
        assert order.room_id == held and order.guest_name == "吴女士"
    assert str(store_id) in arrived.location


def reservations_local_now(company):
    with tenant_context(company.tenant_id):
        return reservations.to_local(utcnow())


def test_reservation_pages_need_the_permission_and_the_store(client, auth, company_a,
                                                             company_b):
    with tenant_context(company_a.tenant_id):
        reservation = book(company_a.stores[1].id)  # store 2: store roles work in store 1
        db.session.commit()
        reservation_id = reservation.id
    auth.login_as(company_a, "cleaner")
    assert client.get(f"/store/{company_a.stores[0].id}/reservations").status_code == 403
    auth.logout()
    auth.login_as(company_a, "receptionist")
    assert client.get(f"/store/{company_a.stores[0].id}/reservations").status_code == 200
    assert client.get(f"/store/{company_a.stores[1].id}/reservations").status_code == 404
    assert client.post(f"/store/reservations/{reservation_id}/cancel").status_code == 404
    auth.logout()
    auth.login_as(company_b, "owner")
    assert client.get(f"/store/reservations/{reservation_id}").status_code == 404
    assert client.post(f"/store/reservations/{reservation_id}/arrive").status_code == 404


def test_api_book_list_confirm_cancel_and_arrive(client, api_token, company_a, company_b):
    store_id = company_a.stores[0].id
    headers = api_token(company_a, "receptionist")
    starts = (utcnow() + timedelta(hours=3)).isoformat()
    created = client.post(f"/api/v1/stores/{store_id}/reservations", headers=headers, json={
        "starts_at": starts, "name": "郑先生", "phone": "13500001111", "party_size": 1})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "booked" and body["room_id"] is None

    bad = client.post(f"/api/v1/stores/{store_id}/reservations", headers=headers,
                      json={"starts_at": starts, "name": "郑先生", "party_size": 1})
    assert bad.status_code == 422 and "phone" in bad.get_json()["error"]["fields"]

    listed = client.get(f"/api/v1/stores/{store_id}/reservations", headers=headers).get_json()
    local_date = reservations_local_now(company_a) + timedelta(hours=3)
    if listed["date"] == local_date.date().isoformat():
        assert [r["id"] for r in listed["items"]] == [body["id"]]

    confirmed = client.post(f"/api/v1/reservations/{body['id']}/confirm", headers=headers)
    assert confirmed.get_json()["status"] == "confirmed"
    again = client.post(f"/api/v1/reservations/{body['id']}/confirm", headers=headers)
    assert again.status_code == 422 and "status" in again.get_json()["error"]["fields"]

    arrived = client.post(f"/api/v1/reservations/{body['id']}/arrive", headers=headers)
    assert arrived.status_code == 201, arrived.get_json()
    assert arrived.get_json()["reservation"]["status"] == "arrived"
    assert arrived.get_json()["order_id"]

    second = client.post(f"/api/v1/stores/{store_id}/reservations", headers=headers, json={
        "starts_at": starts, "name": "钱女士", "phone": "13500002222"}).get_json()
    cancelled = client.post(f"/api/v1/reservations/{second['id']}/cancel", headers=headers,
                            json={"reason": "改天"})
    assert cancelled.get_json()["status"] == "cancelled"

    intruder = api_token(company_b, "owner")
    assert client.get(f"/api/v1/reservations/{body['id']}", headers=intruder).status_code == 404
    assert client.post(f"/api/v1/reservations/{second['id']}/confirm",
                       headers=intruder).status_code == 404
    therapist = api_token(company_a, "therapist")
    assert client.get(f"/api/v1/stores/{store_id}/reservations",
                      headers=therapist).status_code == 403
