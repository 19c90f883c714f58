"""费用报销/申请: a store's or a head-office department's expense claim, decided through the
one approval flow (kind ``expense``, app/blueprints/finance/approval_kinds_expenses.py)
and paid by finance.  Plain functions: add and flush, never commit.

Rules chosen where the issue is silent:

* Who submits: ``expense.submit``.  A store role claims for one of its stores, the claimant
  being themselves; head office claims for any store or a department (部门), for itself or
  for another employee (the claimant is whom the money goes back to).
* Route: a store's claim waits for its store manager (``pending_store``), then finance
  (``pending_finance``), then the general manager when the amount is above the tenant's
  ``expense_gm`` threshold (default ¥5,000).  A department's claim starts at finance.  A
  claim submitted by someone who decides the store step themselves (the store's manager,
  the owner) starts at finance: rule 1 of app/approvals.py forbids them deciding it, and
  nobody else in the store could.
* Who sees a claim: store roles, their stores' claims; head office with ``finance.view``
  (or a deciding permission), every claim; other head-office people, the claims they
  submitted or that are theirs.
* The submitter cancels (撤回) while it waits and adds receipts while it waits; rejecting
  needs a note; ``expense.pay`` marks an approved claim paid (not one's own claim).
* Approved and paid claims count in the month of ``spent_on`` (budgets, P&L).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app import approvals
from app.audit import record_audit, register_audit_actions
from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.finance.labels import EXPENSE_CATEGORY_LABELS, EXPENSE_STATUS_LABELS
from app.blueprints.finance.models import (
    EXPENSE_APPROVED,
    EXPENSE_CANCELLED,
    EXPENSE_CATEGORIES,
    EXPENSE_PAID,
    EXPENSE_PENDING_FINANCE,
    EXPENSE_PENDING_GM,
    EXPENSE_PENDING_STORE,
    EXPENSE_REJECTED,
    ExpenseAttachment,
    ExpenseClaim,
)
from app.extensions import db
from app.models import Department, Employee, Store
from app.models.base import utcnow
from app.permissions import store_scope
from app.validation import InputError

KIND = "expense"
PENDING = (EXPENSE_PENDING_STORE, EXPENSE_PENDING_FINANCE, EXPENSE_PENDING_GM)
# What the budget and the P&L count.
COUNTED = (EXPENSE_APPROVED, EXPENSE_PAID)
MAX_AMOUNT = Decimal("9999999.99")
CENT = Decimal("0.01")
LIMITS = {"description": 500, "payee": 64}

register_audit_actions({
    "expense.submit": _l("提交费用报销"),
    "expense.approve": _l("批准费用报销"),
    "expense.reject": _l("驳回费用报销"),
    "expense.cancel": _l("撤回费用报销"),
    "expense.pay": _l("费用报销付款"),
    "expense.attach": _l("上传费用票据"),
})
register_audit_fields({"spent_on": _l("发生日期"), "payee": _l("收款方"),
                       "claimant_employee_id": _l("报销人"), "department_id": _l("部门")})
register_audit_values("status", EXPENSE_STATUS_LABELS, KIND)
register_audit_values("category", EXPENSE_CATEGORY_LABELS, KIND)


class ExpenseError(InputError):
    """Bad claim input or a refused step; ``fields`` names each field."""


def status_label(status: str) -> str:
    return str(EXPENSE_STATUS_LABELS.get(status, status))


def category_label(category: str) -> str:
    return str(EXPENSE_CATEGORY_LABELS.get(category, category))


def parse_amount(value, field: str = "amount", *, positive: bool = True,
                 error=ExpenseError) -> Decimal:
    """Yuan with at most 2 decimals, > 0 (or ≥ 0), at most ¥9,999,999.99."""
    if value is None or isinstance(value, bool) or (isinstance(value, str)
                                                    and not value.strip()):
        raise error.on(field, _("请填写金额"))
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except InvalidOperation:
        raise error.on(field, _("金额格式不正确")) from None
    if not amount.is_finite():
        raise error.on(field, _("金额格式不正确"))
    if amount < 0 or (positive and amount == 0):
        raise error.on(field, _("金额必须大于 0") if positive else _("金额不能为负数"))
    if amount > MAX_AMOUNT:
        raise error.on(field, _("金额不能超过 9,999,999.99"))
    if amount != amount.quantize(CENT):
        raise error.on(field, _("金额最多两位小数"))
    return amount.quantize(CENT)


# --------------------------------------------------------------------------- who sees what


def sees_every_claim(actor) -> bool:
    return store_scope(actor) is None and any(
        actor.can(p) for p in ("finance.view", "expense.review", "expense.approve",
                               "expense.pay"))


def visible_claims(actor):
    """A ``select`` of the claims ``actor`` may read (module docstring)."""
    stmt = select(ExpenseClaim)
    scope = store_scope(actor)
    if scope is not None:
        return stmt.where(ExpenseClaim.store_id.in_(sorted(scope) or [-1]))
    if sees_every_claim(actor):
        return stmt
    mine = [ExpenseClaim.requested_by_account_id == actor.id]
    if getattr(actor, "employee_id", None):
        mine.append(ExpenseClaim.claimant_employee_id == actor.employee_id)
    return stmt.where(or_(*mine))


def may_see(actor, claim: ExpenseClaim) -> bool:
    scope = store_scope(actor)
    if scope is not None:
        return claim.store_id in scope
    return sees_every_claim(actor) or claim.requested_by_account_id == actor.id or (
        getattr(actor, "employee_id", None) is not None
        and claim.claimant_employee_id == actor.employee_id)


def month_bounds(period: date) -> tuple[date, date]:
    """The first day of ``period``'s month and the first day of the next."""
    first = period.replace(day=1)
    return first, (first.replace(year=first.year + 1, month=1) if first.month == 12
                   else first.replace(month=first.month + 1))


