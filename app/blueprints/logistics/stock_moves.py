"""Stock movements entered by people: 入库, 申领, 调拨, 报损, and the ledger.

Every one goes through ``stock.post_movement`` (the guarded UPDATE: never below
zero, refused with the reason).  Plain functions: they flush, the caller commits (on
an error it rolls back, so a requisition of several items is all or nothing).

* 入库 (receipt): positive quantity with its actual unit cost (the item's standard
  cost is kept, see stock_items.py).
* 申领 (requisition): a foreman takes items for the floor; ``employee_id`` is who took
  them (an active employee of the store).  Valued at the standard cost.
* 调拨 (transfer): ``transfer_out`` at the source and ``transfer_in`` at the target in
  one transaction; both carry ``source="transfer"`` and the out movement's id as
  ``source_id`` (the transfer's reference), so the pair is posted once and each side
  names the other store.  Refused (nothing moved) when the source lacks the stock.
* 报损 (write-off): needs a reason (kept as the movement's note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.blueprints.logistics.models import StockItem, StockMovement, StoreStock
from app.blueprints.logistics.stock import (
    StockError,
    clean_quantity,
    post_movement,
    store_stock,
)
from app.blueprints.store.catalogue import parse_money
from app.extensions import db
from app.models import Employee, Store

ENTRY_KINDS = ("receipt", "requisition", "transfer", "write_off")


def _item(stock_item_id, field: str = "stock_item_id") -> StockItem:
    try:
        item = db.session.get(StockItem, int(stock_item_id))
    except (TypeError, ValueError):
        item = None
    if item is None or not item.is_active:
        raise StockError.on(field, _("没有这个物料"))
    return item


def _note(note, field: str = "note", required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        raise StockError.on(field, _("请填写原因"))
    if len(note) > 255:
        raise StockError.on(field, _("不能超过 %(n)d 个字符", n=255))
    return note


def receive(store_id: int, stock_item_id, quantity, *, unit_cost, moved_on: date,
            note: str = "", source: str | None = None, source_id: int | None = None,
            actor=None) -> StockMovement:
    """入库 at the actual unit cost."""
    item = _item(stock_item_id)
    cost = parse_money(unit_cost, "unit_cost", error=StockError)
    if cost < 0:
        raise StockError.on("unit_cost", _("单价不能为负"))
    return post_movement(store_id, item.id, "receipt", quantity, moved_on=moved_on,
                         unit_cost=cost, source=source, source_id=source_id,
                         note=_note(note), actor=actor)


def requisition(store_id: int, lines: list[dict], *, employee_id, moved_on: date,
                note: str = "", actor=None) -> list[StockMovement]:
    """申领: ``lines`` = ``[{"stock_item_id", "quantity"}]``; all or nothing.

    Errors name ``lines.<i>.quantity`` / ``lines.<i>.stock_item_id``, or ``employee_id``.
    """
    try:
        employee = db.session.get(Employee, int(employee_id))
    except (TypeError, ValueError):
        employee = None
    if employee is None or employee.store_id != store_id or employee.status != "active":
        raise StockError.on("employee_id", _("请选择本店在职的领用人"))
    note = _note(note)
    cleaned, errors = [], {}
    for i, line in enumerate(lines):
        try:
            item = _item(line.get("stock_item_id"), f"lines.{i}.stock_item_id")
            qty = clean_quantity(line.get("quantity"), f"lines.{i}.quantity")
        except StockError as exc:
            errors.update(exc.fields)
            continue
        cleaned.append((i, item, qty))
    if not cleaned and not errors:
        errors["lines"] = _("请至少领用一种物料")
    if errors:
        raise StockError(errors)
    movements = []
    # Item order: two requisitions of the same items lock the rows in the same order.
    for i, item, qty in sorted(cleaned, key=lambda entry: entry[1].id):
        try:
            movements.append(post_movement(
                store_id, item.id, "requisition", qty, moved_on=moved_on,
                employee_id=employee.id, note=note, actor=actor))
        except StockError as exc:
            raise StockError({f"lines.{i}.quantity": exc.message}) from None
    return movements


def transfer(from_store_id: int, to_store_id, stock_item_id, quantity, *, moved_on: date,
             note: str = "", actor=None) -> tuple[StockMovement, StockMovement]:
    """调拨: out of one store, into another, in the caller's transaction."""
    item = _item(stock_item_id)
    try:
        target = db.session.get(Store, int(to_store_id))
    except (TypeError, ValueError):
        target = None
    if target is None:
        raise StockError.on("to_store_id", _("请选择调入门店"))
    if target.id == from_store_id:
        raise StockError.on("to_store_id", _("调入门店不能与调出门店相同"))
    qty = clean_quantity(quantity)
    note = _note(note)
    # Both rows locked in id order first: two opposite transfers at once wait, not deadlock.
    ids = [store_stock(store, item.id).id for store in (from_store_id, target.id)]
    db.session.execute(select(StoreStock.id).where(StoreStock.id.in_(ids))
                       .order_by(StoreStock.id).with_for_update())
    out = post_movement(from_store_id, item.id, "transfer_out", qty, moved_on=moved_on,
                        other_store_id=target.id, note=note, actor=actor)
    # The out movement's id is the transfer's reference on both sides.
    out.source, out.source_id = "transfer", out.id
    db.session.flush()
    into = post_movement(target.id, item.id, "transfer_in", qty, moved_on=moved_on,
                         unit_cost=out.unit_cost, source="transfer", source_id=out.id,
                         other_store_id=from_store_id, note=note, actor=actor)
    return out, into


