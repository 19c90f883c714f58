"""The bill of an order (收银): what is charged, at which member discount, in which lines.

Rules (specs/dispatch.md "Checkout", and where it is silent, ours):
* What is charged: every active product line, and every active service line
  whose job has ended (钟 finished).  A service still running (in_service) or
  a line still waiting for a therapist (or returned with no new therapist)
  blocks the checkout with a message naming it: cancel the line or finish it.
* Member discount: the order's membership level, else the customer's.  It
  applies to services, and to products only if the level says so.  Rounding:
  each discounted line is ``list amount × discount`` rounded to 0.01
  ROUND_HALF_UP; the order total is the sum of the rounded lines (so the
  receipt's lines always add up).
* Each service line says who did it and how (:func:`line_services`): the 技师号 of
  the job that counts (finished, else running; a returned therapist's job is not
  it), 轮钟 or 点钟, and whether it is a 加钟 (an add-on line extends another line's
  job), so an add-on of the same item is not a second, unexplained line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.store.catalogue import CENT
from app.blueprints.store.models import (
    Customer,
    MemberCard,
    MembershipLevel,
    Order,
    OrderLine,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee
from app.validation import InputError

ZERO = Decimal("0.00")


class CheckoutError(InputError):
    """Bad checkout or refund input; names the field (``payments.0.amount`` …)."""


@dataclass(frozen=True)
class LineService:
    """Who did a service line and how (the bill, the receipt, the API)."""

    therapist_no: str | None  # 技师号; None while nobody serves the line
    job_type: str | None  # rotation (轮钟) / requested (点钟)
    is_addon: bool  # 加钟

    @property
    def job_type_label(self) -> str:
        return {"rotation": _("轮钟"), "requested": _("点钟")}.get(self.job_type or "", "")


@dataclass
class BillLine:
    line: OrderLine
    list_amount: Decimal
    discount: Decimal
    amount: Decimal  # what is charged for the line
    state: str  # "charged" / "running" / "not_served"
    service: LineService | None = None  # service lines only


@dataclass
class Bill:
    order: Order
    level: MembershipLevel | None
    lines: list[BillLine]
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    problems: list[str] = field(default_factory=list)

    @property
    def charged(self) -> list[BillLine]:
        return [b for b in self.lines if b.state == "charged"]


def discounted(amount: Decimal, rate: Decimal) -> Decimal:
    """A line's amount after the member discount, rounded to 0.01 half up."""
    return (amount * rate).quantize(CENT, ROUND_HALF_UP)


def rate_label(rate: Decimal) -> str:
    """0.880 -> "8.8" (八八折 is written 8.8 折)."""
    return format((rate * 10).normalize(), "f")


def membership_level_of(order: Order) -> MembershipLevel | None:
    level_id = order.membership_level_id
    if level_id is None and order.customer_id is not None:
        customer = db.session.get(Customer, order.customer_id)
        level_id = customer.membership_level_id if customer else None
    return db.session.get(MembershipLevel, level_id) if level_id else None


# Which job of a line counts for it: the finished one, else the one running.
_JOB_RANK = {"finished": 0, "in_service": 1}


def line_services(order_id: int) -> dict[int, LineService]:
    """Per service line of the order: its therapist's number, job type and 加钟 mark."""
    best: dict[int, tuple] = {}
    for line_id, addon_of, status, job_type, is_addon, job_id, number in db.session.execute(
            select(OrderLine.id, OrderLine.addon_of_line_id, ServiceJob.status,
                   ServiceJob.job_type, ServiceJob.is_addon, ServiceJob.id, Employee.employee_no)
            .join(ServiceJob, ServiceJob.order_line_id == OrderLine.id, isouter=True)
            .join(Employee, Employee.id == ServiceJob.therapist_id, isouter=True)
            .where(OrderLine.order_id == order_id, OrderLine.kind == "service")):
        rank = (_JOB_RANK.get(status, 9), -(job_id or 0))
        if line_id not in best or rank < best[line_id][0]:
            counts = status in _JOB_RANK
            best[line_id] = (rank, LineService(
                therapist_no=number if counts else None,
                job_type=job_type if counts else None,
                is_addon=addon_of is not None or bool(is_addon)))
    return {line_id: service for line_id, (_rank, service) in best.items()}


def price_order(order: Order) -> Bill:
    """The order's bill: lines, member discount, total, and what blocks payment."""
    level = membership_level_of(order)
    lines = list(db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.status == "active")
        .order_by(OrderLine.id)))
    jobs: dict[int, set[str]] = defaultdict(set)
    for line_id, status in db.session.execute(
            select(ServiceJob.order_line_id, ServiceJob.status)
            .where(ServiceJob.order_id == order.id)):
        jobs[line_id].add(status)
    bill = Bill(order=order, level=level, lines=[])
    services = line_services(order.id)
    for line in lines:
        rate = Decimal("1")
        if level is not None and (line.kind == "service" or level.discount_products):
            rate = level.discount
        amount = discounted(line.amount, rate)
        state = "charged"
        if line.kind == "service":
            if "in_service" in jobs[line.id]:
                state = "running"
                bill.problems.append(_("%(name)s 仍在服务中，结束后才能结账", name=line.name))
            elif "finished" not in jobs[line.id]:
                state = "not_served"
                bill.problems.append(_("%(name)s 还没有技师服务：请先派钟或取消该项目",
                                       name=line.name))
        bill.lines.append(BillLine(line, line.amount, line.amount - amount, amount, state,
                                   services.get(line.id)))
    for b in bill.charged:
        bill.subtotal += b.list_amount
        bill.total += b.amount
    bill.discount = bill.subtotal - bill.total
    return bill


def package_preview(bill: Bill, card: MemberCard) -> Decimal:
    """What a package card would cover on this bill by default (for the form's live sum)."""
    matching = [b.amount for b in bill.charged
                if b.line.kind == "service" and b.line.service_item_id == card.service_item_id]
    return sum(matching[:card.remaining_count], ZERO)
