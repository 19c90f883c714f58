"""维修 pages: the tickets (open first, by age), a phone-sized 报修 form the cleaner uses
from the room board, one ticket with assign (派单) and close (完工)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.logistics import bp
from app.blueprints.logistics import maintenance as service
from app.blueprints.logistics.models import TICKET_STATUSES, Asset, MaintenanceTicket
from app.blueprints.store.orders import aware
from app.extensions import db
from app.models import Account, Employee, Room, Store
from app.models.base import utcnow
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

PAGE_SIZE = 50
FILTERS = ("open_all", *TICKET_STATUSES)


def _stores() -> list[Store]:
    scope = store_scope(current_user)
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt))


@bp.route("/tickets")
@permission_required("logistics.view")
def tickets():
    """维修单: open ones first, the longest waiting on top."""
    status = request.args.get("status") or None
    if status not in FILTERS:
        status = None
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.scalars(service.ticket_query(store_scope(current_user), status)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    stores = {s.id: s.name for s in db.session.scalars(select(Store).where(
        Store.id.in_(sorted({r.store_id for r in rows}) or [-1])))}
    rooms = {r.id: r.number for r in db.session.scalars(select(Room).where(
        Room.id.in_(sorted({r.room_id for r in rows if r.room_id}) or [-1])))}
    assets = {a.id: a for a in db.session.scalars(select(Asset).where(
        Asset.id.in_(sorted({r.asset_id for r in rows if r.asset_id}) or [-1])))}
    # Hours waited; SQLite reads the stamp back naive (it is UTC).
    now = utcnow()
    waited = {r.id: int((now - aware(r.created_at)).total_seconds() // 3600)
              for r in rows if r.created_at is not None}
    return render_template("logistics/tickets.html", rows=rows, status=status,
                           filters=FILTERS, status_label=service.status_label, stores=stores,
                           rooms=rooms, assets=assets, waited=waited, page=page,
                           page_size=PAGE_SIZE)


@bp.route("/tickets/new", methods=["GET", "POST"])
@permission_required("maintenance.report")
def ticket_new():
    """报修 (phone-sized): ``?store_id=`` and ``?room_id=`` preselect."""
    stores = _stores()
    errors: dict[str, str] = {}
    store_id = request.values.get("store_id", type=int)
    if store_id is None and len(stores) == 1:
        store_id = stores[0].id
    if store_id not in {s.id for s in stores}:
        store_id = None
    values = {"store_id": store_id, "room_id": request.values.get("room_id", type=int),
              "asset_tag": "", "title": "", "description": "", "room_out_of_service": False}
    if request.method == "POST" and request.form.get("action") != "pick_store":
        values = {name: request.form.get(name, "") for name in (
            "store_id", "room_id", "asset_tag", "title", "description")}
        values["room_out_of_service"] = bool(request.form.get("room_out_of_service"))
        try:
            ticket = service.report(values, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("已报修：%(title)s", title=ticket.title), "success")
            if current_user.can("logistics.view"):
                return redirect(url_for("logistics.ticket_detail", ticket_id=ticket.id))
            return redirect(url_for("store.index", store_id=ticket.store_id))
        values["store_id"] = store_id
        values["room_id"] = request.form.get("room_id", type=int)
    rooms = list(db.session.scalars(select(Room).where(Room.store_id == store_id)
                                    .order_by(Room.number))) if store_id else []
    return render_template("logistics/ticket_form.html", stores=stores, rooms=rooms,
                           values=values, errors=errors), 422 if errors else 200


def _names(ticket: MaintenanceTicket) -> dict:
    ids = [i for i in (ticket.reported_by_account_id, ticket.closed_by_account_id) if i]
    return {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(ids or [-1])))}


@bp.route("/tickets/<int:ticket_id>")
@permission_required("logistics.view")
def ticket_detail(ticket_id: int):
    ticket = get_in_scope_or_404(MaintenanceTicket, ticket_id)
    return _render_detail(ticket, {})


def _render_detail(ticket: MaintenanceTicket, errors: dict, status: int = 200):
    employees = []
    if current_user.can("maintenance.manage") and ticket.status != "closed":
        stmt = select(Employee).where(Employee.status.in_(("active", "probation")))
        if store_scope(current_user) is not None:
            stmt = stmt.where(Employee.store_id == ticket.store_id)
        employees = list(db.session.scalars(stmt.order_by(Employee.employee_no)))
    assigned = db.session.get(Employee, ticket.assigned_employee_id) \
        if ticket.assigned_employee_id else None
    return render_template(
        "logistics/ticket_detail.html", ticket=ticket,
        store=db.session.get(Store, ticket.store_id),
        room=db.session.get(Room, ticket.room_id) if ticket.room_id else None,
        asset=db.session.get(Asset, ticket.asset_id) if ticket.asset_id else None,
        assigned=assigned, employees=employees, accounts=_names(ticket),
        status_label=service.status_label, errors=errors, form=request.form), status


def _act(ticket_id: int, verb, fields: tuple[str, ...], done: str):
    ticket = get_in_scope_or_404(MaintenanceTicket, ticket_id)
    try:
        verb(ticket, {name: request.form.get(name, "") for name in fields}, current_user)
    except InputError as exc:
        db.session.rollback()
        ticket = get_in_scope_or_404(MaintenanceTicket, ticket_id)
        return _render_detail(ticket, exc.fields, 422)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("logistics.ticket_detail", ticket_id=ticket_id))


@bp.route("/tickets/<int:ticket_id>/assign", methods=["POST"])
@permission_required("maintenance.manage")
def ticket_assign(ticket_id: int):
    return _act(ticket_id, service.assign, ("employee_id", "assigned_to"), _("已派单"))


@bp.route("/tickets/<int:ticket_id>/close", methods=["POST"])
@permission_required("maintenance.manage")
def ticket_close(ticket_id: int):
    return _act(ticket_id, service.close, ("resolution", "repair_cost"), _("已完工"))
