"""物料库存 pages: stock per store, the item list, receipts/transfers/write-offs, the
ledger and the what-to-buy list.  Rules in stock_items.py and stock_moves.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.logistics import bp, stock_items, stock_moves
from app.blueprints.logistics.labels import MOVEMENT_KIND_LABELS, STOCK_KIND_LABELS
from app.blueprints.logistics.models import StockItem, StoreStock
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import Product
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.stores import list_stores
from app.validation import InputError


def _yuan(value) -> str:
    return f"¥{value:,.2f}"


def page_context() -> dict:
    return {"qty": stock_items.plain_quantity, "yuan": _yuan, "kind_labels": STOCK_KIND_LABELS,
            "move_labels": MOVEMENT_KIND_LABELS,
            "stock_status_labels": {"out": _("缺货"), "low": _("需补货")}}


def stores_and_choice(required: bool = False) -> tuple[list[Store], Store | None]:
    """The stores the user sees and the one of ``?store_id=`` (in scope, else 404)."""
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    store_id = request.args.get("store_id", type=int) or request.form.get("store_id", type=int)
    if store_id is not None:
        return stores, get_in_scope_or_404(Store, store_id)
    if required or store_scope(current_user) is not None:
        return stores, stores[0] if stores else None
    return stores, None


@bp.route("/stock")
@permission_required("logistics.view")
def stock():
    """Stock per store: on hand, reorder point and a 缺货/需补货 badge (one query)."""
    stores, store = stores_and_choice()
    rows = stock_items.stock_rows(store_scope(current_user), store.id if store else None)
    return render_template("logistics/stock.html", stores=stores, store=store, rows=rows,
                           **page_context())


@bp.route("/stock/<int:store_stock_id>/reorder", methods=["POST"])
@permission_required("stock.manage")
def stock_reorder(store_stock_id: int):
    row = get_in_scope_or_404(StoreStock, store_stock_id)
    try:
        stock_items.set_reorder(row.store_id, row.stock_item_id,
                                reorder_point=request.form.get("reorder_point"),
                                reorder_quantity=request.form.get("reorder_quantity"),
                                actor=current_user)
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("补货点已保存"), "success")
    return redirect(url_for("logistics.stock", store_id=row.store_id))


@bp.route("/stock/items")
@permission_required("logistics.view")
def stock_items_list():
    items = db.session.scalars(stock_items.items_query()).all()
    products = {p.id: p for p in db.session.scalars(select(Product))}
    return render_template("logistics/stock_items.html", items=items, products=products,
                           last_costs=stock_items.last_costs(), **page_context())


def _item_form(item: StockItem | None):
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = {name: request.form.get(name, "") for name in
                ("code", "name", "kind", "unit", "unit_cost", "product_id")}
        if item is not None:
            data["is_active"] = request.form.get("is_active") == "1"
        try:
            if item is None:
                item = stock_items.create_item(data, current_user)
            else:
                stock_items.update_item(item, data, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("物料已保存"), "success")
            return redirect(url_for("logistics.stock_items_list"))
    products = db.session.scalars(select(Product).where(Product.is_active.is_(True))
                                  .order_by(Product.code)).all()
    return render_template("logistics/stock_item_form.html", item=item, errors=errors,
                           form=request.form, products=products, **page_context()), (
        422 if errors else 200)


@bp.route("/stock/items/new", methods=["GET", "POST"])
@permission_required("stock.manage")
def stock_item_new():
    return _item_form(None)


@bp.route("/stock/items/<int:stock_item_id>/edit", methods=["GET", "POST"])
@permission_required("stock.manage")
def stock_item_edit(stock_item_id: int):
    return _item_form(get_in_scope_or_404(StockItem, stock_item_id))


def _move_page(kind: str):
    """入库 / 调拨 / 报损: one form each, for the chosen store."""
    stores, store = stores_and_choice(required=True)
    errors: dict[str, str] = {}
    if request.method == "POST" and store is not None:
        form = request.form
        moved_on = today_for_store()
        try:
            if kind == "receipt":
                stock_moves.receive(store.id, form.get("stock_item_id"), form.get("quantity"),
                                    unit_cost=form.get("unit_cost"), moved_on=moved_on,
                                    note=form.get("note", ""), actor=current_user)
            elif kind == "transfer":
                stock_moves.transfer(store.id, form.get("to_store_id"),
                                     form.get("stock_item_id"), form.get("quantity"),
                                     moved_on=moved_on, note=form.get("note", ""),
                                     actor=current_user)
            else:
                stock_moves.write_off(store.id, form.get("stock_item_id"),
                                      form.get("quantity"), reason=form.get("reason", ""),
                                      moved_on=moved_on, actor=current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("已登记"), "success")
            return redirect(url_for("logistics.stock_ledger", store_id=store.id))
    items = db.session.scalars(stock_items.items_query(active_only=True)).all()
    return render_template("logistics/stock_move.html", kind=kind, stores=stores, store=store,
                           items=items, errors=errors, form=request.form,
                           **page_context()), (422 if errors else 200)


@bp.route("/stock/receipt", methods=["GET", "POST"])
@permission_required("stock.manage")
def stock_receipt():
    return _move_page("receipt")


@bp.route("/stock/transfer", methods=["GET", "POST"])
@permission_required("stock.manage")
def stock_transfer():
    return _move_page("transfer")


@bp.route("/stock/write-off", methods=["GET", "POST"])
@permission_required("stock.manage")
def stock_write_off():
    return _move_page("write_off")


@bp.route("/stock/ledger")
@permission_required("logistics.view")
def stock_ledger():
    """库存流水 of a store (all items, or ``?stock_item_id=``), newest first."""
    stores, store = stores_and_choice(required=True)
    item = None
    item_id = request.args.get("stock_item_id", type=int)
    if item_id is not None:
        item = get_in_scope_or_404(StockItem, item_id)
    rows = stock_moves.ledger(store.id, item.id if item else None) if store else []
    return render_template("logistics/stock_ledger.html", stores=stores, store=store,
                           item=item, rows=rows, **page_context())


@bp.route("/stock/reorder")
@permission_required("logistics.view")
def stock_reorder_list():
    """补货清单: per store, and chain-wide totals per item, with estimated cost."""
    stores, store = stores_and_choice()
    rows = stock_items.reorder_list(store_scope(current_user), store.id if store else None)
    totals = stock_items.reorder_totals(rows)
    return render_template("logistics/stock_reorder.html", stores=stores, store=store,
                           rows=rows, totals=totals,
                           total_cost=sum((t["cost"] for t in totals), 0), **page_context())
