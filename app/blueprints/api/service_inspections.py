"""门店检查 over the API: checklist templates, inspections with their scores, follow-up
actions (整改) and the monthly hygiene ranking (卫生评比).

Over app/blueprints/service/inspections.py (the rules are there); the same
permissions as the pages: ``service.view`` reads, ``inspection.manage`` writes,
``inspection.follow_up`` completes a store's actions.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, parse_month
from app.blueprints.api.service_common import store_of_body
from app.blueprints.service import inspections as rules
from app.blueprints.service.disinfection import local_today
from app.blueprints.service.labels import TEMPLATE_KIND_LABELS, label
from app.blueprints.service.models_inspections import (
    TEMPLATE_KINDS,
    TEMPLATE_STATUSES,
    FollowUpAction,
    Inspection,
    InspectionTemplate,
)
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.tenancy import current_tenant_id
from app.validation import InputError

blp = Blueprint("api_service_inspections", __name__, url_prefix="/service",
                description="Store inspections (门店检查), follow-ups (整改) and the hygiene "
                            "ranking (卫生评比)")

KIND_HELP = "hygiene 卫生 / safety 安全"


class InspectionTemplateItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=255))
    max_points = fields.Integer(required=True, validate=validate.Range(1, rules.MAX_POINTS))


class InspectionTemplateSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(TEMPLATE_KINDS),
                         metadata={"description": KIND_HELP})
    kind_label = fields.Function(lambda t: label(TEMPLATE_KIND_LABELS, t.kind))
    name = fields.String()
    version = fields.Integer()
    status = fields.String(validate=validate.OneOf(TEMPLATE_STATUSES))
    items = fields.Function(lambda t: [InspectionTemplateItemSchema().dump(i)
                                       for i in rules.template_items(t.id)])


class InspectionTemplateCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(TEMPLATE_KINDS),
                         metadata={"description": KIND_HELP})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.List(fields.Nested(InspectionTemplateItemSchema), required=True,
                        validate=validate.Length(min=1, max=rules.MAX_ITEMS))


class InspectionScoreSchema(Schema):
    inspection_item_id = fields.Integer(required=True, attribute="template_item_id",
                                        data_key="inspection_item_id",
                                        metadata={"description": "an item of the template"})
    text = fields.String(dump_only=True)
    max_points = fields.Integer(dump_only=True)
    points = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=255))


class InspectionSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    template_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(TEMPLATE_KINDS),
                         metadata={"description": KIND_HELP})
    inspected_on = fields.Date()
    inspector_name = fields.String()
    total_points = fields.Integer()
    max_points = fields.Integer()
    percentage = fields.Decimal(as_string=True, places=2)
    notes = fields.String()
    scores = fields.Function(lambda i: InspectionScoreSchema(many=True).dump(rules.scores_of(i.id)))


class InspectionCreateSchema(Schema):
    template_id = fields.Integer(required=True)
    store_id = fields.Integer(required=True)
    inspected_on = fields.Date(required=True)
    scores = fields.List(fields.Nested(InspectionScoreSchema), required=True)
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


class InspectionQueryArgsSchema(Schema):
    store_id = fields.Integer()
    month = fields.String(validate=parse_month, metadata={"example": "2026-03"})


class InspectionFollowUpSchema(Schema):
    id = fields.Integer()
    inspection_id = fields.Integer()
    store_id = fields.Integer()
    what = fields.String()
    owner_employee_id = fields.Integer()
    due_on = fields.Date()
    overdue = fields.Function(lambda a: rules.is_overdue(a, local_today()))
    done_at = fields.DateTime(allow_none=True)
    done_note = fields.String()
    done_by_name = fields.String()


class InspectionFollowUpCreateSchema(Schema):
    what = fields.String(required=True, validate=validate.Length(min=1, max=255))
    owner_employee_id = fields.Integer(required=True)
    due_on = fields.Date(required=True)


class InspectionFollowUpDoneSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=255))


class InspectionFollowUpQueryArgsSchema(Schema):
    store_id = fields.Integer()


class HygieneRankingRowSchema(Schema):
    rank = fields.Integer()
    store_id = fields.Integer()
    store_name = fields.String()
    inspections = fields.Integer()
    average = fields.Decimal(as_string=True, places=2,
                             metadata={"description": "average percentage"})


class HygieneRankingSchema(Schema):
    month = fields.String()
    stores = fields.List(fields.Nested(HygieneRankingRowSchema))


class HygieneRankingArgsSchema(Schema):
    month = fields.String(validate=parse_month, metadata={"example": "2026-03"})


def _template_in_use(template_id: int) -> InspectionTemplate:
    template = db.session.get(InspectionTemplate, template_id)
    if template is None or template.tenant_id != current_tenant_id() \
            or template.status != "active":
        raise InputError.on("template_id", "没有这个在用的检查模板")
    return template


@blp.route("/inspection-templates")
@blp.response(200, InspectionTemplateSchema(many=True))
@permission_required("service.view")
def list_templates():
    """Every checklist, in use first; archived versions stay (past inspections used them)."""
    return list(db.session.scalars(select(InspectionTemplate).order_by(
        InspectionTemplate.status, InspectionTemplate.name, InspectionTemplate.version.desc())))


@blp.route("/inspection-templates", methods=["POST"])
@blp.arguments(InspectionTemplateCreateSchema)
@blp.response(201, InspectionTemplateSchema)
@permission_required("inspection.manage")
def create_template(data):
    template = rules.create_template(
        kind=data["kind"], name=data["name"],
        items=[rules.ItemInput(i["text"].strip(), i["max_points"]) for i in data["items"]])
    db.session.commit()
    return template


@blp.route("/inspections")
@blp.arguments(InspectionQueryArgsSchema, location="query")
@blp.response(200, InspectionSchema(many=True))
@permission_required("service.view")
def list_inspections(args):
    """Inspections of your stores, newest first (at most 200)."""
    month = parse_month(args["month"]) if args.get("month") else None
    rows = rules.list_inspections(store_scope(current_user), local_today(),
                                  store_id=args.get("store_id"), month=month)
    return [row.inspection for row in rows]


@blp.route("/inspections", methods=["POST"])
@blp.arguments(InspectionCreateSchema)
@blp.response(201, InspectionSchema)
@permission_required("inspection.manage")
def create_inspection(data):
    """Score a store: one entry in ``scores`` per item of the template."""
    template = _template_in_use(data["template_id"])
    store = store_of_body(data["store_id"])
    inspection = rules.record_inspection(
        store=store, template=template, inspected_on=data["inspected_on"],
        scores={s["template_item_id"]: s["points"] for s in data["scores"]},
        notes={s["template_item_id"]: s.get("note", "") for s in data["scores"]},
        overall=data["notes"], inspector=current_user)
    db.session.commit()
    return inspection


@blp.route("/inspections/<int:inspection_id>")
@blp.response(200, InspectionSchema)
@permission_required("service.view")
def get_inspection(inspection_id: int):
    return get_in_scope_or_404(Inspection, inspection_id)


@blp.route("/inspections/<int:inspection_id>/follow-ups", methods=["POST"])
@blp.arguments(InspectionFollowUpCreateSchema)
@blp.response(201, InspectionFollowUpSchema)
@permission_required("inspection.manage")
def create_follow_up(data, inspection_id: int):
    inspection = get_in_scope_or_404(Inspection, inspection_id)
    action = rules.add_follow_up(inspection, what=data["what"],
                                 owner_employee_id=data["owner_employee_id"],
                                 due_on=data["due_on"])
    db.session.commit()
    return action


@blp.route("/follow-ups")
@blp.arguments(InspectionFollowUpQueryArgsSchema, location="query")
@blp.response(200, InspectionFollowUpSchema(many=True))
@permission_required("inspection.follow_up")
def list_follow_ups(args):
    """Follow-up actions of your stores: open ones first by due date; ``overdue`` flags
    those past their due date."""
    scope = store_scope(current_user)
    if args.get("store_id") is not None:
        scope = {args["store_id"]} if scope is None or args["store_id"] in scope else set()
    return [row.action for row in rules.follow_ups(scope, local_today())]


@blp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@blp.arguments(InspectionFollowUpDoneSchema)
@blp.response(200, InspectionFollowUpSchema)
@permission_required("inspection.follow_up")
def complete_follow_up(data, follow_up_id: int):
    action = get_in_scope_or_404(FollowUpAction, follow_up_id)
    rules.complete_follow_up(action, note=data["note"], by=current_user)
    db.session.commit()
    return action


@blp.route("/hygiene-ranking")
@blp.arguments(HygieneRankingArgsSchema, location="query")
@blp.response(200, HygieneRankingSchema)
@permission_required("service.view")
def hygiene_ranking(args):
    """卫生评比: stores by the average percentage of their hygiene inspections in the month."""
    month = parse_month(args["month"]) if args.get("month") else local_today().replace(day=1)
    return {"month": month.strftime("%Y-%m"),
            "stores": rules.hygiene_ranking(month, store_scope(current_user))}

