"""财务部's kind of the one approval flow (app/approvals.py): 费用报销/申请.

Store manager (a store's claim, their store) -> finance manager -> general manager when
the amount is above the tenant's ``expense_gm`` threshold (default ¥5,000.00; the owner
changes it on the approval settings page).  The route past finance is taken when finance
approves, under the threshold then in force; a claim already waiting for the general
manager stays with them if the owner later raises the threshold (the second ``gm`` step).
"""

from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.finance import expenses
from app.blueprints.finance.models import (
    EXPENSE_PENDING_FINANCE,
    EXPENSE_PENDING_GM,
    EXPENSE_PENDING_STORE,
    ExpenseClaim,
)

EXPENSE_GM = "expense_gm"
EXPENSE_GM_DEFAULT = Decimal("5000.00")

def _describe(row: ExpenseClaim) -> str:
    amount = f"{row.amount:,.2f}"
    return _("%(category)s ¥%(amount)s：%(text)s", amount=amount,
             category=expenses.category_label(row.category), text=row.description[:40])


EXPENSE = ApprovalKind(
    name=expenses.KIND, label=_l("费用报销"), model=ExpenseClaim,
    steps=(
        Step("store", EXPENSE_PENDING_STORE, "expense.approve_store", _l("店长审批")),
        Step("finance", EXPENSE_PENDING_FINANCE, "expense.review", _l("财务审核"),
             scoped=False),
        Step("gm", EXPENSE_PENDING_GM, "expense.approve", _l("总经理审批"), scoped=False,
             above_setting=EXPENSE_GM),
        # Routed to the GM under an earlier, lower threshold: still theirs to decide.
        Step("gm", EXPENSE_PENDING_GM, "expense.approve", _l("总经理审批"), scoped=False),
    ),
    submitter=lambda row: row.requested_by_account_id,
    subject=lambda row: row.claimant_employee_id,
    store=lambda row: row.store_id,
    store_column=ExpenseClaim.store_id,
    amount=lambda row: row.amount,
    approve=lambda row, actor, note: expenses.approve(row, actor, note),
    reject=lambda row, actor, note: expenses.reject(row, actor, note),
    reject_needs_note=True,
    describe=lambda row: _describe(row),
    url=lambda row: url_for("finance.expense_detail", expense_id=row.id),
    submitted_at=lambda row: row.created_at,
    refusal_error=expenses.ExpenseError,
)


def register() -> None:
    approvals.register_threshold(EXPENSE_GM, _l("费用报销：超过此金额须总经理审批（元）"),
                                 EXPENSE_GM_DEFAULT)
    approvals.register_kind(EXPENSE)
