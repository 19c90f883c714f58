"""Demo of the service department's guest work (issue 13, items 4 and 6), made with the
department's own functions where they apply:

* 投诉跟进: every existing complaint case gets a kind, a due date (3 days after it
  was opened) and, when not closed, an owner (the service manager, or the store
  manager of the first store); three handled cases of the first store have the
  guest's confirmation; three cases of the first store are still being handled, two
  of them overdue.
* 满意度复盘: the first store answered last month's review (analysis and measures);
  the second store has this month's still waiting.
* 客户回访: the first store's plans for last week (every guest contacted) and this
  week (half contacted), from the page's own suggestions.

Adds nothing twice: cases already classified, reviews of a store and month and weekly
plans that exist are left as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.blueprints.service import care, satisfaction
from app.blueprints.service.complaints import COMPLAINT_KINDS
from app.blueprints.service.dates import local_date, monday_of, previous_month, zone
from app.blueprints.service.models_guests import CarePlanEntry, SatisfactionReview
from app.blueprints.store.feedback import COMPLAINT_DUE_DAYS, open_complaint
from app.blueprints.store.models import ComplaintCase
from app.extensions import db
from app.models.base import utcnow

PLAN_SIZE = 6
OUTCOMES = ("satisfied", "satisfied", "neutral", "no_answer", "unhappy", "satisfied")
CHANNELS = ("phone", "wechat", "phone", "phone", "in_store", "wechat")
NOTES = {"satisfied": "客人表示满意，欢迎再来", "neutral": "客人说还行，水温可再高一点",
         "unhappy": "客人仍不满意，店长周末再回电", "no_answer": "未接，晚上再打"}


def load(demo) -> None:
    _complaints(demo)
    _reviews(demo)
    _care(demo)


# Cases still being handled in the first store (where the demo logins work): days ago
# opened, description, kind, status.  Opened 6 and 9 days ago they are overdue.
OPEN_CASES = ((9, "等了 40 分钟才有技师，前台也没有解释", "waiting", "investigating"),
              (6, "毛巾有异味，泡脚盆边上有污渍", "hygiene", "open"),
              (1, "结账时多收了一个加钟", "price", "open"))


def _complaints(demo) -> None:
    made = _open_cases(demo)
    cases = list(db.session.scalars(select(ComplaintCase).where(ComplaintCase.kind.is_(None))
                                    .order_by(ComplaintCase.created_at, ComplaintCase.id)))
    if not cases and not made:
        return
    tz = zone()
    service_manager = demo.accounts.get("service_manager") or demo.accounts.get("owner")
    store_manager = demo.accounts.get("store_manager")
    first = demo.stores[0].id
    confirmed = 0
    for n, case in enumerate(cases):
        case.kind = COMPLAINT_KINDS[demo.rng.randrange(len(COMPLAINT_KINDS))]
        # The rule of open_complaint, from the day the case was opened.
        case.due_on = local_date(case.created_at, tz) + timedelta(days=COMPLAINT_DUE_DAYS)
        if case.status != "closed" and case.owner_account_id is None:
            pick_store = store_manager is not None and case.store_id == first and n % 2
            case.owner_account_id = (store_manager if pick_store else service_manager).id
        # A few handled cases of the first store: the guest confirmed the reply.
        if (confirmed < 3 and case.store_id == first and case.status == "resolved"
                and case.guest_confirmed_at is None):
            case.resolution = case.resolution or "店长致电道歉，下次消费赠送一次足浴"
            case.reply_to_guest = case.reply_to_guest or "已向客人说明原因并致歉"
            case.guest_confirmed_at = utcnow()
            confirmed += 1
    db.session.flush()
    demo.add("投诉跟进", len(cases) + made)


def _open_cases(demo) -> int:
    """The first store's cases still being handled (once: their descriptions mark them)."""
    store = demo.stores[0]
    texts = [text for _days, text, _kind, _status in OPEN_CASES]
    if db.session.scalar(select(ComplaintCase.id).where(
            ComplaintCase.store_id == store.id, ComplaintCase.description.in_(texts)).limit(1)):
        return 0
    owner = demo.accounts.get("service_manager") or demo.accounts.get("owner")
    tz = zone()
    for days, text, kind, status in OPEN_CASES:
        case = open_complaint(store.id, text)
        opened = datetime.combine(demo.today - timedelta(days=days), time(19, 30), tz)
        case.created_at = opened.astimezone(UTC)
        case.due_on = demo.today - timedelta(days=days) + timedelta(days=COMPLAINT_DUE_DAYS)
        case.kind, case.status = kind, status
        if days > 3:
            case.owner_account_id = owner.id
    db.session.flush()
    return len(OPEN_CASES)


def _reviews(demo) -> None:
    this_month = demo.today.replace(day=1)
    last_month = previous_month(this_month)
    asker = demo.accounts.get("service_manager") or demo.accounts.get("owner")
    answerer = demo.accounts.get("store_manager")
    plans = [(demo.stores[0], last_month, "上月差评集中在等候时间，请分析原因并提出措施", True)]
    if len(demo.stores) > 1:
        plans.append((demo.stores[1], this_month, "本月投诉偏多（服务态度），请复盘", False))
    made = 0
    for store, month, focus, answered in plans:
        exists = db.session.scalar(select(SatisfactionReview.id).where(
            SatisfactionReview.store_id == store.id, SatisfactionReview.month == month))
        if exists is not None:
            continue
        review = satisfaction.request_review(store.id, month, focus, actor=asker)
        if answered and answerer is not None and answerer.id != asker.id:
            satisfaction.answer_review(
                review, "周末晚上 8–10 点客流集中，技师排班不足，客人平均等候 25 分钟。",
                "周末晚班加排两位技师；前台提前告知等候时间并提供茶点；每周复查等候时长。",
                actor=answerer)
        made += 1
    demo.add("满意度复盘", made)


def _care(demo) -> None:
    store = demo.stores[0]
    manager = demo.accounts.get("store_manager") or demo.accounts.get("owner")
    this_week = monday_of(demo.today)
    tz = zone()
    made = 0
    for week, share in ((this_week - timedelta(days=7), 1.0), (this_week, 0.5)):
        exists = db.session.scalar(select(CarePlanEntry.id).where(
            CarePlanEntry.store_id == store.id, CarePlanEntry.week == week).limit(1))
        if exists is not None:
            continue
        picks = care.suggestions(store.id, week, demo.today)[:PLAN_SIZE]
        for n, pick in enumerate(picks):
            entry = care.add_to_plan(store.id, week, pick.customer.id, demo.today,
                                     actor=manager)
            made += 1
            if n >= round(len(picks) * share):
                continue
            day = min(week + timedelta(days=1 + n % 4), demo.today)
            when = datetime.combine(day, time(15 + n % 4, 10 * n % 60), tz).astimezone(UTC)
            when = min(when, utcnow() - timedelta(minutes=5))
            outcome = OUTCOMES[n % len(OUTCOMES)]
            care.record_contact(entry, channel=CHANNELS[n % len(CHANNELS)], outcome=outcome,
                                note=NOTES[outcome], contacted_at=when, actor=manager)
    demo.add("回访计划", made)
