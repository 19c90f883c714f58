"""One order as the desk sees it (消费单): its lines with their jobs, total, tea and 退钟."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    Order,
    OrderLine,
    ServiceJob,
)
from app.blueprints.store.orders import aware, format_order_number, tea_due_at
from app.blueprints.store.policy import store_policy
from app.blueprints.store.room_board import BoardJob, board_job
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.models.org import Room


@dataclass
class SheetLine:
    """A line of the order page, with every job it had (returns stay visible)."""

    line: OrderLine
    requested_no: str | None
    jobs: list[BoardJob] = field(default_factory=list)

    @property
    def job(self) -> BoardJob | None:
        """The running job, else the finished one."""
        running = [j for j in self.jobs if j.status == "in_service"]
        finished = [j for j in self.jobs if j.status == "finished"]
        return (running or finished or [None])[-1]

    @property
    def started(self) -> bool:
        return self.job is not None


@dataclass
class OrderSheet:
    order: Order
    number: str
    business_date: object
    customer: Customer | None
    room: Room | None
    lines: list[SheetLine]
    now: datetime
    return_window_minutes: int
    tea_due_at: datetime | None
    early_finish_reason_minutes: int = 10

    @property
    def total(self):
        """List-price total of the active lines (discounts are the cashier's)."""
        return sum((s.line.amount for s in self.lines if s.line.status == "active"),
                   start=Decimal("0.00"))

    @property
    def tea_due(self) -> bool:
        return self.tea_due_at is not None and self.tea_due_at <= self.now

    def needs_finish_reason(self, job: BoardJob) -> bool:
        """下钟 now would be more than the tenant's threshold early: the form asks why."""
        return (job.status == "in_service" and job.started_at <= self.now
                and (job.planned_end_at - self.now).total_seconds()
                > self.early_finish_reason_minutes * 60)

    def can_return(self, job: BoardJob) -> bool:
        """退钟 is open within the return window of 起钟."""
        return (job.status == "in_service"
                and (self.now - job.started_at).total_seconds()
                <= self.return_window_minutes * 60)


def order_sheet(order: Order, now: datetime | None = None) -> OrderSheet:
    """The order page's data in a fixed number of queries."""
    now = aware(now or utcnow())
    policy = store_policy()
    day = db.session.get(BusinessDay, order.business_day_id)
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    room = db.session.get(Room, order.room_id) if order.room_id else None
    lines: dict[int, SheetLine] = {}
    for line, requested_no in db.session.execute(
            select(OrderLine, Employee.employee_no)
            .outerjoin(Employee, Employee.id == OrderLine.requested_therapist_id)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.kind.desc(), OrderLine.guest_no, OrderLine.id)):
        lines[line.id] = SheetLine(line, requested_no)
    for job, number, name in db.session.execute(
            select(ServiceJob, Employee.employee_no, Employee.name)
            .join(Employee, Employee.id == ServiceJob.therapist_id)
            .where(ServiceJob.order_id == order.id).order_by(ServiceJob.id)):
        if job.order_line_id in lines:
            lines[job.order_line_id].jobs.append(
                board_job(job, number, name, now, policy.overrun_warning_minutes))
    seated = order.status == "in_service" and order.room_id is not None
    return OrderSheet(order=order, number=format_order_number(day.business_date, order.seq),
                      business_date=day.business_date, customer=customer, room=room,
                      lines=list(lines.values()), now=now,
                      return_window_minutes=policy.return_window_minutes,
                      early_finish_reason_minutes=policy.early_finish_reason_minutes,
                      tea_due_at=tea_due_at(order, policy.tea_round_minutes) if seated else None)
