"""收银 over the API: check an order out with split payments, read its receipt,
ask for a refund and approve or reject it (the same services as the desk pages).

团购: ``{"method": "voucher", "voucher_platform": "meituan", "voucher_code": "…",
"amount": "99.00"}``; a code already redeemed is a 422 on
``payments.<i>.voucher_code`` (rules in app/blueprints/store/checkout.py).

Money in requests may be a string ("128.00") or a number; more than two
decimals is refused, never rounded.  Errors name the field, e.g.
``payments.1.amount``.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money
from app.blueprints.store import checkout
from app.blueprints.store.models import Order, Refund
from app.blueprints.store.models.orders import JOB_TYPES, LINE_KINDS, ORDER_STATUSES
from app.blueprints.store.models.payments import (
    PAYMENT_METHODS,
    REFUND_STATUSES,
    VOUCHER_PLATFORMS,
)
from app.blueprints.store.refunds import REFUND_METHODS
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_checkout", __name__, description="Checkout (收银), receipts and refunds")


class PaymentInSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS), metadata={
        "description": "cash 现金, wechat 微信支付, alipay 支付宝, bank_card 银行卡, stored_value "
                       "储值卡, package_card 次卡, voucher 团购 (美团/抖音 voucher)"})
    amount = fields.Raw(metadata={"description": "yuan, e.g. \"128.00\"; not for package_card"})
    tendered = fields.Raw(metadata={"description": "cash only: what the guest handed over"})
    card_id = fields.Integer(metadata={"description": "stored_value / package_card"})
    count = fields.Integer(metadata={"description": "package_card: lines to cover (default all)"})
    reference = fields.String(metadata={"description": "e.g. the WeChat trade number"})
    voucher_platform = fields.String(metadata={
        "description": "voucher (团购) only: " + " / ".join(VOUCHER_PLATFORMS)
                       + " (美团 / 抖音 / 其他平台)"})
    voucher_code = fields.String(metadata={
        "description": "voucher only: the code verified in the platform's app; letters and "
                       "digits (spaces and dashes dropped, kept upper case); redeemed once per "
                       "company and platform, else 422 on payments.<i>.voucher_code"})


class CheckoutInSchema(Schema):
    payments = fields.List(fields.Nested(PaymentInSchema), required=True)


class ReceiptLineSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(LINE_KINDS))
    name = fields.String()
    quantity = fields.Integer()
    unit_price = Money()
    amount = Money()
    guest_no = fields.Integer()
    is_addon = fields.Boolean(metadata={"description": "加钟: extends the line addon_of_line_id"})
    addon_of_line_id = fields.Integer(allow_none=True)
    therapist_no = fields.String(allow_none=True, metadata={
        "description": "技师号 of the job that counts (finished, else running); null for a "
                       "product or a line nobody serves yet"})
    job_type = fields.String(allow_none=True, validate=validate.OneOf(JOB_TYPES), metadata={
        "description": "rotation (轮钟) / requested (点钟); null as therapist_no"})


class PaymentOutSchema(Schema):
    id = fields.Integer()
    method = fields.String(validate=validate.OneOf(PAYMENT_METHODS))
    amount = Money()
    tendered = Money(allow_none=True)
    change = Money()
    card_id = fields.Integer(allow_none=True)
    card_no = fields.String(allow_none=True)
    reference = fields.String()
    voucher_platform = fields.String(allow_none=True)
    voucher_code = fields.String(allow_none=True)
    refund_id = fields.Integer(allow_none=True)


class RefundSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    order_id = fields.Integer()
    amount = Money()
    method = fields.String(validate=validate.OneOf(REFUND_METHODS))
    reason = fields.String()
    status = fields.String(validate=validate.OneOf(REFUND_STATUSES))
    requested_by_account_id = fields.Integer(allow_none=True)
    requested_at = fields.DateTime()
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()


class ReceiptSchema(Schema):
    order_id = fields.Integer()
    number = fields.String()
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    store_id = fields.Integer()
    store_name = fields.String()
    customer_id = fields.Integer(allow_none=True)
    membership_level = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineSchema))
    subtotal = Money()
    discount = Money()
    total = Money()
    payments = fields.List(fields.Nested(PaymentOutSchema))
    change = Money()
    refunds = fields.List(fields.Nested(RefundSchema))
    closed_at = fields.DateTime(allow_none=True,
                                metadata={"description": "in the company's time zone"})


class RefundInSchema(Schema):
    amount = fields.Raw(required=True)
    method = fields.String(required=True, validate=validate.OneOf(checkout.REFUND_METHODS))
    reason = fields.String(required=True)


class DecisionSchema(Schema):
    decision_note = fields.String(load_default="",
                                  metadata={"description": "required to reject"})


def _receipt(order: Order) -> dict:
    receipt = checkout.receipt_of(order)
    payments = []
    for payment, card in receipt.payments:
        payments.append({**{k: getattr(payment, k) for k in (
            "id", "method", "amount", "tendered", "change", "card_id", "reference",
            "voucher_platform", "voucher_code", "refund_id")},
            "card_no": card.card_no if card else None})
    paid = order.status == "paid"
    return {
        "order_id": order.id, "number": receipt.number, "status": order.status,
        "store_id": receipt.store.id, "store_name": receipt.store.name,
        "customer_id": order.customer_id,
        "membership_level": receipt.level.name if receipt.level else None,
        "lines": [_line(line, receipt.services.get(line.id)) for line in receipt.lines],
        # Before payment the totals are what the bill would be now.
        **({"subtotal": order.subtotal, "discount": order.discount, "total": order.total}
           if paid else _bill_totals(order)),
        "payments": payments, "change": receipt.change, "refunds": receipt.refunds,
        "closed_at": receipt.closed_at_local,
    }


def _line(line, served) -> dict:
    return {**{k: getattr(line, k) for k in (
        "id", "kind", "name", "quantity", "unit_price", "amount", "guest_no",
        "addon_of_line_id")},
        "is_addon": bool(served and served.is_addon),
        "therapist_no": served.therapist_no if served else None,
        "job_type": served.job_type if served else None}


def _bill_totals(order: Order) -> dict:
    bill = checkout.price_order(order)
    return {"subtotal": bill.subtotal, "discount": bill.discount, "total": bill.total}


@blp.route("/orders/<int:order_id>/checkout", methods=["POST"])
@blp.arguments(CheckoutInSchema)
@blp.response(200, ReceiptSchema)
@permission_required("order.checkout")
def checkout_order(data, order_id: int):
    """结账: the payments must add up to the total exactly; answers the receipt."""
    order = get_in_scope_or_404(Order, order_id)
    checkout.checkout_order(order, data["payments"], actor=current_user)
    db.session.commit()
    return _receipt(order)


@blp.route("/orders/<int:order_id>/receipt", methods=["GET"])
@blp.response(200, ReceiptSchema)
@permission_required("order.checkout")
def get_receipt(order_id: int):
    """The receipt (before payment: the bill as it stands, status not ``paid``)."""
    return _receipt(get_in_scope_or_404(Order, order_id))


@blp.route("/orders/<int:order_id>/refunds", methods=["POST"])
@blp.arguments(RefundInSchema)
@blp.response(201, RefundSchema)
@permission_required("order.checkout")
def request_refund(data, order_id: int):
    """退款申请: waits for the store manager (``/refunds/<id>/approve``)."""
    order = get_in_scope_or_404(Order, order_id)
    refund = checkout.request_refund(order, amount=data["amount"], method=data["method"],
                                     reason=data["reason"], actor=current_user)
    db.session.commit()
    return refund


@blp.route("/refunds/<int:refund_id>", methods=["GET"])
@blp.response(200, RefundSchema)
@permission_required("order.checkout")
def get_refund(refund_id: int):
    return get_in_scope_or_404(Refund, refund_id)


@blp.route("/refunds/<int:refund_id>/approve", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, RefundSchema)
@permission_required("order.refund_approve")
def approve_refund(data, refund_id: int):
    """店长批准: the money goes back (negative payment; to a card via its ledger); audited."""
    refund = get_in_scope_or_404(Refund, refund_id)
    refund = checkout.approve_refund(refund, actor=current_user, note=data["decision_note"])
    db.session.commit()
    return refund


@blp.route("/refunds/<int:refund_id>/reject", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, RefundSchema)
@permission_required("order.refund_approve")
def reject_refund(data, refund_id: int):
    """店长驳回 with a reason (``decision_note``); audited."""
    refund = get_in_scope_or_404(Refund, refund_id)
    refund = checkout.reject_refund(refund, actor=current_user, note=data["decision_note"])
    db.session.commit()
    return refund
