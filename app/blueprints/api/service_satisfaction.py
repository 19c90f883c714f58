"""/api/v1/service/satisfaction: the satisfaction index per store and month (formula:
app/blueprints/service/satisfaction.py) and the satisfaction reviews (满意度复盘)."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, parse_month
from app.blueprints.service import satisfaction as service
from app.blueprints.service.models_guests import REVIEW_STATUSES, SatisfactionReview
from app.blueprints.service.scope import visible_stores
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_service_satisfaction", __name__, url_prefix="/service/satisfaction",
                description="Guest satisfaction index (满意度指数) and reviews (满意度复盘)")

FORMULA = ("index = 100 × share of ratings of 4–5 stars − 2 × complaints per 100 paid "
           "orders, floored at 0; null when the month has no rating")
STATUS_HELP = "requested 待门店回复 / answered 已回复"


class SatisfactionMonthArgsSchema(Schema):
    month = fields.String(validate=parse_month, metadata={"example": "2026-11",
                                                          "description": "YYYY-MM"})


class SatisfactionStoreSchema(Schema):
    store_id = fields.Function(lambda t: t.store.id)
    store_name = fields.Function(lambda t: t.store.name)
    index = fields.Function(lambda t: _text(t.current.index), allow_none=True,
                            metadata={"description": FORMULA})
    ratings = fields.Function(lambda t: t.current.ratings)
    good_ratings = fields.Function(lambda t: t.current.good)
    paid_orders = fields.Function(lambda t: t.current.orders)
    complaints = fields.Function(lambda t: t.current.complaints)
    trend = fields.Function(lambda t: [_text(v) for v in t.trend],
                            metadata={"description": "the index of the 6 months to month, "
                                                     "oldest first"})


class SatisfactionSchema(Schema):
    month = fields.String()
    months = fields.List(fields.String())
    formula = fields.String()
    stores = fields.List(fields.Nested(SatisfactionStoreSchema))


class SatisfactionReviewSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    month = fields.Function(lambda r: r.month.strftime("%Y-%m"))
    focus = fields.String()
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES),
                           metadata={"description": STATUS_HELP})
    requested_by_account_id = fields.Integer(allow_none=True)
    requested_at = fields.DateTime()
    analysis = fields.String()
    measures = fields.String()
    answered_by_account_id = fields.Integer(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)


class SatisfactionReviewQueryArgsSchema(Schema):
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES),
                           metadata={"description": STATUS_HELP})


class SatisfactionReviewRequestSchema(Schema):
    store_id = fields.Integer(required=True, strict=True)
    month = fields.String(required=True, validate=parse_month, metadata={"example": "2026-11"})
    focus = fields.String(required=True, validate=validate.Length(max=2000))


class SatisfactionReviewAnswerSchema(Schema):
    analysis = fields.String(required=True, validate=validate.Length(max=2000))
    measures = fields.String(required=True, validate=validate.Length(max=2000))


def _text(value):
    return str(value) if value is not None else None


@blp.route("")
@blp.arguments(SatisfactionMonthArgsSchema, location="query")
@blp.response(200, SatisfactionSchema)
@permission_required("service.view")
def figures(args):
    """Each of your stores' index for ``month`` (default: this month) and its trend."""
    month = (parse_month(args["month"]) if args.get("month")
             else today_for_store().replace(day=1))
    months, trends = service.store_trends(month, visible_stores(store_scope(current_user)))
    return {"month": month.strftime("%Y-%m"), "months": [m.strftime("%Y-%m") for m in months],
            "formula": FORMULA, "stores": trends}


def _reviews(args):
    store_id = args.get("store_id")
    if store_id is not None:
        get_in_scope_or_404(Store, store_id)
    return service.list_reviews(store_scope(current_user), store_id=store_id,
                                status=args.get("status"))


@blp.route("/reviews")
@blp.arguments(SatisfactionReviewQueryArgsSchema, location="query")
@blp.response(200, SatisfactionReviewSchema(many=True))
@permission_required("service.view")
def list_reviews(args):
    """Head office: the reviews asked of your stores, waiting ones first."""
    return _reviews(args)


@blp.route("/reviews", methods=["POST"])
@blp.arguments(SatisfactionReviewRequestSchema)
@blp.response(201, SatisfactionReviewSchema)
@permission_required("satisfaction.request")
def request_review(data):
    """Ask a store to review a month; one review per store and month (422 on ``month``)."""
    get_in_scope_or_404(Store, data["store_id"])
    review = service.request_review(data["store_id"], parse_month(data["month"]),
                                    data["focus"], actor=current_user)
    db.session.commit()
    return review


@blp.route("/store-reviews")
@blp.arguments(SatisfactionReviewQueryArgsSchema, location="query")
@blp.response(200, SatisfactionReviewSchema(many=True))
@permission_required("satisfaction.answer")
def store_reviews(args):
    """The store's side: the reviews asked of your stores, waiting ones first."""
    return _reviews(args)


@blp.route("/reviews/<int:satisfaction_review_id>/answer", methods=["POST"])
@blp.arguments(SatisfactionReviewAnswerSchema)
@blp.response(200, SatisfactionReviewSchema)
@permission_required("satisfaction.answer")
def answer_review(data, satisfaction_review_id: int):
    """The analysis and measures, once; not by whoever asked (422 on ``analysis``)."""
    review = get_in_scope_or_404(SatisfactionReview, satisfaction_review_id)
    service.answer_review(review, data["analysis"], data["measures"], actor=current_user)
    db.session.commit()
    return review
