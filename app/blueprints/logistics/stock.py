"""The one way a store's stock changes: :func:`post_movement` (specs/asset-count.md).

Every change is a :class:`StockMovement`; the store's quantity on hand
(``store_stocks.quantity``) is their sum, moved by the same statement that checks it:

    UPDATE store_stocks SET quantity = quantity + :delta
     WHERE … AND quantity + :delta >= 0

PostgreSQL holds the row's lock from that UPDATE to the commit, and re-reads the row
when another transaction changed it first, so two requisitions (or a requisition and
a desk sale) of the last towel can never both pass: the second finds no row to
update and is refused with the reason.  SQLite takes its database-wide write lock at
the UPDATE.  The CHECK ``quantity >= 0`` is the database's own backstop.

A movement that names its ``source`` (an order line, a purchase line, a count line,
a transfer) is posted once: posting it again returns the first one and changes
nothing (the unique key ``(source, source_id, kind, stock_item_id)``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.blueprints.logistics.models import (
    MOVEMENT_KINDS,
    StockItem,
    StockMovement,
    StoreStock,
)
from app.extensions import db
from app.tenancy import current_tenant_id
from app.validation import InputError

QUANTITY_STEP = Decimal("0.01")
MAX_QUANTITY = Decimal("9999999999.99")
# Movements that take stock out: their quantity is stored negative.
OUTGOING = frozenset({"requisition", "transfer_out", "write_off", "sale"})


class StockError(InputError):
    """Refused: not enough stock, an unknown item, a bad quantity (names the field)."""


def clean_quantity(raw, field_name: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """A positive quantity with at most two decimals, else :class:`StockError`."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise StockError.on(field_name, _("数量须为数字")) from None
    if not value.is_finite() or value != value.quantize(QUANTITY_STEP) or value > MAX_QUANTITY:
        raise StockError.on(field_name, _("数量最多两位小数"))
    if value < 0 or (value == 0 and not allow_zero):
        raise StockError.on(field_name, _("数量须大于 0"))
    return value


def store_stock(store_id: int, stock_item_id: int, *, create: bool = True) -> StoreStock | None:
    """The store's stock row of the item, created (quantity 0) on first use.

    Two first uses at once: one insert wins, the other reads the winner's row.
    """
    stmt = select(StoreStock).where(StoreStock.store_id == store_id,
                                    StoreStock.stock_item_id == stock_item_id)
    row = db.session.scalar(stmt)
    if row is not None or not create:
        return row
    try:
        with db.session.begin_nested():
            row = StoreStock(store_id=store_id, stock_item_id=stock_item_id,
                             quantity=Decimal("0"))
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        row = db.session.scalar(stmt)
    return row


def post_movement(store_id: int, stock_item_id: int, kind: str, quantity, *,
                  moved_on: date, unit_cost=None, source: str | None = None,
                  source_id: int | None = None, employee_id: int | None = None,
                  other_store_id: int | None = None, note: str = "",
                  actor=None) -> StockMovement:
    """Post one movement of ``quantity`` (positive; the kind gives the sign).

    ``count_adjustment`` takes a signed quantity (the counted minus the book).
    Refused with :class:`StockError` on ``quantity`` when the store would go below
    zero; nothing is changed then.  The caller commits.
    """
    if kind not in MOVEMENT_KINDS:
        raise StockError.on("kind", _("没有这种库存变动"))
    if kind == "count_adjustment":
        try:
            delta = Decimal(str(quantity))
        except (InvalidOperation, ValueError, TypeError):
            raise StockError.on("quantity", _("数量须为数字")) from None
        if not delta.is_finite() or delta != delta.quantize(QUANTITY_STEP):
            raise StockError.on("quantity", _("数量最多两位小数"))
    else:
        delta = clean_quantity(quantity)
        if kind in OUTGOING:
            delta = -delta
    if source is not None:
        existing = db.session.scalar(select(StockMovement).where(
            StockMovement.source == source, StockMovement.source_id == source_id,
            StockMovement.kind == kind, StockMovement.stock_item_id == stock_item_id))
        if existing is not None:
            return existing
    item = db.session.get(StockItem, stock_item_id)
    if item is None or item.tenant_id != current_tenant_id():
        raise StockError.on("stock_item_id", _("没有这个物料"))
    row = store_stock(store_id, stock_item_id)
    moved = db.session.execute(
        update(StoreStock)
        .where(StoreStock.id == row.id, StoreStock.quantity + delta >= 0)
        .values(quantity=StoreStock.quantity + delta)
        .returning(StoreStock.quantity)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if moved is None:
        on_hand = db.session.scalar(select(StoreStock.quantity).where(StoreStock.id == row.id))
        raise StockError.on("quantity", _(
            "库存不足：%(name)s 现有 %(on_hand)s %(unit)s，需要 %(needed)s %(unit)s",
            name=item.name, on_hand=_plain(on_hand), unit=item.unit, needed=_plain(-delta)))
    db.session.refresh(row, ["quantity"])
    movement = StockMovement(
        store_id=store_id, stock_item_id=stock_item_id, kind=kind, quantity=delta,
        unit_cost=Decimal(str(unit_cost)) if unit_cost is not None else item.unit_cost,
        balance_after=moved, moved_on=moved_on, source=source, source_id=source_id,
        employee_id=employee_id, other_store_id=other_store_id, note=(note or "")[:255],
        actor_account_id=getattr(actor, "id", None))
    db.session.add(movement)
    db.session.flush()
    return movement


def _plain(value) -> str:
    """12.00 -> 12, 1.50 -> 1.5 (how a person says a quantity)."""
    value = Decimal(value or 0)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")