def filtered_claims(actor, *, store_id: int | None = None, status: str | None = None,
                    category: str | None = None, month: date | None = None,
                    department: bool = False):
    """The list page's and the API's query: visible claims, newest first."""
    stmt = visible_claims(actor)
    if department:
        stmt = stmt.where(ExpenseClaim.store_id.is_(None))
    elif store_id is not None:
        stmt = stmt.where(ExpenseClaim.store_id == store_id)
    if status:
        stmt = stmt.where(ExpenseClaim.status == status)
    if category:
        stmt = stmt.where(ExpenseClaim.category == category)
    if month is not None:
        first, following = month_bounds(month)
        stmt = stmt.where(ExpenseClaim.spent_on >= first, ExpenseClaim.spent_on < following)
    return stmt.order_by(ExpenseClaim.spent_on.desc(), ExpenseClaim.id.desc())


def totals_by_status(stmt) -> dict[str, Decimal]:
    """status -> sum of amount over ``stmt`` (one grouped statement)."""
    inner = stmt.order_by(None).subquery()
    rows = db.session.execute(select(inner.c.status, func.sum(inner.c.amount))
                              .group_by(inner.c.status))
    return {status: Decimal(total or 0).quantize(CENT) for status, total in rows}


# --------------------------------------------------------------------------- submit


def _today() -> date:
    from app.blueprints.store.days import today_for_store

    return today_for_store()


