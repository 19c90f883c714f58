"""技术部's kind of the one approval flow (app/approvals.py): 新项目提案, decided by the
technical director (``technique.approve``) at head office."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.technical import proposals
from app.blueprints.technical.models import TechniqueProposal

TECHNIQUE_PROPOSAL = ApprovalKind(
    name=proposals.KIND, label=_l("新项目提案"), model=TechniqueProposal,
    steps=(Step("director", "pending", "technique.approve", _l("技术总监审批"),
                scoped=False),),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: None,
    store=lambda row: row.store_id,
    store_column=TechniqueProposal.store_id,
    approve=lambda row, actor, note: proposals.approve(row, actor, note),
    reject=lambda row, actor, note: proposals.reject(row, actor, note),
    reject_needs_note=True,
    describe=lambda row: _("新项目：%(name)s（%(minutes)s 分钟）", name=row.name,
                           minutes=row.duration_minutes),
    url=lambda row: url_for("technical.proposal_detail", proposal_id=row.id),
    submitted_at=lambda row: row.created_at,
    refusal_error=proposals.ProposalError,
)


def register() -> None:
    approvals.register_kind(TECHNIQUE_PROPOSAL)
