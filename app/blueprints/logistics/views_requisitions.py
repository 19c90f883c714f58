"""领用 pages: a foreman's requisition on the phone (pick items and quantities, and who
takes them) and the list of requisitions.  Rules in stock_moves.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.logistics import bp, stock_items, stock_moves
from app.blueprints.logistics.views_stock import page_context, stores_and_choice
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Employee
from app.permissions import permission_required, store_scope
from app.validation import InputError


@bp.route("/requisitions")
@permission_required("stock.requisition")
def requisitions():
    stores, store = stores_and_choice()
    rows = stock_moves.requisitions(store_scope(current_user), store.id if store else None)
    return render_template("logistics/requisitions.html", stores=stores, store=store,
                           rows=rows, **page_context())


def _lines_from_form(form) -> tuple[list[dict], list[int]]:
    """The items given a quantity, and their item ids in the same order."""
    lines, ids = [], []
    for key, value in form.items():
        if key.startswith("qty_") and key[4:].isdigit() and value.strip():
            lines.append({"stock_item_id": int(key[4:]), "quantity": value.strip()})
            ids.append(int(key[4:]))
    return lines, ids


@bp.route("/requisitions/new", methods=["GET", "POST"])
@permission_required("stock.requisition")
def requisition_new():
    """申领 (accepts ``?store_id=`` from the store desk's menu)."""
    stores, store = stores_and_choice(required=True)
    errors: dict[str, str] = {}
    if request.method == "POST" and store is not None:
        lines, ids = _lines_from_form(request.form)
        try:
            stock_moves.requisition(store.id, lines, employee_id=request.form.get("employee_id"),
                                    moved_on=today_for_store(),
                                    note=request.form.get("note", ""), actor=current_user)
        except InputError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                parts = name.split(".")
                if parts[0] == "lines" and len(parts) == 3 and int(parts[1]) < len(ids):
                    errors[f"qty_{ids[int(parts[1])]}"] = message
                else:
                    errors[name] = message
        else:
            db.session.commit()
            flash(_("申领已登记"), "success")
            return redirect(url_for("logistics.requisitions", store_id=store.id))
    rows, employees = [], []
    if store is not None:
        rows = [row for row in stock_items.stock_rows(None, store.id)]
        employees = db.session.scalars(
            select(Employee).where(Employee.store_id == store.id, Employee.status == "active")
            .order_by(Employee.employee_no)).all()
    return render_template("logistics/requisition_new.html", stores=stores, store=store,
                           rows=rows, employees=employees, errors=errors, form=request.form,
                           **page_context()), (422 if errors else 200)
