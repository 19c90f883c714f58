"""经营驾驶舱's drill-down: one store's month (its days, its therapists) and one
therapist's jobs of the month, each job with its order.  Plain functions.

A store's days come from ``rollups.read_days`` (stored rows, today live); the
therapists' month is read live from the service jobs and the guests' ratings of that
store and month — one store-month is small, and a fixed number of grouped statements.
A therapist's 钟 counts in the month of its business day; 点钟 is a job of type
``requested``, 加钟 an add-on job, 退钟 a job the guest sent back; minutes are those of
finished jobs, start to end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from app.blueprints.gm import rollups
from app.blueprints.gm.dashboard import Figures, add_months, month_start, percent
from app.blueprints.store.closing_figures import order_no
from app.blueprints.store.models import BusinessDay, Feedback, Order, ServiceJob
from app.extensions import db
from app.models import Employee


@dataclass
class TherapistMonth:
    employee_id: int
    name: str
    employee_no: str
    jobs: int = 0
    requested: int = 0
    addon: int = 0
    returned: int = 0
    minutes: int = 0
    ratings: int = 0
    rating_total: int = 0

    @property
    def requested_rate(self):
        return percent(self.requested, self.jobs)

    @property
    def addon_rate(self):
        return percent(self.addon, self.jobs)

    @property
    def rating(self):
        return Figures(ratings=self.ratings, rating_total=self.rating_total).rating


@dataclass
class StoreMonth:
    month: date
    days: list[tuple[date, Figures]]
    total: Figures
    therapists: list[TherapistMonth] = field(default_factory=list)


@dataclass
class JobLine:
    job_id: int
    business_date: date
    order_id: int
    order_no: str
    service: str
    job_type: str
    is_addon: bool
    status: str
    started_at: datetime
    ended_at: datetime | None
    minutes: int | None
    rating: int | None


def _minutes(started: datetime, ended: datetime | None) -> int | None:
    if ended is None:
        return None
    return max(0, int((ended - started).total_seconds() // 60))


def _month_days(month: date, today: date) -> tuple[date, date]:
    """First and last day of ``month`` to show: not beyond today."""
    last = add_months(month, 1).toordinal() - 1
    return month, min(date.fromordinal(last), today)


def store_month(store_id: int, month: date, today: date) -> StoreMonth:
    """The store's days of ``month`` (up to today) and its therapists' month."""
    month = month_start(month)
    first, last = _month_days(month, today)
    days: dict[date, Figures] = {}
    if first <= last:
        for day in rollups.read_days(first, last, {store_id}):
            days.setdefault(day.business_date, Figures()).add(day)
    total = Figures()
    for figures in days.values():
        total.add(figures)
    return StoreMonth(month=month, days=sorted(days.items()), total=total,
                      therapists=therapists_month(store_id, first, last))


def therapists_month(store_id: int, first: date, last: date) -> list[TherapistMonth]:
    """Per therapist who worked a job in the store in ``first..last``: jobs, 点钟, 加钟,
    退钟, minutes and ratings, most jobs first (three statements)."""
    in_days = (BusinessDay.store_id == store_id, BusinessDay.business_date >= first,
               BusinessDay.business_date <= last)
    jobs = db.session.execute(
        select(ServiceJob.therapist_id, ServiceJob.job_type, ServiceJob.is_addon,
               ServiceJob.status, ServiceJob.started_at, ServiceJob.ended_at)
        .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
        .where(ServiceJob.store_id == store_id, *in_days)).all()
    people: dict[int, TherapistMonth] = {}
    ratings = db.session.execute(
        select(Feedback.therapist_id, func.count(), func.sum(Feedback.rating))
        .join(Order, Order.id == Feedback.order_id)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .where(Feedback.store_id == store_id, Feedback.therapist_id.is_not(None), *in_days)
        .group_by(Feedback.therapist_id)).all()
    ids = {row.therapist_id for row in jobs} | {row[0] for row in ratings}
    if not ids:
        return []
    for person in db.session.execute(
            select(Employee.id, Employee.name, Employee.employee_no)
            .where(Employee.id.in_(sorted(ids)))):
        people[person.id] = TherapistMonth(person.id, person.name, person.employee_no)
    for job in jobs:
        who = people.get(job.therapist_id)
        if who is None:
            continue
        if job.status == "returned":
            who.returned += 1
        elif job.status == "finished":
            who.jobs += 1
            who.requested += job.job_type == "requested"
            who.addon += bool(job.is_addon)
            who.minutes += _minutes(job.started_at, job.ended_at) or 0
    for therapist_id, count, stars in ratings:
        if therapist_id in people:
            people[therapist_id].ratings = int(count)
            people[therapist_id].rating_total = int(stars or 0)
    return sorted(people.values(), key=lambda t: (-t.jobs, t.employee_no))


def therapist_jobs(store_id: int, employee_id: int, month: date, today: date
                   ) -> list[JobLine]:
    """The therapist's jobs in the store in ``month`` (up to today), newest first, each
    with its order number and the guest's rating of it (two statements)."""
    from app.blueprints.store.models import OrderLine

    first, last = _month_days(month_start(month), today)
    rows = db.session.execute(
        select(ServiceJob.id, BusinessDay.business_date, Order.id, Order.seq, OrderLine.name,
               ServiceJob.job_type, ServiceJob.is_addon, ServiceJob.status,
               ServiceJob.started_at, ServiceJob.ended_at)
        .join(BusinessDay, BusinessDay.id == ServiceJob.business_day_id)
        .join(Order, Order.id == ServiceJob.order_id)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .where(ServiceJob.store_id == store_id, ServiceJob.therapist_id == employee_id,
               BusinessDay.business_date >= first, BusinessDay.business_date <= last)
        .order_by(ServiceJob.started_at.desc(), ServiceJob.id.desc())).all()
    stars: dict[int, int] = defaultdict(int)
    if rows:
        for job_id, rating in db.session.execute(
                select(Feedback.job_id, Feedback.rating)
                .where(Feedback.job_id.in_([r[0] for r in rows]))):
            stars[job_id] = rating
    return [JobLine(job_id=r[0], business_date=r[1], order_id=r[2], order_no=order_no(r[1], r[3]),
                    service=r[4], job_type=r[5], is_addon=bool(r[6]), status=r[7],
                    started_at=r[8], ended_at=r[9], minutes=_minutes(r[8], r[9]),
                    rating=stars.get(r[0]))
            for r in rows]
