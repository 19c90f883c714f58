"""Conventions shared by every API resource: pagination, money, errors, permissions.

* Money is a decimal string (``fields.Decimal(as_string=True, places=2)``).
* Dates and times are ISO 8601 (marshmallow's default).
* Lists are paginated with ``?page=&page_size=`` and return
  ``{"items": [...], "page", "page_size", "total"}``.
* Errors are ``{"error": {"code", "message", "fields"}}`` (app/errors.py).
* Each view names its permission with ``@permission_required`` below the
  smorest decorators, exactly as the HTML views do.
"""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from app.extensions import db


def Money(**kwargs) -> fields.Decimal:  # noqa: N802 - reads like a field class
    return fields.Decimal(as_string=True, places=2, **kwargs)


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """``{"items": [item...], "page", "page_size", "total"}`` for ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


def paginate(query, page: int, page_size: int) -> dict:
    """Run ``query`` (a tenant-scoped ``select``) for one page, with the total count."""
    page_size = min(page_size, current_app.config.get("API_PAGE_SIZE_MAX", 200))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total}