def _clean(values: dict, actor) -> dict:
    errors: dict[str, str] = {}
    cleaned: dict = {}
    scope = store_scope(actor)
    store_id = values.get("store_id")
    department_id = values.get("department_id")
    store_id = _int_or_none(store_id, "store_id", errors)
    department_id = _int_or_none(department_id, "department_id", errors)
    if store_id is not None:
        if (scope is not None and store_id not in scope) or db.session.get(
                Store, store_id) is None:
            errors["store_id"] = _("请选择您的门店")
        cleaned["store_id"], cleaned["department_id"] = store_id, None
    elif department_id is not None and scope is None:
        if db.session.get(Department, department_id) is None:
            errors["department_id"] = _("请选择部门")
        cleaned["store_id"], cleaned["department_id"] = None, department_id
    elif "store_id" not in errors and "department_id" not in errors:
        errors["store_id"] = _("请选择门店或部门") if scope is None else _("请选择您的门店")
    category = values.get("category")
    if category not in EXPENSE_CATEGORIES:
        errors["category"] = _("请选择费用类别")
    cleaned["category"] = category
    try:
        cleaned["amount"] = parse_amount(values.get("amount"))
    except ExpenseError as exc:
        errors["amount"] = exc.message
    spent_on = values.get("spent_on")
    if isinstance(spent_on, str):
        try:
            spent_on = date.fromisoformat(spent_on.strip())
        except ValueError:
            spent_on = None
    if not isinstance(spent_on, date):
        errors["spent_on"] = _("请填写发生日期")
    elif spent_on > _today():
        errors["spent_on"] = _("发生日期不能晚于今天")
    elif spent_on.year < 2000:
        errors["spent_on"] = _("发生日期不正确")
    cleaned["spent_on"] = spent_on
    for name, limit in LIMITS.items():
        value = values.get(name) or ""
        if not isinstance(value, str):
            errors[name] = _("格式不正确")
            continue
        value = value.strip()
        if name == "description" and not value:
            errors[name] = _("请写明费用用途")
        elif len(value) > limit:
            errors[name] = _("不能超过 %(n)d 个字符", n=limit)
        cleaned[name] = value
    own = getattr(actor, "employee_id", None)
    claimant = _int_or_none(values.get("claimant_employee_id"), "claimant_employee_id", errors)
    if claimant is None or claimant == own:
        cleaned["claimant_employee_id"] = own
    elif scope is not None:
        errors["claimant_employee_id"] = _("门店只能为自己报销")
    else:
        employee = db.session.get(Employee, claimant)
        if employee is None or employee.status != "active":
            errors["claimant_employee_id"] = _("请选择在职员工")
        cleaned["claimant_employee_id"] = claimant
    if errors:
        raise ExpenseError(errors)
    return cleaned


def _int_or_none(value, field: str, errors: dict) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = _("格式不正确")
        return None
    if not 0 < number < 2**31:
        errors[field] = _("格式不正确")
        return None
    return number


def first_status(store_id: int | None, actor) -> str:
    """Where a new claim waits first (module docstring: the store manager's own claim
    starts at finance)."""
    if store_id is None:
        return EXPENSE_PENDING_FINANCE
    scope = store_scope(actor)
    decides_store_step = actor.can("expense.approve_store") and (
        scope is None or store_id in scope)
    return EXPENSE_PENDING_FINANCE if decides_store_step else EXPENSE_PENDING_STORE


def submit(values: dict, actor) -> ExpenseClaim:
    """提交费用报销: validated, waiting for its first step."""
    cleaned = _clean(values, actor)
    claim = ExpenseClaim(**cleaned, status=first_status(cleaned["store_id"], actor),
                         requested_by_account_id=actor.id)
    db.session.add(claim)
    db.session.flush()
    record_audit("expense.submit", KIND, claim.id, after=snapshot(claim), actor=actor)
    return claim


def snapshot(claim: ExpenseClaim) -> dict:
    return {"store_id": claim.store_id, "department_id": claim.department_id,
            "category": claim.category, "amount": str(claim.amount),
            "spent_on": claim.spent_on.isoformat(), "payee": claim.payee,
            "claimant_employee_id": claim.claimant_employee_id, "status": claim.status}


# --------------------------------------------------------------------------- decisions


def needs_gm(claim: ExpenseClaim) -> bool:
    """Above the tenant's ``expense_gm`` threshold (app/approvals.py settings)."""
    threshold = approvals.approval_settings().thresholds.get("expense_gm")
    return threshold is not None and claim.amount > threshold


def _next_status(claim: ExpenseClaim, step_name: str) -> str:
    if step_name == "store":
        return EXPENSE_PENDING_FINANCE
    if step_name == "finance" and needs_gm(claim):
        return EXPENSE_PENDING_GM
    return EXPENSE_APPROVED


