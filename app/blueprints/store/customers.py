"""客户档案 and 客史: the chain's guests, found by phone tail or name, and their visits.

Plain functions: they add and flush, never commit.

Rules chosen where the specs are silent:
* A phone is stored as its digits only (spaces, dashes and a leading ``+86`` are
  dropped), so ``138 0000 1111`` and ``13800001111`` are the same guest; it is
  unique per company and ``phone_tail`` is always its last 4 digits.
* A visit is an order of the guest that was not cancelled, in any store of the
  chain.  Spend counts only paid orders, at what the guest paid (after discount).
* A guest is never deleted (orders, cards and complaints point at them).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.audit import record_audit
from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    MembershipLevel,
    Order,
    OrderLine,
    ServiceJob,
)
from app.extensions import db
from app.models import Employee, Store
from app.validation import InputError

CUSTOMER_GENDERS = ("", "female", "male")
EDITABLE_FIELDS = ("name", "phone", "gender", "preferences", "taboos", "notes",
                   "favourite_therapist_id", "membership_level_id")
TEXT_LIMITS = {"preferences": 2000, "taboos": 2000, "notes": 2000}
SEARCH_LIMIT = 30
HISTORY_LIMIT = 50


class CustomerError(InputError):
    """Bad customer input; ``fields`` maps each field to its message."""


@dataclass
class Visit:
    """One order of the guest as the desk reads it in 客史."""

    order_id: int
    store_id: int
    store_name: str
    business_date: date
    opened_at: datetime
    status: str
    items: list[str] = field(default_factory=list)
    therapists: list[str] = field(default_factory=list)  # "801 王芳"
    amount: Decimal = Decimal("0.00")


@dataclass
class CustomerSummary:
    """Visits, spend, last visit and favourite items, over every store of the chain."""

    visits: int
    total_spend: Decimal
    last_visit_at: datetime | None
    favourite_items: list[tuple[str, int]]


# --------------------------------------------------------------------------- phone


def normalise_phone(raw: str | None) -> str:
    """Digits only: ``+86 138-0000-1111`` -> ``13800001111``."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("+"):
        text = text[1:]
    return text


def phone_error(phone: str) -> str | None:
    """The message for a phone the desk can't call back, else None."""
    if not phone:
        return _("必填")
    if not phone.isdigit():
        return _("手机号只能包含数字")
    if not 5 <= len(phone) <= 20:
        return _("手机号应为 5–20 位数字")
    return None


# --------------------------------------------------------------------------- verbs


def create_customer(*, name: str, phone: str, gender: str = "", preferences: str = "",
                    taboos: str = "", notes: str = "", favourite_therapist_id: int | None = None,
                    membership_level_id: int | None = None,
                    first_store_id: int | None = None) -> Customer:
    """A new guest file; the phone must be unused in the company."""
    values = _clean({"name": name, "phone": phone, "gender": gender,
                     "preferences": preferences, "taboos": taboos, "notes": notes,
                     "favourite_therapist_id": favourite_therapist_id,
                     "membership_level_id": membership_level_id})
    _check(values, customer=None)
    customer = Customer(**values, phone_tail=values["phone"][-4:],
                        first_store_id=first_store_id)
    _flush_unique(customer)
    record_audit("customer.create", "customer", customer.id,
                 after={"name": customer.name, "phone": customer.phone})
    return customer


def update_customer(customer: Customer, **changes) -> Customer:
    """Change the guest's file; the phone stays unique and its tail in step."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CustomerError({name: _("不能修改此字段") for name in sorted(unknown)})
    values = _clean(changes)
    merged = {name: getattr(customer, name) for name in EDITABLE_FIELDS} | values
    _check(merged, customer=customer)
    before = {name: getattr(customer, name) for name in values}
    for name, value in values.items():
        setattr(customer, name, value)
    customer.phone_tail = customer.phone[-4:]
    changed = {name: value for name, value in values.items() if before[name] != value}
    if changed:
        _flush_unique(customer)
        record_audit("customer.update", "customer", customer.id,
                     before={name: before[name] for name in changed}, after=changed)
    return customer


def find_by_phone(phone: str) -> Customer | None:
    """The company's guest with this phone (any spelling of it), or None."""
    digits = normalise_phone(phone)
    if not digits:
        return None
    return db.session.scalar(select(Customer).where(Customer.phone == digits))


