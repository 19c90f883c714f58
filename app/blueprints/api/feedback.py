"""/api/v1/orders/<id>/feedback and /api/v1/complaints: 评价 and 投诉."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema
from app.blueprints.store import feedback as service
from app.blueprints.store.models import ComplaintCase, Order
from app.blueprints.store.models.feedback import COMPLAINT_STATUSES
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

blp = Blueprint("api_feedback", __name__, description="Guest feedback (评价) and complaints (投诉)")


class FeedbackSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    service_job_id = fields.Integer(attribute="job_id")
    therapist_id = fields.Integer()
    rating = fields.Integer()
    comment = fields.String()
    created_at = fields.DateTime()


def _iso(value):
    return value.isoformat() if value is not None else None


class ComplaintSchema(Schema):
    id = fields.Integer(dump_only=True)
    store_id = fields.Integer(dump_only=True)
    order_id = fields.Integer(dump_only=True, allow_none=True)
    therapist_id = fields.Integer(dump_only=True, allow_none=True)
    customer_id = fields.Integer(dump_only=True, allow_none=True)
    feedback_id = fields.Integer(dump_only=True, allow_none=True)
    description = fields.String(dump_only=True)
    status = fields.String(validate=validate.OneOf(COMPLAINT_STATUSES), metadata={
        "description": "open (待处理) → investigating (调查中) → resolved (已处理) → closed "
                       "(已结案); resolved → investigating reopens (and withdraws the guest's "
                       "confirmation)"})
    owner_account_id = fields.Integer(allow_none=True)
    resolution = fields.String()
    reply_to_guest = fields.String()
    guest_confirmed = fields.Function(
        lambda case: service.complaint_facts(case)["guest_confirmed"], dump_only=True,
        metadata={"description": "the guest confirmed the reply (only once resolved)"})
    guest_confirmed_at = fields.Function(
        lambda case: _iso(service.shown_guest_confirmed_at(case)),
        dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    closed_at = fields.Function(lambda case: _iso(service.shown_closed_at(case)), dump_only=True,
                                allow_none=True,
                                metadata={"description": "set only when status is closed"})


class RatingSchema(Schema):
    service_job_id = fields.Integer(required=True, strict=True)
    rating = fields.Integer(required=True, strict=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    complaint = fields.Boolean(load_default=False, metadata={"description": "the guest complains"})
    complaint_text = fields.String(load_default="", validate=validate.Length(max=2000))


class FeedbackWriteSchema(Schema):
    ratings = fields.List(fields.Nested(RatingSchema), required=True,
                          validate=validate.Length(min=1, max=20))


class FeedbackResultSchema(Schema):
    feedback = fields.List(fields.Nested(FeedbackSchema))
    complaints = fields.List(fields.Nested(ComplaintSchema))


class ComplaintQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf((*service.COMPLAINT_STATUSES, "unclosed")))
    store_id = fields.Integer()
    therapist_id = fields.Integer()


class ComplaintPatchSchema(Schema):
    status = fields.String(validate=validate.OneOf(service.COMPLAINT_STATUSES))
    owner_account_id = fields.Integer(strict=True)
    resolution = fields.String(validate=validate.Length(max=2000))
    reply_to_guest = fields.String(validate=validate.Length(max=2000))
    guest_confirmed = fields.Boolean(metadata={"description": "stamp the guest's confirmation"})


ComplaintPageSchema = page_schema(ComplaintSchema, "ComplaintPage")


@blp.route("/orders/<int:order_id>/feedback", methods=["POST"])
@blp.arguments(FeedbackWriteSchema)
@blp.response(201, FeedbackResultSchema)
@permission_required("feedback.record")
def record_feedback(data, order_id: int):
    """Ratings (1–5) per therapist's finished job; ≤ 2 or ``complaint`` opens a case.

    All or nothing: an error names ``ratings.<index>.<field>``.
    """
    order = get_in_scope_or_404(Order, order_id)
    recorded, opened = [], []
    for index, rating in enumerate(data["ratings"]):
        try:
            feedback, case = service.record_feedback(
                order, rating["service_job_id"], rating=rating["rating"],
                comment=rating["comment"], complaint=rating["complaint"],
                complaint_text=rating["complaint_text"], actor=current_user)
        except InputError as exc:
            raise InputError({f"ratings.{index}.{name}": message
                              for name, message in exc.fields.items()}) from None
        recorded.append(feedback)
        if case is not None:
            opened.append(case)
    db.session.commit()
    return {"feedback": recorded, "complaints": opened}


@blp.route("/complaints")
@blp.arguments(ComplaintQueryArgsSchema, location="query")
@blp.response(200, ComplaintPageSchema)
@permission_required("complaint.manage")
def list_complaints(args):
    """Complaint cases of your stores (head office: all), newest first."""
    rows, total = service.list_complaints(
        store_scope(current_user), status=args.get("status"), store_id=args.get("store_id"),
        therapist_id=args.get("therapist_id"), page=args["page"], page_size=args["page_size"])
    return {"items": [row.case for row in rows], "page": args["page"],
            "page_size": args["page_size"], "total": total}


@blp.route("/complaints/<int:complaint_id>")
@blp.response(200, ComplaintSchema)
@permission_required("complaint.manage")
def get_complaint(complaint_id: int):
    return get_in_scope_or_404(ComplaintCase, complaint_id)


@blp.route("/complaints/<int:complaint_id>", methods=["PATCH"])
@blp.arguments(ComplaintPatchSchema)
@blp.response(200, ComplaintSchema)
@permission_required("complaint.manage")
def update_complaint(data, complaint_id: int):
    """Take (owner), investigate, resolve (resolution), close (reply to the guest)."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    service.update_complaint(case, **data)
    db.session.commit()
    return case
