"""门店损益 pages: the month's P&L per store and chain, the rows behind a figure, Excel."""

from __future__ import annotations

import io

from flask import abort, render_template, request, send_file
from flask_login import current_user

from app.blueprints.finance import bp
from app.blueprints.finance import pnl as service
from app.blueprints.finance.pnl_export import line_labels, pnl_workbook, workbook_filename
from app.blueprints.finance.pnl_lines import PAGE_SIZE, line_page
from app.permissions import permission_required, store_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def default_month():
    """Last month: the latest whose payroll and depreciation can be complete."""
    from app.blueprints.store.days import today_for_store

    return service.previous_month(today_for_store().replace(day=1))


def month_arg():
    month = service.parse_month_arg(request.args.get("month"), default_month())
    if month is None:
        abort(400)
    return month


def store_arg(scope: set[int] | None) -> int | None:
    """``?store_id=`` within the reader's stores (0: 总部, head-office readers only)."""
    store_id = request.args.get("store_id", type=int)
    if store_id is None:
        return None
    if store_id == service.HEAD_OFFICE_ID:
        if scope is not None:
            abort(404)
    elif scope is not None and store_id not in scope:
        abort(404)
    return store_id


@bp.route("/pnl")
@permission_required("pnl.view")
def pnl():
    month = month_arg()
    result = service.pnl_month(month, store_scope(current_user))
    chart = {"labels": [row.name for row in result.rows],
             "profit": [str(row.actual.profit) for row in result.rows],
             "revenue": [str(row.actual.revenue) for row in result.rows]}
    return render_template("finance/pnl.html", pnl=result, labels=line_labels(),
                           lines=service.LINES, variance=service.variance, chart=chart,
                           previous=service.previous_month(month),
                           following=service.month_end(month))


@bp.route("/pnl/lines")
@permission_required("pnl.view")
def pnl_lines():
    scope = store_scope(current_user)
    month = month_arg()
    store_id = store_arg(scope)
    line = request.args.get("line", "")
    if line not in service.LINES:
        abort(404)
    page = line_page(line, month, store_id, scope, page=request.args.get("page", 1, type=int))
    return render_template("finance/pnl_lines.html", page=page, month=month,
                           store_id=store_id, labels=line_labels(), page_size=PAGE_SIZE)


@bp.route("/pnl/export.xlsx")
@permission_required("pnl.view")
def pnl_export():
    result = service.pnl_month(month_arg(), store_scope(current_user))
    return send_file(io.BytesIO(pnl_workbook(result)), as_attachment=True,
                     download_name=workbook_filename(result), mimetype=XLSX)
