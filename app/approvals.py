"""The one approval flow: every request that someone must decide goes through here.

A department declares each of its approvable kinds (请假, 加班, 奖惩, 人事变动,
离职, 退款, 工资表 … and next 费用, 采购, 报损, 定级) in its own folder with
:func:`register_kind`; this module imports none of them.  A kind says which
states of its rows wait for which step, and for each step the permission that
decides it, whether the decider must see the request's store, and when the step
applies (a rule of the kind, or an amount above a threshold of the tenant's
settings).  The department's ``approve``/``reject`` functions keep their own
effects (a refund pays money back, a change is applied) and call :func:`decide`,
which checks the decider, runs the effect and records the decision.

The rules, for every kind (tests/test_approvals.py):

1. Nobody decides their own request (its submitter) or a request about
   themselves (its subject: the employee the leave, the change, the reward …
   is for).
2. A step is decided only by someone holding its permission who sees the
   request's store (head-office roles see every store).
3. A kind with ``distinct_people`` (the 工资表: submitter, reviewer, approver)
   refuses anyone who already acted on the request at an earlier step.  The
   tenant setting ``approvals.one_person_office`` lets the owner waive this
   (a company run by one person); every waived decision is audited
   (``approval.waive``) and marked on its decision row.
4. Every decision is one ``approval_decisions`` row (kind, object, step,
   verdict, decider, note, time) beside the department's own audit entry.
5. :func:`waiting_for` is the one "what waits for me" across every kind: only
   what this person may decide now, by rules 1-3.

Refusals are :class:`ApprovalRefused`, an :class:`InputError` on ``status``
(422 on the API, a message on a page); nothing is changed when it is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models.approval import ApprovalDecision
from app.permissions import get_in_scope_or_404, register_path_resolver, store_scope
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({
    "approval.waive": _l("企业主豁免职责分离（一人公司）"),
    "approvals.settings": _l("修改审批设置"),
})

APPROVED = "approved"
REJECTED = "rejected"
VERDICTS = (APPROVED, REJECTED)
MAX_NOTE = 500


class ApprovalRefused(InputError):
    """This person may not decide this request now (names ``status``)."""


@dataclass(frozen=True)
class Step:
    """One decision a request waits for while its row is in ``waits_in``."""

    name: str
    waits_in: str
    permission: str
    label: Any
    # The decider must see the request's store (a store manager: their stores).
    scoped: bool = True
    # The step applies to this row (e.g. a long leave goes to HR, a short one to the store).
    applies: Callable[[Any], bool] | None = None
    # The step applies only when the kind's amount is above this key of the
    # tenant's ``approvals`` settings (no threshold set: always).
    above_setting: str | None = None
    # Why someone without the permission is refused, when the kind says more than the default.
    denied: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class ApprovalKind:
    name: str
    label: Any
    model: type
    steps: tuple[Step, ...]
    # The account that filed the request, and the employee it is about.
    submitter: Callable[[Any], int | None]
    subject: Callable[[Any], int | None]
    store: Callable[[Any], int | None]
    # The department's own functions: approve(obj, actor, note), reject(obj, actor, note).
    approve: Callable[[Any, Any, str], Any]
    reject: Callable[[Any, Any, str], Any]
    describe: Callable[[Any], str]
    url: Callable[[Any], str]
    amount: Callable[[Any], Decimal | None] | None = None
    # Accounts that already acted on the request (for distinct_people).
    earlier_deciders: Callable[[Any], set[int | None]] | None = None
    distinct_people: bool = False
    reject_needs_note: bool = False
    status_attribute: str = "status"
    # The SQL column of the request's store, for the inbox's first cut.
    store_column: Any = None
    submitted_at: Callable[[Any], datetime | None] | None = None
    # Eager loads for the inbox (relationships the describe/url functions read).
    inbox_options: tuple = field(default=())
    # The department's own InputError subclass for a refusal (its callers catch it).
    refusal_error: type[InputError] | None = None
    # A rule of the kind beyond 1-3 (e.g. a promotion's approver must be allowed to
    # give the new role): the message, or None.
    extra_refusal: Callable[[Any, Any], str | None] | None = None


KINDS: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> None:
    """A department declares a kind; the same name registered again replaces itself."""
    unknown = [s.permission for s in kind.steps if not _known_permission(s.permission)]
    if unknown:
        raise ValueError(f"{kind.name}: unknown permissions {unknown}")
    KINDS[kind.name] = kind


def kind_of(name: str) -> ApprovalKind:
    try:
        return KINDS[name]
    except KeyError:
        raise InputError.on("kind", _("没有这种审批")) from None


def _known_permission(name: str) -> bool:
    from app.permissions import PERMISSIONS

    return name in PERMISSIONS


# --------------------------------------------------------------------------- settings


# name -> (label, default amount): the amount thresholds the kinds' steps name in
# ``above_setting``; the settings page and API list them, the owner changes them.
THRESHOLDS: dict[str, tuple[Any, Decimal]] = {}


def register_threshold(name: str, label, default: Decimal) -> None:
    """A department declares a threshold its kinds use, with the company's default."""
    THRESHOLDS[name] = (label, Decimal(default))


