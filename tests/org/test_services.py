"""Store and room rules as plain functions (no HTTP)."""

from datetime import time

import pytest
from sqlalchemy import func, select

from app import stores as store_services
from app.blueprints.store import services as room_services
from app.extensions import db
from app.models import AuditEntry, Employee, Room, Store


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_store_stamps_tenant_and_audits(company_a, in_tenant):
    with in_tenant(company_a):
        store = store_services.create_store(code="GZ03", name="三号店", city="广州",
                                            opens_at=time(10, 30), closes_at=time(1, 0))
        assert store.id is not None
        assert store.tenant_id == company_a.tenant_id
        assert store.status == "open"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "store.create"))
        assert entry.object_id == str(store.id)
        assert entry.after["opens_at"] == "10:30"


def test_store_code_is_unique_per_tenant_with_a_field_error(company_a, company_b, in_tenant):
    with in_tenant(company_a):
        before = _count(Store)
        with pytest.raises(store_services.StoreError) as caught:
            store_services.create_store(code="S01", name="重复", city="广州")
        assert set(caught.value.fields) == {"code"}
        assert "S01" in caught.value.fields["code"]
        # Case does not make a different code.
        with pytest.raises(store_services.StoreError):
            store_services.create_store(code="s01", name="重复", city="广州")
        assert _count(Store) == before
    # Another company may use the same code.
    with in_tenant(company_b):
        store = store_services.create_store(code="S03", name="贝塔三号店", city="深圳")
        assert store.tenant_id == company_b.tenant_id
        db.session.commit()  # one unit of work per tenant, as a request does
    with in_tenant(company_a):
        store_services.create_store(code="S03", name="阿尔法三号店", city="广州")


def test_create_store_validates_every_field(company_a, in_tenant):
    with in_tenant(company_a):
        with pytest.raises(store_services.StoreError) as caught:
            store_services.create_store(code="bad code!", name=" ", city="", status="gone",
                                        opens_at="11:00")
        assert set(caught.value.fields) == {"code", "name", "city", "status", "opens_at"}


def test_update_store_closes_it_and_records_only_changes(company_a, in_tenant):
    with in_tenant(company_a):
        store = db.session.get(Store, company_a.stores[0].id)
        store_services.update_store(store, status="closed", name=store.name)
        assert store.status == "closed"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "store.update"))
        assert entry.before == {"status": "open"}
        assert entry.after == {"status": "closed"}


def test_update_store_refuses_another_stores_code_and_changes_nothing(company_a, in_tenant):
    with in_tenant(company_a):
        store = db.session.get(Store, company_a.stores[0].id)
        with pytest.raises(store_services.StoreError) as caught:
            store_services.update_store(store, code="S02", name="新名字")
        assert "code" in caught.value.fields
        assert (store.code, store.name) == ("S01", "阿尔法 1号店")
        # Keeping its own code is fine.
        store_services.update_store(store, code="S01", city="佛山")
        assert store.city == "佛山"


def test_update_store_refuses_unknown_fields(company_a, in_tenant):
    with in_tenant(company_a):
        store = db.session.get(Store, company_a.stores[0].id)
        with pytest.raises(store_services.StoreError) as caught:
            store_services.update_store(store, tenant_id=999)
        assert "tenant_id" in caught.value.fields


def test_headcount_counts_on_staff_employees_per_store(company_a, company_b, in_tenant):
    with in_tenant(company_a):
        first, second = company_a.stores
        employees = db.session.scalars(
            select(Employee).where(Employee.store_id == first.id).order_by(Employee.id)).all()
        employees[0].status = "left"
        employees[1].status = "candidate"
        employees[2].status = "probation"
        employees[3].status = "offboarding"
        db.session.flush()
        expected = len(employees) - 2
        summaries = {s.store.id: s for s in store_services.list_stores_with_headcount()}
        assert set(summaries) == {first.id, second.id}
        assert summaries[first.id].headcount == expected
        assert summaries[second.id].headcount == 0
        assert summaries[first.id].room_count == 3
        assert summaries[first.id].beds == 3
        only_second = store_services.list_stores_with_headcount({second.id})
        assert [s.store.id for s in only_second] == [second.id]


def test_create_room_and_number_unique_per_store(company_a, in_tenant):
    with in_tenant(company_a):
        first, second = (db.session.get(Store, s.id) for s in company_a.stores)
        room = room_services.create_room(first, number="888", type="vip", beds=2)
        assert (room.store_id, room.status) == (first.id, "free")
        with pytest.raises(room_services.RoomError) as caught:
            room_services.create_room(first, number="888")
        assert set(caught.value.fields) == {"number"}
        # The same number in another store is a different room.
        room_services.create_room(second, number="888")


def test_create_room_validates_type_beds_status(company_a, in_tenant):
    with in_tenant(company_a):
        store = db.session.get(Store, company_a.stores[0].id)
        with pytest.raises(room_services.RoomError) as caught:
            room_services.create_room(store, number="", type="sauna", beds=0, status="dirty")
        assert set(caught.value.fields) == {"number", "type", "beds", "status"}


def test_update_room_refuses_a_taken_number(company_a, in_tenant):
    with in_tenant(company_a):
        rooms = room_services.rooms_of_store(company_a.stores[0].id)
        assert [r.number for r in rooms] == ["101", "102", "103"]
        with pytest.raises(room_services.RoomError):
            room_services.update_room(rooms[0], number="102")
        assert rooms[0].number == "101"
        room_services.update_room(rooms[0], beds=2, type="double")
        assert (rooms[0].beds, rooms[0].type) == (2, "double")


def test_set_room_status_allows_only_known_states_and_audits_out_of_order(company_a, in_tenant):
    with in_tenant(company_a):
        room = db.session.get(Room, company_a.rooms[0].id)
        with pytest.raises(room_services.RoomError) as caught:
            room_services.set_room_status(room, "exploded")
        assert "status" in caught.value.fields
        room_services.set_room_status(room, "occupied")
        room_services.set_room_status(room, "cleaning")
        assert _audits("room.status") == 0
        room_services.set_room_status(room, "out_of_order")
        assert room.status == "out_of_order"
        assert _audits("room.status") == 1
        assert [r.id for r in room_services.rooms_out_of_order()] == [room.id]


def test_room_totals_by_type(company_a, in_tenant):
    with in_tenant(company_a):
        store = db.session.get(Store, company_a.stores[0].id)
        room_services.create_room(store, number="H1", type="hall", beds=12)
        totals = room_services.room_totals_by_type({store.id})
        rows = {row.type: (row.rooms, row.beds) for row in totals[store.id]}
        assert rows == {"single": (3, 3), "hall": (1, 12)}


def _audits(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
