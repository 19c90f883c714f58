"""/api/v1/service/complaints: the service department's follow-up of complaint cases —
age, overdue first, owner, due date and kind (rules: app/blueprints/service/complaints.py).
The case's handling (status, resolution, the guest's confirmation) stays on
/api/v1/complaints."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.service import complaints as service
from app.blueprints.service.labels import COMPLAINT_KIND_LABELS, label
from app.blueprints.store.days import today_for_store
from app.blueprints.store.feedback import COMPLAINT_STATUSES, complaint_status_label
from app.blueprints.store.models import ComplaintCase
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_service_complaints", __name__, url_prefix="/service/complaints",
                description="Complaint follow-up (投诉跟进) of the service department")

KIND_HELP = ("attitude 服务态度 / technique 技术手法 / hygiene 卫生 / waiting 等候时间 / "
             "price 价格/收费 / other 其他; null: not yet classified (未分类)")


class ComplaintFollowUpSchema(Schema):
    id = fields.Integer(attribute="case.id")
    store_id = fields.Integer(attribute="case.store_id")
    store_name = fields.String()
    description = fields.String(attribute="case.description")
    status = fields.String(attribute="case.status", validate=validate.OneOf(COMPLAINT_STATUSES))
    status_label = fields.Function(lambda row: complaint_status_label(row.case.status))
    kind = fields.String(attribute="case.kind", allow_none=True,
                         validate=validate.OneOf(service.COMPLAINT_KINDS),
                         metadata={"description": KIND_HELP})
    kind_label = fields.Function(lambda row: label(COMPLAINT_KIND_LABELS, row.case.kind))
    owner_account_id = fields.Integer(attribute="case.owner_account_id", allow_none=True)
    owner_name = fields.String(allow_none=True)
    customer_id = fields.Integer(attribute="case.customer_id", allow_none=True)
    due_on = fields.Date(attribute="case.due_on", allow_none=True)
    created_at = fields.DateTime(attribute="case.created_at")
    age_days = fields.Integer(metadata={"description": "days open (closed: to the close)"})
    overdue = fields.Boolean(metadata={"description": "open or investigating past due_on"})


class ComplaintFollowUpListSchema(Schema):
    items = fields.List(fields.Nested(ComplaintFollowUpSchema))
    total = fields.Integer()


class ComplaintFollowUpQueryArgsSchema(Schema):
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf((*COMPLAINT_STATUSES, "unclosed", "all")),
                           load_default="unclosed")
    kind = fields.String(validate=validate.OneOf((*service.COMPLAINT_KINDS, "none")))


class ComplaintAssignSchema(Schema):
    owner_account_id = fields.Integer(strict=True)
    due_on = fields.Date()
    kind = fields.String(validate=validate.OneOf(service.COMPLAINT_KINDS),
                         metadata={"description": KIND_HELP})


@blp.route("")
@blp.arguments(ComplaintFollowUpQueryArgsSchema, location="query")
@blp.response(200, ComplaintFollowUpListSchema)
@permission_required("complaint.manage")
def list_follow_ups(args):
    """Cases of your stores: overdue first, then by due date (at most 200)."""
    store_id = args.get("store_id")
    if store_id is not None:
        get_in_scope_or_404(Store, store_id)
    status = args["status"]
    rows, total = service.list_cases(store_scope(current_user), today_for_store(),
                                     store_id=store_id,
                                     status=None if status == "all" else status,
                                     kind=args.get("kind"))
    return {"items": rows, "total": total}


@blp.route("/<int:complaint_id>/assign", methods=["POST"])
@blp.arguments(ComplaintAssignSchema)
@blp.response(200, ComplaintFollowUpSchema)
@permission_required("complaint.manage")
def assign(data, complaint_id: int):
    """Owner, due date and kind (each optional; 422 names the field)."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    service.assign(case, owner_account_id=data.get("owner_account_id"),
                   due_on=data.get("due_on"), kind=data.get("kind"), actor=current_user)
    db.session.commit()
    return service.case_row(case, today_for_store())
