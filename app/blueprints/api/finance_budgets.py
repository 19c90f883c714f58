"""Monthly store budgets (预算) over the API: read a month with its actual expenses, save
cells in bulk (all or none; a bad cell is a 422 naming ``cells.<i>.<field>``).

Over app/blueprints/finance/budgets.py.  A cell is (store, month, category) with an
amount in yuan; ``null`` clears it (no budget).  ``actual`` is given for the expense
categories (approved and paid claims spent that month); the P&L reads the rest.
"""

from flask import abort
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app.blueprints.api.common import Blueprint, Money, parse_month
from app.blueprints.finance import budgets as service
from app.blueprints.finance.labels import BUDGET_CATEGORY_LABELS
from app.blueprints.finance.models import BUDGET_CATEGORIES, EXPENSE_CATEGORIES
from app.extensions import db
from app.permissions import permission_required, store_scope
from app.stores import list_stores

blp = Blueprint("api_finance_budgets", __name__, url_prefix="/budgets",
                description="Monthly budgets per store and category (预算)")

CATEGORY_HELP = " | ".join(BUDGET_CATEGORIES)


class BudgetQueryArgsSchema(Schema):
    month = fields.String(required=True, validate=parse_month,
                          metadata={"description": "YYYY-MM"})
    store_id = fields.Integer()


class BudgetCellSchema(Schema):
    store_id = fields.Integer()
    category = fields.String(validate=validate.OneOf(BUDGET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    category_label = fields.String()
    budget = Money(allow_none=True, metadata={"description": "null: no budget"})
    actual = Money(allow_none=True, metadata={
        "description": "expense categories: approved + paid claims; others null (see P&L)"})
    variance = Money(allow_none=True, metadata={"description": "budget - actual"})
    over = fields.Boolean()


class BudgetMonthSchema(Schema):
    month = fields.String()
    cells = fields.List(fields.Nested(BudgetCellSchema))


class BudgetCellInputSchema(Schema):
    store_id = fields.Integer(required=True, strict=True)
    category = fields.String(required=True, validate=validate.OneOf(BUDGET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    amount = fields.Raw(required=True, allow_none=True, metadata={
        "type": "string", "description": "yuan ≥ 0, at most 2 decimals; null clears"})


class BudgetSaveSchema(Schema):
    month = fields.String(required=True, validate=parse_month,
                          metadata={"description": "YYYY-MM"})
    cells = fields.List(fields.Nested(BudgetCellInputSchema), required=True,
                        validate=validate.Length(min=1, max=2000))

    def handle_error(self, error, data, **kwargs):
        """``{"cells": {3: {"amount": [...]}}}`` -> ``{"cells.3.amount": [...]}``: the
        same names the rules use."""
        raise ValidationError(_flatten(error.messages)) from error


def _flatten(messages, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class BudgetSavedSchema(BudgetMonthSchema):
    changed = fields.Integer()


def _stores(store_id: int | None = None):
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    if store_id is not None:
        stores = [s for s in stores if s.id == store_id]
        if not stores:
            abort(404)
    return stores


def _month_cells(month, stores) -> list[dict]:
    ids = [s.id for s in stores]
    budgets = service.budget_for(month, ids)
    report = {row.store.id: row for row in service.expense_report(month, stores)}
    cells = []
    for store in stores:
        for category in BUDGET_CATEGORIES:
            budget = budgets.get((store.id, category))
            cell = report[store.id].cells.get(category) if category in EXPENSE_CATEGORIES \
                else None
            cells.append({"store_id": store.id, "category": category,
                          "category_label": str(BUDGET_CATEGORY_LABELS[category]),
                          "budget": budget, "actual": cell.actual if cell else None,
                          "variance": cell.variance if cell else None,
                          "over": bool(cell and cell.over)})
    return cells


@blp.route("")
@blp.arguments(BudgetQueryArgsSchema, location="query")
@blp.response(200, BudgetMonthSchema)
@permission_required("finance.view")
def get_budgets(args):
    """A month's cells for every store you see (or one), with actual expenses."""
    month = parse_month(args["month"])
    return {"month": month.strftime("%Y-%m"),
            "cells": _month_cells(month, _stores(args.get("store_id")))}


@blp.route("", methods=["PUT"])
@blp.arguments(BudgetSaveSchema)
@blp.response(200, BudgetSavedSchema)
@permission_required("budget.manage")
def save_budgets(data):
    """Save cells; all or none (422 naming ``cells.<i>.<field>``); audited."""
    month = parse_month(data["month"])
    stores = _stores()
    changed = service.save_cells(month, data["cells"], current_user, [s.id for s in stores])
    db.session.commit()
    return {"month": month.strftime("%Y-%m"), "cells": _month_cells(month, stores),
            "changed": changed}
