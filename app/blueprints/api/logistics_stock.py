"""Stock over the API: stock items, each store's stock and reorder points, movements
(入库/申领/调拨/报损), the ledger and the what-to-buy list.

Over app/blueprints/logistics/stock_items.py and stock_moves.py (the rules are there).
``logistics.view`` reads; ``stock.manage`` edits items, reorder points and posts
receipts, transfers and write-offs; ``stock.requisition`` posts requisitions.  Store
roles see and move only their stores' stock (another store's id: 404).  Not enough
stock: 422 on ``quantity`` naming the item and what is on hand; nothing changed.
"""

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.logistics import stock_items, stock_moves
from app.blueprints.logistics.models import (
    MOVEMENT_KINDS,
    STOCK_KINDS,
    StockItem,
    StockMovement,
    StoreStock,
)
from app.blueprints.logistics.stock import StockError
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_logistics_stock", __name__, url_prefix=None,
                description="Consumables and goods stock (物料与商品库存)")

KIND_HELP = "consumable 耗材 / goods 商品 (sold at the desk: product_id)"
MOVE_HELP = ("receipt 入库 / requisition 申领 / transfer_out 调出 / transfer_in 调入 / "
             "count_adjustment 盘点调整 / write_off 报损 / sale 前台销售 / sale_return 退货入库")
MOVEMENT_SOURCES = ("order_line", "purchase_line", "count_line", "transfer")


class StockItemSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(STOCK_KINDS), metadata={"description": KIND_HELP})
    unit = fields.String()
    unit_cost = Money(metadata={"description": "standard unit cost (receipts keep it)"})
    product_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()


class StockItemCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(load_default="consumable", validate=validate.OneOf(STOCK_KINDS),
                         metadata={"description": KIND_HELP})
    unit = fields.String(required=True, validate=validate.Length(min=1, max=8))
    unit_cost = fields.Decimal(as_string=True, load_default="0")
    product_id = fields.Integer(allow_none=True, load_default=None)


class StockItemUpdateSchema(StockItemCreateSchema):
    is_active = fields.Boolean(metadata={"description": "false archives the item"})

    class Meta:
        partial = True


class StockItemArgsSchema(PageArgsSchema):
    active = fields.Boolean(metadata={"description": "only active items"})


class StoreStockSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    stock_item_id = fields.Integer()
    quantity = fields.Decimal(as_string=True, places=2)
    reorder_point = fields.Decimal(as_string=True, places=2)
    reorder_quantity = fields.Decimal(as_string=True, places=2)


class StockRowSchema(StoreStockSchema):
    item = fields.Nested(StockItemSchema)
    status = fields.String(allow_none=True, validate=validate.OneOf(("out", "low")),
                           metadata={"description": "out 缺货 / low 需补货 / null"})


class ReorderRowSchema(StockRowSchema):
    store_name = fields.String()
    suggested = fields.Decimal(as_string=True, places=2, metadata={
        "description": "reorder quantity, else up to twice the reorder point"})
    estimated_cost = Money()


class StoreArgsSchema(Schema):
    store_id = fields.Integer(metadata={"description": "one store (default: all yours)"})


class ReorderSchema(Schema):
    reorder_point = fields.Decimal(as_string=True, required=True)
    reorder_quantity = fields.Decimal(as_string=True, load_default="0")


class MovementSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    stock_item_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(MOVEMENT_KINDS),
                         metadata={"description": MOVE_HELP})
    quantity = fields.Decimal(as_string=True, places=2, metadata={"description": "signed"})
    unit_cost = Money()
    balance_after = fields.Decimal(as_string=True, places=2)
    moved_on = fields.Date()
    source = fields.String(allow_none=True, validate=validate.OneOf(MOVEMENT_SOURCES),
                           metadata={"description": "what caused it; null: entered by hand"})
    source_id = fields.Integer(allow_none=True)
    employee_id = fields.Integer(allow_none=True)
    other_store_id = fields.Integer(allow_none=True)
    note = fields.String()


class MovementInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(stock_moves.ENTRY_KINDS),
                         metadata={"description": "receipt / requisition / transfer / write_off"})
    store_id = fields.Integer(required=True)
    stock_item_id = fields.Integer(required=True)
    quantity = fields.Decimal(as_string=True, required=True)
    unit_cost = fields.Decimal(as_string=True, metadata={"description": "receipt: actual cost"})
    to_store_id = fields.Integer(metadata={"description": "transfer: the receiving store"})
    employee_id = fields.Integer(metadata={"description": "requisition: who took it"})
    reason = fields.String(validate=validate.Length(max=255),
                           metadata={"description": "write_off: required"})
    note = fields.String(load_default="", validate=validate.Length(max=255))


class MovementArgsSchema(PageArgsSchema):
    store_id = fields.Integer(required=True)
    stock_item_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(MOVEMENT_KINDS))


class MovementResultSchema(Schema):
    movements = fields.List(fields.Nested(MovementSchema))


StockItemPageSchema = page_schema(StockItemSchema, "StockItemPage")
MovementPageSchema = page_schema(MovementSchema, "StockMovementPage")


def _store_of(args) -> int | None:
    if args.get("store_id") is None:
        return None
    return get_in_scope_or_404(Store, args["store_id"]).id


