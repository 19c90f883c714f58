"""/api/v1/customers: the chain's guest files (客户档案) and their history (客史).

What a read shows follows app/blueprints/store/customer_privacy.py, as on the pages:
lists and search give the phone masked; one guest's full phone and ``/history`` need
``customer.view_contact`` (a store role: a guest of its stores) or
``customer.view_in_service`` with an open order of the guest in the caller's store.
"""

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.store import customers as service
from app.blueprints.store.customer_privacy import customer_view, sees_contact
from app.blueprints.store.models import Customer
from app.blueprints.store.models.orders import ORDER_STATUSES
from app.extensions import db
from app.models.people import GENDERS
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_customers", __name__, url_prefix="/customers",
                description="Customers (客户档案, 客史), shared by every store of the company")


class CustomerSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    phone = fields.String(metadata={
        "description": "digits only; unique in the company; masked (138****1234) in lists "
                       "and for a caller who may not read it (see phone_masked)"})
    phone_masked = fields.Boolean(dump_only=True)
    phone_tail = fields.String(dump_only=True, metadata={"description": "尾号: last 4 digits"})
    gender = fields.String(validate=validate.OneOf((*GENDERS, "")),
                           metadata={"description": "female, male or empty"})
    preferences = fields.String(metadata={"description": "喜好"})
    taboos = fields.String(metadata={"description": "禁忌: show before every service"})
    notes = fields.String()
    favourite_therapist_id = fields.Integer(allow_none=True)
    membership_level_id = fields.Integer(allow_none=True)
    first_store_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class CustomerWriteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=32))
    gender = fields.String(load_default="", validate=validate.OneOf(service.CUSTOMER_GENDERS))
    preferences = fields.String(load_default="", validate=validate.Length(max=2000))
    taboos = fields.String(load_default="", validate=validate.Length(max=2000))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    favourite_therapist_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    membership_level_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    first_store_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    metadata={"description": "the store that opened the file"})


class CustomerPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    phone = fields.String(validate=validate.Length(min=1, max=32))
    gender = fields.String(validate=validate.OneOf(service.CUSTOMER_GENDERS))
    preferences = fields.String(validate=validate.Length(max=2000))
    taboos = fields.String(validate=validate.Length(max=2000))
    notes = fields.String(validate=validate.Length(max=2000))
    favourite_therapist_id = fields.Integer(allow_none=True, strict=True)
    membership_level_id = fields.Integer(allow_none=True, strict=True)


class CustomerQueryArgsSchema(PageArgsSchema):
    phone_tail = fields.String(validate=validate.Regexp(r"^\d{1,20}$"),
                               metadata={"description": "尾号: last digits of the phone"})
    q = fields.String(metadata={"description": "name, phone or phone tail"})


class VisitSchema(Schema):
    order_id = fields.Integer()
    store_id = fields.Integer()
    store_name = fields.String()
    business_date = fields.Date()
    opened_at = fields.DateTime()
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    items = fields.List(fields.String())
    therapists = fields.List(fields.String())
    amount = Money()


class HistorySchema(Schema):
    visits = fields.Integer()
    total_spend = Money()
    last_visit_at = fields.DateTime(allow_none=True)
    favourite_items = fields.List(fields.Dict())
    history = fields.List(fields.Nested(VisitSchema))


CustomerPageSchema = page_schema(CustomerSchema, "CustomerPage")


@blp.route("")
@blp.arguments(CustomerQueryArgsSchema, location="query")
@blp.response(200, CustomerPageSchema)
@permission_required("customer.view")
def list_customers(args):
    """Search by ``phone_tail`` (尾号) or ``q``; without either, the newest files."""
    text = args.get("phone_tail") or args.get("q")
    if text:
        found = service.search_customers(text, limit=args["page_size"])
        return {"items": [customer_view(c, full=False) for c in found], "page": 1,
                "page_size": args["page_size"], "total": len(found)}
    query = select(Customer).order_by(Customer.created_at.desc(), Customer.id.desc())
    page = paginate(query, args["page"], args["page_size"])
    page["items"] = [customer_view(c, full=False) for c in page["items"]]
    return page


@blp.route("", methods=["POST"])
@blp.arguments(CustomerWriteSchema)
@blp.response(201, CustomerSchema)
@permission_required("customer.manage")
def create_customer(data):
    """A new guest file; a phone already on file is 422 on ``phone``."""
    if data.get("first_store_id") is not None:
        from app.models import Store

        get_in_scope_or_404(Store, data["first_store_id"])
    customer = service.create_customer(**data)
    db.session.commit()
    return _shown(customer)


def _shown(customer: Customer) -> dict:
    return customer_view(customer, full=sees_contact(current_user, customer))


@blp.route("/<int:customer_id>")
@blp.response(200, CustomerSchema)
@permission_required("customer.view")
def get_customer(customer_id: int):
    """The guest's file; the full phone only for a caller who may read it."""
    return _shown(get_in_scope_or_404(Customer, customer_id))


@blp.route("/<int:customer_id>", methods=["PATCH"])
@blp.arguments(CustomerPatchSchema)
@blp.response(200, CustomerSchema)
@permission_required("customer.manage")
def update_customer(data, customer_id: int):
    customer = get_in_scope_or_404(Customer, customer_id)
    service.update_customer(customer, **data)
    db.session.commit()
    return _shown(customer)


@blp.route("/<int:customer_id>/history")
@blp.response(200, HistorySchema)
@permission_required("customer.view")
def customer_history(customer_id: int):
    """客史: totals over every store and the latest visits (fixed number of queries);
    403 for a caller who may not read this guest's history."""
    customer = get_in_scope_or_404(Customer, customer_id)
    if not sees_contact(current_user, customer):
        abort(403, message="客人在本店开单后才能查看客史")
    summary = service.customer_summary(customer.id)
    return {"visits": summary.visits, "total_spend": summary.total_spend,
            "last_visit_at": summary.last_visit_at,
            "favourite_items": [{"name": n, "times": t} for n, t in summary.favourite_items],
            "history": service.visit_history(customer.id)}
