"""Expense claims (费用报销) over the API: list, submit, read, receipts, decide, withdraw, pay.

Over app/blueprints/finance/expenses.py (the rules are there).  Receipts are sent as
``multipart/form-data`` (field ``file``) to ``/expenses/{id}/attachments``: JPEG, PNG,
WebP or PDF by their content, ≤ 5 MB each, ≤ 5 per claim.  Decisions go through the one
approval flow (``/approvals`` lists what waits for you): store manager -> finance ->
general manager above the tenant's ``expense_gm`` threshold.
"""

from flask import abort, request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import (
    Blueprint,
    Money,
    PageArgsSchema,
    page_schema,
    paginate,
    parse_month,
)
from app.blueprints.finance import expense_attachments as receipts
from app.blueprints.finance import expenses as service
from app.blueprints.finance.models import EXPENSE_CATEGORIES, EXPENSE_STATUSES, ExpenseClaim
from app.extensions import db
from app.permissions import permission_required

blp = Blueprint("api_finance_expenses", __name__, url_prefix="/expenses",
                description="Expense claims with receipts (费用报销/申请)")

STATUS_HELP = " | ".join(EXPENSE_STATUSES)
CATEGORY_HELP = " | ".join(EXPENSE_CATEGORIES)


@blp.url_value_preprocessor
def _allow_receipt_uploads(endpoint, values) -> None:
    if endpoint and endpoint.endswith(".add_attachment"):
        request.max_content_length = receipts.MAX_BYTES + 64 * 1024


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String(validate=validate.OneOf(receipts.ACCEPTED))
    size = fields.Integer()
    created_at = fields.DateTime()


class ExpenseSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: head office"})
    department_id = fields.Integer(allow_none=True)
    category = fields.String(validate=validate.OneOf(EXPENSE_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    category_label = fields.Function(lambda c: service.category_label(c.category))
    amount = Money()
    spent_on = fields.Date()
    description = fields.String()
    payee = fields.String()
    claimant_employee_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(EXPENSE_STATUSES),
                           metadata={"description": STATUS_HELP})
    status_label = fields.Function(lambda c: service.status_label(c.status))
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    paid_by_account_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ExpenseDetailSchema(ExpenseSchema):
    attachments = fields.Function(
        lambda c: AttachmentSchema(many=True).dump(service.attachments_of(c)))


class ExpenseCreateSchema(Schema):
    store_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "a store's claim"})
    department_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "a head-office department's claim (head office only)"})
    category = fields.String(required=True, validate=validate.OneOf(EXPENSE_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    amount = fields.Decimal(required=True, as_string=True, metadata={
        "description": "yuan, > 0, at most 2 decimals, ≤ 9999999.99 (a decimal string)"})
    spent_on = fields.Date(required=True, metadata={"description": "not in the future"})
    description = fields.String(required=True, validate=validate.Length(max=500))
    payee = fields.String(load_default="", validate=validate.Length(max=64))
    claimant_employee_id = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "head office may claim for another employee; default yourself"})


class ExpenseQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(EXPENSE_STATUSES))
    category = fields.String(validate=validate.OneOf(EXPENSE_CATEGORIES))
    month = fields.String(validate=parse_month, metadata={"description": "YYYY-MM of spent_on"})


class ExpenseNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "description": "required to reject"})


ExpensePageSchema = page_schema(ExpenseSchema, "ExpensePage")


def _claim(expense_id: int) -> ExpenseClaim:
    claim = db.session.get(ExpenseClaim, expense_id)
    if claim is None or not service.may_see(current_user, claim):
        abort(404)
    return claim


@blp.route("")
@blp.arguments(ExpenseQueryArgsSchema, location="query")
@blp.response(200, ExpensePageSchema)
@permission_required("expense.submit")
def list_expenses(args):
    """Claims you may read (store roles: your stores), newest spent first."""
    month = parse_month(args["month"]) if args.get("month") else None
    return paginate(service.filtered_claims(
        current_user, store_id=args.get("store_id"), status=args.get("status"),
        category=args.get("category"), month=month), args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(ExpenseCreateSchema)
@blp.response(201, ExpenseDetailSchema)
@permission_required("expense.submit")
def create_expense(data):
    """Submit a claim; it waits for the store manager (a store's) or finance."""
    claim = service.submit(data, current_user)
    db.session.commit()
    return claim


@blp.route("/<int:expense_id>")
@blp.response(200, ExpenseDetailSchema)
@permission_required("expense.submit")
def get_expense(expense_id: int):
    return _claim(expense_id)


@blp.route("/<int:expense_id>/attachments", methods=["POST"])
@blp.response(201, AttachmentSchema)
@permission_required("expense.submit")
def add_attachment(expense_id: int):
    """Attach a receipt (multipart field ``file``); the submitter, while it waits."""
    claim = _claim(expense_id)
    upload = request.files.get("file")
    data = upload.read(receipts.MAX_BYTES + 1) if upload else b""
    attachment = receipts.add_attachment(claim, current_user,
                                         upload.filename if upload else None, data)
    db.session.commit()
    return attachment


@blp.route("/<int:expense_id>/attachments/<int:attachment_id>")
@blp.response(200, description="the file, with its stored content type")
@permission_required("expense.submit")
def get_attachment(expense_id: int, attachment_id: int):
    attachment = receipts.attachment_of(_claim(expense_id), attachment_id)
    if attachment is None:
        abort(404)
    return receipts.send_attachment(attachment)


def _act(expense_id: int, verb):
    claim = _claim(expense_id)
    verb(claim)
    db.session.commit()
    return claim


@blp.route("/<int:expense_id>/approve", methods=["POST"])
@blp.arguments(ExpenseNoteSchema)
@blp.response(200, ExpenseDetailSchema)
@permission_required("expense.submit")
def approve_expense(data, expense_id: int):
    """Approve the step it waits for (never your own claim or one about you)."""
    return _act(expense_id, lambda c: service.approve(c, current_user, data["note"]))


@blp.route("/<int:expense_id>/reject", methods=["POST"])
@blp.arguments(ExpenseNoteSchema)
@blp.response(200, ExpenseDetailSchema)
@permission_required("expense.submit")
def reject_expense(data, expense_id: int):
    return _act(expense_id, lambda c: service.reject(c, current_user, data["note"]))


@blp.route("/<int:expense_id>/cancel", methods=["POST"])
@blp.response(200, ExpenseDetailSchema)
@permission_required("expense.submit")
def cancel_expense(expense_id: int):
    """Withdraw your own claim while it waits."""
    return _act(expense_id, lambda c: service.cancel(c, current_user))


@blp.route("/<int:expense_id>/pay", methods=["POST"])
@blp.response(200, ExpenseDetailSchema)
@permission_required("expense.pay")
def pay_expense(expense_id: int):
    """Mark an approved claim paid."""
    return _act(expense_id, lambda c: service.pay(c, current_user))
