"""Room verbs (房间, 房态): add, edit, change state, and the room lists (plain functions,
no commit).  The live room board is in room_board.py, one order as the desk sees it in
order_sheet.py (both importable from here too).

Rules chosen where specs/dispatch.md is silent:
* A room with a party in it (an order in service) keeps ``occupied`` until the
  party leaves or moves (转房): no hand-set state may hide guests.
* The cleaner's one action is ``cleaning`` -> ``free`` (打扫完毕).
* 停用 (out of order) only for a room nobody is in; back in service it is
  ``cleaning`` first, so it is checked before the next guest.  Both audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_audit
from app.blueprints.store.models import Order
from app.extensions import db
from app.models.org import ROOM_STATUSES, ROOM_TYPES, Room, Store
from app.validation import InputError

ROOM_FIELDS = ("number", "type", "beds", "status")
MAX_BEDS = 99


class RoomError(InputError):
    """Bad room input; ``fields`` maps each field to its (Chinese) message."""


# Departments that may hold a room's state (logistics: a room under repair stays
# 停用 until its ticket closes) register here; the store never imports them.
# A guard is ``fn(room, new_status) -> reason | None``.
_ROOM_STATUS_GUARDS: list = []
# ``fn(store_id) -> {room_id: [text, …]}``: notes shown on the room board's tiles.
_ROOM_NOTE_READERS: list = []
# ``fn(room)`` after a room went from 待清洁 to free (the service department records
# who cleaned it; the board reads it back through room_board.register_cleaning_reader).
_ROOM_CLEANED_HOOKS: list = []


def register_room_status_guard(fn) -> None:
    if fn not in _ROOM_STATUS_GUARDS:
        _ROOM_STATUS_GUARDS.append(fn)


def register_room_note_reader(fn) -> None:
    if fn not in _ROOM_NOTE_READERS:
        _ROOM_NOTE_READERS.append(fn)


def register_room_cleaned_hook(fn) -> None:
    if fn not in _ROOM_CLEANED_HOOKS:
        _ROOM_CLEANED_HOOKS.append(fn)


def _room_cleaned(room: Room) -> None:
    for hook in _ROOM_CLEANED_HOOKS:
        hook(room)


def _guard_room_status(room: Room, status: str) -> None:
    for guard in _ROOM_STATUS_GUARDS:
        reason = guard(room, status)
        if reason:
            raise RoomError({"status": reason})


def room_notes(store_id: int) -> dict[int, list[str]]:
    """What other departments say about the store's rooms (e.g. 维修中：…), by room id."""
    notes: dict[int, list[str]] = defaultdict(list)
    for reader in _ROOM_NOTE_READERS:
        for room_id, texts in reader(store_id).items():
            notes[room_id].extend(texts)
    return dict(notes)


@dataclass(frozen=True)
class RoomTypeTotal:
    """Rooms of one type in one store, and their beds (logistics' view of a store)."""

    store_id: int
    type: str
    rooms: int
    beds: int


def create_room(store: Store, *, number: str, type: str = "single", beds: int = 1,
                status: str = "free") -> Room:
    """Add a room to ``store``; its number is unique within the store."""
    values = _clean({"number": number, "type": type, "beds": beds, "status": status})
    _check(values, store_id=store.id, room=None)
    room = Room(store_id=store.id, **values)
    db.session.add(room)
    db.session.flush()
    record_audit("room.create", "room", room.id, after=_snapshot(room))
    return room


