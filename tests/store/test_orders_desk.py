"""Desk rules as plain functions: check-in with lines, waiting area, seating and
room transfer, the tea round, cancelled lines and orders, the room board."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.store import orders, services
from app.blueprints.store.models import OrderLine, ServiceJob
from app.extensions import db
from app.models import AuditEntry, Room
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists


def _start_job(order, line, therapist, minutes=60, started=None):
    """A running job as the dispatch service starts it (起钟)."""
    now = started or utcnow()
    job = ServiceJob(store_id=order.store_id, business_day_id=order.business_day_id,
                     order_id=order.id, order_line_id=line.id, therapist_id=therapist.id,
                     room_id=order.room_id, job_type="rotation", started_at=now,
                     planned_end_at=now + timedelta(minutes=minutes))
    db.session.add(job)
    db.session.flush()
    return job


def _room(company, index):
    return db.session.get(Room, company.rooms[index].id)


def test_check_in_adds_lines_per_guest_with_requested_therapist(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        t801, t802 = make_therapists(store.id, 2, qualified=[items["foot"]])
        order = orders.check_in(
            store.id, room_id=company_a.rooms[0].id, guest_name="王先生", party_size=2,
            services=[orders.ServiceRequest(items["foot"].id, 1, "802"),
                      orders.ServiceRequest(str(items["oil"].id), "2", "")],
            products=[orders.ProductRequest(items["tea"].id, "2")])
        lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                   .order_by(OrderLine.id)).all()
        assert [(line.kind, line.guest_no, line.amount) for line in lines] == [
            ("service", 1, Decimal("128.00")), ("service", 2, Decimal("268.00")),
            ("product", 1, Decimal("36.00"))]
        assert lines[0].requested_therapist_id == t802.id
        assert lines[1].requested_therapist_id is None
        assert _room(company_a, 0).status == "occupied"


def test_check_in_names_every_bad_field_and_writes_nothing(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        make_therapists(company_a.stores[1].id, 1)  # 801 works in the other store
        with pytest.raises(orders.OrderError) as error:
            orders.check_in(store.id, room_id=company_a.rooms[0].id, party_size=2,
                            services=[orders.ServiceRequest(items["foot"].id, 3, "801"),
                                      orders.ServiceRequest(999999, 1, "")],
                            products=[orders.ProductRequest(items["tea"].id, 0)])
        assert set(error.value.fields) == {"services.0.guest_no", "services.0.therapist_no",
                                           "services.1.service_item_id", "products.0.quantity"}
        assert "801" in error.value.fields["services.0.therapist_no"]
        with pytest.raises(orders.OrderError) as error:
            orders.check_in(store.id, party_size="x")
        assert error.value.field == "party_size"
        assert _room(company_a, 0).status == "free"
        assert db.session.scalar(select(func.count(OrderLine.id))) == 0


def test_waiting_area_then_seat_then_transfer_frees_old_room_to_cleaning(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapist = make_therapists(store.id, 1)[0]
        order = orders.check_in(store.id, services=[orders.ServiceRequest(items["foot"].id)])
        assert (order.status, order.room_id) == ("waiting", None)
        first, second = company_a.rooms[0].id, company_a.rooms[1].id
        orders.seat_order(order, first)
        assert (order.status, order.room_id) == ("in_service", first)
        assert order.last_tea_at is not None  # 入房奉茶
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        job = _start_job(order, line, therapist)
        with pytest.raises(orders.OrderError) as error:
            orders.seat_order(order, first)
        assert error.value.field == "room_id"
        orders.seat_order(order, second)  # 转房
        assert _room(company_a, 0).status == "cleaning"
        assert _room(company_a, 1).status == "occupied"
        db.session.refresh(job)
        assert job.room_id == second  # the running job follows the party
        # A room of the other store is not a free room of this one.
        with pytest.raises(orders.OrderError) as error:
            orders.seat_order(order, company_a.rooms[3].id)
        assert error.value.field == "room_id"


def test_tea_round_is_due_after_the_policy_minutes(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        order = orders.open_order(store.id, room_id=company_a.rooms[0].id)
        opened = orders.aware(order.opened_at)
        assert orders.tea_due_at(order, 15) == opened + timedelta(minutes=15)
        board = services.room_board(store, now=opened + timedelta(minutes=14))
        assert not board.rooms[0].order.tea_due and board.tea_due_count == 0
        board = services.room_board(store, now=opened + timedelta(minutes=16))
        assert board.rooms[0].order.tea_due and board.tea_due_count == 1
        orders.record_tea(order, when=opened + timedelta(minutes=16))
        board = services.room_board(store, now=opened + timedelta(minutes=20))
        assert not board.rooms[0].order.tea_due
        waiting = orders.open_order(store.id)
        with pytest.raises(orders.OrderError):
            orders.record_tea(waiting)  # nobody to serve in the waiting area


def test_cancelled_line_is_kept_and_audited_started_line_cannot_be_cancelled(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapist = make_therapists(store.id, 1)[0]
        order = orders.check_in(store.id, room_id=company_a.rooms[0].id, party_size=2,
                                services=[orders.ServiceRequest(items["foot"].id, 1),
                                          orders.ServiceRequest(items["ear"].id, 2)])
        foot, ear = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                       .order_by(OrderLine.id)).all()
        job = _start_job(order, foot, therapist)
        with pytest.raises(orders.OrderError) as error:
            orders.cancel_line(foot)
        assert error.value.field == "line"
        job.status, job.ended_at = "finished", utcnow()
        orders.after_job_ended(order)
        assert order.status == "in_service"  # 采耳 still waits for a therapist
        orders.cancel_line(ear, "客人不做了")
        assert ear.status == "cancelled"
        assert db.session.get(OrderLine, ear.id) is not None  # kept, not deleted
        # It was the last open service: the order goes to the cashier.
        assert (order.status, _room(company_a, 0).status) == ("to_pay", "cleaning")
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action
                                                           == "order.line_cancel"))
        assert audit.after["reason"] == "客人不做了" and audit.after["amount"] == "68.00"
        with pytest.raises(orders.OrderError):
            orders.cancel_line(ear)
        with pytest.raises(orders.OrderError):
            orders.add_service_line(order, items["foot"].id)  # services have ended
        orders.add_product_line(order, items["tea"].id)  # a drink at the counter is fine


def test_cancel_order_only_before_service(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapist = make_therapists(store.id, 1)[0]
        order = orders.check_in(store.id, room_id=company_a.rooms[0].id,
                                services=[orders.ServiceRequest(items["foot"].id)])
        with pytest.raises(orders.OrderError) as error:
            orders.cancel_order(order, " ")
        assert error.value.field == "reason"
        orders.cancel_order(order, "客人离店")
        assert order.status == "cancelled" and _room(company_a, 0).status == "cleaning"
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        assert line.status == "cancelled"
        served = orders.check_in(store.id, room_id=company_a.rooms[1].id,
                                 services=[orders.ServiceRequest(items["foot"].id)])
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == served.id))
        _start_job(served, line, therapist)
        with pytest.raises(orders.OrderError):
            orders.cancel_order(served, "想逃单")


def test_rooms_with_guests_keep_occupied_and_cleaner_verbs(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        orders.open_order(store.id, room_id=company_a.rooms[0].id)
        busy, spare = _room(company_a, 0), _room(company_a, 1)
        for verb in (services.take_room_out_of_order, services.mark_room_clean):
            with pytest.raises(services.RoomError):
                verb(busy)
        with pytest.raises(services.RoomError):
            services.set_room_status(busy, "free")
        with pytest.raises(services.RoomError):
            services.mark_room_clean(spare)  # free already
        services.take_room_out_of_order(spare)
        services.return_room_to_service(spare)
        assert spare.status == "cleaning"
        services.mark_room_clean(spare)
        assert spare.status == "free"


def test_board_shows_parties_jobs_waiting_area_and_flags(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        t801, t802 = make_therapists(store.id, 2)
        seated = orders.check_in(store.id, room_id=company_a.rooms[0].id, party_size=2,
                                 guest_name="王先生",
                                 services=[orders.ServiceRequest(items["foot"].id, 1),
                                           orders.ServiceRequest(items["ear"].id, 2, "802")])
        foot, ear = db.session.scalars(select(OrderLine).where(OrderLine.order_id == seated.id)
                                       .order_by(OrderLine.id)).all()
        now = utcnow()
        _start_job(seated, foot, t801, minutes=60, started=now - timedelta(minutes=57))
        first = orders.check_in(store.id, guest_name="李女士")
        second = orders.check_in(store.id, guest_name="赵先生")
        board = services.room_board(store, now=now)
        entry = board.rooms[0].order
        assert entry.number.endswith("-001") and entry.guest_label == "王先生"
        by_line = {line.id: line for line in entry.services}
        assert by_line[foot.id].job.therapist_no == "801"
        assert by_line[foot.id].job.ending_soon and not by_line[foot.id].job.overrun
        assert by_line[ear.id].job is None and by_line[ear.id].requested_no == "802"
        assert entry.undispatched == 1
        assert [w.order.id for w in board.waiting] == [first.id, second.id]
        assert [r.number for r in board.free_rooms] == ["102", "103"]
        later = services.room_board(store, now=now + timedelta(minutes=10))
        job = {line.id: line for line in later.rooms[0].order.services}[foot.id].job
        assert job.overrun and job.minutes_left == -7
