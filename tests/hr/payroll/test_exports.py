"""Exports of a run: the .xlsx opens with openpyxl, has every component and totals that
match the run; the bank CSV is UTF-8 with a BOM, one line per positive net pay with the
decrypted account number."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll import exports
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.models import Employee, PayProfile
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data

# Also on SQLite: money read back from NUMERIC into the Excel cells.
pytestmark = pytest.mark.both_backends

M = Decimal


def computed(company) -> int:
    with tenant_context(company.tenant_id):
        example = data.worked_example(company)
        example.bank_name = "工商银行天河支行"
        example.bank_account_no = "6222021234567890123"
        second = data.add_therapist(company.stores[1], "902", name="李四",
                                    bank_name="建设银行", bank_account_no="6217001234000099")
        data.Jobs(company.stores[1], db.session.scalar(
            select(data.ServiceItem).where(data.ServiceItem.code == "ZL60P"))).add(
            second, [data.date(2026, 11, 3)], rotation=4)
        # Someone whose fine exceeds their pay: net below zero, no transfer.
        broke = data.add_therapist(company.stores[1], "903", name="王五",
                                   bank_account_no="6217009999")
        broke.si_base = M("30000.00")
        db.session.add(PayProfile(name="人事", position_id=data.position("hr_staff").id,
                                  monthly_base=M("6000.00")))
        run, _ = payroll.start_run("2026-11")
        commit_and_dispatch()
        return run.id


def test_workbook_has_every_component_and_matching_totals(app, company_a):
    run_id = computed(company_a)
    with tenant_context(company_a.tenant_id):
        run = db.session.get(PayrollRun, run_id)
        content = exports.payroll_workbook(run)
        slips = db.session.scalars(select(Payslip).where(Payslip.run_id == run_id)).all()
        nos = {s.employee_id: db.session.get(Employee, s.employee_id).employee_no
               for s in slips}

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["工资表", "门店汇总"]
    sheet = book["工资表"]
    header = [c.value for c in sheet[1]]
    assert header == [str(label) for _key, label, _kind in exports.PAYSLIP_COLUMNS]
    for label in ("基本工资", "加班费", "提成", "售卡提成", "餐补", "全勤奖", "奖励", "罚款",
                  "迟到早退扣款", "补扣调整", "应发工资", "养老保险", "医疗保险", "失业保险",
                  "住房公积金", "个人所得税", "实发工资", "出勤天数", "轮钟", "点钟"):
        assert label in header
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    rows, total = body[:-1], body[-1]
    assert len(rows) == len(slips) and total[0] == "合计"
    column = {key: header.index(str(label)) for key, label, _kind in exports.PAYSLIP_COLUMNS}
    example = next(r for r in rows if r[0] == "901")
    for key, expected in data.WORKED_EXAMPLE.items():
        if key in column:
            assert M(str(example[column[key]])).quantize(M("0.01")) == expected, key
    assert (example[column["rotation_jobs"]], example[column["requested_jobs"]]) == (120, 40)
    assert {r[0] for r in rows} == set(nos.values())
    for key in exports.MONEY_KEYS:
        expected = sum((getattr(s, key) for s in slips), M("0.00"))
        assert M(str(total[column[key]])).quantize(M("0.01")) == expected, key
        assert sum(M(str(r[column[key]])) for r in rows).quantize(M("0.01")) == expected

    stores = book["门店汇总"]
    lines = [[c.value for c in row] for row in stores.iter_rows(min_row=2)]
    assert lines[-1][0] == "合计"
    assert M(str(lines[-1][5])).quantize(M("0.01")) == run.total_net
    assert M(str(lines[-1][2])).quantize(M("0.01")) == run.total_gross
    assert sum(line[1] for line in lines[:-1]) == run.employee_count == lines[-1][1]
    assert sum(M(str(line[5])) for line in lines[:-1]).quantize(M("0.01")) == run.total_net
    assert [line[0] for line in lines[:-1]][-1] == "总部"  # head office last


def test_bank_csv_lines(app, company_a):
    run_id = computed(company_a)
    with tenant_context(company_a.tenant_id):
        run = db.session.get(PayrollRun, run_id)
        with pytest.raises(payroll.PayrollError):
            exports.bank_transfer_csv(run)  # a draft is not paid
        run.status = "approved"
        content = exports.bank_transfer_csv(run)
        slips = db.session.scalars(select(Payslip).where(Payslip.run_id == run_id)).all()
        positive = [s for s in slips if s.net > 0]
        broke = db.session.scalar(select(Employee).where(Employee.employee_no == "903"))
        assert next(s for s in slips if s.employee_id == broke.id).net < 0

    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "工号,姓名,开户行,银行账号,实发金额"
    assert lines[-1] == ""  # ends with a line break
    body = lines[1:-1]
    assert len(body) == len(positive)
    assert "901,技师901,工商银行天河支行,6222021234567890123,8969.31" in body
    assert not any(line.startswith("903,") for line in body)
    assert sum(M(line.rsplit(",", 1)[1]) for line in body) == sum(s.net for s in positive)
    assert body == sorted(body, key=lambda line: line.split(",")[0])


def _sheet_xml(content: bytes, title: str) -> str:
    """The raw XML of the worksheet called ``title`` in an .xlsx file."""
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="(\w+)"', workbook).group(1)
        target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) \
            or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        return archive.read("xl/" + target.group(1).removeprefix("/xl/")).decode()


def test_money_cells_hold_the_exact_two_decimal_value(app, company_a):
    """The file itself says 8969.31 for the worked example's net — not the float
    8969.309999999999 — and the cell shows two decimals."""
    import re

    run_id = computed(company_a)
    with tenant_context(company_a.tenant_id):
        content = exports.payroll_workbook(db.session.get(PayrollRun, run_id))
    book = load_workbook(io.BytesIO(content))
    sheet = book["工资表"]
    header = [c.value for c in sheet[1]]
    net_column = header.index("实发工资") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "901")
    net_cell = sheet.cell(row, net_column)
    assert net_cell.number_format == "#,##0.00"
    assert net_cell.data_type == "n"
    xml = _sheet_xml(content, "工资表")
    raw = re.search(rf'<c r="{net_cell.coordinate}"[^>]*>(?:<f>.*?</f>)?<v>([^<]*)</v>', xml)
    assert raw.group(1) == "8969.31"
    assert "8969.309999" not in xml
    # every money cell of both sheets: at most two decimals in the file
    for title in ("工资表", "门店汇总"):
        for value in re.findall(r'<c [^>]*t="n"[^>]*><v>([^<]*)</v>', _sheet_xml(content, title)):
            assert re.fullmatch(r"-?\d+(\.\d{1,2})?", value), (title, value)
