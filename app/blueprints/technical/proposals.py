"""新项目: a supervisor proposes a new technique or service item; the technical
director decides it through the one approval flow (app/approvals.py, kind
``technique_proposal``); an approved proposal becomes a draft service item
(``service_items.is_draft``) that head office prices and releases (发布) on the
价目表.  Plain functions: add and flush, never commit.

Rules chosen where the issue is silent:

* Who: ``technique.propose`` proposes (the director, technical and trainee
  supervisors); the proposal belongs to the proposer's store (None: head office) and
  is seen by those who see that store.  ``technique.approve`` (the director) decides;
  nobody decides their own proposal (a director's proposal waits for the owner).
* The price idea is optional, a non-negative amount; the draft item takes it as its
  price (0 when none) and no commissions: head office sets both before releasing.
* The proposer may cancel (撤回) while it is pending; nothing is deleted.
* Rejecting needs a note (the proposer learns why).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals
from app.audit import record_audit, register_audit_actions
from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.store import catalogue
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.blueprints.technical.models import PROPOSAL_STATUSES, TechniqueProposal
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.permissions import store_scope
from app.validation import InputError

register_audit_actions({
    "technique_proposal.propose": _l("提出新项目"),
    "technique_proposal.approve": _l("批准新项目提案"),
    "technique_proposal.reject": _l("驳回新项目提案"),
    "technique_proposal.cancel": _l("撤回新项目提案"),
})

KIND = "technique_proposal"
STATUS_LABELS = {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回"),
                 "cancelled": _l("已撤回")}
CATEGORY_LABELS = {"foot": _l("足疗"), "body": _l("按摩"), "ear": _l("采耳"), "spa": _l("水疗"),
                   "other": _l("其他")}
register_audit_fields({"price_idea": _l("建议售价"), "service_item_id": _l("服务项目"),
                       "is_draft": _l("草稿")})
register_audit_values("status", STATUS_LABELS, "technique_proposal")

FIELDS = ("name", "category", "process", "duration_minutes", "materials", "price_idea",
          "rationale")
LIMITS = {"name": 64, "process": 4000, "materials": 2000, "rationale": 2000}
MIN_MINUTES, MAX_MINUTES = 5, 600


class ProposalError(InputError):
    """Bad proposal input or a refused step; ``fields`` maps each field to its message."""


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def _clean(values: dict) -> dict:
    unknown = set(values) - set(FIELDS)
    errors: dict[str, str] = {name: _("不能填写此字段") for name in sorted(unknown)}
    cleaned: dict = {}
    for name, limit in LIMITS.items():
        value = values.get(name)
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[name] = _("格式不正确")
            continue
        value = value.strip()
        if name in ("name", "process") and not value:
            errors[name] = _("必填")
        elif len(value) > limit:
            errors[name] = _("不能超过 %(n)d 个字符", n=limit)
        else:
            cleaned[name] = value
    if values.get("category") not in SERVICE_CATEGORIES:
        errors["category"] = _("请选择类别")
    else:
        cleaned["category"] = values["category"]
    minutes = values.get("duration_minutes")
    try:
        if isinstance(minutes, bool) or (isinstance(minutes, float) and not minutes.is_integer()):
            raise ValueError
        minutes = int(str(minutes).strip())
    except (TypeError, ValueError):
        errors["duration_minutes"] = _("请填写整数")
    else:
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            errors["duration_minutes"] = _("应在 %(low)d 到 %(high)d 之间", low=MIN_MINUTES,
                                           high=MAX_MINUTES)
        else:
            cleaned["duration_minutes"] = minutes
    price = values.get("price_idea")
    if price is None or (isinstance(price, str) and not price.strip()):
        cleaned["price_idea"] = None
    else:
        try:
            cleaned["price_idea"] = catalogue.parse_money(price, "price_idea",
                                                          error=ProposalError)
        except ProposalError as exc:
            errors["price_idea"] = exc.message
    if errors:
        raise ProposalError(errors)
    return cleaned


def proposer_store_id(actor) -> int | None:
    """The proposer's store: head office (None) for a head-office role, else their own
    store when it is one of theirs, else the first of their stores."""
    scope = store_scope(actor)
    if scope is None:
        return None
    employee = db.session.get(Employee, actor.employee_id) if getattr(
        actor, "employee_id", None) else None
    if employee is not None and employee.store_id in scope:
        return employee.store_id
    return min(scope) if scope else None


def propose(values: dict, actor) -> TechniqueProposal:
    """提出新项目: waits for the director (status ``pending``)."""
    cleaned = _clean(values)
    proposal = TechniqueProposal(**cleaned, store_id=proposer_store_id(actor),
                                 status="pending",
                                 requested_by_account_id=getattr(actor, "id", None))
    db.session.add(proposal)
    db.session.flush()
    record_audit("technique_proposal.propose", KIND, proposal.id,
                 after=_snapshot(proposal), actor=actor)
    return proposal


def _snapshot(proposal: TechniqueProposal) -> dict:
    return {"name": proposal.name, "category": proposal.category,
            "duration_minutes": proposal.duration_minutes,
            "price_idea": str(proposal.price_idea) if proposal.price_idea is not None else None,
            "store_id": proposal.store_id, "status": proposal.status,
            "service_item_id": proposal.service_item_id}


def cancel(proposal: TechniqueProposal, actor) -> TechniqueProposal:
    """撤回 by the proposer while it waits (kept, status ``cancelled``)."""
    if proposal.status != "pending":
        raise ProposalError.on("status", _("只能撤回待审批的提案"))
    if getattr(actor, "id", None) != proposal.requested_by_account_id:
        raise ProposalError.on("status", _("只有提案人可以撤回"))
    proposal.status = "cancelled"
    db.session.flush()
    record_audit("technique_proposal.cancel", KIND, proposal.id, before={"status": "pending"},
                 after={"status": "cancelled"}, actor=actor)
    return proposal


def _decide(proposal: TechniqueProposal, actor, verdict: str, note: str) -> TechniqueProposal:
    if proposal.status != "pending":
        raise ProposalError.on("status", _("这条提案不在待审批状态"))

    def effect(_step):
        proposal.status = verdict
        proposal.decided_by_account_id = getattr(actor, "id", None)
        proposal.decided_at = utcnow()
        proposal.decision_note = note
        if verdict == approvals.APPROVED:
            item = catalogue.create_draft_service_item(
                code_stem=f"NEW-{proposal.id}", name=proposal.name, category=proposal.category,
                duration_minutes=proposal.duration_minutes,
                price=proposal.price_idea if proposal.price_idea is not None
                else Decimal("0.00"))
            proposal.service_item_id = item.id
        db.session.flush()
        record_audit(f"technique_proposal.{'approve' if verdict == 'approved' else 'reject'}",
                     KIND, proposal.id, before={"status": "pending"},
                     after={**_snapshot(proposal), "note": note}, actor=actor)

    approvals.decide(KIND, proposal, actor, verdict, note, effect)
    return proposal


def approve(proposal: TechniqueProposal, actor, note: str = "") -> TechniqueProposal:
    """批准: the proposal becomes a draft service item for head office to price and release."""
    return _decide(proposal, actor, approvals.APPROVED,
                   approvals.clean_note(note, field_name="note"))


def reject(proposal: TechniqueProposal, actor, note: str = "") -> TechniqueProposal:
    return _decide(proposal, actor, approvals.REJECTED,
                   approvals.clean_note(note, required=True, field_name="note"))


def proposal_query(scope: set[int] | None, status: str | None = None):
    query = select(TechniqueProposal)
    if scope is not None:
        query = query.where(TechniqueProposal.store_id.in_(sorted(scope) or [-1]))
    if status in PROPOSAL_STATUSES:
        query = query.where(TechniqueProposal.status == status)
    return query.order_by(TechniqueProposal.created_at.desc(), TechniqueProposal.id.desc())
