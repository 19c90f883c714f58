"""/api/v1/finance: today's takings, the month's closings, the store P&L (门店损益) with
its drill-down and Excel — the same services as finance's pages; money as strings."""

from __future__ import annotations

import io

from flask import abort, send_file
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, parse_month
from app.blueprints.finance import pnl as pnl_service
from app.blueprints.finance.closings_month import closings_month
from app.blueprints.finance.pnl_export import pnl_workbook, workbook_filename
from app.blueprints.finance.pnl_lines import line_page
from app.blueprints.finance.takings import as_dict, takings_for
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_finance_reports", __name__, url_prefix="/finance",
                description="Finance reports: takings, closings by month, store P&L (门店损益)")

LINE_NAMES = pnl_service.LINES


def _by_method(**kwargs):
    return fields.Dict(keys=fields.String(validate=validate.OneOf(PAYMENT_METHODS)),
                       values=Money(), **kwargs)


class TakingsRowSchema(Schema):
    store_id = fields.Integer(allow_none=True)
    store_code = fields.String()
    store_name = fields.String()
    business_day_id = fields.Integer(allow_none=True)
    closed = fields.Boolean(metadata={"description": "the day is locked (日结)"})
    by_method = _by_method(metadata={"description": "payments net of refunds, by method"})
    card_topups = Money()
    money_received = Money(metadata={"description": "money methods (团购 included) + top-ups"})
    card_spend = Money(metadata={"description": "stored-value and package-card spends"})
    revenue = Money(metadata={"description": "totals of the day's paid orders"})
    orders_paid = fields.Integer()
    orders_open = fields.Integer()
    open_amount = Money()


class TakingsSchema(Schema):
    business_date = fields.Date()
    stores = fields.List(fields.Nested(TakingsRowSchema))
    chain = fields.Nested(TakingsRowSchema)


class MonthArgsSchema(Schema):
    month = fields.String(load_default=None, validate=parse_month,
                          metadata={"description": "YYYY-MM (default: this month)"})
    store_id = fields.Integer(load_default=None)


class ClosingTotalsSchema(Schema):
    store_id = fields.Integer(allow_none=True)
    store_code = fields.String()
    business_day_id = fields.Integer(allow_none=True)
    business_date = fields.Date(allow_none=True)
    days = fields.Integer()
    days_closed = fields.Integer()
    days_open = fields.Integer()
    revenue = Money()
    orders_paid = fields.Integer()
    by_method = _by_method()
    card_topups = Money()
    money_received = Money()


class ClosingMonthSchema(Schema):
    month = fields.String()
    rows = fields.List(fields.Nested(ClosingTotalsSchema))
    total = fields.Nested(ClosingTotalsSchema)


class FiguresSchema(Schema):
    revenue = Money()
    labour = Money()
    expenses = Money()
    stock = Money(metadata={"description": "stock consumed: Σ −quantity × unit cost"})
    depreciation = Money()
    profit = Money()


class PnlRowSchema(FiguresSchema):
    store_id = fields.Integer(allow_none=True, metadata={
        "description": "0: 总部 (head office); null: the chain's total"})
    store_code = fields.String()
    store_name = fields.String()
    revenue_by_method = _by_method()
    budget = fields.Nested(FiguresSchema, allow_none=True)
    last_month = fields.Nested(FiguresSchema)
    profit_vs_budget = Money(allow_none=True)
    profit_vs_last_month = Money()
    profit_vs_last_month_pct = fields.Decimal(as_string=True, allow_none=True)


class PnlSchema(Schema):
    month = fields.String()
    rows = fields.List(fields.Nested(PnlRowSchema))
    chain = fields.Nested(PnlRowSchema)


class PnlArgsSchema(MonthArgsSchema):
    month = fields.String(load_default=None, validate=parse_month,
                          metadata={"description": "YYYY-MM (default: last month)"})


class LinesArgsSchema(PageArgsSchema):
    month = fields.String(load_default=None, validate=parse_month)
    store_id = fields.Integer(load_default=None,
                              metadata={"description": "a store, or 0 for 总部"})
    line = fields.String(required=True, validate=validate.OneOf(LINE_NAMES))


class LineRowSchema(Schema):
    date = fields.Date(attribute="on", allow_none=True)
    reference = fields.String()
    description = fields.String()
    code = fields.String(attribute="kind", metadata={
        "description": "payment method, expense category, movement kind, payslip or "
                       "depreciation"})
    store_code = fields.String()
    amount = Money()


class LinesPageSchema(Schema):
    line = fields.String(validate=validate.OneOf(LINE_NAMES))
    items = fields.List(fields.Nested(LineRowSchema), attribute="rows")
    total = fields.Integer(attribute="total_count")
    total_amount = Money()
    page = fields.Integer()
    page_size = fields.Integer()


