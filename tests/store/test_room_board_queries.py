"""The 房态 board and the desk's actions issue a fixed number of SQL statements
(≤ 15, the issue's benchmark) whatever the number of rooms, parties and history."""

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, select

from app.blueprints.store import orders
from app.blueprints.store.models import (
    BusinessDay,
    Order,
    OrderLine,
    Product,
    ServiceItem,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee, Room
from app.models.base import utcnow
from tests.store.helpers import make_catalogue, make_therapists

BUDGET = 15


@contextmanager
def count_statements():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def _grow(company, in_tenant, rooms: int, parties: int, history: int) -> None:
    """More rooms, parties in service with running jobs, and past (paid) visits."""
    with in_tenant(company):
        store = company.stores[0]
        foot = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ZL60"))
        if foot is None:
            foot = make_catalogue()["foot"]
        existing = len(db.session.scalars(select(Room.id).where(Room.store_id == store.id)).all())
        new_rooms = []
        for n in range(rooms):
            room = Room(store_id=store.id, number=f"G{existing + n:03d}")
            db.session.add(room)
            new_rooms.append(room)
        db.session.flush()
        count = len(db.session.scalars(select(ServiceJob.id)).all())
        therapists = make_therapists(store.id, parties) if parties else []
        for i, therapist in enumerate(therapists):
            therapist.employee_no = f"T{count}-{i}"
        db.session.flush()
        now = utcnow()
        for room, therapist in zip(new_rooms, therapists, strict=False):
            order = orders.check_in(store.id, room_id=room.id, party_size=2, services=[
                orders.ServiceRequest(foot.id, 1), orders.ServiceRequest(foot.id, 2)])
            line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
            db.session.add(ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                                      order_id=order.id, order_line_id=line.id,
                                      therapist_id=therapist.id, room_id=room.id,
                                      job_type="rotation", started_at=now,
                                      planned_end_at=now + timedelta(minutes=60)))
        orders.check_in(store.id, services=[orders.ServiceRequest(foot.id)])  # waiting area
        past = BusinessDay(store_id=store.id, business_date=date(2020, 1, 1 + count % 27))
        db.session.add(past)
        db.session.flush()
        for seq in range(history):
            db.session.add(Order(store_id=store.id, business_day_id=past.id, seq=seq + 1,
                                 status="paid", party_size=1))
        db.session.commit()


def test_room_board_statements_do_not_grow(client, auth, company_a, in_tenant):
    store = company_a.stores[0]
    _grow(company_a, in_tenant, rooms=1, parties=1, history=1)
    auth.login_as(company_a, "receptionist")
    urls = [f"/store/?store_id={store.id}", f"/store/{store.id}/rooms/live"]
    for url in urls:
        assert client.get(url).status_code == 200  # warm up
    few = {}
    for url in urls:
        with count_statements() as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    _grow(company_a, in_tenant, rooms=12, parties=10, history=60)
    for url in urls:
        with count_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("data-order-id=") >= 11
        assert len(statements) == few[url], "\n".join(statements)
        assert len(statements) <= BUDGET, "\n".join(statements)


def test_api_board_and_order_page_statements_do_not_grow(client, auth, company_a, in_tenant,
                                                         api_token):
    store = company_a.stores[0]
    _grow(company_a, in_tenant, rooms=1, parties=1, history=1)
    headers = api_token(company_a, "receptionist")
    auth.login_as(company_a, "receptionist")
    with in_tenant(company_a):
        order_id = db.session.scalar(select(Order.id).where(Order.status == "in_service"))
    board_url = f"/api/v1/stores/{store.id}/room-board"
    page_url = f"/store/{store.id}/orders/{order_id}"
    list_url = f"/store/{store.id}/orders"
    client.get(board_url, headers=headers)
    client.get(page_url)
    counts = {}
    for url, kwargs in ((board_url, {"headers": headers}), (page_url, {}), (list_url, {})):
        with count_statements() as statements:
            assert client.get(url, **kwargs).status_code == 200
        counts[url] = len(statements)
    _grow(company_a, in_tenant, rooms=10, parties=8, history=60)
    for url, kwargs in ((board_url, {"headers": headers}), (page_url, {}), (list_url, {})):
        with count_statements() as statements:
            assert client.get(url, **kwargs).status_code == 200
        assert len(statements) == counts[url], (url, "\n".join(statements))
        assert len(statements) <= BUDGET, (url, "\n".join(statements))


def test_desk_actions_stay_within_the_budget(client, auth, company_a, in_tenant):
    store = company_a.stores[0]
    _grow(company_a, in_tenant, rooms=6, parties=4, history=30)
    with in_tenant(company_a):
        items = db.session.scalars(select(ServiceItem.id)).all()
        product = db.session.scalar(select(Product.id))
        free = db.session.scalars(select(Room.id).where(Room.store_id == store.id,
                                                        Room.status == "free")).all()
        waiting = db.session.scalar(select(Order.id).where(Order.status == "waiting"))
        seated = db.session.scalar(select(Order.id).where(Order.status == "in_service"))
        number = db.session.scalar(select(Employee.employee_no)
                                   .where(Employee.employee_no.like("T%")))
        cleaning = db.session.get(Room, free[-1])
        cleaning.status = "cleaning"
        db.session.commit()
    auth.login_as(company_a, "receptionist")
    checkin = {"party_size": "4", "room_id": str(free[0])}
    for i in range(4):
        checkin[f"services-{i}-guest_no"] = str(i + 1)
        checkin[f"services-{i}-service_item_id"] = str(items[i % len(items)])
        checkin[f"services-{i}-therapist_no"] = number if i == 0 else ""
    checkin.update({"products-0-product_id": str(product), "products-0-quantity": "2",
                    "products-1-product_id": str(product), "products-1-quantity": "1"})
    actions = [
        ("checkin (4 guests, 2 products)", f"/store/{store.id}/checkin", checkin),
        ("seat from waiting area", f"/store/{store.id}/orders/{waiting}/room",
         {"room_id": str(free[1])}),
        ("tea", f"/store/{store.id}/orders/{seated}/tea", {}),
        ("add line", f"/store/{store.id}/orders/{seated}/lines",
         {"kind": "service", "service_item_id": str(items[0]), "therapist_no": number}),
        ("mark clean", f"/store/{store.id}/rooms/{cleaning.id}/clean", {}),
    ]
    for name, url, data in actions:
        with count_statements() as statements:
            response = client.post(url, data=data)
        assert response.status_code == 302, name
        assert len(statements) <= BUDGET, (name, len(statements), "\n".join(statements))
    with in_tenant(company_a):
        assert db.session.get(Room, cleaning.id).status == "free"
        assert db.session.get(Order, waiting).room_id == free[1]
        assert db.session.get(Order, seated).last_tea_at is not None
        newest = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        assert (newest.room_id, newest.party_size) == (free[0], 4)
        assert len(db.session.scalars(select(OrderLine.id)
                                      .where(OrderLine.order_id == newest.id)).all()) == 6