def _decide(claim: ExpenseClaim, actor, verdict: str, note: str) -> ExpenseClaim:
    if claim.status not in PENDING:
        raise ExpenseError.on("status", _("这笔费用不在待审批状态"))
    before = claim.status

    def effect(step):
        claim.status = (_next_status(claim, step.name) if verdict == approvals.APPROVED
                        else EXPENSE_REJECTED)
        if claim.status in (EXPENSE_APPROVED, EXPENSE_REJECTED):
            claim.decided_at = utcnow()
        db.session.flush()
        record_audit("expense.approve" if verdict == approvals.APPROVED else "expense.reject",
                     KIND, claim.id, before={"status": before},
                     after={"status": claim.status, "step": step.name, "note": note},
                     actor=actor)

    approvals.decide(KIND, claim, actor, verdict, note, effect)
    return claim


def approve(claim: ExpenseClaim, actor, note: str = "") -> ExpenseClaim:
    """批准 this step: on to the next one, or approved (waiting to be paid)."""
    return _decide(claim, actor, approvals.APPROVED, approvals.clean_note(note))


def reject(claim: ExpenseClaim, actor, note: str = "") -> ExpenseClaim:
    """驳回, with the reason (required)."""
    return _decide(claim, actor, approvals.REJECTED, approvals.clean_note(note, required=True))


def cancel(claim: ExpenseClaim, actor) -> ExpenseClaim:
    """撤回 by the submitter while it waits (kept, status ``cancelled``)."""
    if claim.status not in PENDING:
        raise ExpenseError.on("status", _("只能撤回待审批的费用"))
    if actor.id != claim.requested_by_account_id:
        raise ExpenseError.on("status", _("只有提交人可以撤回"))
    before = claim.status
    claim.status = EXPENSE_CANCELLED
    db.session.flush()
    record_audit("expense.cancel", KIND, claim.id, before={"status": before},
                 after={"status": claim.status}, actor=actor)
    return claim


def pay(claim: ExpenseClaim, actor) -> ExpenseClaim:
    """付款: an approved claim is paid (finance; never one's own claim)."""
    if claim.status != EXPENSE_APPROVED:
        raise ExpenseError.on("status", _("只有已批准的费用可以付款"))
    if not actor.can("expense.pay"):
        raise ExpenseError.on("status", _("您没有付款的权限"))
    if actor.id == claim.requested_by_account_id or (
            getattr(actor, "employee_id", None) is not None
            and claim.claimant_employee_id == actor.employee_id):
        raise ExpenseError.on("status", _("不能为自己的报销付款"))
    claim.status = EXPENSE_PAID
    claim.paid_at = utcnow()
    claim.paid_by_account_id = actor.id
    db.session.flush()
    record_audit("expense.pay", KIND, claim.id, before={"status": EXPENSE_APPROVED},
                 after={"status": EXPENSE_PAID}, actor=actor)
    return claim


def may_pay(claim: ExpenseClaim, actor) -> bool:
    return claim.status == EXPENSE_APPROVED and actor.can("expense.pay") and (
        actor.id != claim.requested_by_account_id) and not (
        getattr(actor, "employee_id", None) is not None
        and claim.claimant_employee_id == actor.employee_id)


def may_cancel(claim: ExpenseClaim, actor) -> bool:
    return claim.status in PENDING and actor.id == claim.requested_by_account_id


def history(claim: ExpenseClaim) -> list:
    """The approval decisions of the claim, oldest first."""
    from app.models.approval import ApprovalDecision

    return list(db.session.scalars(select(ApprovalDecision).where(
        ApprovalDecision.kind == KIND, ApprovalDecision.object_id == claim.id)
        .order_by(ApprovalDecision.id)))


def attachments_of(claim: ExpenseClaim) -> list[ExpenseAttachment]:
    """The claim's receipts, without their bytes (``data`` is deferred)."""
    return list(db.session.scalars(select(ExpenseAttachment).where(
        ExpenseAttachment.expense_id == claim.id).order_by(ExpenseAttachment.id)))
