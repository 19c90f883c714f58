"""Rows for the 技师档案 tests: jobs of each kind with ratings, complaints with or without
an investigation, exams, training attendance, discipline (no HTTP, no commit).

Times are written in UTC, as the services write them; ``local`` turns a China
wall-clock moment into UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import EmployeeChange
from app.blueprints.store.models import (
    BusinessDay,
    ComplaintCase,
    Feedback,
    Order,
    OrderLine,
    ServiceItem,
    ServiceJob,
)
from app.blueprints.technical.models import (
    ComplaintInvestigation,
    DisciplineRecord,
    PracticalExam,
    TrainingAttendance,
    TrainingSession,
)
from app.extensions import db
from tests.hr.helpers import add_employee

CST = timezone(timedelta(hours=8))
M = Decimal


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).astimezone(UTC)


def therapist(store, number: str = "801", **kwargs):
    return add_employee(number, store=store, **kwargs)


def item(code: str = "ZL60", name: str = "足疗 60 分钟") -> ServiceItem:
    row = ServiceItem(code=code, name=name, category="foot", duration_minutes=60,
                      price=M("128.00"), exam_pass_score=M("75.00"))
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class JobSpec:
    """What a test made, to recompute the figures from."""

    therapist_id: int
    business_date: date
    job_type: str
    status: str
    addon: bool
    rating: int | None


class Jobs:
    """钟 of one store on their business days, each on its own order and line."""

    def __init__(self, store, service_item: ServiceItem):
        self.store, self.item = store, service_item
        self.days: dict[date, int] = {}
        self.seq = 0
        self.made: list[JobSpec] = []

    def _day(self, day: date) -> int:
        if day not in self.days:
            row = db.session.scalar(select(BusinessDay).where(
                BusinessDay.store_id == self.store.id, BusinessDay.business_date == day))
            if row is None:
                row = BusinessDay(store_id=self.store.id, business_date=day)
                db.session.add(row)
                db.session.flush()
            self.days[day] = row.id
        return self.days[day]

    def add(self, who, day: date, job_type: str = "rotation", status: str = "finished",
            addon: bool = False, rating: int | None = None) -> ServiceJob:
        self.seq += 1
        start = local(day, 14) + timedelta(minutes=self.seq)
        order = Order(store_id=self.store.id, business_day_id=self._day(day), seq=self.seq,
                      status="paid", opened_at=start, closed_at=start + timedelta(hours=1),
                      subtotal=M("128.00"), total=M("128.00"))
        db.session.add(order)
        db.session.flush()
        line = OrderLine(order_id=order.id, store_id=self.store.id, service_item_id=self.item.id,
                         name=self.item.name, unit_price=M("128.00"), amount=M("128.00"))
        db.session.add(line)
        db.session.flush()
        job = ServiceJob(store_id=self.store.id, business_day_id=order.business_day_id,
                         order_id=order.id, order_line_id=line.id, therapist_id=who.id,
                         job_type=job_type, is_addon=addon, status=status, started_at=start,
                         planned_end_at=start + timedelta(hours=1),
                         ended_at=start + timedelta(hours=1))
        db.session.add(job)
        db.session.flush()
        if rating is not None:
            db.session.add(Feedback(store_id=self.store.id, order_id=order.id, job_id=job.id,
                                    therapist_id=who.id, rating=rating))
            db.session.flush()
        self.made.append(JobSpec(who.id, day, job_type, status, addon, rating))
        return job


def complaint(store, named=None, created_at: datetime | None = None, *, investigated=None,
              substantiated=None, concluded=False, attributed=None) -> ComplaintCase:
    """A complaint case naming ``named``; with ``investigated`` an investigation
    attributing ``attributed`` (default ``named``)."""
    case = ComplaintCase(store_id=store.id, therapist_id=named.id if named else None,
                         description="手法太重", created_at=created_at or local(
                             date(2026, 11, 10), 15))
    db.session.add(case)
    db.session.flush()
    if investigated:
        who = attributed if attributed is not None else named
        db.session.add(ComplaintInvestigation(
            complaint_id=case.id, store_id=store.id, therapist_id=who.id if who else None,
            substantiated=substantiated if concluded else None,
            status="concluded" if concluded else "open",
            concluded_on=date(2026, 11, 20) if concluded else None))
        db.session.flush()
    return case


def exam(who, service_item, day: date, score: str, passed: bool, kind: str = "regular",
         store=None) -> PracticalExam:
    row = PracticalExam(employee_id=who.id, service_item_id=service_item.id,
                        store_id=store.id if store else who.store_id, kind=kind,
                        examined_on=day, scores=[], score=M(score), pass_score=M("75.00"),
                        passed=passed)
    db.session.add(row)
    db.session.flush()
    return row


def training(who, starts_at: datetime, attended: bool | None = True, status: str = "held",
             kind: str = "regular", topic: str = "足底反射区手法", store=None) -> TrainingSession:
    session = TrainingSession(topic=topic, kind=kind, status=status,
                              store_id=store.id if store else who.store_id, starts_at=starts_at,
                              duration_minutes=90)
    db.session.add(session)
    db.session.flush()
    db.session.add(TrainingAttendance(session_id=session.id, employee_id=who.id,
                                      attended=attended))
    db.session.flush()
    return session


def discipline(who, day: date, step: str = "verbal", status: str = "approved") -> DisciplineRecord:
    row = DisciplineRecord(employee_id=who.id, store_id=who.store_id, category="late",
                           occurred_on=day, step=step, status=status, description="迟到")
    db.session.add(row)
    db.session.flush()
    return row


def level_change(who, new_level, old_level, day: date, status: str = "applied"):
    change = EmployeeChange(employee_id=who.id, kind="promotion", effective_on=day,
                            status=status, new_level_id=new_level.id,
                            old_level_id=old_level.id if old_level else None, reason="技能评定")
    db.session.add(change)
    db.session.flush()
    return change
