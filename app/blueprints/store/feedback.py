"""客人评价 and 投诉: ratings per therapist after service, and complaint cases.

Plain functions: they add and flush, never commit.  The technical and service
departments read them through :func:`ratings_for_therapist` and
:func:`complaints_for_therapist`.

Rules chosen where the specs are silent:
* A rating belongs to one therapist's job of the order (钟) that has finished;
  each job is rated once and a rating is never edited or deleted (it feeds the
  therapist's assessment).
* A rating of 2 or less, or the receptionist ticking 投诉, opens a complaint
  case about that therapist; its text is the complaint text, else the comment.
* A complaint moves open (待处理) → investigating (调查中) → resolved (已处理) →
  closed (已结案); it may be resolved on the spot (open → resolved) and reopened
  while not closed (resolved → investigating).  Resolving needs the resolution;
  closing needs the reply given to the guest.  A closed case is kept, never
  deleted.
* One status, one truth: the other fields follow from the status.  The guest
  confirms the reply (客人确认) only of a handled case (resolved, or resolved in
  the same step); reopening withdraws that confirmation (it was of a result that
  no longer stands).  ``closed_at`` is stamped by closing and is shown only for a
  closed case: every page and the API read a case through
  :func:`complaint_facts`, so a row written otherwise (the old demo data: 已处理
  with a close time) still shows what its status says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.audit import record_audit
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import ComplaintCase, Customer, Feedback, Order, ServiceJob
from app.extensions import db
from app.models import Account, AccountStore, Employee, Store
from app.models.base import utcnow
from app.permissions import HEAD_OFFICE, ROLES
from app.validation import InputError

COMPLAINT_STATUSES = ("open", "investigating", "resolved", "closed")
OPEN_COMPLAINT_STATUSES = ("open", "investigating", "resolved")
# status -> the statuses a case may move to next.
COMPLAINT_TRANSITIONS = {
    "open": ("investigating", "resolved"),
    "investigating": ("resolved",),
    "resolved": ("investigating", "closed"),
    "closed": (),
}
COMPLAINT_AT_OR_BELOW = 2
# A new case is due this many days after it is opened (the store's business date);
# the service manager may move it (app/blueprints/service/complaints.py).
COMPLAINT_DUE_DAYS = 3
RATED_JOB_STATUSES = ("finished",)
TEXT_LIMIT = 2000


class FeedbackError(InputError):
    """Bad feedback or complaint input; ``fields`` maps each field to its message."""


@dataclass
class RatableJob:
    """A therapist's finished job of the order, and its rating if recorded."""

    job: ServiceJob
    therapist_no: str
    therapist_name: str
    item_name: str
    feedback: Feedback | None
    complaint_id: int | None = None


@dataclass
class RatingSummary:
    """What the technical and service departments read about one therapist."""

    count: int
    average: Decimal | None
    by_rating: dict[int, int]
    low: int  # ratings of 2 or less
    items: list[Feedback] = field(default_factory=list)


@dataclass
class ComplaintRow:
    case: ComplaintCase
    store_name: str
    therapist: str | None
    customer_name: str | None
    owner_name: str | None


# --------------------------------------------------------------------------- feedback


def ratable_jobs(order: Order) -> list[RatableJob]:
    """The order's finished jobs with therapist, item and rating (two statements)."""
    from app.blueprints.store.models import OrderLine

    rows = db.session.execute(
        select(ServiceJob, Employee.employee_no, Employee.name, OrderLine.name, Feedback)
        .join(Employee, Employee.id == ServiceJob.therapist_id)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .outerjoin(Feedback, Feedback.job_id == ServiceJob.id)
        .where(ServiceJob.order_id == order.id, ServiceJob.status.in_(RATED_JOB_STATUSES))
        .order_by(ServiceJob.started_at, ServiceJob.id)
    ).all()
    jobs = [RatableJob(job, no, name, item, fb) for job, no, name, item, fb in rows]
    feedback_ids = [j.feedback.id for j in jobs if j.feedback is not None]
    if feedback_ids:
        cases = dict(db.session.execute(
            select(ComplaintCase.feedback_id, ComplaintCase.id)
            .where(ComplaintCase.feedback_id.in_(feedback_ids))).all())
        for j in jobs:
            if j.feedback is not None:
                j.complaint_id = cases.get(j.feedback.id)
    return jobs


