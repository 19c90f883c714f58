"""技术投诉调查 over the API: the complaint cases with their investigation state, and one
case's investigation (read, record, conclude, reopen).

Over app/blueprints/technical/investigations.py (the rules are there): ``technical.view``
reads, ``therapist.assess`` investigates, the director (``technical.settings``) reopens.
A store-level supervisor sees the complaints of their stores only.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate, validates

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, parse_month
from app.blueprints.store.models import ComplaintCase
from app.blueprints.technical import investigations as service
from app.blueprints.technical.models import CORRECTIVE_ACTIONS, INVESTIGATION_STATUSES
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_technical_investigations", __name__,
                description="Complaints about technique (技术投诉调查)")

ACTION_HELP = "none 无需纠正 / training 培训 / re_exam 复考 / penalty 处罚"


class InvestigationSchema(Schema):
    id = fields.Integer()
    complaint_id = fields.Integer()
    store_id = fields.Integer()
    therapist_id = fields.Integer(allow_none=True, metadata={
        "description": "the therapist it is attributed to (null: nobody)"})
    substantiated = fields.Boolean(allow_none=True, metadata={"description": "null: undecided"})
    findings = fields.String()
    corrective_action = fields.String(validate=validate.OneOf(CORRECTIVE_ACTIONS),
                                      metadata={"description": ACTION_HELP})
    corrective_note = fields.String()
    guest_feedback = fields.String()
    guest_feedback_at = fields.DateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(INVESTIGATION_STATUSES),
                           metadata={"description": "open 调查中 / concluded 已结论"})
    investigator_account_id = fields.Integer(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()


class FollowUpSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer(allow_none=True)


class FollowUpsSchema(Schema):
    exams = fields.List(fields.Nested(FollowUpSchema), metadata={
        "description": "practical exams (re-exams) carrying this complaint_id"})
    trainings = fields.List(fields.Nested(FollowUpSchema))
    discipline = fields.List(fields.Nested(FollowUpSchema))


class CaseInvestigationSchema(Schema):
    complaint_id = fields.Integer()
    store_id = fields.Integer()
    description = fields.String()
    complaint_therapist_id = fields.Integer(allow_none=True, metadata={
        "description": "the therapist the desk named"})
    created_at = fields.DateTime()
    state = fields.String(validate=validate.OneOf(service.STATES), metadata={
        "description": "pending 待调查 (none yet) / open 调查中 / concluded 已结论"})
    age_days = fields.Integer(metadata={
        "description": "days from the complaint to its conclusion, or to today"})
    investigation = fields.Nested(InvestigationSchema, allow_none=True)
    follow_ups = fields.Nested(FollowUpsSchema)


CaseInvestigationPageSchema = page_schema(CaseInvestigationSchema, "CaseInvestigationPage")


class CaseQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    state = fields.String(validate=validate.OneOf(service.STATES))
    month = fields.String(metadata={"description": "YYYY-MM: complaints of that month"})

    @validates("month")
    def _month(self, value, **_kwargs):
        parse_month(value)




class InvestigationWriteSchema(Schema):
    """Every field optional: only those sent change (get-or-create on the first write)."""

    therapist_id = fields.Integer(allow_none=True, strict=True, metadata={
        "description": "one of the order's therapists or of the store's; null: nobody"})
    substantiated = fields.Boolean(allow_none=True, metadata={"description": "null: undecided"})
    findings = fields.String(validate=validate.Length(max=2000))
    corrective_action = fields.String(validate=validate.OneOf(CORRECTIVE_ACTIONS),
                                      metadata={"description": ACTION_HELP})
    corrective_note = fields.String(validate=validate.Length(max=2000))
    guest_feedback = fields.String(validate=validate.Length(max=2000), metadata={
        "description": "what the guest was told; its time is recorded"})


def _case_view(case: ComplaintCase, investigation, age_days: int | None = None,
               follow=None) -> dict:
    if age_days is None:
        today = service.tenant_today()
        opened = service.local_date(case.created_at) or today
        until = investigation.concluded_on if investigation is not None and \
            investigation.concluded_on else today
        age_days = max(0, (until - opened).days)
    result = {"complaint_id": case.id, "store_id": case.store_id,
              "description": case.description, "complaint_therapist_id": case.therapist_id,
              "created_at": case.created_at, "state": service.state_of(investigation),
              "age_days": age_days, "investigation": investigation}
    if follow is not None:
        result["follow_ups"] = follow
    return result


def _one(complaint_id: int) -> dict:
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    return _case_view(case, service.investigation_of(case.id),
                      follow=service.follow_ups(case.id))


@blp.route("/technique-complaints")
@blp.arguments(CaseQueryArgsSchema, location="query")
@blp.response(200, CaseInvestigationPageSchema)
@permission_required("technical.view")
def list_technique_complaints(args):
    """Complaint cases of your stores (head office: all) with their investigation state,
    newest first."""
    store = get_in_scope_or_404(Store, args["store_id"]) if args.get("store_id") else None
    rows, total = service.list_cases(
        store_scope(current_user), store_id=store.id if store else None,
        state=args.get("state"), month=parse_month(args["month"]) if args.get("month") else None,
        page=args["page"], page_size=args["page_size"])
    return {"items": [_case_view(row.case, row.investigation, row.age_days) for row in rows],
            "page": args["page"], "page_size": args["page_size"], "total": total}


@blp.route("/complaints/<int:complaint_id>/investigation")
@blp.response(200, CaseInvestigationSchema)
@permission_required("technical.view")
def get_investigation(complaint_id: int):
    """The case's investigation (``investigation`` null while 待调查) and its follow-ups."""
    return _one(complaint_id)


@blp.route("/complaints/<int:complaint_id>/investigation", methods=["PUT"])
@blp.arguments(InvestigationWriteSchema)
@blp.response(200, CaseInvestigationSchema)
@permission_required("therapist.assess")
def put_investigation(data, complaint_id: int):
    """Record the investigation (opened on the first write).  Refused once concluded."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    kwargs = {name: data[name] for name in ("findings", "corrective_action", "corrective_note",
                                            "guest_feedback") if name in data}
    for name in ("therapist_id", "substantiated"):
        if name in data:
            kwargs[name] = data[name]
    service.update_investigation(case, current_user, **kwargs)
    db.session.commit()
    return _one(complaint_id)


@blp.route("/complaints/<int:complaint_id>/investigation/conclude", methods=["POST"])
@blp.response(200, CaseInvestigationSchema)
@permission_required("therapist.assess")
def conclude_investigation(complaint_id: int):
    """已结论: needs ``substantiated`` decided, ``findings`` and ``guest_feedback``; a
    substantiated one attributed to a therapist needs a ``corrective_action`` other than
    none (422 naming each missing field; nothing changes)."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    service.conclude_investigation(case, current_user)
    db.session.commit()
    return _one(complaint_id)


@blp.route("/complaints/<int:complaint_id>/investigation/reopen", methods=["POST"])
@blp.response(200, CaseInvestigationSchema)
@permission_required(service.REOPEN_PERMISSION)
def reopen_investigation(complaint_id: int):
    """The technical director reopens a concluded investigation."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    service.reopen_investigation(case, current_user)
    db.session.commit()
    return _one(complaint_id)
