"""门店损益: each figure equals an independent sum of the source rows written by hand;
budget and last month; drill-down; Excel exact; API; statements flat in stores and days."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.blueprints.finance.pnl import HEAD_OFFICE_ID, pnl_month
from app.extensions import db
from tests.finance import pnl_data as data
from tests.hr.test_query_budget import count_statements

M = Decimal
MONTH = date(2026, 10, 1)
LAST = date(2026, 9, 1)


def _build(company):
    """The hand-written month; returns the expected figures, summed here independently."""
    a, b = company.stores[0].id, company.stores[1].id
    ledger = data.Ledger()
    # Revenue: store A cash, WeChat (a product), 团购, a cash refund; store B Alipay, bank card.
    data.pay(ledger, a, date(2026, 10, 3), "cash", "200.00")
    data.pay(ledger, a, date(2026, 10, 5), "wechat", "150.50")
    data.pay(ledger, a, date(2026, 10, 5), "voucher", "128.00", platform="meituan")
    data.pay(ledger, a, date(2026, 10, 6), "cash", "-50.00")
    data.pay(ledger, b, date(2026, 10, 4), "alipay", "300.00")
    data.pay(ledger, b, date(2026, 10, 31), "bank_card", "99.99")
    # A card bought in A (1000 paid + 250 bonus: 80 % real money) spent in B: B's revenue.
    member = data.card(a, "1000.00", "250.00")
    data.pay(ledger, b, date(2026, 10, 20), "stored_value", "100.00", card_id=member.id)
    # Other months, and an open order: not in October.
    data.pay(ledger, b, date(2026, 11, 1), "cash", "500.00")
    data.pay(ledger, a, date(2026, 9, 30), "cash", "70.00")
    data.pay(ledger, a, date(2026, 10, 7), "cash", "60.00", status="to_pay")
    # Labour: an approved company run (a store person, a head-office person), a draft
    # store run (excluded), last month's paid run.
    approved = data.run(MONTH, "approved")
    data.payslip(approved, company.employees["therapist"], a, "5000.00")
    data.payslip(approved, company.employees["finance_manager"], None, "8000.00")
    draft = data.run(MONTH, "draft", scope=f"store:{b}", store_id=b)
    data.payslip(draft, company.employees["cashier"], b, "7777.00")
    data.payslip(data.run(LAST, "paid"), company.employees["therapist"], a, "4000.00")
    # Expenses: approved and paid count, pending and rejected do not; 总部's own.
    data.expense(a, "rent", "3000.00", date(2026, 10, 1), "approved")
    data.expense(b, "utilities", "450.25", date(2026, 10, 15), "paid")
    data.expense(a, "repairs", "999.00", date(2026, 10, 16), "pending_finance")
    data.expense(b, "meals", "123.00", date(2026, 10, 16), "rejected")
    data.expense(None, "office", "600.00", date(2026, 10, 9), "approved")
    data.expense(a, "rent", "2900.00", date(2026, 9, 30), "paid")
    # Stock: consumed kinds count (−quantity × unit cost), receipts and transfers do not.
    towel, oil = data.item("T1", "2.50"), data.item("O1", "12.00")
    data.move(a, towel, "requisition", "-10", "2.50", date(2026, 10, 2))
    data.move(a, towel, "sale", "-3", "2.50", date(2026, 10, 2))
    data.move(a, towel, "sale_return", "1", "2.50", date(2026, 10, 3))
    data.move(a, towel, "receipt", "100", "2.50", date(2026, 10, 1))
    data.move(b, oil, "write_off", "-4", "12.00", date(2026, 10, 8))
    data.move(b, oil, "count_adjustment", "2", "12.00", date(2026, 10, 31))
    data.move(b, oil, "transfer_out", "-5", "12.00", date(2026, 10, 9))
    data.move(b, oil, "requisition", "-1", "12.00", date(2026, 11, 1))
    # Depreciation of the month (and last month's).
    data.depreciation(a, MONTH, "100.00", "A1")
    data.depreciation(b, MONTH, "55.55", "B1")
    data.depreciation(a, LAST, "100.00", "A1")
    # Budget of store A.
    data.budget(a, MONTH, "revenue", "1000.00")
    data.budget(a, MONTH, "labour", "4000.00")
    data.budget(a, MONTH, "rent", "2500.00")
    db.session.flush()

    def revenue(store, first):
        total = M("0")
        for store_id, on, _method, amount, card_id in ledger.payments:
            if store_id == store and on.replace(day=1) == first:
                total += amount * (M("0.8") if card_id else 1)
        return total.quantize(M("0.01"))

    expected = {
        a: {"revenue": revenue(a, MONTH), "labour": M("5000.00"), "expenses": M("3000.00"),
            "stock": M("25.00") + M("7.50") - M("2.50"), "depreciation": M("100.00")},
        b: {"revenue": revenue(b, MONTH), "labour": M("0.00"), "expenses": M("450.25"),
            "stock": M("48.00") - M("24.00"), "depreciation": M("55.55")},
        None: {"revenue": M("0.00"), "labour": M("8000.00"), "expenses": M("600.00"),
               "stock": M("0.00"), "depreciation": M("0.00")},
    }
    for figures in expected.values():
        figures["profit"] = figures["revenue"] - sum(
            figures[k] for k in ("labour", "expenses", "stock", "depreciation"))
    last_a = revenue(a, LAST) - M("4000.00") - M("2900.00") - M("100.00")
    return expected, last_a


@pytest.mark.both_backends
def test_each_figure_equals_a_sum_of_the_source_rows(app, company_a, in_tenant):
    with in_tenant(company_a):
        expected, last_a = _build(company_a)
        result = pnl_month(MONTH, None)
        by_store = {row.store_id: row for row in result.rows}
        a, b = company_a.stores[0].id, company_a.stores[1].id
        assert expected[a]["revenue"] == M("428.50")  # 200 + 150.50 + 128 − 50
        assert expected[b]["revenue"] == M("479.99")  # 300 + 99.99 + 80 (card at 80 %)
        for store_id, figures in expected.items():
            row = by_store[store_id]
            for name, value in figures.items():
                assert row.actual.line(name) == value, (store_id, name)
        assert by_store[a].actual.revenue_by_method == {
            "cash": M("150.00"), "wechat": M("150.50"), "voucher": M("128.00")}
        assert by_store[b].actual.revenue_by_method["stored_value"] == M("80.00")
        for name in ("revenue", "labour", "expenses", "stock", "depreciation", "profit"):
            assert result.chain.actual.line(name) == sum(f[name] for f in expected.values())
        # Budget: store A's lines; last month: September's rows.
        assert by_store[a].budget.profit == M("1000.00") - M("4000.00") - M("2500.00")
        assert by_store[b].budget is None
        assert by_store[a].last_month.profit == last_a
        # A store role sees only its stores, and no 总部 row.
        scoped = pnl_month(MONTH, {a})
        assert [row.store_id for row in scoped.rows] == [a]
        assert scoped.chain.actual.profit == expected[a]["profit"]


def test_page_drill_down_and_excel(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        expected, _last = _build(company_a)
        db.session.commit()
    a = company_a.stores[0].id
    auth.login_as(company_a, "finance_manager")
    html = client.get("/finance/pnl?month=2026-10").get_data(as_text=True)
    assert 'data-testid="pnl-table"' in html and "data-finance-chart" in html
    row = html[html.index(f'data-store-id="{a}"'):]
    assert 'data-line="revenue"' in row and "¥428.50" in row
    assert "-¥7,701.50" in html  # A's profit: 428.50 − 5000 − 3000 − 30 − 100, ¥ and ,
    assert html.count("总部") >= 1
    # Drill-down: the rows behind each figure add up to it (two rows a page for the test).
    for line in ("revenue", "labour", "expenses", "stock", "depreciation"):
        page = client.get(f"/finance/pnl/lines?month=2026-10&store_id={a}&line={line}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        total = re.search(r'data-testid="lines-total">([^<]*)<', text).group(1)
        assert total == "¥" + f"{expected[a][line]:,.2f}" or total == "-¥" + (
            f"{-expected[a][line]:,.2f}"), line
    head = client.get(f"/finance/pnl/lines?month=2026-10&store_id={HEAD_OFFICE_ID}"
                      "&line=labour").get_data(as_text=True)
    assert "¥8,000.00" in head
    assert client.get("/finance/pnl/lines?month=2026-10&line=nothing").status_code == 404
    # Excel: the money cells hold the exact digits.
    response = client.get("/finance/pnl/export.xlsx?month=2026-10")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3)}
    assert rows["S01"][2].value == float(expected[a]["revenue"])
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>428.50</v>" in xml and "<v>479.99</v>" in xml


def test_api_figures_as_strings_lines_and_xlsx(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        expected, _last = _build(company_a)
        db.session.commit()
    a, b = company_a.stores[0].id, company_a.stores[1].id
    headers = api_token(company_a, "finance_manager")
    body = client.get("/api/v1/finance/pnl?month=2026-10", headers=headers).get_json()
    rows = {row["store_id"]: row for row in body["rows"]}
    assert rows[b]["revenue"] == "479.99" and rows[b]["expenses"] == "450.25"
    assert rows[HEAD_OFFICE_ID]["labour"] == "8000.00"
    assert rows[a]["profit"] == str(expected[a]["profit"])
    assert body["chain"]["profit"] == str(sum(f["profit"] for f in expected.values()))
    one = client.get(f"/api/v1/finance/pnl?month=2026-10&store_id={b}",
                     headers=headers).get_json()
    assert [row["store_id"] for row in one["rows"]] == [b]
    seen, page, amounts = 0, 1, M("0")
    while True:
        lines = client.get(f"/api/v1/finance/pnl/lines?month=2026-10&store_id={a}"
                           f"&line=revenue&page={page}&page_size=2", headers=headers).get_json()
        amounts += sum(M(item["amount"]) for item in lines["items"])
        seen += len(lines["items"])
        if seen >= lines["total"]:
            break
        page += 1
    assert seen == 4 and amounts == expected[a]["revenue"]
    bad = client.get("/api/v1/finance/pnl/lines?month=2026-10&line=bogus", headers=headers)
    assert bad.status_code == 422 and "line" in str(bad.get_json())
    bad = client.get("/api/v1/finance/pnl?month=2026-13", headers=headers)
    assert bad.status_code == 422 and "month" in str(bad.get_json())
    xlsx = client.get("/api/v1/finance/pnl.xlsx?month=2026-10", headers=headers)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    cashier = api_token(company_a, "cashier")
    assert client.get("/api/v1/finance/pnl", headers=cashier).status_code == 403


@pytest.mark.parametrize("url", ["/finance/pnl?month=2026-10",
                                 "/finance/closings?month=2026-10",
                                 "/finance/takings",
                                 "/finance/pnl/lines?month=2026-10&line=stock"])
def test_statements_flat_in_stores_and_days(client, auth, company_a, in_tenant, url):
    with in_tenant(company_a):
        ledger = data.Ledger()
        person = company_a.employees["therapist"]
        for store in company_a.stores:
            data.fill_store(ledger, store, MONTH, 3, person)
        db.session.commit()
    auth.login_as(company_a, "finance_manager")
    assert client.get(url).status_code == 200
    with count_statements() as few:
        assert client.get(url).status_code == 200
    with in_tenant(company_a):
        from sqlalchemy import select

        from app.models import Store

        stores = list(db.session.scalars(select(Store).order_by(Store.id)))
        for n in range(4):
            stores.append(data.add_store(n))
        for store in stores[:2]:
            data.fill_store(ledger, store, MONTH, 30, person, first_day=4)
        for store in stores[2:]:
            data.fill_store(ledger, store, MONTH, 3, person)
        db.session.commit()
    with count_statements() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(many)