@dataclass(frozen=True)
class ApprovalSettings:
    one_person_office: bool = False
    # name -> amount above which a step with that ``above_setting`` applies.
    thresholds: dict[str, Decimal] = field(default_factory=dict)


def approval_settings() -> ApprovalSettings:
    """The current tenant's ``policies["approvals"]``, defaults where unset."""
    from app.models import Tenant

    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    stored = dict((tenant.policies or {}).get("approvals", {}) or {}) if tenant else {}
    thresholds = {name: default for name, (_label, default) in THRESHOLDS.items()}
    for name, value in (stored.get("thresholds") or {}).items():
        try:
            thresholds[name] = Decimal(str(value))
        except (InvalidOperation, ValueError):
            continue
    return ApprovalSettings(one_person_office=bool(stored.get("one_person_office")),
                            thresholds=thresholds)


def save_approval_settings(actor, *, one_person_office: bool,
                           thresholds: dict[str, object] | None = None) -> ApprovalSettings:
    """Only the owner changes them: they can waive the separation of duties."""
    from app.models import Tenant

    if getattr(actor, "role", None) != "owner":
        raise ApprovalRefused.on("one_person_office", _("只有企业主可以修改审批设置"))
    cleaned: dict[str, str] = {}
    errors = {}
    for name, value in (thresholds or {}).items():
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount > Decimal(
                "9999999999.99") or amount != amount.quantize(Decimal("0.01")):
            errors[f"thresholds.{name}"] = _("金额须为不小于 0 的数字，最多两位小数")
            continue
        cleaned[name] = f"{amount:.2f}"
    if errors:
        raise InputError(errors)
    tenant = db.session.get(Tenant, current_tenant_id())
    before = dict((tenant.policies or {}).get("approvals", {}) or {})
    after = {"one_person_office": bool(one_person_office), "thresholds": cleaned}
    policies = dict(tenant.policies or {})
    policies["approvals"] = after
    tenant.policies = policies  # a new dict: JSON columns track assignment only
    record_audit("approvals.settings", "tenant", tenant.id, before=before, after=after,
                 actor=actor)
    db.session.flush()
    return approval_settings()


# --------------------------------------------------------------------------- who decides


def current_step(kind: ApprovalKind, obj, settings: ApprovalSettings | None = None
                 ) -> Step | None:
    """The step ``obj`` waits for now, or None when it waits for nobody."""
    status = getattr(obj, kind.status_attribute)
    for step in kind.steps:
        if step.waits_in != status:
            continue
        if step.applies is not None and not step.applies(obj):
            continue
        if step.above_setting is not None:
            settings = settings or approval_settings()
            threshold = settings.thresholds.get(step.above_setting)
            amount = kind.amount(obj) if kind.amount is not None else None
            if threshold is not None and (amount is None or amount <= threshold):
                continue
        return step
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether ``actor`` may decide now; ``reason`` says why not."""

    step: Step | None
    reason: str | None = None
    waived: bool = False

    @property
    def allowed(self) -> bool:
        return self.reason is None


def judge(kind: ApprovalKind | str, obj, actor, settings: ApprovalSettings | None = None
          ) -> Verdict:
    """Rules 1-3 of the module docstring, in the order a person would want to hear them."""
    if isinstance(kind, str):
        kind = kind_of(kind)
    settings = settings or approval_settings()
    step = current_step(kind, obj, settings)
    if step is None:
        return Verdict(None, _("这条申请不在待审批状态"))
    if actor is None or getattr(actor, "is_platform_admin", False) or not getattr(
            actor, "id", None):
        return Verdict(step, _("审批须由本企业的人作出"))
    own_employee = getattr(actor, "employee_id", None)
    if own_employee is not None and kind.subject(obj) == own_employee:
        return Verdict(step, _("不能审批关于自己的申请"))
    waivable = kind.distinct_people and settings.one_person_office and actor.role == "owner"
    waived = False
    if kind.submitter(obj) == actor.id:
        if not waivable:
            return Verdict(step, _("不能审批自己提交的申请"))
        waived = True
    if kind.distinct_people and kind.earlier_deciders is not None and (
            actor.id in kind.earlier_deciders(obj)):
        if not waivable:
            return Verdict(step, _("同一申请的提交、复核、审批须由不同的人完成：您已处理过上一步"))
        waived = True
    if not actor.can(step.permission):
        return Verdict(step, step.denied(obj) if step.denied else _("您没有审批这条申请的权限"))
    if step.scoped and not _sees_store(actor, kind.store(obj)):
        return Verdict(step, _("这条申请不在您管理的门店"))
    if kind.extra_refusal is not None:
        reason = kind.extra_refusal(obj, actor)
        if reason:
            return Verdict(step, reason)
    return Verdict(step, None, waived)


def _sees_store(actor, store_id: int | None) -> bool:
    scope = store_scope(actor)
    return scope is None or (store_id is not None and store_id in scope)


def may_decide(kind: ApprovalKind | str, obj, actor) -> bool:
    return judge(kind, obj, actor).allowed


def check_decider(kind: ApprovalKind | str, obj, actor) -> Verdict:
    """The verdict when ``actor`` may decide; else :class:`ApprovalRefused`."""
    if isinstance(kind, str):
        kind = kind_of(kind)
    verdict = judge(kind, obj, actor)
    if not verdict.allowed:
        raise ApprovalRefused.on("status", verdict.reason) if kind.refusal_error is None \
            else kind.refusal_error.on("status", verdict.reason)
    return verdict


def clean_note(note: str | None, *, required: bool = False, field_name: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise InputError.on(field_name, _("请填写驳回原因"))
    if len(note) > MAX_NOTE:
        raise InputError.on(field_name, _("最多 %(n)d 个字", n=MAX_NOTE))
    return note


def decide(kind: ApprovalKind | str, obj, actor, verdict: str, note: str = "",
           effect: Callable[[Step], Any] | None = None):
    """Check the decider, run the department's ``effect(step)``, record the decision.

    ``effect`` changes the request (its status, stamps, consequences) and may
    raise the department's own InputError, which leaves nothing recorded.
    """
    if isinstance(kind, str):
        kind = kind_of(kind)
    if verdict not in VERDICTS:
        raise InputError.on("verdict", _("审批结果只能是批准或驳回"))
    judged = check_decider(kind, obj, actor)
    note = (note or "").strip()[:MAX_NOTE]
    result = effect(judged.step) if effect is not None else None
    db.session.add(ApprovalDecision(kind=kind.name, object_id=obj.id, step=judged.step.name,
                                    verdict=verdict, actor_account_id=actor.id, note=note,
                                    waived=judged.waived))
    if judged.waived:
        record_audit("approval.waive", kind.name, obj.id,
                     after={"step": judged.step.name, "verdict": verdict, "note": note},
                     actor=actor)
    db.session.flush()
    return result


def load_request(kind_name: str, object_id: int):
    """The request, of the current tenant and within the caller's stores; else 404."""
    kind = KINDS.get(kind_name)
    if kind is None:
        abort(404)
    return get_in_scope_or_404(kind.model, object_id, store_id_of=kind.store)