def record_feedback(order: Order, service_job_id: int, *, rating, comment: str = "",
                    complaint: bool = False, complaint_text: str = "",
                    actor=None) -> tuple[Feedback, ComplaintCase | None]:
    """The guest's rating (1–5) and comment for one therapist's job of ``order``.

    Opens a complaint case when the rating is 2 or less or ``complaint`` is set.
    """
    errors: dict[str, str] = {}
    job = db.session.get(ServiceJob, service_job_id) if service_job_id else None
    if job is None or job.order_id != order.id:
        raise FeedbackError.on("service_job_id", _("该消费单没有这个钟"))
    if job.status not in RATED_JOB_STATUSES:
        raise FeedbackError.on("service_job_id", _("服务结束后才能评价"))
    if db.session.scalar(select(Feedback.id).where(Feedback.job_id == job.id)) is not None:
        raise FeedbackError.on("service_job_id", _("该钟已评价，评价不能修改"))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = _("评分应为 1–5 分")
    comment = (comment or "").strip()
    complaint_text = (complaint_text or "").strip()
    if len(comment) > TEXT_LIMIT:
        errors["comment"] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
    if len(complaint_text) > TEXT_LIMIT:
        errors["complaint_text"] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
    if errors:
        raise FeedbackError(errors)
    feedback = Feedback(store_id=order.store_id, order_id=order.id, job_id=job.id,
                        therapist_id=job.therapist_id, rating=rating, comment=comment,
                        created_by_account_id=getattr(actor, "id", None))
    db.session.add(feedback)
    db.session.flush()
    case = None
    if complaint or rating <= COMPLAINT_AT_OR_BELOW:
        description = complaint_text or comment or _("客人评分 %(n)s 分", n=rating)
        case = open_complaint(order.store_id, description, order_id=order.id,
                              therapist_id=job.therapist_id, customer_id=order.customer_id,
                              feedback_id=feedback.id)
    return feedback, case


