"""/api/v1/stores/<id>/rooms and /api/v1/rooms/<id>: rooms and their state (房态)."""

from sqlalchemy import select

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate
from app.blueprints.store import services
from app.blueprints.store.schemas import RoomPatchSchema, RoomSchema, RoomStatusSchema
from app.extensions import db
from app.models.org import Room, Store
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_rooms", __name__, description="Rooms (房间, 房态)")

RoomPageSchema = page_schema(RoomSchema, "RoomPage")


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _room_or_404(room_id: int) -> Room:
    return get_in_scope_or_404(Room, room_id)



@blp.route("/stores/<int:store_id>/rooms", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RoomPageSchema)
@permission_required("org.view")
def list_rooms(args, store_id: int):
    """The rooms of one store, by number."""
    store = _store_or_404(store_id)
    query = select(Room).where(Room.store_id == store.id).order_by(Room.number, Room.id)
    return paginate(query, args["page"], args["page_size"])


@blp.route("/stores/<int:store_id>/rooms", methods=["POST"])
@blp.arguments(RoomSchema)
@blp.response(201, RoomSchema)
@permission_required("org.manage")
def create_room(data, store_id: int):
    """Add a room; its number must be unused in the store."""
    store = _store_or_404(store_id)
    room = services.create_room(store, **data)
    db.session.commit()
    return room


@blp.route("/rooms/<int:room_id>", methods=["GET"])
@blp.response(200, RoomSchema)
@permission_required("org.view")
def get_room(room_id: int):
    return _room_or_404(room_id)


@blp.route("/rooms/<int:room_id>", methods=["PATCH"])
@blp.arguments(RoomPatchSchema)
@blp.response(200, RoomSchema)
@permission_required("org.manage")
def update_room(data, room_id: int):
    """Change number, type, beds or state; take a room out with ``{"status": "out_of_order"}``."""
    room = _room_or_404(room_id)
    services.update_room(room, **data)
    db.session.commit()
    return room


@blp.route("/rooms/<int:room_id>/status", methods=["PUT"])
@blp.arguments(RoomStatusSchema)
@blp.response(200, RoomSchema)
@permission_required("room.status")
def set_room_status(data, room_id: int):
    """Change the room state (房态) only: what the front desk and cleaners do all day."""
    room = _room_or_404(room_id)
    services.set_room_status(room, data["status"])
    db.session.commit()
    return room
