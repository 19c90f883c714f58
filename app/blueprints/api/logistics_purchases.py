"""采购申请 over the API: list, request, read, approve, reject, withdraw, receive.

Over app/blueprints/logistics/purchasing.py (the rules are there).  ``purchase.request``
requests for your stores and withdraws your own pending request; the steps are decided
through the one approval flow (后勤 ``purchase.approve``; above the tenant's
``purchase_finance`` threshold 财务 ``expense.review``; above ``purchase_gm`` 总经理
``expense.approve``); nobody decides their own.  Receiving posts the stock lines into
the store's stock at the actual unit cost, once.  Refusals are 422 naming the field
(``lines.0.quantity`` …).
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.logistics import purchasing as service
from app.blueprints.logistics.models import PURCHASE_STATUSES, PurchaseRequest
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_logistics_purchases", __name__, url_prefix="/purchases",
                description="Purchase requests (采购申请), approved and received into stock")

STATUS_HELP = ("pending 待后勤审批 / pending_finance 待财务审核 / pending_gm 待总经理审批 / "
               "approved 待收货 / received 已收货 / rejected 已驳回 / cancelled 已撤回")
DECIMAL_TEXT = {"type": "string", "example": "12.50"}


class PurchaseLineSchema(Schema):
    id = fields.Integer()
    stock_item_id = fields.Integer(allow_none=True, metadata={
        "description": "the stock item received into stock; null: a described line"})
    name = fields.String()
    quantity = fields.Decimal(as_string=True)
    estimated_unit_cost = Money()
    received_quantity = fields.Decimal(as_string=True, allow_none=True)
    actual_unit_cost = Money(allow_none=True)


class PurchaseSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(PURCHASE_STATUSES),
                           metadata={"description": STATUS_HELP})
    status_label = fields.Function(lambda row: service.status_label(row.status))
    supplier = fields.String()
    reason = fields.String()
    estimated_total = Money()
    actual_total = Money(allow_none=True)
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    received_on = fields.Date(allow_none=True)
    received_by_account_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    lines = fields.Function(lambda row: PurchaseLineSchema(many=True).dump(
        service.lines_of(row)))


class PurchaseLineInSchema(Schema):
    # Checked by the rules, so that every refusal names ``lines.<n>.<field>``.
    stock_item_id = fields.Raw(load_default=None, metadata={
        "type": "integer", "description": "a stock item of the company; omit for a "
                                          "described line"})
    name = fields.String(load_default="", validate=validate.Length(max=64), metadata={
        "description": "what is bought, when no stock item"})
    quantity = fields.Raw(required=True, metadata=DECIMAL_TEXT)
    estimated_unit_cost = fields.Raw(required=True, metadata=DECIMAL_TEXT)


class PurchaseCreateSchema(Schema):
    store_id = fields.Raw(required=True, metadata={"type": "integer"})
    supplier = fields.String(load_default="", validate=validate.Length(max=64))
    reason = fields.String(required=True, validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(PurchaseLineInSchema), required=True)


class PurchaseQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(PURCHASE_STATUSES),
                           metadata={"description": STATUS_HELP})
    store_id = fields.Integer()


class PurchaseNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "description": "required to reject"})


class PurchaseReceiveLineSchema(Schema):
    line_id = fields.Integer(required=True)
    received_quantity = fields.Raw(required=True, metadata=DECIMAL_TEXT)
    actual_unit_cost = fields.Raw(required=True, metadata=DECIMAL_TEXT)


class PurchaseReceiveSchema(Schema):
    lines = fields.List(fields.Nested(PurchaseReceiveLineSchema), required=True, metadata={
        "description": "every line of the request: the quantity that came (0: none) and "
                       "the actual unit cost"})


PurchasePageSchema = page_schema(PurchaseSchema, "PurchasePage")


@blp.route("")
@blp.arguments(PurchaseQueryArgsSchema, location="query")
@blp.response(200, PurchasePageSchema)
@permission_required("logistics.view")
def list_purchases(args):
    """Requests of your stores (head office: all), newest first."""
    return paginate(service.purchase_query(store_scope(current_user), args.get("status"),
                                           args.get("store_id")),
                    args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(PurchaseCreateSchema)
@blp.response(201, PurchaseSchema)
@permission_required("purchase.request")
def create_purchase(data):
    """Request (status ``pending``, waiting for logistics)."""
    row = service.create_request(data, current_user)
    db.session.commit()
    return row


@blp.route("/<int:purchase_id>")
@blp.response(200, PurchaseSchema)
@permission_required("logistics.view")
def get_purchase(purchase_id: int):
    return get_in_scope_or_404(PurchaseRequest, purchase_id)


def _act(purchase_id: int, verb):
    row = get_in_scope_or_404(PurchaseRequest, purchase_id)
    verb(row)
    db.session.commit()
    return row


# The approval flow checks the step's permission (purchase.approve, expense.review or
# expense.approve) and that nobody decides their own request.
@blp.route("/<int:purchase_id>/approve", methods=["POST"])
@blp.arguments(PurchaseNoteSchema)
@blp.response(200, PurchaseSchema)
@permission_required("account.self")
def approve_purchase(data, purchase_id: int):
    """Approve the step it waits for: on to the next step that applies, else approved."""
    return _act(purchase_id, lambda row: service.approve(row, current_user, data["note"]))


@blp.route("/<int:purchase_id>/reject", methods=["POST"])
@blp.arguments(PurchaseNoteSchema)
@blp.response(200, PurchaseSchema)
@permission_required("account.self")
def reject_purchase(data, purchase_id: int):
    return _act(purchase_id, lambda row: service.reject(row, current_user, data["note"]))


@blp.route("/<int:purchase_id>/cancel", methods=["POST"])
@blp.response(200, PurchaseSchema)
@permission_required("purchase.request")
def cancel_purchase(purchase_id: int):
    """Withdraw your own request while a step waits."""
    return _act(purchase_id, lambda row: service.cancel(row, current_user))


@blp.route("/<int:purchase_id>/receive", methods=["POST"])
@blp.arguments(PurchaseReceiveSchema)
@blp.response(200, PurchaseSchema)
@permission_required("purchase.request")
def receive_purchase(data, purchase_id: int):
    """Receive an approved request into the store's stock (once), at the actual cost."""
    received = {line["line_id"]: line for line in data["lines"]}
    return _act(purchase_id, lambda row: service.receive(row, received, current_user,
                                                         today_for_store()))
