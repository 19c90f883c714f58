"""Who sees a guest's phone and 客史: one rule for the desk's pages and the API.

Guests are the chain's (a card bought in one store is spent in another, specs/
dispatch.md), so every desk can *find* any guest — by name, 尾号 or the whole
number — but what it then reads depends on its work:

* Lists and search results show the phone masked (``138****1234``) to everyone:
  a list is where a whole guest book would walk out.
* One guest's full phone and 客史 (visits, spend, therapists who served them):
  - ``customer.view_contact`` on the head-office side (general manager, service
    manager for complaints, owner): any guest;
  - ``customer.view_contact`` in a store (store manager): the guests of their
    stores — registered there, or with any order there;
  - ``customer.view_in_service`` (supervisor, foreman, cashier, dispatcher,
    receptionist): a guest with an open order (waiting, in service, to pay) in
    one of their stores — the desk serving them now;
  - ``customer.view`` alone (the greeter, the least): never; the greeter reads the
    guest's file (禁忌, 喜好, 常点技师) with the phone masked.

Plain functions: no request, no commit.
"""

from __future__ import annotations

from sqlalchemy import select

from app.blueprints.store.models import Customer, Order
from app.blueprints.store.order_lines import OPEN_STATUSES
from app.extensions import db
from app.permissions import store_scope


def mask_phone(phone: str | None) -> str:
    """``13800001234`` -> ``138****1234``; a short number keeps only its last 4 digits."""
    digits = phone or ""
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def sees_contact(viewer, customer: Customer) -> bool:
    """Whether ``viewer`` may read this guest's full phone and 客史 (module docstring)."""
    scope = store_scope(viewer)
    if viewer.can("customer.view_contact"):
        if scope is None:
            return True
        if customer.first_store_id in scope:
            return True
        return _has_order(customer.id, scope, open_only=False)
    if viewer.can("customer.view_in_service"):
        return _has_order(customer.id, scope, open_only=True)
    return False


def guests_with_visible_contact(viewer, customers) -> set[int]:
    """:func:`sees_contact` for a list of guests, in at most one query: the ids of those
    whose full phone ``viewer`` may read."""
    customers = list(customers)
    scope = store_scope(viewer)
    if viewer.can("customer.view_contact"):
        if scope is None:
            return {c.id for c in customers}
        first_here = {c.id for c in customers if c.first_store_id in scope}
        others = {c.id for c in customers} - first_here
        return first_here | _with_orders(others, scope, open_only=False)
    if viewer.can("customer.view_in_service"):
        return _with_orders({c.id for c in customers}, scope, open_only=True)
    return set()


def _with_orders(customer_ids: set[int], scope: set[int] | None, open_only: bool) -> set[int]:
    if not customer_ids:
        return set()
    query = select(Order.customer_id).where(Order.customer_id.in_(sorted(customer_ids)))
    if scope is not None:
        query = query.where(Order.store_id.in_(scope or [-1]))
    if open_only:
        query = query.where(Order.status.in_(OPEN_STATUSES))
    return set(db.session.scalars(query.distinct()))


def _has_order(customer_id: int, scope: set[int] | None, open_only: bool) -> bool:
    query = select(Order.id).where(Order.customer_id == customer_id)
    if scope is not None:
        query = query.where(Order.store_id.in_(scope or [-1]))
    if open_only:
        query = query.where(Order.status.in_(OPEN_STATUSES))
    return db.session.scalar(query.limit(1)) is not None


FILE_FIELDS = ("id", "name", "phone_tail", "gender", "preferences", "taboos", "notes",
               "favourite_therapist_id", "membership_level_id", "first_store_id", "created_at")


def customer_view(customer: Customer, full: bool) -> dict:
    """The guest as an API read shows it: the phone masked unless ``full``."""
    shown = {name: getattr(customer, name) for name in FILE_FIELDS}
    shown["phone"] = customer.phone if full else mask_phone(customer.phone)
    shown["phone_masked"] = not full
    return shown
