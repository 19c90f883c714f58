"""The room board lists rooms waiting to be cleaned (待清洁) first and says who cleaned
each room last and when (recorded from the store's room-cleaned hook), without more
statements for more rooms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.blueprints.service.models_inspections import RoomCleaning
from app.blueprints.store import services as room_services
from app.extensions import db
from app.models import Room
from tests.store.test_room_board_queries import count_statements


@pytest.mark.both_backends
def test_dirty_rooms_first_and_who_cleaned(client, auth, company_a, in_tenant):
    store = company_a.store
    with in_tenant(company_a):
        rooms = db.session.scalars(select(Room).where(Room.store_id == store.id)
                                   .order_by(Room.number)).all()
        first, second, third = rooms
        third.status = "cleaning"
        first.status = "cleaning"
        db.session.commit()
        first_id, second_id, third_id = first.id, second.id, third.id
    auth.login_as(company_a, "cleaner")
    page = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    order = [int(x) for x in __import__("re").findall(r'data-room-id="(\d+)" data-room-status',
                                                       page)]
    assert order == [first_id, third_id, second_id]
    assert client.post(f"/store/{store.id}/rooms/{first_id}/clean").status_code == 302
    with in_tenant(company_a):
        cleaned = db.session.scalar(select(RoomCleaning).where(RoomCleaning.room_id == first_id))
        assert cleaned.cleaned_by_name == company_a.accounts["cleaner"].display_name
    page = client.get(f"/store/?store_id={store.id}").get_data(as_text=True)
    order = [int(x) for x in __import__("re").findall(r'data-room-id="(\d+)" data-room-status',
                                                       page)]
    assert order == [third_id, first_id, second_id]
    tile = page.split(f'data-room-id="{first_id}"')[1].split('data-room-id=')[0]
    assert "data-room-cleaned" in tile
    assert company_a.accounts["cleaner"].display_name + " 打扫于" in tile


def test_who_cleaned_costs_one_statement_whatever_the_rooms(client, auth, company_a, in_tenant):
    store = company_a.store
    auth.login_as(company_a, "receptionist")
    url = f"/store/{store.id}/rooms/live"
    client.get(url)
    with count_statements() as few:
        assert client.get(url).status_code == 200
    with in_tenant(company_a):
        for n in range(8):
            room = room_services.create_room(store, number=f"X{n}", status="cleaning")
            room_services.mark_room_clean(room)
            room.status = "cleaning"
            room_services.mark_room_clean(room)
        db.session.commit()
    with count_statements() as many:
        response = client.get(url)
    assert response.get_data(as_text=True).count("data-room-cleaned") == 8
    assert len(many) == len(few)