def update_room(room: Room, **changes) -> Room:
    """Change a room's number, type, beds or state; a room is never deleted, only 停用."""
    unknown = set(changes) - set(ROOM_FIELDS)
    if unknown:
        raise RoomError({name: _("不能修改此字段") for name in sorted(unknown)})
    values = _clean(changes)
    merged = {name: getattr(room, name) for name in ROOM_FIELDS} | values
    _check(merged, store_id=room.store_id, room=room)
    if values.get("status", room.status) != room.status:
        _guard_room_status(room, values["status"])
    before = _snapshot(room)
    for name, value in values.items():
        setattr(room, name, value)
    after = _snapshot(room)
    if after != before:
        db.session.flush()
        changed = [k for k in after if after[k] != before[k]]
        record_audit("room.update", "room", room.id,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return room


def set_room_status(room: Room, status: str) -> Room:
    """Change the room state (房态): free, occupied, cleaning, reserved, out_of_order.

    The front desk does this many times a day, so only taking a room out of
    service (停用) or back into it is audited.
    """
    if status not in ROOM_STATUSES:
        raise RoomError({"status": _("无效的房态")})
    previous = room.status
    if previous == status:
        return room
    _guard_room_status(room, status)
    if status != "occupied" and _party_in(room) is not None:
        raise RoomError({"status": _("%(number)s 号房有客人在消费，请先转房或结束服务",
                                     number=room.number)})
    room.status = status
    db.session.flush()
    if (previous, status) == ("cleaning", "free"):
        _room_cleaned(room)
    if "out_of_order" in (previous, status):
        record_audit("room.status", "room", room.id,
                     before={"status": previous}, after={"status": status})
    return room


def mark_room_clean(room: Room) -> Room:
    """打扫完毕: the cleaner hands a room back, ``cleaning`` -> ``free``."""
    if room.status != "cleaning":
        raise RoomError({"status": _("%(number)s 号房不是待清洁状态", number=room.number)})
    room.status = "free"
    db.session.flush()
    _room_cleaned(room)
    return room


def take_room_out_of_order(room: Room) -> Room:
    """停用 a room nobody is in (broken bed, leak...): dispatch will not use it."""
    if room.status == "out_of_order":
        raise RoomError({"status": _("%(number)s 号房已停用", number=room.number)})
    if room.status == "occupied" or _party_in(room) is not None:
        raise RoomError({"status": _("%(number)s 号房有客人，不能停用", number=room.number)})
    return set_room_status(room, "out_of_order")


def return_room_to_service(room: Room) -> Room:
    """恢复使用: the room comes back as ``cleaning`` (checked before the next guest)."""
    if room.status != "out_of_order":
        raise RoomError({"status": _("%(number)s 号房没有停用", number=room.number)})
    return set_room_status(room, "cleaning")


def _party_in(room: Room) -> int | None:
    """The id of the order being served in ``room``, if any."""
    return db.session.scalar(
        select(Order.id).where(Order.room_id == room.id, Order.status == "in_service").limit(1))


# -- Room lists --------------------------------------------------------------------


def rooms_out_of_order(store_ids: set[int] | None = None) -> list[Room]:
    """Rooms now out of service (停用), of every store or those in ``store_ids``."""
    stmt = select(Room).where(Room.status == "out_of_order").order_by(Room.store_id, Room.number)
    if store_ids is not None:
        stmt = stmt.where(Room.store_id.in_(store_ids))
    return list(db.session.scalars(stmt))


def room_totals_by_type(store_ids: set[int] | None = None) -> dict[int, list[RoomTypeTotal]]:
    """store id -> rooms and beds per room type, in one grouped query."""
    stmt = (
        select(Room.store_id, Room.type, func.count(Room.id), func.coalesce(func.sum(Room.beds), 0))
        .group_by(Room.store_id, Room.type)
        .order_by(Room.store_id, Room.type)
    )
    if store_ids is not None:
        stmt = stmt.where(Room.store_id.in_(store_ids))
    totals: dict[int, list[RoomTypeTotal]] = defaultdict(list)
    for store_id, room_type, rooms, beds in db.session.execute(stmt):
        totals[store_id].append(RoomTypeTotal(store_id, room_type, int(rooms), int(beds)))
    return dict(totals)


def _clean(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _check(values: dict, store_id: int, room: Room | None) -> None:
    errors: dict[str, str] = {}
    number = values.get("number")
    if not number:
        errors["number"] = _("必填")
    elif len(number) > 16:
        errors["number"] = _("不能超过 %(n)d 个字符", n=16)
    if values.get("type") not in ROOM_TYPES:
        errors["type"] = _("无效的房型")
    beds = values.get("beds")
    if isinstance(beds, bool) or not isinstance(beds, int) or not 1 <= beds <= MAX_BEDS:
        errors["beds"] = _("床位数应在 1 到 %(n)d 之间", n=MAX_BEDS)
    if values.get("status") not in ROOM_STATUSES:
        errors["status"] = _("无效的房态")
    if "number" not in errors and _number_taken(store_id, number, room):
        errors["number"] = _("本店已有 %(number)s 号房", number=number)
    if errors:
        raise RoomError(errors)


def _number_taken(store_id: int, number: str, room: Room | None) -> bool:
    stmt = select(Room.id).where(Room.store_id == store_id, Room.number == number)
    if room is not None and room.id is not None:
        stmt = stmt.where(Room.id != room.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _snapshot(room: Room) -> dict:
    return {"store_id": room.store_id, "number": room.number, "type": room.type,
            "beds": room.beds, "status": room.status}


def free_rooms(store_id: int) -> list[Room]:
    """Rooms a party can go into now (入房, 转房)."""
    return list(db.session.scalars(
        select(Room).where(Room.store_id == store_id, Room.status == "free")
        .order_by(Room.number, Room.id)))


# Importable from here as before the module was split (views, API, tests).
from app.blueprints.store.order_sheet import OrderSheet, SheetLine, order_sheet  # noqa: E402,F401
from app.blueprints.store.room_board import (  # noqa: E402,F401
    BoardJob,
    BoardLine,
    BoardOrder,
    BoardRoom,
    RoomBoard,
    board_job,
    room_board,
    rooms_of_store,
)
