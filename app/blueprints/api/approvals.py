"""The one approval flow: what waits for me, a decision, the tenant's approval settings.

Over app/approvals.py (the rules are there); a refusal is a 422 naming ``status``
(app/errors.py answers every InputError).  ``GET /approvals`` lists, across every
kind, only what the caller may decide now; a decision goes to the kind's own
function, so it does exactly what the kind's own endpoint and page do.
"""

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app import approvals
from app.blueprints.api.common import Blueprint, Money
from app.extensions import db
from app.permissions import permission_required

blp = Blueprint("api_approvals", __name__, url_prefix="/approvals",
                description="The one approval flow: what waits for me, decisions (审批)")


class WaitingApprovalSchema(Schema):
    kind = fields.Function(lambda w: w.kind.name, metadata={
        "description": "leave | overtime | reward | employee_change | offboarding | "
                       "tax_opening | payroll_run | refund (and the kinds of later "
                       "departments)"})
    kind_label = fields.String()
    object_id = fields.Function(lambda w: w.obj.id)
    step = fields.Function(lambda w: w.step.name)
    step_label = fields.String()
    summary = fields.String()
    store_id = fields.Integer(allow_none=True)
    amount = Money(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    url = fields.String(metadata={"description": "the page of the request"})


class WaitingApprovalListSchema(Schema):
    items = fields.List(fields.Nested(WaitingApprovalSchema))
    total = fields.Integer()


class ApprovalDecisionSchema(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf(approvals.VERDICTS),
                            metadata={"description": "approved | rejected"})
    note = fields.String(load_default="", validate=validate.Length(max=approvals.MAX_NOTE),
                         metadata={"description": "required to reject some kinds"})


class ApprovalDecisionResultSchema(Schema):
    kind = fields.String()
    object_id = fields.Integer()
    verdict = fields.String(validate=validate.OneOf(approvals.VERDICTS))
    status = fields.String(metadata={"description": "the request's status after the decision"})


class ApprovalSettingsSchema(Schema):
    one_person_office = fields.Boolean(required=True, metadata={
        "description": "the owner may act at more than one step of a request whose steps "
                       "need different people (a one-person office); audited"})
    thresholds = fields.Dict(keys=fields.String(), values=Money(), load_default=dict,
                             metadata={"description": (
                                 "name -> amount above which a step applies; the names are "
                                 "the registered thresholds (expense_gm: 费用报销须总经理审批; "
                                 "purchase_finance, purchase_gm: 采购); another name is a 422 "
                                 "naming thresholds.<name>")})

    @validates_schema
    def _registered_thresholds_only(self, data, **kwargs):
        unknown = sorted(set(data.get("thresholds") or {}) - set(approvals.THRESHOLDS))
        if unknown:
            raise ValidationError({f"thresholds.{name}": ["没有这个审批门槛"]
                                   for name in unknown})


@blp.route("")
@blp.response(200, WaitingApprovalListSchema)
@permission_required("account.self")
def waiting():
    """Everything the caller may decide now, every kind, oldest first."""
    items = approvals.waiting_for(current_user)
    return {"items": items, "total": len(items)}


@blp.route("/<string:kind>/<int:object_id>/decision", methods=["POST"])
@blp.arguments(ApprovalDecisionSchema)
@blp.response(200, ApprovalDecisionResultSchema)
@permission_required("account.self")
def decide(data, kind: str, object_id: int):
    """批准 or 驳回 one request; the kind's rules and effects apply (422 names the field)."""
    found = approvals.kind_of(kind)
    approvals.decide_by_name(kind, object_id, current_user, data["verdict"], data["note"])
    db.session.commit()
    obj = db.session.get(found.model, object_id)
    return {"kind": kind, "object_id": object_id, "verdict": data["verdict"],
            "status": getattr(obj, found.status_attribute)}


@blp.route("/settings")
@blp.response(200, ApprovalSettingsSchema)
@permission_required("approvals.settings")
def settings():
    current = approvals.approval_settings()
    return {"one_person_office": current.one_person_office, "thresholds": current.thresholds}


@blp.route("/settings", methods=["PUT"])
@blp.arguments(ApprovalSettingsSchema)
@blp.response(200, ApprovalSettingsSchema)
@permission_required("approvals.settings")
def save_settings(data):
    saved = approvals.save_approval_settings(
        current_user, one_person_office=data["one_person_office"],
        thresholds=data["thresholds"])
    db.session.commit()
    return {"one_person_office": saved.one_person_office, "thresholds": saved.thresholds}
