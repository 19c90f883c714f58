"""月度经营分析报告 as Excel: a sheet for the chain (every store's sales, the chain's
total, the forecast and its error, the problems) and one sheet per store; money cells
hold exact decimals (app/spreadsheets.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.spreadsheets import exact_decimals


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _sales_header() -> list[str]:
    return [_("门店编号"), _("门店"), _("营业额"), _("目标营业额"), _("完成率 %"),
            _("客流（人次）"), _("客单价"), _("售卡充值"), _("上月营业额"), _("较上月 %"),
            _("去年同月营业额"), _("较去年同月 %"), _("退钟"), _("退款笔数"), _("平均评分"),
            _("投诉")]


def _sales_row(code: str, name: str, section: dict) -> list:
    a = section["actual"]
    target = section["target"] or {}
    achieved = section["achieved"] or {}
    vs_month = section["vs_last_month"] or {}
    vs_year = section["vs_last_year"] or {}
    return [code, name, _d(a["revenue"]), _d(target.get("revenue")),
            _d(achieved.get("revenue")), a["guests"], _d(a["per_guest"]), _d(a["card_sales"]),
            _d((section["last_month"] or {}).get("revenue")), _d(vs_month.get("revenue")),
            _d((section["last_year"] or {}).get("revenue")), _d(vs_year.get("revenue")),
            a["jobs_returned"], a["refund_count"], _d(a["avg_rating"]), a["complaints"]]


def _forecast_rows(sheet, forecast: dict) -> None:
    sheet.append([])
    sheet.append([_("下月营业额预测"), forecast["month"], _d(forecast["revenue"])])
    sheet.append([_("月份"), _("预测"), _("实际"), _("绝对误差 %")])
    for row in forecast["errors"]:
        sheet.append([row["month"], _d(row["forecast"]), _d(row["actual"]),
                      _d(row["error_pct"])])
    sheet.append([_("平均绝对百分比误差（MAPE）%"), _d(forecast["mape"])])


def _problems(sheet, problems: list[str]) -> None:
    sheet.append([])
    sheet.append([_("发现的问题")])
    for text in problems or [_("未发现问题")]:
        sheet.append([text])


def _sheet_title(code: str, name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", f"{code} {name}".strip())[:31] or "store"
    base, n = title, 2
    while title in taken:
        title = f"{base[:28]}~{n}"
        n += 1
    taken.add(title)
    return title


def report_workbook(content: dict, parts: list[dict], with_chain: bool = True) -> bytes:
    """The workbook of a built report: the chain's sheet (when ``with_chain``) and one
    sheet per store part given."""
    book = Workbook()
    sheets = []
    taken: set[str] = set()
    first = book.active
    if with_chain:
        chain = content["chain"]
        first.title = _("全连锁")
        taken.add(first.title)
        first.append([_("%(month)s 月度经营分析报告", month=content["month"])])
        first["A1"].font = Font(bold=True)
        first.append(_sales_header())
        for part in parts:
            first.append(_sales_row(part["code"], part["name"], part["sales"]))
        first.append(_sales_row("", _("全连锁合计"), chain["sales"]))
        _forecast_rows(first, chain["forecast"])
        _problems(first, chain["problems"])
        sheets.append(first)
    for index, part in enumerate(parts):
        sheet = first if not with_chain and index == 0 else book.create_sheet()
        sheet.title = _sheet_title(part["code"], part["name"], taken)
        sheet.append([_("%(month)s %(store)s 经营分析", month=content["month"],
                        store=part["name"])])
        sheet["A1"].font = Font(bold=True)
        sheet.append(_sales_header())
        sheet.append(_sales_row(part["code"], part["name"], part["sales"]))
        _forecast_rows(sheet, part["forecast"])
        _problems(sheet, part["problems"])
        opinions = part["opinions"]
        sheet.append([])
        sheet.append([_("顾客评价"), _("评价数"), opinions["ratings"], _("平均评分"),
                      _d(opinions["avg_rating"])])
        for stars in ("5", "4", "3", "2", "1"):
            sheet.append([_("%(n)s 星", n=stars), opinions["distribution"][stars]])
        for kind, n in opinions["complaint_kinds"].items():
            sheet.append([_("投诉：%(kind)s", kind=kind), n])
        sheets.append(sheet)
    for sheet in sheets:
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 18
        exact_decimals(sheet)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_filename(month: str, store_code: str | None = None) -> str:
    return f"operating-report-{month}{'-' + store_code if store_code else ''}.xlsx"
