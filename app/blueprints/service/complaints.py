"""投诉 as the service department follows them: each case's owner, kind and due date,
its age, and overdue cases first.

The case itself — its status, resolution, reply and the guest's confirmation — is the
store's (app/blueprints/store/feedback.py); this module adds the follow-up.

Rules chosen where the issue is silent:
* A case is due :data:`~app.blueprints.store.feedback.COMPLAINT_DUE_DAYS` (3) days
  after it is opened (the store's business date); the service manager may move the
  date, never before the day it was opened.
* **Age** (天数) is the days from the local date it was opened to today, or to the day
  it was closed once closed.
* **Overdue** (逾期): still being handled — 待处理 or 调查中, i.e. no result yet —
  and its due date is before today.  A resolved case waiting for the guest's
  confirmation is handled, so not overdue.
* The kind (服务态度, 技术手法, 卫生, 等候时间, 价格/收费, 其他) is set by whoever
  follows the case up; a case not yet classified counts as 未分类 in the report.
* The owner is an enabled account that may handle the store's complaints
  (:func:`~app.blueprints.store.feedback.complaint_owners`).

Plain functions: no request, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy import case as when

from app.audit import record_audit, register_audit_actions
from app.blueprints.service.dates import local_date, moments, next_month, zone
from app.blueprints.store.feedback import (
    COMPLAINT_STATUSES,
    OPEN_COMPLAINT_STATUSES,
    complaint_owners,
)
from app.blueprints.store.models import ComplaintCase, Customer
from app.extensions import db
from app.models import Account, Store
from app.validation import InputError

register_audit_actions({
    "complaint.assign": _l("分派投诉（负责人、期限、类别）"),
})

COMPLAINT_KINDS = ("attitude", "technique", "hygiene", "waiting", "price", "other")
# No result yet: these can be overdue.
HANDLING_STATUSES = ("open", "investigating")
# The overview's age buckets (days open): label key -> (from, to inclusive; None = no end).
AGE_BUCKETS = (("0-1", 0, 1), ("2-3", 2, 3), ("4-7", 4, 7), ("8+", 8, None))
LIST_LIMIT = 200


class ComplaintFollowUpError(InputError):
    """Bad owner, due date or kind; ``fields`` names each."""


@dataclass
class CaseRow:
    case: ComplaintCase
    store_name: str
    owner_name: str | None
    customer_name: str | None
    age_days: int
    overdue: bool


def age_days(case: ComplaintCase, today: date, tz=None) -> int:
    opened = local_date(case.created_at, tz) or today
    end = local_date(case.closed_at, tz) if case.status == "closed" and case.closed_at else today
    return max((end - opened).days, 0)


def is_overdue(case: ComplaintCase, today: date) -> bool:
    return (case.status in HANDLING_STATUSES and case.due_on is not None
            and case.due_on < today)


def _overdue_sql(today: date):
    return and_(ComplaintCase.status.in_(HANDLING_STATUSES), ComplaintCase.due_on < today)


def list_cases(scope: set[int] | None, today: date, *, store_id: int | None = None,
               status: str | None = "unclosed", kind: str | None = None,
               limit: int = LIST_LIMIT) -> tuple[list[CaseRow], int]:
    """Cases the viewer may see: overdue first, then by due date, then oldest first.

    ``status``: one of the statuses, ``"unclosed"`` (default) or None (all);
    ``kind``: a kind, ``"none"`` (未分类) or None (all).  Two statements.
    """
    query = (
        select(ComplaintCase, Store.name, Account.display_name, Account.username,
               Customer.name)
        .join(Store, Store.id == ComplaintCase.store_id)
        .outerjoin(Account, Account.id == ComplaintCase.owner_account_id)
        .outerjoin(Customer, Customer.id == ComplaintCase.customer_id)
    )
    if scope is not None:
        query = query.where(ComplaintCase.store_id.in_(scope or [-1]))
    if store_id is not None:
        query = query.where(ComplaintCase.store_id == store_id)
    if status == "unclosed":
        query = query.where(ComplaintCase.status.in_(OPEN_COMPLAINT_STATUSES))
    elif status in COMPLAINT_STATUSES:
        query = query.where(ComplaintCase.status == status)
    if kind == "none":
        query = query.where(ComplaintCase.kind.is_(None))
    elif kind is not None:
        query = query.where(ComplaintCase.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.order_by(
        when((_overdue_sql(today), 0), else_=1), ComplaintCase.due_on.is_(None),
        ComplaintCase.due_on, ComplaintCase.created_at, ComplaintCase.id).limit(limit)).all()
    tz = zone()
    return [CaseRow(case, store, display or username, customer, age_days(case, today, tz),
                    is_overdue(case, today))
            for case, store, display, username, customer in rows], int(total or 0)


def assign(case: ComplaintCase, *, owner_account_id: int | None = None,
           due_on: date | None = None, kind: str | None = None, actor=None) -> ComplaintCase:
    """Give the case an owner, a due date and a kind (each left as is when None)."""
    if case.status == "closed":
        raise ComplaintFollowUpError.on("status", _("投诉已结案，不能再修改"))
    errors: dict[str, str] = {}
    changes: dict = {}
    if owner_account_id is not None and owner_account_id != case.owner_account_id:
        if owner_account_id not in {a.id for a in complaint_owners(case.store_id)}:
            errors["owner_account_id"] = _("该账号不能处理本店投诉")
        else:
            changes["owner_account_id"] = owner_account_id
    if due_on is not None and due_on != case.due_on:
        opened = local_date(case.created_at)
        if opened is not None and due_on < opened:
            errors["due_on"] = _("期限不能早于投诉登记日")
        else:
            changes["due_on"] = due_on
    if kind is not None and kind != case.kind:
        if kind not in COMPLAINT_KINDS:
            errors["kind"] = _("无效的投诉类别")
        else:
            changes["kind"] = kind
    if errors:
        raise ComplaintFollowUpError(errors)
    if not changes:
        return case
    before = {name: _plain(getattr(case, name)) for name in changes}
    for name, value in changes.items():
        setattr(case, name, value)
    db.session.flush()
    record_audit("complaint.assign", "complaint", case.id, before=before,
                 after={name: _plain(value) for name, value in changes.items()}, actor=actor)
    return case


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class ComplaintSummary:
    open: int
    overdue: int
    unassigned: int
    by_age: dict[str, int]


def summary(scope: set[int] | None, today: date) -> ComplaintSummary:
    """Cases not yet closed: how many, overdue, without an owner, and by age (one statement)."""
    query = select(ComplaintCase).where(ComplaintCase.status.in_(OPEN_COMPLAINT_STATUSES))
    if scope is not None:
        query = query.where(ComplaintCase.store_id.in_(scope or [-1]))
    cases = list(db.session.scalars(query))
    tz = zone()
    by_age = {key: 0 for key, _lo, _hi in AGE_BUCKETS}
    for case in cases:
        age = age_days(case, today, tz)
        for key, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                by_age[key] += 1
                break
    return ComplaintSummary(open=len(cases), overdue=sum(is_overdue(c, today) for c in cases),
                            unassigned=sum(c.owner_account_id is None for c in cases),
                            by_age=by_age)


def kind_counts(month: date, store_ids) -> dict[int, dict[str | None, int]]:
    """Complaints opened in ``month`` per store and kind (None = 未分类), for the monthly
    report: ``{store_id: {kind: n}}``."""
    start, end = moments(month.replace(day=1), next_month(month))
    rows = db.session.execute(
        select(ComplaintCase.store_id, ComplaintCase.kind, func.count())
        .where(ComplaintCase.store_id.in_(list(store_ids) or [-1]),
               ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
        .group_by(ComplaintCase.store_id, ComplaintCase.kind)).all()
    counts: dict[int, dict[str | None, int]] = {}
    for store_id, kind, n in rows:
        counts.setdefault(store_id, {})[kind] = int(n)
    return counts


def case_row(case: ComplaintCase, today: date) -> CaseRow:
    """One case as the list shows it."""
    store = db.session.get(Store, case.store_id)
    owner = db.session.get(Account, case.owner_account_id) if case.owner_account_id else None
    customer = db.session.get(Customer, case.customer_id) if case.customer_id else None
    return CaseRow(case, store.name, (owner.display_name or owner.username) if owner else None,
                   customer.name if customer else None, age_days(case, today),
                   is_overdue(case, today))
