"""/api/v1/service/care: the weekly guest care plan (客户回访) — suggestions, the plan,
contacts (rules: app/blueprints/service/care.py).  Phones follow
app/blueprints/store/customer_privacy.py: masked unless the caller may read them."""

from datetime import date

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.service import care as service
from app.blueprints.service.dates import monday_of
from app.blueprints.service.models_guests import (
    CARE_CHANNELS,
    CARE_OUTCOMES,
    CARE_REASONS,
    CarePlanEntry,
)
from app.blueprints.store.customer_privacy import mask_phone, sees_contact
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_service_care", __name__, url_prefix="/service/care",
                description="Guest care plan (客户回访): who to call, the week's plan, contacts")

REASON_HELP = ("complaint 近期投诉 / low_rating 近期差评 (both must be called) / vip 贵宾 / "
               "regular 常客")
CHANNEL_HELP = "phone 电话 / wechat 微信 / in_store 到店"
OUTCOME_HELP = "satisfied 满意 / neutral 一般 / unhappy 不满意 / no_answer 未接通"


def _phone(customer) -> str:
    return customer.phone if sees_contact(current_user, customer) else mask_phone(customer.phone)


class CareGuestSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.Function(_phone, metadata={"description": "masked unless you may read it"})


class CareSuggestionSchema(Schema):
    customer = fields.Nested(CareGuestSchema)
    reason = fields.String(validate=validate.OneOf(CARE_REASONS),
                           metadata={"description": REASON_HELP})
    must = fields.Boolean(metadata={"description": "a complaint or a rating ≤ 2 in the last "
                                                   "30 days: always to be called"})
    level_name = fields.String(allow_none=True)
    spent = fields.Decimal(as_string=True, places=2,
                           metadata={"description": "paid at the store, last 365 days"})
    last_visit = fields.Date(allow_none=True)
    details = fields.List(fields.String())


class CareContactSchema(Schema):
    id = fields.Integer()
    contacted_at = fields.DateTime()
    channel = fields.String(validate=validate.OneOf(CARE_CHANNELS),
                            metadata={"description": CHANNEL_HELP})
    outcome = fields.String(validate=validate.OneOf(CARE_OUTCOMES),
                            metadata={"description": OUTCOME_HELP})
    note = fields.String()
    contacted_by_account_id = fields.Integer(allow_none=True)


class CarePlanRowSchema(Schema):
    id = fields.Function(lambda row: row.entry.id)
    week = fields.Function(lambda row: row.entry.week.isoformat())
    reason = fields.Function(lambda row: row.entry.reason,
                             metadata={"description": REASON_HELP})
    customer = fields.Nested(CareGuestSchema)
    reached = fields.Boolean(metadata={"description": "a contact reached the guest"})
    contacts = fields.List(fields.Nested(CareContactSchema))


class CareWeekArgsSchema(Schema):
    store_id = fields.Integer(required=True)
    week = fields.Date(metadata={"description": "any day of the week (default: this week)"})


class CarePlanAddSchema(Schema):
    store_id = fields.Integer(required=True, strict=True)
    week = fields.Date(required=True)
    customer_id = fields.Integer(required=True, strict=True)


class CareContactAddSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CARE_CHANNELS),
                            metadata={"description": CHANNEL_HELP})
    outcome = fields.String(required=True, validate=validate.OneOf(CARE_OUTCOMES),
                            metadata={"description": OUTCOME_HELP})
    note = fields.String(load_default="", validate=validate.Length(max=500))
    contacted_at = fields.AwareDateTime(load_default=None,
                                        metadata={"description": "default: now"})


def _store_week(store_id: int, week: date | None):
    store = get_in_scope_or_404(Store, store_id)
    return store, monday_of(week or today_for_store())


@blp.route("/suggestions")
@blp.arguments(CareWeekArgsSchema, location="query")
@blp.response(200, CareSuggestionSchema(many=True))
@permission_required("care.manage")
def suggestions(args):
    """Who to call this week: must-call guests, then VIPs, then recent guests."""
    store, week = _store_week(args["store_id"], args.get("week"))
    return service.suggestions(store.id, week, today_for_store())


@blp.route("/plan")
@blp.arguments(CareWeekArgsSchema, location="query")
@blp.response(200, CarePlanRowSchema(many=True))
@permission_required("care.manage")
def week_plan(args):
    store, week = _store_week(args["store_id"], args.get("week"))
    return service.week_plan(store.id, week)


@blp.route("/plan", methods=["POST"])
@blp.arguments(CarePlanAddSchema)
@blp.response(201, CarePlanRowSchema)
@permission_required("care.manage")
def add_to_plan(data):
    store, week = _store_week(data["store_id"], data["week"])
    entry = service.add_to_plan(store.id, week, data["customer_id"], today_for_store(),
                                actor=current_user)
    db.session.commit()
    return _row(entry)


@blp.route("/plan/<int:care_entry_id>/contacts", methods=["POST"])
@blp.arguments(CareContactAddSchema)
@blp.response(201, CarePlanRowSchema)
@permission_required("care.manage")
def add_contact(data, care_entry_id: int):
    """One attempt to reach the guest; try again after no_answer."""
    entry = get_in_scope_or_404(CarePlanEntry, care_entry_id)
    service.record_contact(entry, channel=data["channel"], outcome=data["outcome"],
                           note=data["note"], contacted_at=data["contacted_at"],
                           actor=current_user)
    db.session.commit()
    return _row(entry)


def _row(entry: CarePlanEntry):
    found = [row for row in service.week_plan(entry.store_id, entry.week)
             if row.entry.id == entry.id]
    if not found:
        abort(404)
    return found[0]
