"""门店前台: the live room board (房态) and the room pages.

Who sees what: everyone with ``store.view`` sees the rooms; the party in each
room (order, guests, therapists) shows to desk staff who may read guest
history (``customer.view``) — a cleaner sees only the room states and their
one action, 打扫完毕.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.blueprints.store import bp, services
from app.blueprints.store.forms import RoomForm, RoomStatusForm
from app.blueprints.store.models import BusinessDay, Order
from app.blueprints.store.orders import format_order_number
from app.extensions import db
from app.labels import status_label
from app.models.org import ROOM_STATUSES, Room, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.stores import list_stores
from app.validation import show_on_form


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _room_or_404(store_id: int, room_id: int) -> tuple[Store, Room]:
    store = _store_or_404(store_id)
    room = get_in_scope_or_404(Room, room_id)
    if room.store_id != store.id:
        abort(404)
    return store, room


def has_endpoint(name: str) -> bool:
    """Whether another desk engineer's endpoint exists yet (buttons render only then)."""
    return name in current_app.view_functions


def endpoint_url(name: str, **values) -> str | None:
    """``url_for`` for an endpoint that may not exist (yet) or take other arguments."""
    if name not in current_app.view_functions:
        return None
    try:
        return url_for(name, **values)
    except BuildError:
        return None


def back_to(default: str) -> str:
    """The page a board action came from (``next``), if it is a path of this site."""
    target = request.form.get("next") or request.args.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def desk_context(store: Store | None) -> dict:
    """What the board and order templates need besides their data."""
    return {"has_endpoint": has_endpoint, "endpoint_url": endpoint_url,
            "show_orders": current_user.can("customer.view"), "store": store}


@bp.route("/")
@permission_required("store.view")
def index():
    """房态 board of one store; a picker when the user sees more than one."""
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    selected = None
    store_id = request.args.get("store_id", type=int)
    if store_id is not None:
        selected = _store_or_404(store_id)
    elif stores:
        selected = stores[0]
    board = services.room_board(selected) if selected else None
    return render_template("store/index.html", stores=stores, board=board,
                           statuses=ROOM_STATUSES, **desk_context(selected))


@bp.route("/<int:store_id>/rooms/live")
@permission_required("store.view")
def room_board(store_id: int):
    """The live part of the board, polled by htmx every 5 s."""
    store = _store_or_404(store_id)
    board = services.room_board(store)
    return render_template("store/_room_board.html", board=board, statuses=ROOM_STATUSES,
                           **desk_context(store))


@bp.route("/<int:store_id>/rooms/<int:room_id>")
@permission_required("store.view")
def room_detail(store_id: int, room_id: int):
    store, room = _room_or_404(store_id, room_id)
    party = None
    if current_user.can("customer.view"):
        party = db.session.execute(
            select(Order, BusinessDay.business_date)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(Order.room_id == room.id, Order.status == "in_service").limit(1)).first()
    order, number = (party[0], format_order_number(party[1], party[0].seq)) if party else (None,
                                                                                          None)
    return render_template("store/room_detail.html", store=store, room=room, order=order,
                           order_no=number, statuses=ROOM_STATUSES)


def _room_action(store_id: int, room_id: int, verb, done_message):
    _store, room = _room_or_404(store_id, room_id)
    number = room.number
    try:
        verb(room)
    except services.RoomError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done_message(number), "success")
    return redirect(back_to(url_for("store.index", store_id=store_id)))


@bp.route("/<int:store_id>/rooms/<int:room_id>/clean", methods=["POST"])
@permission_required("room.status")
def room_clean(store_id: int, room_id: int):
    """打扫完毕: the cleaner hands the room back (cleaning -> free)."""
    return _room_action(store_id, room_id, services.mark_room_clean,
                        lambda n: _("%(number)s 号房已打扫，可以接客", number=n))


@bp.route("/<int:store_id>/rooms/<int:room_id>/out-of-order", methods=["POST"])
@permission_required("room.status")
def room_out_of_order(store_id: int, room_id: int):
    """停用 a room nobody is in."""
    return _room_action(store_id, room_id, services.take_room_out_of_order,
                        lambda n: _("%(number)s 号房已停用", number=n))


@bp.route("/<int:store_id>/rooms/<int:room_id>/back-in-service", methods=["POST"])
@permission_required("room.status")
def room_back_in_service(store_id: int, room_id: int):
    """恢复使用: back as 待清洁, so it is checked before the next guest."""
    return _room_action(store_id, room_id, services.return_room_to_service,
                        lambda n: _("%(number)s 号房已恢复，待清洁后接客", number=n))


@bp.route("/<int:store_id>/rooms/<int:room_id>/status", methods=["POST"])
@permission_required("room.status")
def room_status(store_id: int, room_id: int):
    """Change one room's state by hand (the room page's selector)."""
    store, room = _room_or_404(store_id, room_id)
    form = RoomStatusForm()
    if not form.validate_on_submit():
        flash(_("无效的房态"), "danger")
    else:
        try:
            services.set_room_status(room, form.status.data)
        except services.RoomError as exc:
            db.session.rollback()
            flash(exc.fields.get("status", str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("%(number)s 号房：%(status)s", number=room.number,
                    status=status_label(room.status)), "success")
    return redirect(back_to(url_for("store.index", store_id=store.id)))


@bp.route("/<int:store_id>/rooms/new", methods=["GET", "POST"])
@permission_required("org.manage")
def room_new(store_id: int):
    store = _store_or_404(store_id)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.create_room(store, **form.values())
        except services.RoomError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("%(number)s 号房已创建", number=room.number), "success")
            return redirect(url_for("store.index", store_id=store.id))
    return render_template("store/room_form.html", form=form, store=store, room=None)


@bp.route("/<int:store_id>/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@permission_required("org.manage")
def room_edit(store_id: int, room_id: int):
    store, room = _room_or_404(store_id, room_id)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            services.update_room(room, **form.values())
        except services.RoomError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("房间资料已保存"), "success")
            return redirect(url_for("store.index", store_id=store.id))
    return render_template("store/room_form.html", form=form, store=store, room=room)
