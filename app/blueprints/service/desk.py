"""The store a desk page (?store_id=) is about, and the stores a person sees."""

from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from app import inputs
from app.extensions import db
from app.models import Store
from app.permissions import store_scope


def visible_stores() -> list[Store]:
    scope = store_scope(current_user)
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt))


def chosen_store(stores: list[Store]) -> Store | None:
    """``?store_id=`` (404 outside the person's stores), else their only/first store."""
    store_id = request.args.get("store_id", type=int)
    if store_id is None and request.args.get("store_id"):
        abort(404)
    if store_id is not None:
        found = next((s for s in stores if s.id == store_id), None)
        if found is None:
            abort(404)
        return found
    return stores[0] if stores else None


def parse_month(text: str | None, default: date) -> date:
    return inputs.parse_month(text) or default.replace(day=1)


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
