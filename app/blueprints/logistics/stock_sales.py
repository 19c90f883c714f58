"""Sale at the desk (前台销售): a checkout draws the store's stock down, a refund puts it back.

Registered as the store's checkout and refund hooks (logistics/__init__.py): the
store blueprint never imports logistics.

Rules:
* Only a product that has an active stock item (``StockItem.product_id``) is stocked;
  a product without one sells as before, with no stock kept.
* Each charged product line posts one ``sale`` movement of its quantity, sourced by
  the order line (``source="order_line"``): a retried checkout posts nothing twice.
  Valued at the item's standard cost (stock consumed in the P&L).
* Not enough stock: the checkout is refused with the reason (the message names the
  product and what is on hand) on ``quantity`` and on ``order`` (the checkout page
  shows the order's error); the caller rolls back, so no payment is recorded.
* Refund (our rule): goods come back only when the order is **fully refunded** — the
  approved refund leaves no money to refund (paid − refunded = 0).  Then every product
  line that had a ``sale`` movement gets a ``sale_return`` of the same quantity,
  sourced by the order line (once).  A partial money refund returns no goods (it is
  a goodwill gesture on the bill, not a return of a bottle); an order paid before
  stock was kept has no sale movement and returns nothing.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.logistics.models import StockItem, StockMovement
from app.blueprints.logistics.stock import StockError, post_movement
from app.blueprints.store.models import OrderLine
from app.extensions import db

SOURCE = "order_line"


def _stocked(product_ids) -> dict[int, StockItem]:
    if not product_ids:
        return {}
    return {item.product_id: item for item in db.session.scalars(
        select(StockItem).where(StockItem.product_id.in_(list(product_ids)),
                                StockItem.is_active.is_(True)))}


def draw_for_checkout(order, lines, business_date: date) -> None:
    """The checkout hook: one ``sale`` per stocked product line (item order: no deadlock)."""
    stocked = _stocked({line.product_id for line in lines if line.product_id})
    todo = sorted(((stocked[line.product_id], line) for line in lines
                   if line.product_id in stocked), key=lambda pair: (pair[0].id, pair[1].id))
    for item, line in todo:
        try:
            post_movement(order.store_id, item.id, "sale", line.quantity,
                          moved_on=business_date, source=SOURCE, source_id=line.id,
                          note=_("消费单 #%(id)d", id=order.id))
        except StockError as exc:
            raise StockError({"quantity": exc.message, "order": exc.message}) from None


def return_for_refund(refund, order, can, business_date: date) -> None:
    """The refund hook: a fully refunded order's goods go back (see the module's rules)."""
    if can.paid - can.refunded > 0:
        return
    sales = db.session.scalars(
        select(StockMovement)
        .join(OrderLine, OrderLine.id == StockMovement.source_id)
        .where(StockMovement.source == SOURCE, StockMovement.kind == "sale",
               OrderLine.order_id == order.id)
        .order_by(StockMovement.stock_item_id, StockMovement.id)).all()
    for sale in sales:
        post_movement(sale.store_id, sale.stock_item_id, "sale_return", -sale.quantity,
                      moved_on=business_date, unit_cost=sale.unit_cost, source=SOURCE,
                      source_id=sale.source_id, actor=None,
                      note=_("退款 #%(id)d", id=refund.id))


def register(state) -> None:
    from app.blueprints.store.checkout import register_checkout_hook
    from app.blueprints.store.refunds import register_refund_hook

    register_checkout_hook(draw_for_checkout)
    register_refund_hook(return_for_refund)