def ratings_for_therapist(employee_id: int, since: datetime | None = None) -> RatingSummary:
    """The therapist's ratings since ``since`` (all when None), newest first."""
    query = select(Feedback).where(Feedback.therapist_id == employee_id)
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    items = list(db.session.scalars(query.order_by(Feedback.created_at.desc(),
                                                   Feedback.id.desc())))
    counts = Counter(item.rating for item in items)
    average = None
    if items:
        average = (Decimal(sum(item.rating for item in items)) / len(items)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
    return RatingSummary(count=len(items), average=average,
                         by_rating={n: counts.get(n, 0) for n in range(1, 6)},
                         low=sum(1 for item in items if item.rating <= COMPLAINT_AT_OR_BELOW),
                         items=items)


def complaints_for_therapist(employee_id: int, since: datetime | None = None
                             ) -> list[ComplaintCase]:
    """Complaint cases about the therapist since ``since`` (all when None), newest first."""
    query = select(ComplaintCase).where(ComplaintCase.therapist_id == employee_id)
    if since is not None:
        query = query.where(ComplaintCase.created_at >= since)
    return list(db.session.scalars(query.order_by(ComplaintCase.created_at.desc(),
                                                  ComplaintCase.id.desc())))


# --------------------------------------------------------------------------- complaints


def open_complaint(store_id: int, description: str, *, order_id: int | None = None,
                   therapist_id: int | None = None, customer_id: int | None = None,
                   feedback_id: int | None = None) -> ComplaintCase:
    """A new complaint case (from a low rating, or the guest complaining at the desk)."""
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = _("请填写投诉内容")
    elif len(description) > TEXT_LIMIT:
        errors["description"] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
    if db.session.get(Store, store_id) is None:
        errors["store_id"] = _("门店不存在")
    if order_id is not None:
        order = db.session.get(Order, order_id)
        if order is None or order.store_id != store_id:
            errors["order_id"] = _("本店没有这张消费单")
        elif customer_id is None:
            customer_id = order.customer_id
    if therapist_id is not None and db.session.get(Employee, therapist_id) is None:
        errors["therapist_id"] = _("没有这位技师")
    if customer_id is not None and db.session.get(Customer, customer_id) is None:
        errors["customer_id"] = _("客户不存在")
    if errors:
        raise FeedbackError(errors)
    case = ComplaintCase(store_id=store_id, order_id=order_id, therapist_id=therapist_id,
                         customer_id=customer_id, feedback_id=feedback_id,
                         description=description, status="open",
                         due_on=today_for_store() + timedelta(days=COMPLAINT_DUE_DAYS))
    db.session.add(case)
    db.session.flush()
    record_audit("complaint.open", "complaint", case.id,
                 after={"store_id": store_id, "therapist_id": therapist_id,
                        "description": description[:200]})
    return case


def update_complaint(case: ComplaintCase, *, status: str | None = None,
                     owner_account_id: int | None = None, resolution: str | None = None,
                     reply_to_guest: str | None = None, guest_confirmed: bool = False,
                     now: datetime | None = None) -> ComplaintCase:
    """Take, investigate, resolve and close a case; each change is audited."""
    if case.status == "closed":
        raise FeedbackError.on("status", _("投诉已结案，不能再修改"))
    now = now or utcnow()
    errors: dict[str, str] = {}
    changes: dict = {}
    if owner_account_id is not None and owner_account_id != case.owner_account_id:
        if owner_account_id not in {a.id for a in complaint_owners(case.store_id)}:
            errors["owner_account_id"] = _("该账号不能处理本店投诉")
        else:
            changes["owner_account_id"] = owner_account_id
    for name, value in (("resolution", resolution), ("reply_to_guest", reply_to_guest)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > TEXT_LIMIT:
            errors[name] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
        elif value != getattr(case, name):
            changes[name] = value
    if status is not None and status != case.status:
        if status not in COMPLAINT_STATUSES:
            errors["status"] = _("无效的状态")
        elif status not in COMPLAINT_TRANSITIONS[case.status]:
            errors["status"] = _("不能从“%(a)s”改为“%(b)s”", a=complaint_status_label(case.status),
                                 b=complaint_status_label(status))
        else:
            changes["status"] = status
    next_status = changes.get("status", case.status)
    if guest_confirmed and case.guest_confirmed_at is None:
        if next_status != "resolved":
            errors["guest_confirmed"] = _("投诉处理完成（已处理）后才能登记客人确认")
        else:
            changes["guest_confirmed_at"] = now
    if next_status in ("open", "investigating") and case.guest_confirmed_at is not None:
        changes["guest_confirmed_at"] = None  # reopened: the confirmation no longer stands
    final = {name: changes.get(name, getattr(case, name))
             for name in ("status", "resolution", "reply_to_guest", "guest_confirmed_at")}
    if "guest_confirmed_at" in changes and not final["reply_to_guest"]:
        errors.setdefault("reply_to_guest", _("请先填写给客人的答复"))
    if changes.get("status") in ("resolved", "closed") and not final["resolution"]:
        errors.setdefault("resolution", _("请填写处理结果"))
    if changes.get("status") == "closed" and not final["reply_to_guest"]:
        errors.setdefault("reply_to_guest", _("结案前请填写给客人的答复"))
    if errors:
        raise FeedbackError(errors)
    if not changes:
        return case
    before = {name: _audit_value(getattr(case, name)) for name in changes}
    for name, value in changes.items():
        setattr(case, name, value)
    if changes.get("status") == "closed":
        case.closed_at = now
    db.session.flush()
    record_audit("complaint.update", "complaint", case.id, before=before,
                 after={name: _audit_value(value) for name, value in changes.items()})
    return case


def complaint_owners(store_id: int) -> list[Account]:
    """Enabled accounts that may handle the store's complaints: its managers and head office."""
    roles = [name for name, role in ROLES.items() if "complaint.manage" in role.permissions]
    head_office = [name for name in roles if ROLES[name].scope == HEAD_OFFICE]
    in_store = select(AccountStore.account_id).where(AccountStore.store_id == store_id)
    return list(db.session.scalars(
        select(Account).where(Account.is_enabled.is_(True), Account.role.in_(roles),
                              Account.role.in_(head_office) | Account.id.in_(in_store))
        .order_by(Account.display_name, Account.id)))


def list_complaints(scope: set[int] | None, *, status: str | None = None,
                    store_id: int | None = None, therapist_id: int | None = None,
                    page: int = 1, page_size: int = 50) -> tuple[list[ComplaintRow], int]:
    """A page of complaint cases the viewer may see, newest first (two statements)."""
    therapist = aliased(Employee)
    query = (
        select(ComplaintCase, Store.name, therapist.employee_no, therapist.name, Customer.name,
               Account.display_name)
        .join(Store, Store.id == ComplaintCase.store_id)
        .outerjoin(therapist, therapist.id == ComplaintCase.therapist_id)
        .outerjoin(Customer, Customer.id == ComplaintCase.customer_id)
        .outerjoin(Account, Account.id == ComplaintCase.owner_account_id)
    )
    if scope is not None:
        query = query.where(ComplaintCase.store_id.in_(scope or [-1]))
    if status == "unclosed":
        query = query.where(ComplaintCase.status.in_(OPEN_COMPLAINT_STATUSES))
    elif status is not None:
        query = query.where(ComplaintCase.status == status)
    if store_id is not None:
        query = query.where(ComplaintCase.store_id == store_id)
    if therapist_id is not None:
        query = query.where(ComplaintCase.therapist_id == therapist_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(
        query.order_by(ComplaintCase.created_at.desc(), ComplaintCase.id.desc())
        .limit(page_size).offset((max(1, page) - 1) * page_size)).all()
    return [ComplaintRow(case, store, f"{no} {name}" if no else None, customer, owner)
            for case, store, no, name, customer, owner in rows], int(total or 0)


def complaint_row(case: ComplaintCase) -> ComplaintRow:
    store = db.session.get(Store, case.store_id)
    therapist = db.session.get(Employee, case.therapist_id) if case.therapist_id else None
    customer = db.session.get(Customer, case.customer_id) if case.customer_id else None
    owner = db.session.get(Account, case.owner_account_id) if case.owner_account_id else None
    return ComplaintRow(case, store.name,
                        f"{therapist.employee_no} {therapist.name}" if therapist else None,
                        customer.name if customer else None,
                        (owner.display_name or owner.username) if owner else None)


# Complaint statuses have their own words: in app.labels "open" is a store's 营业中.
COMPLAINT_STATUS_LABELS = {
    "open": _l("待处理"),
    "investigating": _l("调查中"),
    "resolved": _l("已处理"),
    "closed": _l("已结案"),
}


def complaint_status_label(status: str) -> str:
    label = COMPLAINT_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def complaint_facts(case: ComplaintCase) -> dict:
    """What a case shows, derived from its status (the one truth): a guest
    confirmation only once handled, a close time only when closed."""
    return {"status": case.status,
            "guest_confirmed": (case.guest_confirmed_at is not None
                                and case.status in ("resolved", "closed")),
            "closed": case.status == "closed"}


def shown_guest_confirmed_at(case: ComplaintCase) -> datetime | None:
    return case.guest_confirmed_at if complaint_facts(case)["guest_confirmed"] else None


def shown_closed_at(case: ComplaintCase) -> datetime | None:
    return case.closed_at if case.status == "closed" else None


# --------------------------------------------------------------------------- panels

# Other departments add a panel to a complaint's page without the store importing
# them (the technical department's conclusion): name -> callable(case) -> HTML or None.
COMPLAINT_PANELS: dict[str, Callable[[ComplaintCase], object]] = {}


def register_complaint_panel(name: str, render: Callable[[ComplaintCase], object]) -> None:
    """Registered at blueprint registration; the same name again replaces itself."""
    COMPLAINT_PANELS[name] = render


def complaint_panels(case: ComplaintCase) -> list:
    """The registered panels that have something to show for ``case``."""
    return [panel for panel in (render(case) for render in COMPLAINT_PANELS.values()) if panel]


def _audit_value(value):
    return value.isoformat() if isinstance(value, datetime) else value
