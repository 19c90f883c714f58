"""客户满意度: the satisfaction index per store and month, and the satisfaction reviews
(满意度复盘) head office asks of a store.

**满意度指数** (satisfaction index) of a store in a month::

    指数 = 100 × 好评率 − 2 × 每百单投诉数, floored at 0, one decimal
    好评率 = ratings of 4 or 5 stars ÷ all ratings of the month's orders
    每百单投诉数 = complaint cases opened in the month × 100 ÷ paid orders of the month

so a store whose guests all rate 4–5 and who never complain scores 100; each
complaint per hundred orders costs 2 points.  A month without a single rating has
no index (shown as —): a guess would mislead more than a gap.  Ratings and orders
belong to the order's business date; complaints to the local date they were opened.
Without paid orders the complaint term is 0 (there is nothing to divide by).

**Reviews**: the service manager (``satisfaction.request``) asks one store to review
one month, saying what to look at; the store manager (``satisfaction.answer``)
answers once with an analysis and measures.  One review per store and month.
Nobody answers a review they asked for themselves (app/duties.py
``own_request_refusal``): the owner, who holds both, asks one store and has that
store's manager answer.

Plain functions: no request, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as when
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.service.dates import (
    first_of_month,
    local_date,
    moments,
    months_ending,
    next_month,
    zone,
)
from app.blueprints.service.models_guests import (
    REVIEW_ANSWERED,
    REVIEW_REQUESTED,
    SatisfactionReview,
)
from app.blueprints.store.models import BusinessDay, ComplaintCase, Feedback, Order
from app.duties import own_request_refusal
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.validation import InputError

register_audit_actions({
    "satisfaction_review.request": _l("要求满意度复盘"),
    "satisfaction_review.answer": _l("回复满意度复盘"),
})

GOOD_RATING_FROM = 4
COMPLAINT_WEIGHT = Decimal(2)
TEXT_LIMIT = 2000
TREND_MONTHS = 6


class SatisfactionError(InputError):
    """Bad review input; ``fields`` names each."""


@dataclass
class MonthFigures:
    ratings: int = 0
    good: int = 0
    orders: int = 0
    complaints: int = 0

    @property
    def good_share(self) -> Decimal | None:
        if not self.ratings:
            return None
        return (Decimal(100) * self.good / self.ratings).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def complaints_per_100(self) -> Decimal:
        if not self.orders:
            return Decimal("0.0")
        return (Decimal(100) * self.complaints / self.orders).quantize(Decimal("0.01"),
                                                                        ROUND_HALF_UP)

    @property
    def index(self) -> Decimal | None:
        return satisfaction_index(self.ratings, self.good, self.complaints, self.orders)


def satisfaction_index(ratings: int, good: int, complaints: int, orders: int
                       ) -> Decimal | None:
    """The module docstring's formula, exactly (None without ratings)."""
    if not ratings:
        return None
    share = Decimal(100) * good / ratings
    per_100 = Decimal(100) * complaints / orders if orders else Decimal(0)
    value = max(share - COMPLAINT_WEIGHT * per_100, Decimal(0))
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


def figures(months: list[date], store_ids) -> dict[tuple[int, date], MonthFigures]:
    """``(store_id, month) -> MonthFigures`` for every store and month asked (three
    statements, grouped by day in SQL and by month here, so any length of history)."""
    months = sorted({first_of_month(m) for m in months})
    ids = list(store_ids) or [-1]
    result = {(sid, m): MonthFigures() for sid in ids for m in months}
    if not months:
        return result
    first, after = months[0], next_month(months[-1])

    def bucket(store_id: int, day: date | None) -> MonthFigures | None:
        return result.get((store_id, first_of_month(day))) if day is not None else None

    day_range = (BusinessDay.business_date >= first, BusinessDay.business_date < after)
    for store_id, day, n, good in db.session.execute(
            select(Order.store_id, BusinessDay.business_date, func.count(Feedback.id),
                   func.sum(when((Feedback.rating >= GOOD_RATING_FROM, 1), else_=0)))
            .join(Order, Order.id == Feedback.order_id)
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(Order.store_id.in_(ids), *day_range)
            .group_by(Order.store_id, BusinessDay.business_date)):
        target = bucket(store_id, day)
        if target is not None:
            target.ratings += int(n)
            target.good += int(good or 0)
    for store_id, day, n in db.session.execute(
            select(Order.store_id, BusinessDay.business_date, func.count(Order.id))
            .join(BusinessDay, BusinessDay.id == Order.business_day_id)
            .where(Order.store_id.in_(ids), Order.status == "paid", *day_range)
            .group_by(Order.store_id, BusinessDay.business_date)):
        target = bucket(store_id, day)
        if target is not None:
            target.orders += int(n)
    start, end = moments(first, after)
    tz = zone()
    for store_id, created in db.session.execute(
            select(ComplaintCase.store_id, ComplaintCase.created_at)
            .where(ComplaintCase.store_id.in_(ids), ComplaintCase.created_at >= start,
                   ComplaintCase.created_at < end)):
        target = bucket(store_id, local_date(created, tz))
        if target is not None:
            target.complaints += 1
    return result


