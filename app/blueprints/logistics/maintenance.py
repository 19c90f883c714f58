"""维修: a maintenance ticket (报修) on a room and/or an asset of a store, assigned to a
repairer, closed with the resolution.  Plain functions: add and flush, never commit.

Rules chosen where the issue is silent:

* Who reports: ``maintenance.report`` — anyone working in the store (the cleaner too)
  for their stores; head office (the logistics head) for any store.  A ticket names a
  room or an asset of that store (or both), a title and what is wrong.
* ``room_out_of_service`` (房间停用): the room goes ``out_of_order`` on the room board
  at once and no other state can be set while such a ticket is open (the store's room
  status guard, registered from logistics/__init__.py).  A room with guests in it
  cannot be taken out: the desk moves them first (转房).  When the last such ticket of
  the room closes, the room comes back as ``cleaning`` (checked before the next guest,
  the store's own rule for 恢复使用).
* An asset on an open ticket is ``under_repair``; when its last open ticket closes it
  is ``in_use`` again (a written-off asset stays written off).
* Assign (派单, ``maintenance.manage``): an employee (head office: anyone of the
  company; a store manager: the ticket's store's staff) or an outside repairer by name
  (维修师傅, 厂家售后); reassigning is allowed until closed.
* Close (完工): the resolution is required, the repair cost optional (≥ 0).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics.fields import clean_text
from app.blueprints.logistics.labels import TICKET_STATUS_LABELS
from app.blueprints.logistics.models import (
    ASSET_IN_USE,
    ASSET_UNDER_REPAIR,
    ASSET_WRITTEN_OFF,
    TICKET_ASSIGNED,
    TICKET_CLOSED,
    TICKET_OPEN,
    Asset,
    MaintenanceTicket,
)
from app.blueprints.store import services as room_services
from app.blueprints.store.catalogue import parse_money
from app.extensions import db
from app.models import Employee, Room, Store
from app.models.base import utcnow
from app.permissions import store_scope
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({
    "ticket.report": _l("报修"),
    "ticket.assign": _l("维修派单"),
    "ticket.close": _l("维修完工"),
})

KIND = "maintenance_ticket"
LIMITS = {"title": 128, "description": 2000, "assigned_to": 64, "resolution": 2000}
OPEN_STATES = (TICKET_OPEN, TICKET_ASSIGNED)


class TicketError(InputError):
    """Bad ticket input or a refused step (names the field)."""


def status_label(status: str) -> str:
    return str(TICKET_STATUS_LABELS.get(status, status))


def _text(values: dict, name: str, errors: dict, *, required: bool = False) -> str:
    return clean_text(values, name, errors, LIMITS[name], required=required)


def _id(values: dict, name: str, errors: dict) -> int | None:
    value = values.get(name)
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = _("格式不正确")
        return None


def ticket_query(scope: set[int] | None, status: str | None = None,
                 store_id: int | None = None):
    """Tickets of the stores in ``scope`` (None: all): open ones first, oldest first
    (the longest-waiting repair on top), then the closed ones, newest first."""
    stmt = select(MaintenanceTicket)
    if scope is not None:
        stmt = stmt.where(MaintenanceTicket.store_id.in_(sorted(scope) or [-1]))
    if status == "open_all":
        stmt = stmt.where(MaintenanceTicket.status.in_(OPEN_STATES))
    elif status:
        stmt = stmt.where(MaintenanceTicket.status == status)
    if store_id:
        stmt = stmt.where(MaintenanceTicket.store_id == store_id)
    closed = MaintenanceTicket.status == TICKET_CLOSED
    return stmt.order_by(closed, MaintenanceTicket.closed_at.desc().nulls_last(),
                         MaintenanceTicket.created_at, MaintenanceTicket.id)


def report(values: dict, actor) -> MaintenanceTicket:
    """报修 (status ``open``); ``asset_tag`` may name the asset instead of ``asset_id``."""
    errors: dict[str, str] = {}
    store_id = _id(values, "store_id", errors)
    store = db.session.get(Store, store_id) if store_id else None
    scope = store_scope(actor)
    if store is None or (scope is not None and store.id not in scope):
        errors["store_id"] = _("请选择您所在的门店")
        store = None
    room_id = _id(values, "room_id", errors)
    room = db.session.get(Room, room_id) if room_id else None
    if room_id and (room is None or store is None or room.store_id != store.id):
        errors["room_id"] = _("这个门店没有这个房间")
        room = None
    asset = None
    asset_id = _id(values, "asset_id", errors)
    tag = values.get("asset_tag")
    tag = tag.strip() if isinstance(tag, str) else ""
    if asset_id:
        asset = db.session.get(Asset, asset_id)
    elif tag:
        asset = db.session.scalar(select(Asset).where(Asset.tag_code == tag))
    field_name = "asset_id" if asset_id else "asset_tag"
    if (asset_id or tag) and (asset is None or store is None or asset.store_id != store.id):
        errors[field_name] = _("这个门店没有这个资产")
        asset = None
    elif asset is not None and asset.status == ASSET_WRITTEN_OFF:
        errors[field_name] = _("这个资产已报废")
    title = _text(values, "title", errors, required=True)
    description = _text(values, "description", errors)
    out_of_service = values.get("room_out_of_service") in (True, "y", "on", "1", "true", 1)
    if not (room_id or asset_id or tag) and "room_id" not in errors:
        errors["room_id"] = _("请选择房间或填写资产标签号")
    if out_of_service and room is None and "room_id" not in errors:
        errors["room_out_of_service"] = _("停用须选择房间")
    if out_of_service and room is not None and room.status != "out_of_order" and (
            room.status == "occupied" or room_services._party_in(room) is not None):
        errors["room_out_of_service"] = _("%(number)s 号房有客人，请先转房再停用",
                                          number=room.number)
    if errors:
        raise TicketError(errors)
    ticket = MaintenanceTicket(
        store_id=store.id, room_id=room.id if room else None,
        asset_id=asset.id if asset else None, title=title, description=description,
        status=TICKET_OPEN, room_out_of_service=out_of_service,
        reported_by_account_id=getattr(actor, "id", None))
    db.session.add(ticket)
    db.session.flush()
    if asset is not None and asset.status != ASSET_UNDER_REPAIR:
        asset.status = ASSET_UNDER_REPAIR
    if out_of_service and room.status != "out_of_order":
        room_services.set_room_status(room, "out_of_order")
    db.session.flush()
    record_audit("ticket.report", KIND, ticket.id, after=_snapshot(ticket), actor=actor)
    return ticket


def _snapshot(ticket: MaintenanceTicket) -> dict:
    return {"store_id": ticket.store_id, "room_id": ticket.room_id,
            "asset_id": ticket.asset_id, "title": ticket.title, "status": ticket.status,
            "room_out_of_service": ticket.room_out_of_service,
            "assigned_employee_id": ticket.assigned_employee_id,
            "assigned_to": ticket.assigned_to,
            "repair_cost": str(ticket.repair_cost) if ticket.repair_cost is not None
            else None}


def assign(ticket: MaintenanceTicket, values: dict, actor) -> MaintenanceTicket:
    """派单 to an employee (``employee_id``) or an outside repairer (``assigned_to``)."""
    if ticket.status not in OPEN_STATES:
        raise TicketError.on("status", _("已完工的维修单不能派单"))
    errors: dict[str, str] = {}
    employee_id = _id(values, "employee_id", errors)
    employee = db.session.get(Employee, employee_id) if employee_id else None
    if employee_id and (employee is None or employee.tenant_id != current_tenant_id()
                        or not may_assign_to(actor, ticket, employee)):
        errors["employee_id"] = _("没有这个员工")
    outside = _text(values, "assigned_to", errors)
    if not employee_id and not outside and not errors:
        errors["employee_id"] = _("请选择员工或填写外部维修人员")
    if errors:
        raise TicketError(errors)
    before = _snapshot(ticket)
    ticket.assigned_employee_id = employee.id if employee else None
    ticket.assigned_to = outside if employee is None else ""
    ticket.assigned_at = utcnow()
    ticket.status = TICKET_ASSIGNED
    db.session.flush()
    record_audit("ticket.assign", KIND, ticket.id, before=before, after=_snapshot(ticket),
                 actor=actor)
    return ticket


def may_assign_to(actor, ticket: MaintenanceTicket, employee: Employee) -> bool:
    """Head office assigns anyone of the company; a store role the ticket's store's staff."""
    return store_scope(actor) is None or employee.store_id == ticket.store_id


def close(ticket: MaintenanceTicket, values: dict, actor) -> MaintenanceTicket:
    """完工: the asset back in use, the room back on the board (as ``cleaning``) when no
    other open ticket holds them."""
    if ticket.status not in OPEN_STATES:
        raise TicketError.on("status", _("这张维修单已完工"))
    errors: dict[str, str] = {}
    resolution = _text(values, "resolution", errors, required=True)
    cost = values.get("repair_cost")
    if cost in (None, ""):
        cost = None
    else:
        try:
            cost = parse_money(cost, "repair_cost", error=TicketError)
        except TicketError as exc:
            errors["repair_cost"] = exc.message
    if errors:
        raise TicketError(errors)
    before = _snapshot(ticket)
    ticket.status = TICKET_CLOSED
    ticket.resolution = resolution
    ticket.repair_cost = cost
    ticket.closed_at = utcnow()
    ticket.closed_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    if ticket.asset_id is not None:
        asset = db.session.get(Asset, ticket.asset_id)
        if asset.status == ASSET_UNDER_REPAIR and not _open_tickets(asset_id=asset.id):
            asset.status = ASSET_IN_USE
    if ticket.room_out_of_service and ticket.room_id is not None:
        room = db.session.get(Room, ticket.room_id)
        if room.status == "out_of_order" and not _open_tickets(room_id=room.id):
            room_services.set_room_status(room, "cleaning")
    db.session.flush()
    record_audit("ticket.close", KIND, ticket.id, before=before, after=_snapshot(ticket),
                 actor=actor)
    return ticket


def _open_tickets(*, room_id: int | None = None, asset_id: int | None = None
                  ) -> list[MaintenanceTicket]:
    stmt = select(MaintenanceTicket).where(MaintenanceTicket.status.in_(OPEN_STATES))
    if room_id is not None:
        stmt = stmt.where(MaintenanceTicket.room_id == room_id,
                          MaintenanceTicket.room_out_of_service.is_(True))
    if asset_id is not None:
        stmt = stmt.where(MaintenanceTicket.asset_id == asset_id)
    return list(db.session.scalars(stmt.order_by(MaintenanceTicket.id)))


# --------------------------------------------------------------------------- store hooks


def room_status_guard(room: Room, status: str) -> str | None:
    """The store's room status guard: a room under repair stays 停用."""
    if status == "out_of_order":
        return None
    held = _open_tickets(room_id=room.id)
    if not held:
        return None
    return _("%(number)s 号房维修中（%(title)s），维修单完工后自动恢复",
             number=room.number, title=held[0].title)


def room_notes(store_id: int) -> dict[int, list[str]]:
    """维修中：<title> for each room of the store with an open ticket (one query)."""
    notes: dict[int, list[str]] = {}
    for room_id, title in db.session.execute(
            select(MaintenanceTicket.room_id, MaintenanceTicket.title)
            .where(MaintenanceTicket.store_id == store_id,
                   MaintenanceTicket.room_id.is_not(None),
                   MaintenanceTicket.status.in_(OPEN_STATES))
            .order_by(MaintenanceTicket.id)):
        notes.setdefault(room_id, []).append(_("维修中：%(title)s", title=title))
    return notes
