"""客户回访: the store manager's weekly plan of guests to call back, and each contact.

Who the page suggests, in this order (rules chosen where the issue is silent):

1. **Always** (必访): every guest of the store with a complaint case opened, or a
   rating of 2 stars or less given, in the 30 days before the week's end.  They stay
   at the top, marked, until they are on the week's plan; the week's page counts
   those still missing, so none is dropped silently.
2. **VIPs** (贵宾) next: a guest whose membership level is above the lowest one
   (银卡, 金卡, 钻石卡 in the demo), or who spent ¥2,000 or more (paid orders) at
   the store in the last 365 days.  Higher level first, then more money spent.
3. **Others** (常客): guests with a paid order at the store in the last 90 days, the
   most recent visit first (their visit is fresh enough to ask about).

A guest already on the week's plan is not suggested again; after every must-call
guest the page lists at most 40 (VIPs, then others).  A contact records when,
the channel (电话/微信/到店), the outcome (满意/一般/不满意/未接通) and a note; a guest
may be tried again after 未接通.  A planned guest counts as **contacted** once a
contact reached them (any outcome but 未接通), and as **unhappy** when the latest
such contact was 不满意.  :func:`care_counts` gives the monthly report these figures
for the plans of the weeks that start in the month.

Plain functions: no request, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.service.dates import moments, monday_of, next_month
from app.blueprints.service.models_guests import (
    CARE_CHANNELS,
    CARE_OUTCOMES,
    CareContact,
    CarePlanEntry,
)
from app.blueprints.store.models import (
    BusinessDay,
    ComplaintCase,
    Customer,
    Feedback,
    MembershipLevel,
    Order,
)
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.validation import InputError

register_audit_actions({
    "care.plan": _l("加入回访计划"),
    "care.contact": _l("记录客户回访"),
})

LOOKBACK_DAYS = 30
LOW_RATING_AT_OR_BELOW = 2
VIP_SPEND = Decimal("2000.00")
VIP_SPEND_DAYS = 365
RECENT_VISIT_DAYS = 90
OTHERS_LIMIT = 40
NOTE_LIMIT = 500
REACHED = tuple(o for o in CARE_OUTCOMES if o != "no_answer")


class CareError(InputError):
    """Bad plan or contact input; ``fields`` names each."""


@dataclass
class Suggestion:
    customer: Customer
    reason: str  # complaint / low_rating / vip / regular
    must: bool
    level_name: str | None = None
    spent: Decimal = Decimal("0.00")
    last_visit: date | None = None
    details: list[str] = field(default_factory=list)


@dataclass
class PlanRow:
    entry: CarePlanEntry
    customer: Customer
    contacts: list[CareContact]

    @property
    def reached(self) -> bool:
        return any(c.outcome in REACHED for c in self.contacts)

    @property
    def last(self) -> CareContact | None:
        return self.contacts[-1] if self.contacts else None


def _guest_facts(store_id: int, today: date) -> dict[int, tuple[date | None, Decimal]]:
    """customer id -> (last paid visit at the store, spend in the last 365 days)."""
    rows = db.session.execute(
        select(Order.customer_id, func.max(BusinessDay.business_date), func.sum(Order.total))
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .where(Order.store_id == store_id, Order.status == "paid",
               Order.customer_id.is_not(None),
               BusinessDay.business_date > today - timedelta(days=VIP_SPEND_DAYS),
               BusinessDay.business_date <= today)
        .group_by(Order.customer_id)).all()
    return {cid: (last, Decimal(total or 0).quantize(Decimal("0.01")))
            for cid, last, total in rows}


def must_call(store_id: int, week: date) -> dict[int, list[tuple[str, str]]]:
    """customer id -> [(reason, what happened)] of the 30 days to the week's end."""
    end_day = week + timedelta(days=7)
    start, end = moments(end_day - timedelta(days=LOOKBACK_DAYS), end_day)
    found: dict[int, list[tuple[str, str]]] = {}
    for customer_id, description in db.session.execute(
            select(ComplaintCase.customer_id, ComplaintCase.description)
            .where(ComplaintCase.store_id == store_id, ComplaintCase.customer_id.is_not(None),
                   ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
            .order_by(ComplaintCase.created_at)):
        found.setdefault(customer_id, []).append(("complaint", description[:60]))
    for customer_id, rating in db.session.execute(
            select(Order.customer_id, Feedback.rating)
            .join(Order, Order.id == Feedback.order_id)
            .where(Feedback.store_id == store_id, Order.customer_id.is_not(None),
                   Feedback.rating <= LOW_RATING_AT_OR_BELOW,
                   Feedback.created_at >= start, Feedback.created_at < end)
            .order_by(Feedback.created_at)):
        found.setdefault(customer_id, []).append(
            ("low_rating", _("评分 %(n)s 星", n=rating)))
    return found


def suggestions(store_id: int, week: date, today: date) -> list[Suggestion]:
    """Guests to call in ``week`` (the module docstring's order), those planned left out."""
    week = monday_of(week)
    planned = set(db.session.scalars(select(CarePlanEntry.customer_id).where(
        CarePlanEntry.store_id == store_id, CarePlanEntry.week == week)))
    facts = _guest_facts(store_id, today)
    must = must_call(store_id, week)
    levels = {lv.id: lv for lv in db.session.scalars(select(MembershipLevel))}
    lowest = min((lv.sort_order for lv in levels.values()), default=0)
    wanted = (set(must) | set(facts)) - planned
    customers = {c.id: c for c in db.session.scalars(
        select(Customer).where(Customer.id.in_(wanted or [-1])))}
    result: list[Suggestion] = []
    for cid, customer in customers.items():
        last, spent = facts.get(cid, (None, Decimal("0.00")))
        level = levels.get(customer.membership_level_id)
        item = Suggestion(customer, "regular", False, level.name if level else None, spent,
                          last)
        if cid in must:
            item.must = True
            item.reason = must[cid][0][0]
            item.details = [text for _reason, text in must[cid]]
        elif (level is not None and level.sort_order > lowest) or spent >= VIP_SPEND:
            item.reason = "vip"
        elif last is None or last <= today - timedelta(days=RECENT_VISIT_DAYS):
            continue
        result.append(item)

    def rank(item: Suggestion):
        level = levels.get(item.customer.membership_level_id)
        group = 0 if item.must else 1 if item.reason == "vip" else 2
        level_order = -(level.sort_order if level else lowest - 1)
        recency = -(item.last_visit.toordinal() if item.last_visit else 0)
        if group == 2:
            return (group, recency, item.customer.id)
        return (group, level_order, -item.spent, recency, item.customer.id)

    result.sort(key=rank)
    # Every must-call guest; then as many VIPs and others as a week's calls can take.
    must_rows = [s for s in result if s.must]
    return must_rows + [s for s in result if not s.must][:OTHERS_LIMIT]


def add_to_plan(store_id: int, week: date, customer_id, today: date, actor=None
                ) -> CarePlanEntry:
    """Put a guest on the store's plan for ``week``; the reason is the suggestion's."""
    week = monday_of(week)
    customer = db.session.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is None:
        raise CareError.on("customer_id", _("客户不存在"))
    if db.session.scalar(select(CarePlanEntry.id).where(
            CarePlanEntry.store_id == store_id, CarePlanEntry.week == week,
            CarePlanEntry.customer_id == customer.id)) is not None:
        raise CareError.on("customer_id", _("该客人已在本周回访计划中"))
    must = must_call(store_id, week).get(customer.id)
    if must:
        reason = must[0][0]
    else:
        facts = _guest_facts(store_id, today)
        if customer.id not in facts and customer.first_store_id != store_id:
            raise CareError.on("customer_id", _("该客人不是本店客人"))
        level = (db.session.get(MembershipLevel, customer.membership_level_id)
                 if customer.membership_level_id else None)
        lowest = db.session.scalar(select(func.min(MembershipLevel.sort_order))) or 0
        spent = facts.get(customer.id, (None, Decimal(0)))[1]
        vip = (level is not None and level.sort_order > lowest) or spent >= VIP_SPEND
        reason = "vip" if vip else "regular"
    entry = CarePlanEntry(store_id=store_id, week=week, customer_id=customer.id, reason=reason,
                          planned_by_account_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    record_audit("care.plan", "care_plan_entry", entry.id,
                 after={"week": week.isoformat(), "customer_id": customer.id,
                        "reason": reason}, actor=actor)
    return entry


def record_contact(entry: CarePlanEntry, *, channel: str, outcome: str, note: str = "",
                   contacted_at: datetime | None = None, actor=None) -> CareContact:
    errors: dict[str, str] = {}
    if channel not in CARE_CHANNELS:
        errors["channel"] = _("请选择回访方式")
    if outcome not in CARE_OUTCOMES:
        errors["outcome"] = _("请选择回访结果")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("不能超过 %(n)d 个字符", n=NOTE_LIMIT)
    now = utcnow()
    if contacted_at is not None and contacted_at > now + timedelta(minutes=5):
        errors["contacted_at"] = _("回访时间不能晚于现在")
    if errors:
        raise CareError(errors)
    contact = CareContact(entry_id=entry.id, store_id=entry.store_id,
                          contacted_at=contacted_at or now, channel=channel, outcome=outcome,
                          note=note, contacted_by_account_id=getattr(actor, "id", None))
    db.session.add(contact)
    db.session.flush()
    record_audit("care.contact", "care_plan_entry", entry.id,
                 after={"channel": channel, "outcome": outcome}, actor=actor)
    return contact


def week_plan(store_id: int, week: date) -> list[PlanRow]:
    """The week's planned guests with their contacts (two statements); not yet reached
    first, in the order they were planned."""
    week = monday_of(week)
    rows = db.session.execute(
        select(CarePlanEntry, Customer).join(Customer, Customer.id == CarePlanEntry.customer_id)
        .where(CarePlanEntry.store_id == store_id, CarePlanEntry.week == week)
        .order_by(CarePlanEntry.id)).all()
    contacts: dict[int, list[CareContact]] = {}
    for contact in db.session.scalars(
            select(CareContact).where(CareContact.entry_id.in_([e.id for e, _c in rows] or [-1]))
            .order_by(CareContact.contacted_at, CareContact.id)):
        contacts.setdefault(contact.entry_id, []).append(contact)
    plan = [PlanRow(entry, customer, contacts.get(entry.id, [])) for entry, customer in rows]
    return sorted(plan, key=lambda row: row.reached)


def care_counts(month: date, store_ids) -> dict[int, dict[str, int]]:
    """``{store_id: {"planned", "contacted", "unhappy"}}`` of the plans of the weeks that
    start in ``month`` (the monthly report counts these; module docstring)."""
    first = month.replace(day=1)
    ids = list(store_ids)
    counts = {sid: {"planned": 0, "contacted": 0, "unhappy": 0} for sid in ids}
    entries = dict(db.session.execute(
        select(CarePlanEntry.id, CarePlanEntry.store_id)
        .where(CarePlanEntry.store_id.in_(ids or [-1]), CarePlanEntry.week >= first,
               CarePlanEntry.week < next_month(first))).all())
    for store_id in entries.values():
        counts[store_id]["planned"] += 1
    last_reached: dict[int, str] = {}
    for entry_id, outcome in db.session.execute(
            select(CareContact.entry_id, CareContact.outcome)
            .where(CareContact.entry_id.in_(list(entries) or [-1]),
                   CareContact.outcome.in_(REACHED))
            .order_by(CareContact.contacted_at, CareContact.id)):
        last_reached[entry_id] = outcome
    for entry_id, outcome in last_reached.items():
        bucket = counts[entries[entry_id]]
        bucket["contacted"] += 1
        bucket["unhappy"] += outcome == "unhappy"
    return counts


def store_of(store_id: int) -> Store | None:
    return db.session.get(Store, store_id)