@blp.route("/stock-items")
@blp.arguments(StockItemArgsSchema, location="query")
@blp.response(200, StockItemPageSchema)
@permission_required("logistics.view")
def list_stock_items(args):
    return paginate(stock_items.items_query(args.get("active", False)), args["page"],
                    args["page_size"])


@blp.route("/stock-items", methods=["POST"])
@blp.arguments(StockItemCreateSchema)
@blp.response(201, StockItemSchema)
@permission_required("stock.manage")
def create_stock_item(data):
    item = stock_items.create_item(data, current_user)
    db.session.commit()
    return item


@blp.route("/stock-items/<int:stock_item_id>")
@blp.response(200, StockItemSchema)
@permission_required("logistics.view")
def get_stock_item(stock_item_id: int):
    return get_in_scope_or_404(StockItem, stock_item_id)


@blp.route("/stock-items/<int:stock_item_id>", methods=["PATCH"])
@blp.arguments(StockItemUpdateSchema)
@blp.response(200, StockItemSchema)
@permission_required("stock.manage")
def update_stock_item(data, stock_item_id: int):
    item = get_in_scope_or_404(StockItem, stock_item_id)
    stock_items.update_item(item, data, current_user)
    db.session.commit()
    return item


def _row_dict(row) -> dict:
    stock = row.stock
    return {"id": stock.id, "store_id": stock.store_id, "stock_item_id": stock.stock_item_id,
            "quantity": stock.quantity, "reorder_point": stock.reorder_point,
            "reorder_quantity": stock.reorder_quantity, "item": row.item, "status": row.status,
            "store_name": row.store.name, "suggested": row.suggested,
            "estimated_cost": row.estimated_cost}


@blp.route("/stock")
@blp.arguments(StoreArgsSchema, location="query")
@blp.response(200, StockRowSchema(many=True))
@permission_required("logistics.view")
def list_stock(args):
    """Each store's stock of each active item, with its 缺货/需补货 status."""
    rows = stock_items.stock_rows(store_scope(current_user), _store_of(args))
    return [_row_dict(row) for row in rows]


@blp.route("/stock/reorder")
@blp.arguments(StoreArgsSchema, location="query")
@blp.response(200, ReorderRowSchema(many=True))
@permission_required("logistics.view")
def reorder_list(args):
    """补货清单: stock at or below its reorder point, with a suggestion and its cost."""
    rows = stock_items.reorder_list(store_scope(current_user), _store_of(args))
    return [_row_dict(row) for row in rows]


@blp.route("/stock/<int:store_stock_id>", methods=["PATCH"])
@blp.arguments(ReorderSchema)
@blp.response(200, StoreStockSchema)
@permission_required("stock.manage")
def set_reorder(data, store_stock_id: int):
    row = get_in_scope_or_404(StoreStock, store_stock_id)
    row = stock_items.set_reorder(row.store_id, row.stock_item_id,
                                  reorder_point=data["reorder_point"],
                                  reorder_quantity=data["reorder_quantity"], actor=current_user)
    db.session.commit()
    return row


@blp.route("/stock-movements", methods=["POST"])
@blp.arguments(MovementInSchema)
@blp.response(201, MovementResultSchema)
@permission_required("stock.requisition")
def create_movement(data):
    """Post a receipt, requisition, transfer (both sides) or write-off; answers the
    movements made.  Not a requisition: ``stock.manage`` as well."""
    if data["kind"] != "requisition" and not current_user.can("stock.manage"):
        abort(403)
    store_id = get_in_scope_or_404(Store, data["store_id"]).id
    moved_on = today_for_store()
    kind = data["kind"]
    if kind == "receipt":
        moved = [stock_moves.receive(store_id, data["stock_item_id"], data["quantity"],
                                     unit_cost=data.get("unit_cost"), moved_on=moved_on,
                                     note=data["note"], actor=current_user)]
    elif kind == "requisition":
        try:
            moved = stock_moves.requisition(
                store_id, [{"stock_item_id": data["stock_item_id"],
                            "quantity": data["quantity"]}],
                employee_id=data.get("employee_id"), moved_on=moved_on, note=data["note"],
                actor=current_user)
        except StockError as exc:  # one line here: its fields are the body's own
            raise StockError({name.removeprefix("lines.0."): message
                              for name, message in exc.fields.items()}) from None
    elif kind == "transfer":
        moved = list(stock_moves.transfer(store_id, data.get("to_store_id"),
                                          data["stock_item_id"], data["quantity"],
                                          moved_on=moved_on, note=data["note"],
                                          actor=current_user))
    else:
        moved = [stock_moves.write_off(store_id, data["stock_item_id"], data["quantity"],
                                       reason=data.get("reason", ""), moved_on=moved_on,
                                       actor=current_user)]
    db.session.commit()
    return {"movements": moved}


@blp.route("/stock-movements")
@blp.arguments(MovementArgsSchema, location="query")
@blp.response(200, MovementPageSchema)
@permission_required("logistics.view")
def list_movements(args):
    """库存流水 of a store, newest first (``balance_after`` is the running balance)."""
    store_id = get_in_scope_or_404(Store, args["store_id"]).id
    query = (select(StockMovement).where(StockMovement.store_id == store_id)
             .order_by(StockMovement.id.desc()))
    if args.get("stock_item_id") is not None:
        query = query.where(StockMovement.stock_item_id == args["stock_item_id"])
    if args.get("kind"):
        query = query.where(StockMovement.kind == args["kind"])
    return paginate(query, args["page"], args["page_size"])
