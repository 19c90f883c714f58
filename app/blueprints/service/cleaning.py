"""Who cleaned a room (打扫记录): written when the store hands a room back from 待清洁
to free (store/services.py's room-cleaned hook), read back by the room board."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import func, select

from app.blueprints.service.models_inspections import RoomCleaning
from app.blueprints.store.room_board import RoomCleaned
from app.extensions import db
from app.models.base import utcnow


def _acting_account():
    if has_request_context() and current_user and current_user.is_authenticated \
            and not getattr(current_user, "is_platform_admin", False):
        return current_user
    return None


def record_cleaning(room, account=None) -> RoomCleaning:
    """The hook: the person logged in (the cleaner at the desk or on the API) cleaned it."""
    account = account if account is not None else _acting_account()
    entry = RoomCleaning(
        store_id=room.store_id, room_id=room.id, cleaned_at=utcnow(),
        account_id=getattr(account, "id", None),
        cleaned_by_name=(getattr(account, "display_name", "") or
                         getattr(account, "username", "") or "") if account else "")
    db.session.add(entry)
    db.session.flush()
    return entry


def last_cleanings(store_id: int) -> dict[int, RoomCleaned]:
    """room id -> the latest cleaning of each room of the store, in one query."""
    latest = (select(RoomCleaning.room_id, func.max(RoomCleaning.id).label("last_id"))
              .where(RoomCleaning.store_id == store_id)
              .group_by(RoomCleaning.room_id).subquery())
    rows = db.session.execute(
        select(RoomCleaning.room_id, RoomCleaning.cleaned_by_name, RoomCleaning.cleaned_at)
        .join(latest, latest.c.last_id == RoomCleaning.id))
    return {room_id: RoomCleaned(name, at) for room_id, name, at in rows}
