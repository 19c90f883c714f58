"""新项目 proposals over the API: list, propose, read, approve, reject, withdraw.

Over app/blueprints/technical/proposals.py (the rules are there): ``technique.propose``
proposes and withdraws their own pending proposal; ``technique.approve`` (the director)
decides through the one approval flow (nobody decides their own proposal).  An approved
proposal has ``service_item_id``: a draft service item (``is_draft``) that head office
prices (PATCH /service-items/{id}) and releases (POST /service-items/{id}/release).
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.blueprints.technical import proposals as service
from app.blueprints.technical.models import PROPOSAL_STATUSES, TechniqueProposal
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_technical_proposals", __name__, url_prefix="/technique-proposals",
                description="New techniques and service items (新项目提案)")

CATEGORY_HELP = "foot 足疗 / body 按摩 / ear 采耳 / spa 水疗 / other 其他"


class ProposalSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    process = fields.String()
    duration_minutes = fields.Integer()
    materials = fields.String()
    price_idea = Money(allow_none=True)
    rationale = fields.String()
    store_id = fields.Integer(allow_none=True, metadata={"description": "null: head office"})
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES),
                           metadata={"description": "pending | approved | rejected | cancelled"})
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    service_item_id = fields.Integer(allow_none=True, metadata={
        "description": "the draft service item an approval made"})
    created_at = fields.DateTime()


class ProposalCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(SERVICE_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    process = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    duration_minutes = fields.Integer(required=True, strict=True,
                                      validate=validate.Range(min=5, max=600))
    materials = fields.String(load_default="", validate=validate.Length(max=2000))
    price_idea = fields.Decimal(as_string=True, allow_none=True, load_default=None,
                                metadata={"description": "yuan, ≥ 0, optional"})
    rationale = fields.String(load_default="", validate=validate.Length(max=2000))


class ProposalQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))


class ProposalNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "description": "required to reject"})


ProposalPageSchema = page_schema(ProposalSchema, "TechniqueProposalPage")


@blp.route("")
@blp.arguments(ProposalQueryArgsSchema, location="query")
@blp.response(200, ProposalPageSchema)
@permission_required("technical.view")
def list_proposals(args):
    """Proposals of your stores (head office: all), newest first."""
    return paginate(service.proposal_query(store_scope(current_user), args.get("status")),
                    args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(ProposalCreateSchema)
@blp.response(201, ProposalSchema)
@permission_required("technique.propose")
def create_proposal(data):
    """Propose (status ``pending``); the proposal belongs to your store (head office: none)."""
    proposal = service.propose(data, current_user)
    db.session.commit()
    return proposal


@blp.route("/<int:proposal_id>")
@blp.response(200, ProposalSchema)
@permission_required("technical.view")
def get_proposal(proposal_id: int):
    return get_in_scope_or_404(TechniqueProposal, proposal_id)


def _act(proposal_id: int, verb):
    proposal = get_in_scope_or_404(TechniqueProposal, proposal_id)
    verb(proposal)
    db.session.commit()
    return proposal


@blp.route("/<int:proposal_id>/approve", methods=["POST"])
@blp.arguments(ProposalNoteSchema)
@blp.response(200, ProposalSchema)
@permission_required("technique.approve")
def approve_proposal(data, proposal_id: int):
    """Approve: a draft service item is made (``service_item_id``); not your own."""
    return _act(proposal_id, lambda row: service.approve(row, current_user, data["note"]))


@blp.route("/<int:proposal_id>/reject", methods=["POST"])
@blp.arguments(ProposalNoteSchema)
@blp.response(200, ProposalSchema)
@permission_required("technique.approve")
def reject_proposal(data, proposal_id: int):
    return _act(proposal_id, lambda row: service.reject(row, current_user, data["note"]))


@blp.route("/<int:proposal_id>/cancel", methods=["POST"])
@blp.response(200, ProposalSchema)
@permission_required("technique.propose")
def cancel_proposal(proposal_id: int):
    """Withdraw your own proposal while it waits."""
    return _act(proposal_id, lambda row: service.cancel(row, current_user))
