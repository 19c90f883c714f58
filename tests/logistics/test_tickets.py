"""维修: the cleaner reports a broken room from the room board; the room is 停用 on the
board and no other state can be set until the ticket closes, then it is back as
待清洁; an asset on an open ticket is 维修中."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.logistics import maintenance as service
from app.blueprints.logistics.models import Asset, MaintenanceTicket
from app.blueprints.store import services as room_services
from app.extensions import db
from app.models import Room


def _asset(store_id: int, tag: str = "ZY-0001") -> Asset:
    asset = Asset(store_id=store_id, tag_code=tag, name="按摩床", category="furniture",
                  purchase_date=date(2025, 1, 1), cost=Decimal("1200.00"),
                  useful_life_months=60)
    db.session.add(asset)
    db.session.flush()
    return asset


def test_a_room_under_repair_stays_out_of_service_until_closed(company_a, in_tenant):
    with in_tenant(company_a):
        room = company_a.rooms[0]
        cleaner = company_a.accounts["cleaner"]
        ticket = service.report({"store_id": company_a.store.id, "room_id": room.id,
                                 "title": "床板断了", "room_out_of_service": True}, cleaner)
        assert (ticket.status, room.status) == ("open", "out_of_order")
        with pytest.raises(room_services.RoomError) as refused:
            room_services.set_room_status(room, "free")
        assert "维修中" in refused.value.fields["status"] and "床板断了" in \
            refused.value.fields["status"]
        with pytest.raises(room_services.RoomError):
            room_services.update_room(room, status="cleaning")
        with pytest.raises(room_services.RoomError):
            room_services.return_room_to_service(room)
        assert room_services.room_notes(company_a.store.id) == {room.id: ["维修中：床板断了"]}
        # A second ticket holds the room too: closing the first does not free it.
        second = service.report({"store_id": company_a.store.id, "room_id": room.id,
                                 "title": "灯不亮", "room_out_of_service": True},
                                company_a.accounts["logistics_head"])
        manager = company_a.accounts["store_manager"]
        service.assign(ticket, {"assigned_to": "王师傅"}, manager)
        assert (ticket.status, ticket.assigned_to) == ("assigned", "王师傅")
        service.close(ticket, {"resolution": "换了床板", "repair_cost": "180"}, manager)
        assert (ticket.status, ticket.repair_cost, room.status) == (
            "closed", Decimal("180.00"), "out_of_order")
        service.close(second, {"resolution": "换灯管"}, manager)
        assert room.status == "cleaning"
        room_services.mark_room_clean(room)
        assert room.status == "free" and room_services.room_notes(company_a.store.id) == {}


def test_an_asset_is_under_repair_while_its_ticket_is_open(company_a, in_tenant):
    with in_tenant(company_a):
        asset = _asset(company_a.store.id)
        ticket = service.report({"store_id": company_a.store.id, "asset_tag": "ZY-0001",
                                 "title": "升降失灵"}, company_a.accounts["receptionist"])
        assert (ticket.asset_id, asset.status, ticket.room_out_of_service) == (
            asset.id, "under_repair", False)
        employee = company_a.employees["store_manager"]
        service.assign(ticket, {"employee_id": employee.id},
                       company_a.accounts["logistics_head"])
        service.close(ticket, {"resolution": "修好了"}, company_a.accounts["logistics_head"])
        assert asset.status == "in_use"
        with pytest.raises(service.TicketError) as closed:
            service.close(ticket, {"resolution": "again"}, company_a.accounts["logistics_head"])
        assert closed.value.field == "status"


def test_bad_reports_name_the_field_and_stay_in_the_store(company_a, in_tenant):
    with in_tenant(company_a):
        other_store_room = next(r for r in company_a.rooms
                                if r.store_id == company_a.stores[1].id)
        cleaner = company_a.accounts["cleaner"]
        with pytest.raises(service.TicketError) as bad:
            service.report({"store_id": company_a.stores[1].id, "room_id": other_store_room.id,
                            "title": " "}, cleaner)
        assert set(bad.value.fields) == {"store_id", "room_id", "title"}
        with pytest.raises(service.TicketError) as bad:
            service.report({"store_id": company_a.store.id, "asset_tag": "NOPE",
                            "title": "x", "room_out_of_service": True}, cleaner)
        assert set(bad.value.fields) == {"asset_tag", "room_out_of_service"}
        with pytest.raises(service.TicketError) as bad:
            service.report({"store_id": company_a.store.id, "title": "x"}, cleaner)
        assert set(bad.value.fields) == {"room_id"}
        ticket = service.report({"store_id": company_a.store.id,
                                 "room_id": company_a.rooms[1].id, "title": "漏水"}, cleaner)
        with pytest.raises(service.TicketError) as bad:
            service.assign(ticket, {}, company_a.accounts["store_manager"])
        assert set(bad.value.fields) == {"employee_id"}
        with pytest.raises(service.TicketError) as bad:
            service.close(ticket, {"resolution": "", "repair_cost": "-3"},
                          company_a.accounts["store_manager"])
        assert set(bad.value.fields) == {"resolution", "repair_cost"}
        # Without 房间停用 the room keeps its state.
        assert db.session.get(Room, company_a.rooms[1].id).status == "free"
        assert db.session.scalar(select(func.count(MaintenanceTicket.id))) == 1
