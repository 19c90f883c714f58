"""工资表导出: a run as an Excel workbook, and the bank-transfer file (银行代发).

**Excel** (.xlsx, openpyxl): sheet 工资表 — one row per payslip with every component
(``PAYSLIP_COLUMNS``: who, attendance facts, job counts, each earning and deduction,
gross, each insurance, taxable, IIT, net, whether the 20% cap applied), then a 合计
row; sheet 门店汇总 — per store (head office last): people, gross, SI, IIT, net, and
a 合计 row.  Money cells are numbers holding the exact two-decimal value (8969.31, not
the float 8969.309999999999: app/spreadsheets.py) shown with the format ``#,##0.00``;
totals are the Decimal sums of the rounded payslip figures, written as values (not
formulas).  The last column, 基本工资分段, spells out the parts of a base split by a
pay change within the month (empty otherwise).

**Bank CSV** (for the bank's 代发工资 upload), UTF-8 with a BOM so Excel shows the
Chinese, comma-separated, CRLF line ends, one header line then one line per payslip
with a net pay above 0.00 (a net of 0 or less is not a transfer: HR settles it
otherwise), ordered by employee number:

    工号, 姓名, 开户行, 银行账号, 实发金额

``银行账号`` is the decrypted account number (the only place besides HR's detail
view where it appears in full); an employee without one has an empty cell, for
finance to complete.  ``实发金额`` is the net pay with two decimals, no thousands
separator.  Only approved or paid runs are exported to the bank (refused before).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll.payslips import base_part_lines
from app.blueprints.hr.payroll.run import PayrollError
from app.extensions import db
from app.models import Employee, Store
from app.spreadsheets import MONEY_FORMAT, exact_decimals

BANK_STATUSES = ("approved", "paid")
ZERO = Decimal("0.00")

# (key, label, kind): kind "text", "days", "count" or "money"; money keys are Payslip
# columns, the others come from the payslip's detail.
PAYSLIP_COLUMNS = (
    ("employee_no", _l("工号"), "text"),
    ("name", _l("姓名"), "text"),
    ("store", _l("门店"), "text"),
    ("scheduled", _l("排班天数"), "count"),
    ("attended", _l("出勤天数"), "days"),
    ("paid_leave", _l("带薪假"), "days"),
    ("sick_leave", _l("病假"), "days"),
    ("unpaid_leave", _l("事假"), "days"),
    ("absent", _l("旷工"), "days"),
    ("late", _l("迟到早退次数"), "count"),
    ("rotation_jobs", _l("轮钟"), "count"),
    ("requested_jobs", _l("点钟"), "count"),
    ("base", _l("基本工资"), "money"),
    ("overtime", _l("加班费"), "money"),
    ("commission", _l("提成"), "money"),
    ("card_commission", _l("售卡提成"), "money"),
    ("meal", _l("餐补"), "money"),
    ("full_attendance_bonus", _l("全勤奖"), "money"),
    ("rewards", _l("奖励"), "money"),
    ("fines", _l("罚款"), "money"),
    ("late_deduction", _l("迟到早退扣款"), "money"),
    ("adjustment", _l("补扣调整"), "money"),
    ("gross", _l("应发工资"), "money"),
    ("si_pension", _l("养老保险"), "money"),
    ("si_medical", _l("医疗保险"), "money"),
    ("si_unemployment", _l("失业保险"), "money"),
    ("si_housing_fund", _l("住房公积金"), "money"),
    ("si_total", _l("社保公积金合计"), "money"),
    ("taxable", _l("应纳税所得"), "money"),
    ("iit", _l("个人所得税"), "money"),
    ("net", _l("实发工资"), "money"),
    ("deductions_capped", _l("扣款封顶"), "text"),
    ("base_parts", _l("基本工资分段"), "text"),
)
MONEY_KEYS = tuple(key for key, _label, kind in PAYSLIP_COLUMNS if kind == "money")
STORE_COLUMNS = (("employees", _l("人数")), ("gross", _l("应发工资")),
                 ("si_total", _l("社保公积金")), ("iit", _l("个人所得税")),
                 ("net", _l("实发工资")))
BANK_HEADER = ("工号", "姓名", "开户行", "银行账号", "实发金额")


def run_payslips(run_id: int) -> list[tuple[Payslip, Employee]]:
    """The run's payslips with their employees, by employee number (one statement)."""
    return [(slip, employee) for slip, employee in db.session.execute(
        select(Payslip, Employee).join(Employee, Employee.id == Payslip.employee_id)
        .where(Payslip.run_id == run_id).order_by(Employee.employee_no, Employee.id))]


def store_names() -> dict[int, str]:
    return {store.id: store.name for store in db.session.scalars(select(Store))}


