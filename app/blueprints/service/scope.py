"""The stores a reader of the service department's pages and API may pick."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Store


def visible_stores(scope: set[int] | None) -> list[Store]:
    """The reader's stores by code (``store_scope``: None = every store); one statement."""
    query = select(Store).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(db.session.scalars(query))
