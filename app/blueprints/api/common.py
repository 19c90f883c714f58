"""Conventions shared by every API resource: pagination, money, errors, permissions.

* Money is a decimal string (``fields.Decimal(as_string=True, places=2)``), and
  the OpenAPI document says so (:func:`document_decimals_as_strings`).
* Dates and times are ISO 8601 (marshmallow's default).
* Lists are paginated with ``?page=&page_size=`` and return
  ``{"items": [...], "page", "page_size", "total"}``.
* Errors are ``{"error": {"code", "message", "fields"}}`` (app/errors.py).
* Each view names its permission with ``@permission_required`` below the
  smorest decorators, exactly as the HTML views do.
* Every resource module uses this module's :class:`Blueprint`: its arguments
  parser bounds every integer, money and date field to what the database holds
  (``app/inputs.py``), so a field never reaches PostgreSQL out of range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import flask_smorest
from flask import current_app, request
from flask_limiter.util import get_remote_address
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from webargs.flaskparser import FlaskParser

from app.extensions import db, limiter
from app.inputs import DATE_MAX, DATE_MIN, INT_MAX, INT_MIN, MONEY_MAX, in_date_range
from app.models.account import ApiToken
from app.security import hash_token
from app.tenancy import cross_tenant_access

_INTEGER_RANGE = validate.Range(min=INT_MIN, max=INT_MAX)
_MONEY_RANGE = validate.Range(min=-MONEY_MAX, max=MONEY_MAX)


def _date_in_range(value: date | datetime) -> None:
    if not in_date_range(value):
        raise ValidationError(f"Must be between {DATE_MIN} and {DATE_MAX}.")


def parse_month(value: str) -> date:
    """A ``YYYY-MM`` query argument -> its first day; ValidationError (a 422 naming the
    field when called from the field's validator) otherwise."""
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationError("格式为 YYYY-MM") from None
    if not in_date_range(first):
        raise ValidationError("月份超出范围")
    return first


def bound_fields(schema: Schema) -> Schema:
    """Add the database's bounds to every integer, money and date field of ``schema``
    (nested ones too); idempotent.  Schemas keep declaring only their own rules."""
    seen: set[int] = set()
    pending = [schema]
    while pending:
        current = pending.pop()
        if id(current) in seen or getattr(current, "_muzu_bounded", False):
            continue
        seen.add(id(current))
        for field in current.fields.values():
            pending.extend(_bound_field(field))
        current._muzu_bounded = True
    return schema


def _bound_field(field: fields.Field) -> list[Schema]:
    """Bound one field; return the schemas inside it still to visit."""
    if isinstance(field, fields.Nested):
        return [field.schema]
    if isinstance(field, fields.List):
        return _bound_field(field.inner)
    if isinstance(field, fields.Tuple):
        return [schema for inner in field.tuple_fields for schema in _bound_field(inner)]
    if isinstance(field, fields.Dict) and field.value_field is not None:
        return _bound_field(field.value_field)
    validator = None
    if isinstance(field, fields.Integer):
        validator = _INTEGER_RANGE
    elif isinstance(field, fields.Decimal | fields.Float):
        validator = _MONEY_RANGE
    elif isinstance(field, fields.Date | fields.DateTime):
        validator = _date_in_range
    if validator is not None and validator not in field.validators:
        field.validators.append(validator)
    return []


class BoundedParser(FlaskParser):
    """webargs' Flask parser, with :func:`bound_fields` on each schema it loads."""

    def _get_schema(self, argmap, req):
        return bound_fields(super()._get_schema(argmap, req))


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprint: arguments go through :class:`BoundedParser`."""

    ARGUMENTS_PARSER = BoundedParser()


def Money(**kwargs) -> fields.Decimal:  # noqa: N802 - reads like a field class
    return fields.Decimal(as_string=True, places=2, **kwargs)


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class UtcDateTime(fields.DateTime):
    """A time kept in a column without its zone (UTC, as ``utcnow()`` writes it),
    sent with ``+00:00`` as the document's ``date-time`` promises."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


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


# -- the brake on writes ---------------------------------------------------------------

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def api_writer_key() -> str:
    """Whose writes count together: the account behind the bearer token (all its
    tokens share one count), else the caller's address."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if token:
        # Runs before the user is loaded (the limiter's check comes first): one
        # indexed lookup of the token's account; a bad token is counted by address.
        with cross_tenant_access("API write limit: the token's account", hot=True):
            row = db.session.execute(
                select(ApiToken.tenant_id, ApiToken.account_id)
                .where(ApiToken.token_hash == hash_token(token))).first()
        if row is not None:
            return f"account:{row.tenant_id}:{row.account_id}"
    return f"address:{get_remote_address()}"


def document_decimals_as_strings(api) -> None:
    """Money (and hours, days) travel as decimal strings: say so in the OpenAPI
    document, where apispec would call a Decimal field a number."""

    def decimal_as_string(converter, field, ret, **_kwargs) -> dict:
        if isinstance(field, fields.Decimal) and field.as_string:
            # A string has no minimum or maximum in JSON Schema; the bounds that
            # bound_fields() adds after a first request would come out as strings.
            ret.pop("minimum", None)
            ret.pop("maximum", None)
            return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}
        return {}

    api.ma_plugin.converter.add_attribute_function(decimal_as_string)


def _write_limit_value() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]


# One object for the process: the limiter keeps a blueprint's limits in a set, so
# building another app (tests, the worker) adds nothing, where a new limit per
# app would count each write once per app built.
_WRITE_LIMIT = limiter.shared_limit(_write_limit_value, scope="api-write",
                                    key_func=api_writer_key, methods=WRITE_METHODS)


def limit_api_writes(blueprints) -> None:
    """One shared ``API_WRITE_RATE_LIMIT`` over every API blueprint's writes."""
    for blueprint in blueprints:
        _WRITE_LIMIT(blueprint)