def search_customers(query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """What the desk types: phone tail digits (尾号), a whole phone, or part of a name.

    Four digits use the ``phone_tail`` index; more digits match the phone's end
    (narrowed by the tail first); fewer match the tail's end.
    """
    text = (query or "").strip()
    if not text:
        return []
    digits = normalise_phone(text)
    stmt = select(Customer)
    if digits.isdigit():
        if len(digits) == 4:
            stmt = stmt.where(Customer.phone_tail == digits)
        elif len(digits) > 4:
            stmt = stmt.where(Customer.phone_tail == digits[-4:],
                              Customer.phone.endswith(digits, autoescape=True))
        else:
            stmt = stmt.where(Customer.phone_tail.endswith(digits, autoescape=True))
    else:
        stmt = stmt.where(or_(Customer.name.contains(text, autoescape=True),
                              Customer.phone == digits))
    return list(db.session.scalars(stmt.order_by(Customer.name, Customer.id).limit(limit)))


# --------------------------------------------------------------------------- 客史


def customer_summary(customer_id: int) -> CustomerSummary:
    """Totals over every visit (two statements, whatever the number of visits)."""
    visits, spend, last = db.session.execute(
        select(func.count(Order.id),
               func.coalesce(func.sum(Order.total).filter(Order.status == "paid"), 0),
               func.max(Order.opened_at))
        .where(Order.customer_id == customer_id, Order.status != "cancelled")
    ).one()
    favourite = db.session.execute(
        select(OrderLine.name, func.count(OrderLine.id).label("times"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, Order.status != "cancelled",
               OrderLine.kind == "service", OrderLine.status == "active",
               OrderLine.addon_of_line_id.is_(None))
        .group_by(OrderLine.name)
        .order_by(func.count(OrderLine.id).desc(), OrderLine.name)
        .limit(3)
    ).all()
    return CustomerSummary(
        visits=int(visits or 0),
        total_spend=Decimal(str(spend or 0)).quantize(Decimal("0.01")),
        last_visit_at=last,
        favourite_items=[(name, int(times)) for name, times in favourite],
    )


def visit_history(customer_id: int, limit: int = HISTORY_LIMIT) -> list[Visit]:
    """The guest's latest visits in every store, newest first (three statements)."""
    rows = db.session.execute(
        select(Order, Store.name, BusinessDay.business_date)
        .join(Store, Store.id == Order.store_id)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .where(Order.customer_id == customer_id, Order.status != "cancelled")
        .order_by(Order.opened_at.desc(), Order.id.desc())
        .limit(limit)
    ).all()
    visits = {order.id: Visit(order_id=order.id, store_id=order.store_id, store_name=store_name,
                              business_date=business_date, opened_at=order.opened_at,
                              status=order.status, amount=order.total)
              for order, store_name, business_date in rows}
    if not visits:
        return []
    line_amounts: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for order_id, name, amount in db.session.execute(
            select(OrderLine.order_id, OrderLine.name, OrderLine.amount)
            .where(OrderLine.order_id.in_(visits), OrderLine.status == "active")
            .order_by(OrderLine.order_id, OrderLine.id)):
        visits[order_id].items.append(name)
        line_amounts[order_id] += amount
    for order_id, number, name in db.session.execute(
            select(ServiceJob.order_id, Employee.employee_no, Employee.name)
            .join(Employee, Employee.id == ServiceJob.therapist_id)
            .where(ServiceJob.order_id.in_(visits), ServiceJob.status.in_(("in_service",
                                                                           "finished")))
            .order_by(ServiceJob.order_id, ServiceJob.id)):
        label = f"{number} {name}"
        if label not in visits[order_id].therapists:
            visits[order_id].therapists.append(label)
    for visit in visits.values():
        # Until checkout the order's total is not set: show what its lines add up to.
        if visit.status != "paid":
            visit.amount = line_amounts[visit.order_id]
    return list(visits.values())


def favourite_therapist_counts(customer_id: int) -> list[tuple[str, int]]:
    """Which therapists served the guest most (the desk suggests them for 点钟)."""
    counts = Counter()
    for number, name in db.session.execute(
            select(Employee.employee_no, Employee.name)
            .join(ServiceJob, ServiceJob.therapist_id == Employee.id)
            .join(Order, Order.id == ServiceJob.order_id)
            .where(Order.customer_id == customer_id, ServiceJob.status == "finished")):
        counts[f"{number} {name}"] += 1
    return counts.most_common(3)


def therapist_choices() -> list[Employee]:
    """Therapists of the company still employed, by number (favourite therapist)."""
    from app.models import Position

    return list(db.session.scalars(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Position.role == "therapist", Employee.status != "left")
        .order_by(Employee.employee_no)))


def membership_levels() -> list[MembershipLevel]:
    return list(db.session.scalars(
        select(MembershipLevel).order_by(MembershipLevel.sort_order, MembershipLevel.id)))


# --------------------------------------------------------------------------- checks


def _clean(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "phone":
            value = normalise_phone(value)
        if name in ("favourite_therapist_id", "membership_level_id") and value in ("", 0):
            value = None
        if name == "gender" and value is None:
            value = ""
        cleaned[name] = value
    return cleaned


def _check(values: dict, customer: Customer | None) -> None:
    errors: dict[str, str] = {}
    name = values.get("name") or ""
    if not name:
        errors["name"] = _("必填")
    elif len(name) > 64:
        errors["name"] = _("不能超过 %(n)d 个字符", n=64)
    message = phone_error(values.get("phone") or "")
    if message:
        errors["phone"] = message
    if values.get("gender", "") not in CUSTOMER_GENDERS:
        errors["gender"] = _("无效的性别")
    for text_field, limit in TEXT_LIMITS.items():
        if len(values.get(text_field) or "") > limit:
            errors[text_field] = _("不能超过 %(n)d 个字符", n=limit)
    therapist_id = values.get("favourite_therapist_id")
    if therapist_id is not None and db.session.get(Employee, therapist_id) is None:
        errors["favourite_therapist_id"] = _("没有这位技师")
    level_id = values.get("membership_level_id")
    if level_id is not None and db.session.get(MembershipLevel, level_id) is None:
        errors["membership_level_id"] = _("没有这个会员等级")
    if "phone" not in errors:
        taken = select(Customer.id).where(Customer.phone == values["phone"])
        if customer is not None and customer.id is not None:
            taken = taken.where(Customer.id != customer.id)
        if db.session.scalar(taken.limit(1)) is not None:
            errors["phone"] = _("该手机号已有客户档案")
    if errors:
        raise CustomerError(errors)


def _flush_unique(customer: Customer) -> None:
    """Flush; a phone taken meanwhile by another desk is a field error, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(customer)
            db.session.flush()
    except IntegrityError:
        raise CustomerError.on("phone", _("该手机号已有客户档案")) from None
