"""/api/v1/closings: daily closing (日结) — preview, lock, re-open, and finance's list."""

from datetime import date, timedelta

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema
from app.blueprints.store import closing as service
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BusinessDay
from app.extensions import db
from app.models.org import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_closings", __name__, url_prefix="/closings",
                description="Daily closing (日结)")


class ClosingListArgsSchema(PageArgsSchema):
    store_id = fields.Integer(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)


class ClosingRowSchema(Schema):
    business_day_id = fields.Integer()
    store_id = fields.Integer()
    store_code = fields.String()
    business_date = fields.Date()
    locked = fields.Boolean()
    locked_at = fields.DateTime(allow_none=True)
    revenue = Money(allow_none=True)
    order_count = fields.Integer(allow_none=True)
    money_received_total = Money(allow_none=True)
    refund_total = Money(allow_none=True)
    voucher_total = Money(allow_none=True, metadata={
        "description": "团购 (voucher) payments of the day, net; in money_received_total"})
    mismatch_count = fields.Integer(allow_none=True)


ClosingPageSchema = page_schema(ClosingRowSchema, "ClosingPage")


class PreviewArgsSchema(Schema):
    store_id = fields.Integer(required=True)
    date = fields.Date(load_default=None)


class LockSchema(Schema):
    store_id = fields.Integer(required=True)
    business_date = fields.Date(required=True)


class ReopenSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class ClosingSchema(Schema):
    """The closing figures as the snapshot keeps them (money as decimal strings)."""

    locked = fields.Boolean()
    summary = fields.Dict()


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _closing(day: BusinessDay | None, store: Store, business_date: date) -> dict:
    if day is None:
        return {"locked": False, "summary": None}
    return {"locked": day.locked_at is not None, "summary": service.closing_of(day)}


@blp.route("", methods=["GET"])
@blp.arguments(ClosingListArgsSchema, location="query")
@blp.response(200, ClosingPageSchema)
@permission_required("finance.view")
def list_closings(args):
    """Business days of the stores in scope (default the last 7 days), newest first."""
    date_to = args["date_to"] or today_for_store()
    date_from = args["date_from"] or date_to - timedelta(days=6)
    if args["store_id"] is not None:
        _store_or_404(args["store_id"])
    rows = service.list_closings(store_scope(current_user), date_from, date_to,
                                 store_id=args["store_id"])
    page, size = args["page"], args["page_size"]
    items = []
    for row in rows[(page - 1) * size: page * size]:
        summary = row.summary if row.locked else {}
        items.append({
            "business_day_id": row.day.id, "store_id": row.store.id,
            "store_code": row.store.code, "business_date": row.day.business_date,
            "locked": row.locked, "locked_at": row.day.locked_at,
            **{key: summary.get(key) for key in ("revenue", "order_count",
                                                  "money_received_total", "refund_total",
                                                  "mismatch_count")},
            "voucher_total": row.voucher_net if row.locked else None})
    return {"items": items, "page": page, "page_size": size, "total": len(rows)}


@blp.route("/preview", methods=["GET"])
@blp.arguments(PreviewArgsSchema, location="query")
@blp.response(200, ClosingSchema)
@permission_required("closing.run")
def preview(args):
    """The figures of a store's day (``date`` default today): live, or the locked snapshot."""
    store = _store_or_404(args["store_id"])
    business_date = args["date"] or today_for_store()
    day = get_business_day(store.id, business_date, create=False)
    return _closing(day, store, business_date)


@blp.route("", methods=["POST"])
@blp.arguments(LockSchema)
@blp.response(201, ClosingSchema)
@permission_required("closing.run")
def lock(data):
    """日结: lock the day; 422 names ``orders`` while an order is still open."""
    store = _store_or_404(data["store_id"])
    day = service.lock_day(store.id, data["business_date"], actor=current_user)
    db.session.commit()
    return _closing(day, store, day.business_date)


@blp.route("/<int:business_day_id>", methods=["GET"])
@blp.response(200, ClosingSchema)
@permission_required("finance.view")
def get_closing(business_day_id: int):
    day = get_in_scope_or_404(BusinessDay, business_day_id)
    return _closing(day, db.session.get(Store, day.store_id), day.business_date)


@blp.route("/<int:business_day_id>/reopen", methods=["POST"])
@blp.arguments(ReopenSchema)
@blp.response(200, ClosingSchema)
@permission_required("closing.reopen")
def reopen(data, business_day_id: int):
    """反结 (store manager): re-open a locked day, with a reason; audited."""
    day = get_in_scope_or_404(BusinessDay, business_day_id)
    service.reopen_day(day, data["reason"], actor=current_user)
    db.session.commit()
    return _closing(day, db.session.get(Store, day.store_id), day.business_date)
