"""Rows for the service department's guest tests: paid orders on given days, ratings,
complaint cases opened at given moments, guests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.blueprints.store.days import get_business_day
from app.blueprints.store.models import ComplaintCase, Customer, Feedback, MembershipLevel, Order
from app.extensions import db

CHINA = ZoneInfo("Asia/Shanghai")
_seq = {"n": 0}


def at(day: date, hour: int = 12) -> datetime:
    """Noon (China time) of ``day`` as UTC."""
    return datetime.combine(day, time(hour), CHINA).astimezone(UTC)


def guest(name: str, phone: str, level: MembershipLevel | None = None,
          first_store_id: int | None = None) -> Customer:
    customer = Customer(name=name, phone=phone, phone_tail=phone[-4:],
                        membership_level_id=level.id if level else None,
                        first_store_id=first_store_id)
    db.session.add(customer)
    db.session.flush()
    return customer


def level(name: str, sort_order: int) -> MembershipLevel:
    found = db.session.scalar(select(MembershipLevel).where(MembershipLevel.name == name))
    if found is None:
        found = MembershipLevel(name=name, discount=Decimal("0.900"), sort_order=sort_order)
        db.session.add(found)
        db.session.flush()
    return found


def paid_order(store_id: int, day: date, customer: Customer | None = None,
               total: str = "100.00", status: str = "paid") -> Order:
    business_day = get_business_day(store_id, day)
    _seq["n"] += 1
    order = Order(store_id=store_id, business_day_id=business_day.id, seq=_seq["n"],
                  customer_id=customer.id if customer else None, status=status,
                  subtotal=Decimal(total), total=Decimal(total), opened_at=at(day, 11))
    db.session.add(order)
    db.session.flush()
    return order


def rate(order: Order, rating: int) -> Feedback:
    day_of = order.opened_at
    feedback = Feedback(store_id=order.store_id, order_id=order.id, rating=rating,
                        created_at=day_of + timedelta(hours=2))
    db.session.add(feedback)
    db.session.flush()
    return feedback


def complaint(store_id: int, opened: datetime, *, status: str = "open",
              due_on: date | None = None, customer: Customer | None = None,
              kind: str | None = None, description: str = "水太烫") -> ComplaintCase:
    case = ComplaintCase(store_id=store_id, description=description, status=status,
                         created_at=opened, due_on=due_on, kind=kind,
                         customer_id=customer.id if customer else None)
    if status in ("resolved", "closed"):
        case.resolution = "已道歉"
    db.session.add(case)
    db.session.flush()
    return case
