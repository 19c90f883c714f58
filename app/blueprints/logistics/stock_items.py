"""The chain's stock items (物料与商品), each store's reorder point, and what to buy.

Rules (specs/asset-count.md "Register: Consumables", and where it is silent, ours):
* An item has a code (unique in the company), a name, a kind (耗材 consumable / 商品
  goods), a unit and a standard unit cost.  A good may name the catalogue product it
  is sold as: one item per product (the database's unique key); a checkout of that
  product then draws the store's stock down (stock_sales.py).  Items are archived
  (``is_active``), never deleted: their movements are history.
* Standard cost: a receipt records its actual unit cost on the movement and does
  **not** change the item's standard cost (the count variance and requisitions are
  valued at the standard cost that finance sets); the pages show the last purchase
  cost beside it (:func:`last_costs`), so logistics sees when to edit it.
* Each store's stock row (:class:`StoreStock`) holds the quantity (moved only by
  ``stock.post_movement``), the reorder point and the reorder quantity.
* 补货清单 ("what to buy"): a store's item whose quantity is at or below its reorder
  point (a point above zero; an item with no point is never listed).  Suggested
  quantity: the reorder quantity when set, else enough to reach twice the reorder
  point (2 × point − on hand); estimated cost = suggestion × standard unit cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics.models import (
    STOCK_KINDS,
    StockItem,
    StockMovement,
    StoreStock,
)
from app.blueprints.logistics.stock import StockError, clean_quantity, store_stock
from app.blueprints.store.catalogue import parse_money
from app.blueprints.store.models import Product
from app.extensions import db
from app.models import Store

ZERO = Decimal("0")

register_audit_actions({
    "stock_item.create": _("新增物料"),
    "stock_item.update": _("修改物料"),
    "store_stock.reorder": _("设置补货点"),
})


def _snapshot(item: StockItem) -> dict:
    return {"code": item.code, "name": item.name, "kind": item.kind, "unit": item.unit,
            "unit_cost": str(item.unit_cost), "product_id": item.product_id,
            "is_active": item.is_active}


def _clean(data: dict, item: StockItem | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    for name, limit in (("code", 32), ("name", 64), ("unit", 8)):
        if name not in data and item is not None:
            continue
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = _("请填写")
        elif len(text) > limit:
            errors[name] = _("不能超过 %(n)d 个字符", n=limit)
        values[name] = text
    if "kind" in data or item is None:
        kind = data.get("kind") or "consumable"
        if kind not in STOCK_KINDS:
            errors["kind"] = _("请选择耗材或商品")
        values["kind"] = kind
    if "unit_cost" in data or item is None:
        try:
            values["unit_cost"] = parse_money(data.get("unit_cost") or "0", "unit_cost",
                                              error=StockError)
        except StockError as exc:
            errors.update(exc.fields)
    if "product_id" in data:
        raw = data.get("product_id")
        product_id = None
        if raw not in (None, ""):
            try:
                product_id = int(raw)
            except (TypeError, ValueError):
                product_id = -1
            product = db.session.get(Product, product_id) if product_id > 0 else None
            if product is None:
                errors["product_id"] = _("没有这个商品")
            else:
                other = db.session.scalar(select(StockItem.id).where(
                    StockItem.product_id == product_id,
                    StockItem.id != (item.id if item else 0)))
                if other is not None:
                    errors["product_id"] = _("该商品已有对应的物料")
        values["product_id"] = product_id
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    if "code" in values and "code" not in errors:
        clash = db.session.scalar(select(StockItem.id).where(
            StockItem.code == values["code"], StockItem.id != (item.id if item else 0)))
        if clash is not None:
            errors["code"] = _("编码已被使用")
    kind = values.get("kind", item.kind if item else "consumable")
    if kind != "goods" and values.get("product_id", item.product_id if item else None):
        errors["product_id"] = _("只有商品可以对应收银商品")
    if errors:
        raise StockError(errors)
    return values


def create_item(data: dict, actor=None) -> StockItem:
    values = _clean(data, None)
    item = StockItem(**values)
    db.session.add(item)
    db.session.flush()
    record_audit("stock_item.create", "stock_item", item.id, after=_snapshot(item), actor=actor)
    return item


def update_item(item: StockItem, data: dict, actor=None) -> StockItem:
    """Edit (``is_active`` False archives it: kept, no longer offered)."""
    before = _snapshot(item)
    for name, value in _clean(data, item).items():
        setattr(item, name, value)
    db.session.flush()
    record_audit("stock_item.update", "stock_item", item.id, before=before,
                 after=_snapshot(item), actor=actor)
    return item


def set_reorder(store_id: int, stock_item_id: int, *, reorder_point, reorder_quantity,
                actor=None) -> StoreStock:
    errors: dict[str, str] = {}
    values = {}
    for name, raw in (("reorder_point", reorder_point), ("reorder_quantity", reorder_quantity)):
        try:
            values[name] = clean_quantity(raw if raw not in (None, "") else "0", name,
                                          allow_zero=True)
        except StockError as exc:
            errors.update(exc.fields)
    if errors:
        raise StockError(errors)
    row = store_stock(store_id, stock_item_id)
    before = {"reorder_point": str(row.reorder_point),
              "reorder_quantity": str(row.reorder_quantity)}
    row.reorder_point, row.reorder_quantity = values["reorder_point"], values["reorder_quantity"]
    db.session.flush()
    record_audit("store_stock.reorder", "store_stock", row.id, before=before,
                 after={k: str(v) for k, v in values.items()}, actor=actor)
    return row


def items_query(active_only: bool = False):
    stmt = select(StockItem).order_by(StockItem.is_active.desc(), StockItem.code)
    if active_only:
        stmt = stmt.where(StockItem.is_active.is_(True))
    return stmt


def last_costs(item_ids=None) -> dict[int, Decimal]:
    """Item id -> the unit cost of its latest receipt (one query)."""
    latest = (select(StockMovement.stock_item_id, func.max(StockMovement.id).label("mid"))
              .where(StockMovement.kind == "receipt").group_by(StockMovement.stock_item_id))
    if item_ids is not None:
        latest = latest.where(StockMovement.stock_item_id.in_(list(item_ids)))
    latest = latest.subquery()
    return dict(db.session.execute(
        select(StockMovement.stock_item_id, StockMovement.unit_cost)
        .join(latest, StockMovement.id == latest.c.mid)).all())


@dataclass
class StockRow:
    stock: StoreStock
    item: StockItem
    store: Store

    @property
    def status(self) -> str | None:
        """``out`` (缺货), ``low`` (需补货) or None."""
        if self.stock.quantity <= 0:
            return "out"
        if self.stock.reorder_point > 0 and self.stock.quantity <= self.stock.reorder_point:
            return "low"
        return None

    @property
    def suggested(self) -> Decimal:
        if self.stock.reorder_quantity > 0:
            return self.stock.reorder_quantity
        return max(self.stock.reorder_point * 2 - self.stock.quantity, ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        return (self.suggested * self.item.unit_cost).quantize(Decimal("0.01"))


def stock_rows(scope: set[int] | None, store_id: int | None = None,
               active_only: bool = True) -> list[StockRow]:
    """The stores' stock rows with their item and store, in one query."""
    stmt = (select(StoreStock, StockItem, Store)
            .join(StockItem, StockItem.id == StoreStock.stock_item_id)
            .join(Store, Store.id == StoreStock.store_id)
            .order_by(Store.code, StockItem.code))
    if scope is not None:
        stmt = stmt.where(StoreStock.store_id.in_(scope or [0]))
    if store_id is not None:
        stmt = stmt.where(StoreStock.store_id == store_id)
    if active_only:
        stmt = stmt.where(StockItem.is_active.is_(True))
    return [StockRow(*row) for row in db.session.execute(stmt)]


def reorder_list(scope: set[int] | None, store_id: int | None = None) -> list[StockRow]:
    """补货清单: rows at or below their reorder point (see the module's rules)."""
    return [row for row in stock_rows(scope, store_id)
            if row.stock.reorder_point > 0 and row.stock.quantity <= row.stock.reorder_point]


def reorder_totals(rows: list[StockRow]) -> list[dict]:
    """Chain-wide: per item, the suggested quantity and estimated cost summed over stores."""
    by_item: dict[int, dict] = {}
    for row in rows:
        entry = by_item.setdefault(row.item.id, {"item": row.item, "quantity": ZERO,
                                                 "cost": ZERO, "stores": 0})
        entry["quantity"] += row.suggested
        entry["cost"] += row.estimated_cost
        entry["stores"] += 1
    return sorted(by_item.values(), key=lambda e: e["item"].code)


def plain_quantity(value) -> str:
    """12.00 -> 12, 1.50 -> 1.5 (how a person says a quantity)."""
    value = Decimal(value or 0)
    if value == value.to_integral():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value:f}".rstrip("0")