def write_off(store_id: int, stock_item_id, quantity, *, reason: str, moved_on: date,
              actor=None) -> StockMovement:
    """报损 with its reason."""
    item = _item(stock_item_id)
    reason = _note(reason, "reason", required=True)
    return post_movement(store_id, item.id, "write_off", quantity, moved_on=moved_on,
                         note=reason, actor=actor)


@dataclass
class LedgerRow:
    movement: StockMovement
    item: StockItem
    employee_name: str
    other_store: str


def ledger(store_id: int, stock_item_id: int | None = None, *, kinds=None,
           limit: int = 200) -> list[LedgerRow]:
    """The store's movements, newest first, each with its running balance (one query)."""
    other = aliased(Store)
    stmt = (select(StockMovement, StockItem, Employee.name, other.name)
            .join(StockItem, StockItem.id == StockMovement.stock_item_id)
            .outerjoin(Employee, Employee.id == StockMovement.employee_id)
            .outerjoin(other, other.id == StockMovement.other_store_id)
            .where(StockMovement.store_id == store_id)
            .order_by(StockMovement.id.desc()).limit(limit))
    if stock_item_id is not None:
        stmt = stmt.where(StockMovement.stock_item_id == stock_item_id)
    if kinds:
        stmt = stmt.where(StockMovement.kind.in_(kinds))
    return [LedgerRow(m, i, e or "", o or "") for m, i, e, o in db.session.execute(stmt)]


def requisitions(scope: set[int] | None, store_id: int | None = None,
                 limit: int = 200) -> list[tuple[StockMovement, StockItem, str, str]]:
    """申领 records (one row per item taken), newest first: movement, item, who, store."""
    stmt = (select(StockMovement, StockItem, Employee.name, Store.name)
            .join(StockItem, StockItem.id == StockMovement.stock_item_id)
            .join(Store, Store.id == StockMovement.store_id)
            .outerjoin(Employee, Employee.id == StockMovement.employee_id)
            .where(StockMovement.kind == "requisition")
            .order_by(StockMovement.id.desc()).limit(limit))
    if scope is not None:
        stmt = stmt.where(StockMovement.store_id.in_(scope or [0]))
    if store_id is not None:
        stmt = stmt.where(StockMovement.store_id == store_id)
    return [(m, i, e or "", s) for m, i, e, s in db.session.execute(stmt)]
