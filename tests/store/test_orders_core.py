"""Orders: check-in, numbering, lines and prices, and the end of a visit's services."""

from datetime import timedelta
from decimal import Decimal

import pytest

from app.blueprints.store import orders
from app.blueprints.store.models import ServiceJob, StoreServicePrice
from app.extensions import db
from app.models import Room
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists


def test_check_in_occupies_the_room_and_numbers_orders_per_day(company_a):
    with tenant_context(company_a.tenant_id):
        store, room = company_a.stores[0], company_a.rooms[0]
        first = orders.open_order(store.id, room_id=room.id, guest_name="王先生")
        second = orders.open_order(store.id)  # every room taken: the waiting area
        assert db.session.get(Room, room.id).status == "occupied"
        assert (first.status, second.status) == ("in_service", "waiting")
        assert second.seq == first.seq + 1 and second.room_id is None
        with pytest.raises(orders.OrderError) as error:
            orders.open_order(store.id, room_id=room.id)
        assert error.value.field == "room_id"


def test_store_price_overrides_head_office_price(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        db.session.add(StoreServicePrice(store_id=store.id, service_item_id=items["foot"].id,
                                         price=Decimal("138.00")))
        order = orders.open_order(store.id, room_id=company_a.rooms[0].id, party_size=2)
        here = orders.add_service_line(order, items["foot"].id, guest_no=2)
        other = orders.open_order(company_a.stores[1].id)
        there = orders.add_service_line(other, items["foot"].id)
        assert (here.amount, there.amount) == (Decimal("138.00"), Decimal("128.00"))
        tea = orders.add_product_line(order, items["tea"].id, quantity=2)
        assert tea.amount == Decimal("36.00")
        with pytest.raises(orders.OrderError) as error:
            orders.add_service_line(order, items["foot"].id, guest_no=3)
        assert error.value.field == "guest_no"


def test_room_goes_to_cleaning_when_every_service_has_ended(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store, room = company_a.stores[0], company_a.rooms[0]
        therapist = make_therapists(store.id, 1)[0]
        order = orders.open_order(store.id, room_id=room.id, party_size=2)
        first = orders.add_service_line(order, items["foot"].id, guest_no=1)
        second = orders.add_service_line(order, items["ear"].id, guest_no=2)
        now = utcnow()
        job = ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                         order_id=order.id, order_line_id=first.id, therapist_id=therapist.id,
                         room_id=room.id, job_type="rotation", started_at=now,
                         planned_end_at=now + timedelta(minutes=60))
        db.session.add(job)
        db.session.flush()
        job.status, job.ended_at = "finished", now
        orders.after_job_ended(order)
        # the second guest's 采耳 has no therapist yet: the room stays occupied
        assert order.status == "in_service"
        assert db.session.get(Room, room.id).status == "occupied"
        second.status = "cancelled"  # the guest changed their mind
        orders.after_job_ended(order)
        assert order.status == "to_pay"
        assert db.session.get(Room, room.id).status == "cleaning"
