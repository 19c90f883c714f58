"""门店损益 as Excel: one row per store (总部 and the chain's total last), every line,
budget and last month; money cells hold exact decimals (app/spreadsheets.py)."""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.blueprints.finance.pnl import PnlMonth, variance
from app.labels import status_label
from app.spreadsheets import exact_decimals


def line_labels() -> dict[str, str]:
    return {"revenue": _("营业收入"), "labour": _("人工成本"), "expenses": _("费用"),
            "stock": _("物料消耗"), "depreciation": _("折旧"), "profit": _("利润")}


def pnl_workbook(pnl: PnlMonth) -> bytes:
    labels = line_labels()
    names = list(labels)
    book = Workbook()
    sheet = book.active
    sheet.title = _("门店损益")
    sheet.append([_("%(month)s 门店损益", month=pnl.month.strftime("%Y-%m"))])
    sheet["A1"].font = Font(bold=True)
    sheet.append([_("门店编号"), _("门店"), *[labels[n] for n in names], _("预算利润"),
                  _("较预算"), _("上月利润"), _("较上月"), _("较上月 %")])
    for row in [*pnl.rows, pnl.chain]:
        actual = row.actual
        budget_profit = row.budget.profit if row.budget is not None else None
        diff_last, pct_last = variance(actual.profit, row.last_month.profit)
        diff_budget, _pct = variance(actual.profit, budget_profit)
        sheet.append([row.code, row.name or _("全连锁合计"),
                      *[actual.line(n) for n in names], budget_profit, diff_budget,
                      row.last_month.profit, diff_last,
                      float(pct_last) if pct_last is not None else None])
    methods = sorted({m for row in pnl.rows for m in row.actual.revenue_by_method})
    by_method = book.create_sheet(_("收入按支付方式"))
    by_method.append([_("门店编号"), _("门店"), *[status_label(m) for m in methods],
                      _("合计")])
    for row in [*pnl.rows, pnl.chain]:
        by_method.append([row.code, row.name or _("全连锁合计"),
                          *[row.actual.revenue_by_method.get(m) for m in methods],
                          row.actual.revenue])
    for ws in (sheet, by_method):
        ws.column_dimensions["B"].width = 18
        exact_decimals(ws)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_filename(pnl: PnlMonth) -> str:
    return f"pnl-{pnl.month:%Y-%m}.xlsx"
