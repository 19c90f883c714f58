"""员工物品 over the API: list what is issued (filters), issue, return, charge.

Rules in app/blueprints/logistics/issued_items.py (returning and charging are HR's
offboarding verbs).  ``logistics.view`` reads — a store manager only their stores'
items; ``items.issue`` (the logistics head, the owner) writes.
"""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money
from app.blueprints.hr.models import IssuedItem
from app.blueprints.hr.models.lifecycle import ISSUED_ITEM_KINDS, ISSUED_ITEM_STATUSES
from app.blueprints.logistics import issued_items as rules
from app.blueprints.logistics.labels import ISSUED_ITEM_KIND_LABELS, ISSUED_ITEM_STATUS_LABELS
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_logistics_issued_items", __name__,
                description="Items issued to staff (员工物品: 工服、钥匙、工牌、手机)")


class IssuedItemSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    employee_name = fields.String()
    store_id = fields.Integer(allow_none=True, metadata={"description": "None: head office"})
    kind = fields.String(validate=validate.OneOf(ISSUED_ITEM_KINDS))
    kind_label = fields.String()
    name = fields.String()
    issued_on = fields.Date()
    status = fields.String(validate=validate.OneOf(ISSUED_ITEM_STATUSES))
    status_label = fields.String()
    returned_on = fields.Date(allow_none=True)
    charge = Money()


class IssuedItemQuerySchema(Schema):
    store_id = fields.Integer(load_default=None)
    employee_id = fields.Integer(load_default=None)
    kind = fields.String(load_default="", validate=validate.OneOf(("", *ISSUED_ITEM_KINDS)))
    status = fields.String(load_default="",
                           validate=validate.OneOf(("", *ISSUED_ITEM_STATUSES)))
    person = fields.String(load_default="", validate=validate.Length(max=32),
                           metadata={"description": "part of a name or 工号"})


class IssueSchema(Schema):
    employee_id = fields.Integer(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(load_default="", validate=validate.OneOf(("", *ISSUED_ITEM_KINDS)),
                         metadata={"description": "empty: read from the name"})
    issued_on = fields.Date(required=True)


class ChargeSchema(Schema):
    charge = fields.Decimal(required=True, as_string=True, places=2,
                            metadata={"description": "amount deducted in the settlement"})


class OutCountsSchema(Schema):
    store_id = fields.Integer(allow_none=True, metadata={"description": "None: head office"})
    store_name = fields.String(allow_none=True)
    by_kind = fields.Dict(keys=fields.String(validate=validate.OneOf(ISSUED_ITEM_KINDS)),
                          values=fields.Integer(),
                          metadata={"description": "items still out, per kind"})
    total = fields.Integer()


def _shown(item: IssuedItem, person: Employee) -> dict:
    shown = {name: getattr(item, name) for name in IssuedItemSchema().fields
             if hasattr(item, name)}
    shown.update(employee_name=person.name,
                 kind_label=str(ISSUED_ITEM_KIND_LABELS.get(item.kind, item.kind)),
                 status_label=str(ISSUED_ITEM_STATUS_LABELS.get(item.status, item.status)))
    return shown


@blp.route("/issued-items")
@blp.arguments(IssuedItemQuerySchema, location="query")
@blp.response(200, IssuedItemSchema(many=True))
@permission_required("logistics.view")
def list_issued_items(args):
    """Newest first, at most 500; a store role sees its stores' items only."""
    filters = rules.ItemFilters(**args).clean()
    return [_shown(item, person) for item, person in
            rules.list_items(store_scope(current_user), filters)]


@blp.route("/issued-items/out-by-store")
@blp.response(200, OutCountsSchema(many=True))
@permission_required("logistics.view")
def issued_items_out_by_store():
    """What is still out per store (the caller's stores), counted by kind."""
    return [{"store_id": store.id if store else None, "store_name": store.name if store else None,
             "by_kind": counts.by_kind, "total": counts.total}
            for store, counts in rules.out_by_store(store_scope(current_user))]


@blp.route("/issued-items", methods=["POST"])
@blp.arguments(IssueSchema)
@blp.response(201, IssuedItemSchema)
@permission_required("items.issue")
def issue_item(data):
    person = get_in_scope_or_404(Employee, data["employee_id"])
    item = rules.issue_item(person, name=data["name"], issued_on=data["issued_on"],
                            kind=data["kind"], actor=current_user)
    db.session.commit()
    return _shown(item, person)


@blp.route("/issued-items/<int:issued_item_id>/return", methods=["POST"])
@blp.response(200, IssuedItemSchema)
@permission_required("items.issue")
def return_issued_item(issued_item_id: int):
    item = get_in_scope_or_404(IssuedItem, issued_item_id)
    rules.return_item(item, current_user)
    db.session.commit()
    return _shown(item, db.session.get(Employee, item.employee_id))


@blp.route("/issued-items/<int:issued_item_id>/charge", methods=["POST"])
@blp.arguments(ChargeSchema)
@blp.response(200, IssuedItemSchema)
@permission_required("items.issue")
def charge_issued_item(data, issued_item_id: int):
    item = get_in_scope_or_404(IssuedItem, issued_item_id)
    rules.charge_item(item, data["charge"], current_user)
    db.session.commit()
    return _shown(item, db.session.get(Employee, item.employee_id))