def _month(value: str | None, default):
    return parse_month(value) if value else default


def _store_in_scope(store_id: int | None, allow_head_office: bool = False) -> int | None:
    if store_id is None:
        return None
    if store_id == pnl_service.HEAD_OFFICE_ID and allow_head_office:
        if store_scope(current_user) is not None:
            abort(404)
        return store_id
    get_in_scope_or_404(Store, store_id)
    return store_id


@blp.route("/takings", methods=["GET"])
@blp.response(200, TakingsSchema)
@permission_required("finance.view")
def takings():
    """今日营收: each store's money so far today (business day), before its 日结."""
    result = takings_for(today_for_store(), store_scope(current_user))
    return {"business_date": result.business_date,
            "stores": [as_dict(row) for row in result.stores], "chain": as_dict(result.chain)}


def _closing_row(row) -> dict:
    return {"store_id": row.store.id if row.store else None,
            "store_code": row.store.code if row.store else "",
            "business_day_id": row.day.id if row.day else None,
            "business_date": row.day.business_date if row.day else None,
            "days": row.days, "days_closed": row.days_closed, "days_open": row.days_open,
            "revenue": row.revenue, "orders_paid": row.orders_paid,
            "by_method": {m: row.by_method.get(m, 0) for m in PAYMENT_METHODS},
            "card_topups": row.topups, "money_received": row.money_received}


@blp.route("/closings", methods=["GET"])
@blp.arguments(MonthArgsSchema, location="query")
@blp.response(200, ClosingMonthSchema)
@permission_required("finance.view")
def closings(args):
    """日结 of a month: a row per store with its totals (or, with ``store_id``, per day)."""
    month = _month(args["month"], today_for_store().replace(day=1))
    store_id = _store_in_scope(args["store_id"])
    store = db.session.get(Store, store_id) if store_id is not None else None
    result = closings_month(month, store_scope(current_user), store=store)
    return {"month": f"{month:%Y-%m}", "rows": [_closing_row(r) for r in result.rows],
            "total": _closing_row(result.total)}


def _figures(figures) -> dict:
    return {**{name: getattr(figures, name) for name in pnl_service.LINES},
            "profit": figures.profit}


def _pnl_row(row) -> dict:
    vs_budget, _pct = pnl_service.variance(
        row.actual.profit, row.budget.profit if row.budget is not None else None)
    vs_last, pct_last = pnl_service.variance(row.actual.profit, row.last_month.profit)
    return {**_figures(row.actual), "store_id": row.key, "store_code": row.code,
            "store_name": row.name, "revenue_by_method": row.actual.revenue_by_method,
            "budget": _figures(row.budget) if row.budget is not None else None,
            "last_month": _figures(row.last_month), "profit_vs_budget": vs_budget,
            "profit_vs_last_month": vs_last, "profit_vs_last_month_pct": pct_last}


def _pnl(args):
    from app.blueprints.finance.views_pnl import default_month

    month = _month(args["month"], default_month())
    scope = store_scope(current_user)
    store_id = _store_in_scope(args["store_id"])
    return pnl_service.pnl_month(month, pnl_service.store_ids_in(scope, store_id))


@blp.route("/pnl", methods=["GET"])
@blp.arguments(PnlArgsSchema, location="query")
@blp.response(200, PnlSchema)
@permission_required("pnl.view")
def pnl(args):
    """门店损益 of a month (default last month): per store, 总部 and the chain."""
    result = _pnl(args)
    chain = _pnl_row(result.chain)
    chain.update(store_id=None, store_name="")
    return {"month": f"{result.month:%Y-%m}", "rows": [_pnl_row(r) for r in result.rows],
            "chain": chain}


@blp.route("/pnl/lines", methods=["GET"])
@blp.arguments(LinesArgsSchema, location="query")
@blp.response(200, LinesPageSchema)
@permission_required("pnl.view")
def pnl_lines(args):
    """The rows behind one figure (revenue: payments; labour: payslips; expenses: claims;
    stock: movements; depreciation: entries), a page at a time."""
    from app.blueprints.finance.views_pnl import default_month

    month = _month(args["month"], default_month())
    store_id = _store_in_scope(args["store_id"], allow_head_office=True)
    return line_page(args["line"], month, store_id, store_scope(current_user),
                     page=args["page"], page_size=args["page_size"])


@blp.route("/pnl.xlsx", methods=["GET"])
@blp.arguments(PnlArgsSchema, location="query")
@blp.doc(responses={"200": {"description": "the month's P&L as .xlsx (exact decimals)"}})
@permission_required("pnl.view")
def pnl_xlsx(args):
    result = _pnl(args)
    return send_file(io.BytesIO(pnl_workbook(result)), as_attachment=True,
                     download_name=workbook_filename(result),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
