"""门店前台: the room board (房态) and the room pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.gm.services import list_stores
from app.blueprints.store import bp, services
from app.blueprints.store.forms import RoomForm, RoomStatusForm
from app.extensions import db
from app.labels import status_label
from app.models.org import ROOM_STATUSES, Room, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _room_or_404(store_id: int, room_id: int) -> tuple[Store, Room]:
    store = _store_or_404(store_id)
    room = get_in_scope_or_404(Room, room_id)
    if room.store_id != store.id:
        abort(404)
    return store, room


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
    rooms = services.rooms_of_store(selected.id) if selected else []
    counts = {status: sum(1 for room in rooms if room.status == status) for status in ROOM_STATUSES}
    return render_template("store/index.html", stores=stores, store=selected, rooms=rooms,
                           counts=counts, statuses=ROOM_STATUSES)


@bp.route("/<int:store_id>/rooms/<int:room_id>")
@permission_required("store.view")
def room_detail(store_id: int, room_id: int):
    store, room = _room_or_404(store_id, room_id)
    return render_template("store/room_detail.html", store=store, room=room,
                           statuses=ROOM_STATUSES)


@bp.route("/<int:store_id>/rooms/<int:room_id>/status", methods=["POST"])
@permission_required("room.status")
def room_status(store_id: int, room_id: int):
    """Change one room's state from the board (房态)."""
    store, room = _room_or_404(store_id, room_id)
    form = RoomStatusForm()
    if not form.validate_on_submit():
        flash(_("无效的房态"), "danger")
    else:
        try:
            services.set_room_status(room, form.status.data)
        except services.RoomError as exc:
            flash(exc.fields.get("status", str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("%(number)s 号房：%(status)s", number=room.number,
                    status=status_label(room.status)), "success")
    return redirect(url_for("store.index", store_id=store.id))


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