def payslip_values(slip: Payslip, employee: Employee, stores: dict[int, str],
                   sick_pay_ratio: str = "0.8") -> dict:
    """Every column of ``PAYSLIP_COLUMNS`` for one payslip (Decimal, int or str);
    ``sick_pay_ratio``: the run's, for the text of a split base."""
    detail = slip.detail or {}
    facts = detail.get("attendance", {})
    jobs = detail.get("jobs", {})
    values = {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "store": stores.get(slip.store_id, "") if slip.store_id else str(_l("总部")),
        "scheduled": int(facts.get("scheduled", 0)),
        "late": int(facts.get("late", 0)),
        "rotation_jobs": int(jobs.get("rotation", 0)),
        "requested_jobs": int(jobs.get("requested", 0)),
        "deductions_capped": str(_l("是")) if slip.deductions_capped else "",
        "base_parts": "; ".join(base_part_lines(detail, sick_pay_ratio)),
    }
    for key in ("attended", "paid_leave", "sick_leave", "unpaid_leave", "absent"):
        values[key] = Decimal(facts.get(key, "0"))
    for key in MONEY_KEYS:
        values[key] = getattr(slip, key)
    return values


def store_totals(rows: list[tuple[Payslip, Employee]], stores: dict[int, str]) -> list[dict]:
    """Per store (head office last): name, employees, gross, SI, IIT, net."""
    sums: dict[int | None, dict] = defaultdict(
        lambda: {"employees": 0, "gross": ZERO, "si_total": ZERO, "iit": ZERO, "net": ZERO})
    for slip, _employee in rows:
        total = sums[slip.store_id]
        total["employees"] += 1
        for key in ("gross", "si_total", "iit", "net"):
            total[key] += getattr(slip, key)
    ordered = sorted((k for k in sums if k is not None), key=lambda k: (stores.get(k, ""), k))
    if None in sums:
        ordered.append(None)
    return [{"store_id": key, "name": stores.get(key, "") if key else str(_l("总部")),
             **sums[key]} for key in ordered]


def run_title(run: PayrollRun, stores: dict[int, str]) -> str:
    scope = stores.get(run.store_id, "") if run.store_id else str(_l("全公司"))
    return f"{run.month:%Y-%m} {scope}"


def export_filename(run: PayrollRun, suffix: str) -> str:
    scope = "all" if run.store_id is None else f"store{run.store_id}"
    return f"payroll-{run.month:%Y-%m}-{scope}.{suffix}"


def payroll_workbook(run: PayrollRun) -> bytes:
    """工资表.xlsx: sheet 工资表 (every payslip, every component, totals) and 门店汇总."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    stores = store_names()
    rows = run_payslips(run.id)
    book = Workbook()
    sheet = book.active
    sheet.title = "工资表"
    sheet.append([str(label) for _key, label, _kind in PAYSLIP_COLUMNS])
    totals = {key: ZERO for key in MONEY_KEYS}
    ratio = (run.policy_snapshot or {}).get("sick_pay_ratio", "0.8")
    for slip, employee in rows:
        values = payslip_values(slip, employee, stores, ratio)
        sheet.append([values[key] for key, _label, _kind in PAYSLIP_COLUMNS])
        for key in MONEY_KEYS:
            totals[key] += values[key]
    total_row = {"employee_no": str(_l("合计")), "name": f"{len(rows)}", **totals}
    sheet.append([total_row.get(key, "") for key, _label, _kind in PAYSLIP_COLUMNS])
    for index, (_key, _label, kind) in enumerate(PAYSLIP_COLUMNS, start=1):
        if kind in ("money", "days"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = MONEY_FORMAT if kind == "money" else "0.0"
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.freeze_panes = "D2"

    per_store = book.create_sheet("门店汇总")
    per_store.append([str(_l("门店")), *[str(label) for _key, label in STORE_COLUMNS]])
    for total in store_totals(rows, stores):
        per_store.append([total["name"], *[total[key] for key, _label in STORE_COLUMNS]])
    per_store.append([str(_l("合计")), len(rows), totals["gross"], totals["si_total"],
                      totals["iit"], totals["net"]])
    for row in per_store.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = MONEY_FORMAT
    for cell in (*per_store[1], *per_store[per_store.max_row]):
        cell.font = bold
    per_store.column_dimensions["A"].width = 20
    for each in (sheet, per_store):
        exact_decimals(each)

    out = io.BytesIO()
    book.properties.title = f"工资表 {run_title(run, stores)}"
    book.save(out)
    return out.getvalue()


def bank_transfer_csv(run: PayrollRun) -> bytes:
    """银行代发文件 (the columns in the module docstring); approved or paid runs only."""
    if run.status not in BANK_STATUSES:
        raise PayrollError.on("status", "工资表审批后才能导出银行代发文件")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BANK_HEADER)
    for slip, employee in run_payslips(run.id):
        if slip.net <= 0:
            continue
        writer.writerow([employee.employee_no, employee.name, employee.bank_name or "",
                         employee.bank_account_no or "", f"{slip.net:.2f}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
