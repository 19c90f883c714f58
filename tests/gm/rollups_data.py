"""Source rows written by hand for the rollups' tests: business days, orders with
payments and refunds, service jobs, feedback, complaints, cards and clock punches.

Every moment is an aware UTC datetime with whole seconds (what the app writes,
without the microseconds that would only blur the minute rounding's edge)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models.time import ClockRecord
from app.blueprints.store.closing_figures import day_window
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    ComplaintCase,
    Customer,
    Feedback,
    MemberCard,
    Order,
    OrderLine,
    Payment,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee
from app.models.org import Position

M = Decimal


def opening(on: date, minutes: int = 0) -> datetime:
    """``minutes`` after the start of business day ``on`` (UTC)."""
    return day_window(on)[0] + timedelta(minutes=minutes)


def business_day(store_id: int, on: date) -> BusinessDay:
    day = db.session.scalar(select(BusinessDay).where(BusinessDay.store_id == store_id,
                                                      BusinessDay.business_date == on))
    if day is None:
        day = BusinessDay(store_id=store_id, business_date=on)
        db.session.add(day)
        db.session.flush()
    return day


def order(store_id: int, on: date, *, status: str = "paid", party: int = 1,
          payments: dict[str, str] | None = None) -> Order:
    """An order of the day paid by ``payments`` (method -> amount); total = their sum."""
    day = business_day(store_id, on)
    day.last_order_seq += 1
    total = sum((M(a) for a in (payments or {}).values()), M("0.00"))
    row = Order(store_id=store_id, business_day_id=day.id, seq=day.last_order_seq,
                party_size=party, status=status, subtotal=total, total=total)
    db.session.add(row)
    db.session.flush()
    for method, amount in (payments or {}).items():
        pay(row, method, amount)
    return row


def pay(order_row: Order, method: str, amount: str, *, on_day: BusinessDay | None = None,
        refund: bool = False) -> Payment:
    """A payment row (negative ``amount``: a refund paid out, on ``on_day`` if given)."""
    day_id = on_day.id if on_day is not None else order_row.business_day_id
    row = Payment(store_id=order_row.store_id, order_id=order_row.id, business_day_id=day_id,
                  method=method, amount=M(amount),
                  voucher_platform="meituan" if method == "voucher" else None,
                  voucher_code=None)
    db.session.add(row)
    db.session.flush()
    if method == "voucher":
        row.voucher_code = f"V{row.id}"
        db.session.flush()
    return row


def therapist(company, store_id: int, n: int) -> Employee:
    position = db.session.scalar(select(Position).where(Position.role == "therapist"))
    person = Employee(employee_no=f"9{store_id:02d}{n:02d}", name=f"技师{store_id}-{n}",
                      store_id=store_id, position_id=position.id, status="active")
    db.session.add(person)
    db.session.flush()
    return person


def job(order_row: Order, therapist_id: int, *, job_type: str = "rotation",
        addon: bool = False, status: str = "finished", start: datetime,
        minutes: int | None = 60, seconds: int = 0) -> ServiceJob:
    line = OrderLine(order_id=order_row.id, store_id=order_row.store_id, name="足疗",
                     unit_price=M("100.00"), amount=M("100.00"))
    db.session.add(line)
    db.session.flush()
    ended = (start + timedelta(minutes=minutes, seconds=seconds)
             if minutes is not None and status in ("finished", "returned") else None)
    row = ServiceJob(store_id=order_row.store_id, business_day_id=order_row.business_day_id,
                     order_id=order_row.id, order_line_id=line.id, therapist_id=therapist_id,
                     job_type=job_type, is_addon=addon, status=status, started_at=start,
                     planned_end_at=start + timedelta(minutes=60), ended_at=ended)
    db.session.add(row)
    db.session.flush()
    return row


def feedback(order_row: Order, rating: int, at: datetime) -> Feedback:
    row = Feedback(store_id=order_row.store_id, order_id=order_row.id, rating=rating,
                   created_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def complaint(store_id: int, at: datetime) -> ComplaintCase:
    row = ComplaintCase(store_id=store_id, description="水温太烫", created_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def card(store_id: int, at: datetime, n: int) -> MemberCard:
    customer = Customer(name=f"会员{n}", phone=f"139{n:08d}", phone_tail=f"{n % 10000:04d}")
    db.session.add(customer)
    db.session.flush()
    row = MemberCard(card_no=f"T{customer.id:06d}", customer_id=customer.id,
                     kind="stored_value", issued_store_id=store_id, created_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def ledger(member: MemberCard, store_id: int, kind: str, amount: str, at: datetime,
           method: str | None = None) -> CardLedgerEntry:
    member.balance += M(amount)
    row = CardLedgerEntry(card_id=member.id, store_id=store_id, kind=kind, amount=M(amount),
                          balance_after=member.balance, created_at=at,
                          payment_method=method if kind == "topup" else None)
    db.session.add(row)
    db.session.flush()
    return row


def punch(employee_id: int, store_id: int | None, kind: str, at: datetime,
          voided: bool = False) -> ClockRecord:
    row = ClockRecord(employee_id=employee_id, store_id=store_id, kind=kind, at=at,
                      source="kiosk", voided_at=at if voided else None)
    db.session.add(row)
    db.session.flush()
    return row
