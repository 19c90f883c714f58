"""日结 Excel file: a closing's summary, money by method, therapists' jobs, mismatches.

Money cells hold the exact two-decimal value with the format ``#,##0.00``
(app/spreadsheets.py: openpyxl alone would write 16-digit floats)."""

from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.store.models.payments import PAYMENT_METHODS
from app.spreadsheets import exact_decimals

SHEETS = ("汇总", "收款方式", "技师钟数", "差异")


def closing_workbook(summary: dict) -> bytes:
    """The closing as an .xlsx file: sheets 汇总, 收款方式, 技师钟数, 差异."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from app.labels import status_label, voucher_platform_label

    bold = Font(bold=True)
    alert = PatternFill("solid", fgColor="FFF3CD")
    book = Workbook()
    sheet = book.active
    sheet.title = SHEETS[0]
    d = Decimal
    rows = [
        (_("门店"), f"{summary['store_code']} {summary['store_name']}"),
        (_("营业日"), summary["business_date"]),
        (_("营业额"), d(summary["revenue"])),
        (_("结账单数"), summary["order_count"]),
        (_("客单价"), d(summary["average_ticket"])),
        (_("优惠合计"), d(summary["discount_total"])),
        (_("已取消单数"), summary["orders_cancelled"]),
        (_("未结账单数"), summary["orders_open"]),
        (_("收款（不含会员卡）"), d(summary["money_received_payments"])),
        (_("会员卡消费"), d(summary["card_spend_total"])),
        (_("会员卡充值"), d(summary["topup_total"])),
        (_("充值赠送"), d(summary["bonus_total"])),
        (_("退款"), d(summary["refund_total"])),
        (_("实收合计（收款 + 充值）"), d(summary["money_received_total"])),
        (_("应有现金"), d(summary["cash_expected"])),
        (_("差异条数"), summary["mismatch_count"]),
        (_("日结时间"), summary.get("locked_at") or _("未日结")),
        (_("日结人"), summary.get("locked_by") or ""),
    ]
    for label, value in rows:
        sheet.append([str(label), value])
        if isinstance(value, Decimal):
            sheet.cell(sheet.max_row, 2).number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 32

    pay = book.create_sheet(SHEETS[1])
    pay.append([_("收款方式"), _("笔数"), _("收款"), _("退款"), _("净额")])
    for method in PAYMENT_METHODS:
        m = summary["methods"].get(method)
        if m is None:  # a snapshot taken before the method existed (团购)
            continue
        pay.append([status_label(method), m["count"], d(m["received"]), d(m["refunded"]),
                    d(m["net"])])
    for platform, v in summary.get("vouchers_by_platform", {}).items():
        pay.append([f"{status_label('voucher')} · {voucher_platform_label(platform)}",
                    v["count"], d(v["amount"])])
    pay.append([_("合计"), sum(m["count"] for m in summary["methods"].values()),
                None, d(summary["refund_total"]), d(summary["payments_net"])])
    pay.append([])
    pay.append([_("会员卡充值（按收款方式）"), _("金额")])
    for method, amount in summary["topups_by_method"].items():
        pay.append([status_label(method), d(amount)])
    pay.append([_("充值合计"), d(summary["topup_total"])])
    for cell in pay[1]:
        cell.font = bold

    people = book.create_sheet(SHEETS[2])
    people.append([_("技师"), _("轮钟"), _("点钟"), _("加钟"), _("退钟"), _("未下钟"),
                   _("完成钟数"), _("已结算项目"), _("结算金额"), _("是否一致")])
    for row in summary["therapists"]:
        people.append([row["therapist"], row["rotation"], row["requested"], row["addon"],
                       row["returned"], row["running"], row["jobs_done"], row["settled_lines"],
                       d(row["settled_amount"]), _("不一致") if row["mismatch"] else _("一致")])
        if row["mismatch"]:
            for cell in people[people.max_row]:
                cell.fill = alert

    diff = book.create_sheet(SHEETS[3])
    diff.append([_("类型"), _("单号"), _("技师"), _("说明")])
    for item in summary["mismatches"]:
        diff.append([str(MISMATCH_LABELS.get(item["kind"], item["kind"])), item["order_no"],
                     item["therapist"], item["detail"]])
    for sheet_ in (people, diff):
        for cell in sheet_[1]:
            cell.font = bold
        sheet_.column_dimensions["A"].width = 22
        sheet_.column_dimensions["D"].width = 40
    for each in book.worksheets:
        exact_decimals(each)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MISMATCH_LABELS = {
    "order_open": _l("未结账"),
    "job_running": _l("未下钟"),
    "job_unpaid": _l("有钟无账"),
    "line_without_job": _l("有账无钟"),
    "payments_differ": _l("收款与应收不符"),
}


def workbook_filename(summary: dict) -> str:
    return f"closing-{summary['store_code']}-{summary['business_date']}.xlsx"