@dataclass
class StoreTrend:
    store: Store
    current: MonthFigures
    trend: list[Decimal | None]


def store_trends(month: date, stores: list[Store], count: int = TREND_MONTHS
                 ) -> tuple[list[date], list[StoreTrend]]:
    """Each store's figures for ``month`` and its index over the ``count`` months to it."""
    months = months_ending(month, count)
    data = figures(months, [s.id for s in stores])
    return months, [StoreTrend(s, data[(s.id, months[-1])],
                               [data[(s.id, m)].index for m in months]) for s in stores]


# --------------------------------------------------------------------------- reviews


def request_review(store_id: int, month: date, focus: str, actor=None) -> SatisfactionReview:
    """The service manager asks ``store_id`` to review ``month``."""
    errors: dict[str, str] = {}
    focus = (focus or "").strip()
    if not isinstance(store_id, int) or db.session.get(Store, store_id) is None:
        errors["store_id"] = _("门店不存在")
    if month is None:
        errors["month"] = _("请选择月份")
    if not focus:
        errors["focus"] = _("请写明要门店复盘的重点")
    elif len(focus) > TEXT_LIMIT:
        errors["focus"] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
    if not errors:
        month = first_of_month(month)
        taken = db.session.scalar(select(SatisfactionReview.id).where(
            SatisfactionReview.store_id == store_id, SatisfactionReview.month == month))
        if taken is not None:
            errors["month"] = _("该门店这个月已有复盘要求")
    if errors:
        raise SatisfactionError(errors)
    review = SatisfactionReview(store_id=store_id, month=month, focus=focus,
                                status=REVIEW_REQUESTED,
                                requested_by_account_id=getattr(actor, "id", None))
    db.session.add(review)
    db.session.flush()
    record_audit("satisfaction_review.request", "satisfaction_review", review.id,
                 after={"store_id": store_id, "month": month.isoformat()}, actor=actor)
    return review


def answer_review(review: SatisfactionReview, analysis: str, measures: str, actor=None
                  ) -> SatisfactionReview:
    """The store manager's analysis and measures; answered once."""
    if review.status == REVIEW_ANSWERED:
        raise SatisfactionError.on("status", _("该复盘已回复"))
    refusal = own_request_refusal(actor, review.requested_by_account_id, "analysis")
    if refusal is not None:
        raise SatisfactionError.on(*refusal)
    errors: dict[str, str] = {}
    values = {"analysis": (analysis or "").strip(), "measures": (measures or "").strip()}
    for name, value in values.items():
        if not value:
            errors[name] = _("请填写分析") if name == "analysis" else _("请填写改进措施")
        elif len(value) > TEXT_LIMIT:
            errors[name] = _("不能超过 %(n)d 个字符", n=TEXT_LIMIT)
    if errors:
        raise SatisfactionError(errors)
    review.analysis, review.measures = values["analysis"], values["measures"]
    review.status = REVIEW_ANSWERED
    review.answered_by_account_id = getattr(actor, "id", None)
    review.answered_at = utcnow()
    db.session.flush()
    record_audit("satisfaction_review.answer", "satisfaction_review", review.id,
                 after={"status": REVIEW_ANSWERED}, actor=actor)
    return review


def list_reviews(scope: set[int] | None, *, store_id: int | None = None,
                 status: str | None = None, limit: int = 100) -> list[SatisfactionReview]:
    """Reviews the viewer may see: waiting ones first, then the newest month first."""
    query = select(SatisfactionReview)
    if scope is not None:
        query = query.where(SatisfactionReview.store_id.in_(scope or [-1]))
    if store_id is not None:
        query = query.where(SatisfactionReview.store_id == store_id)
    if status is not None:
        query = query.where(SatisfactionReview.status == status)
    return list(db.session.scalars(query.order_by(
        (SatisfactionReview.status == REVIEW_ANSWERED), SatisfactionReview.month.desc(),
        SatisfactionReview.id.desc()).limit(limit)))


def pending_count(scope: set[int] | None) -> int:
    query = select(func.count(SatisfactionReview.id)).where(
        SatisfactionReview.status == REVIEW_REQUESTED)
    if scope is not None:
        query = query.where(SatisfactionReview.store_id.in_(scope or [-1]))
    return int(db.session.scalar(query) or 0)