# Before any view reads a body: another tenant's (or store's) request is a 404.
register_path_resolver("object_id",
                       lambda view_args: load_request(view_args.get("kind", ""),
                                                      view_args["object_id"]))


def decide_by_name(kind_name: str, object_id: int, actor, verdict: str, note: str = ""):
    """The inbox's and the API's one entry: load the request, call its kind's function."""
    kind = kind_of(kind_name)
    obj = load_request(kind_name, object_id)
    if verdict == APPROVED:
        return kind.approve(obj, actor, note)
    if verdict == REJECTED:
        return kind.reject(obj, actor, clean_note(note, required=kind.reject_needs_note))
    raise InputError.on("verdict", _("审批结果只能是批准或驳回"))


# --------------------------------------------------------------------------- the inbox


@dataclass(frozen=True)
class Waiting:
    kind: ApprovalKind
    obj: Any
    step: Step
    summary: str
    store_id: int | None
    amount: Decimal | None
    submitted_at: datetime | None

    @property
    def url(self) -> str:
        """The request's own page (built when shown: it needs a request context)."""
        return self.kind.url(self.obj)

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)

    @property
    def step_label(self) -> str:
        return str(self.step.label)


def waiting_for(actor, limit_per_kind: int = 200) -> list[Waiting]:
    """Everything ``actor`` may decide now, every kind, oldest first."""
    if actor is None or getattr(actor, "is_platform_admin", False):
        return []
    settings = approval_settings()
    scope = store_scope(actor)
    found: list[Waiting] = []
    for kind in KINDS.values():
        states = {s.waits_in for s in kind.steps if actor.can(s.permission)}
        if not states:
            continue
        status = getattr(kind.model, kind.status_attribute)
        stmt = select(kind.model).where(status.in_(sorted(states)))
        if scope is not None and kind.store_column is not None and all(
                s.scoped for s in kind.steps if actor.can(s.permission)):
            stmt = stmt.where(kind.store_column.in_(sorted(scope) or [-1]))
        stmt = stmt.options(*kind.inbox_options).order_by(kind.model.id).limit(limit_per_kind)
        for obj in db.session.scalars(stmt):
            judged = judge(kind, obj, actor, settings)
            if not judged.allowed:
                continue
            found.append(Waiting(
                kind=kind, obj=obj, step=judged.step, summary=kind.describe(obj),
                store_id=kind.store(obj),
                amount=kind.amount(obj) if kind.amount is not None else None,
                submitted_at=kind.submitted_at(obj) if kind.submitted_at else None))
    found.sort(key=lambda w: (w.submitted_at is None, w.submitted_at or datetime.min))
    return found

