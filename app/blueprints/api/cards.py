"""会员卡 over the API: issue (stored value with top-up and bonus, or package), top up,
read a card with its ledger, list a customer's cards.  Cards belong to the tenant."""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.store import cards
from app.blueprints.store.models import MemberCard
from app.blueprints.store.models.cards import CARD_KINDS, CARD_STATUSES, LEDGER_KINDS
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.extensions import db
from app.permissions import can_see_store, get_in_scope_or_404, permission_required
from app.validation import InputError

blp = Blueprint("api_cards", __name__, url_prefix="/cards",
                description="Member cards (会员卡): stored value and package cards")


class LedgerEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(LEDGER_KINDS),
                         metadata={"description": "topup, bonus, spend, refund, adjustment"})
    store_id = fields.Integer()
    amount = Money()
    count_delta = fields.Integer()
    balance_after = Money()
    count_after = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    payment_method = fields.String(validate=validate.OneOf(PAYMENT_METHODS), allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()


class CardSchema(Schema):
    id = fields.Integer()
    card_no = fields.String()
    customer_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(CARD_KINDS))
    issued_store_id = fields.Integer()
    service_item_id = fields.Integer(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(CARD_STATUSES))
    balance = Money(metadata={"description": "package cards: prepaid money not yet used"})
    remaining_count = fields.Integer()
    created_at = fields.DateTime()


class CardDetailSchema(CardSchema):
    ledger = fields.List(fields.Nested(LedgerEntrySchema), metadata={"description": "newest first"})


class CardCreateSchema(Schema):
    customer_id = fields.Integer(required=True)
    store_id = fields.Integer(required=True,
                              metadata={"description": "the store receiving the money"})
    kind = fields.String(required=True, validate=validate.OneOf(CARD_KINDS))
    amount = fields.Raw(required=True, metadata={"description": "money received"})
    bonus = fields.Raw(load_default=0, metadata={"description": "stored value: 赠送"})
    payment_method = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(cards.MONEY_METHODS))
    card_no = fields.String(load_default="")
    service_item_id = fields.Integer(load_default=None, allow_none=True)
    count = fields.Integer(load_default=None, allow_none=True)
    expires_on = fields.Date(load_default=None, allow_none=True)


class TopUpSchema(Schema):
    store_id = fields.Integer(required=True)
    amount = fields.Raw(required=True)
    bonus = fields.Raw(load_default=0)
    payment_method = fields.String(required=True, validate=validate.OneOf(cards.MONEY_METHODS))


class CardQueryArgsSchema(PageArgsSchema):
    customer_id = fields.Integer()
    q = fields.String(metadata={"description": "card number"})


CardPageSchema = page_schema(CardSchema, "CardPage")


def _check_store(store_id: int) -> None:
    """A store outside the caller's scope is "not found" — as a field error, not a 404."""
    if not can_see_store(current_user, store_id):
        raise InputError.on("store_id", "门店不存在")


def _detail(card: MemberCard) -> dict:
    return {**{c: getattr(card, c) for c in CardSchema._declared_fields},
            "ledger": cards.ledger_of(card.id)}


@blp.route("", methods=["GET"])
@blp.arguments(CardQueryArgsSchema, location="query")
@blp.response(200, CardPageSchema)
@permission_required("card.sell")
def list_cards(args):
    """Cards of the company, newest first; ``?customer_id=`` for one guest's cards."""
    query = select(MemberCard).order_by(MemberCard.id.desc())
    if args.get("customer_id") is not None:
        query = query.where(MemberCard.customer_id == args["customer_id"])
    if args.get("q"):
        query = query.where(MemberCard.card_no == args["q"].strip())
    return paginate(query, args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(CardCreateSchema)
@blp.response(201, CardDetailSchema)
@permission_required("card.sell")
def create_card(data):
    """办卡: e.g. ``{"kind": "stored_value", "amount": "1000", "bonus": "200", ...}``."""
    _check_store(data["store_id"])
    card = cards.issue_card(actor=current_user, **data)
    db.session.commit()
    return _detail(card)


@blp.route("/<int:card_id>", methods=["GET"])
@blp.response(200, CardDetailSchema)
@permission_required("card.sell")
def get_card(card_id: int):
    return _detail(get_in_scope_or_404(MemberCard, card_id))


@blp.route("/<int:card_id>/top-up", methods=["POST"])
@blp.arguments(TopUpSchema)
@blp.response(200, CardDetailSchema)
@permission_required("card.sell")
def top_up(data, card_id: int):
    """充值 a stored-value card at ``store_id`` (the money counts in that store's takings)."""
    card = get_in_scope_or_404(MemberCard, card_id)
    _check_store(data["store_id"])
    card = cards.top_up(card.id, actor=current_user, **data)
    db.session.commit()
    return _detail(card)
