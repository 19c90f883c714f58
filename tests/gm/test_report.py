"""月度经营分析报告: the figures equal sums of the rollup rows (against target, last
month, last year); the forecast method on a made-up series with a known answer and its
error table; problems in sentences; the store manager's part only; Excel; the pages and
the API, on PostgreSQL and SQLite (the job inline; with Redis: test_report_job.py)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.blueprints.gm import report as service
from app.blueprints.gm.models import OperatingReport
from app.blueprints.gm.report_forecast import error_table, forecast, forecast_section
from app.blueprints.gm.report_sales import add_months
from app.blueprints.logistics.models import AssetCount
from app.extensions import db
from tests.gm import report_data as data
from tests.gm.report_data import LAST_MONTH, LAST_YEAR, MONTH

pytestmark = pytest.mark.both_backends
D = Decimal
AS_OF = date(2026, 11, 1)


def _history(company) -> data.Rows:
    """Store 1: behind its target, guests down 20 % on last month at the same 客单价,
    3 退钟 and 2 refunds; store 2: ahead, with a complaint and an overdue count."""
    a, b = company.stores[0].id, company.stores[1].id
    rows = data.Rows()
    data.spread(rows, a, LAST_MONTH, 10, "1000.00", 10)            # 10 000, 100 guests
    data.spread(rows, a, MONTH, 10, "800.00", 8, card_sales=D("50.00"), cards_sold=1)
    rows.add(a, date(2026, 10, 20), jobs=20, jobs_returned=3, refund_count=2,
             refunds=D("300.00"))
    data.spread(rows, a, LAST_YEAR, 4, "1500.25", 12)
    data.spread(rows, b, MONTH, 5, "2000.10", 15, ratings=2, rating_total=9)
    data.spread(rows, b, LAST_MONTH, 3, "999.99", 9)
    rows.add(b, date(2026, 11, 1), revenue=D("777.00"), guests=7)    # next month: not in
    rows.add(b, date(2026, 9, 30), revenue=D("1.01"), guests=1)     # last day of September
    data.target(a, MONTH, "10000.00", guests=110, card_sales="1000.00")
    data.target(b, MONTH, "9000.00", guests=60)
    data.complaint(b, "技师力度太重，按得很疼")
    data.complaint(b, "前台态度冷淡", status="closed")
    data.complaint(b, "九月的投诉", on=datetime(2026, 9, 10, tzinfo=UTC))
    db.session.add(AssetCount(store_id=b, period=date(2026, 8, 1), status="open"))
    db.session.flush()
    return rows


def _part(content, store_id):
    return next(p for p in content["stores"] if p["store_id"] == store_id)


def test_figures_equal_sums_of_the_rollup_rows(app, company_a, in_tenant):
    with in_tenant(company_a):
        rows = _history(company_a)
        a, b = company_a.stores[0].id, company_a.stores[1].id
        content = service.build_report(MONTH, as_of=AS_OF)
    assert content["month"] == "2026-10"
    for store_id in (a, b):
        s = _part(content, store_id)["sales"]
        assert D(s["actual"]["revenue"]) == rows.total("revenue", MONTH, store_id)
        assert s["actual"]["guests"] == rows.total("guests", MONTH, store_id)
        assert D(s["last_month"]["revenue"]) == rows.total("revenue", LAST_MONTH, store_id)
    sa = _part(content, a)["sales"]
    assert D(sa["actual"]["revenue"]) == D("8000.00")
    assert D(sa["actual"]["card_sales"]) == D("500.00")
    assert D(sa["actual"]["per_guest"]) == D("100.00")  # 8000 / 80
    assert D(sa["target"]["revenue"]) == D("10000.00")
    assert sa["achieved"]["revenue"] == "80.0"
    assert sa["vs_last_month"]["revenue"] == "-20.0"
    assert sa["vs_last_month"]["guests"] == "-20.0"
    assert sa["vs_last_month"]["per_guest"] == "0.0"
    assert D(sa["last_year"]["revenue"]) == rows.total("revenue", LAST_YEAR, a) == D("6001.00")
    assert sa["vs_last_year"]["revenue"] == "33.3"
    sb = _part(content, b)["sales"]
    assert sb["last_year"] is None and sb["vs_last_year"] is None
    assert D(sb["last_month"]["revenue"]) == D("3000.98")  # 3 × 999.99 + 1.01
    assert sb["actual"]["avg_rating"] == "4.50"
    chain = content["chain"]["sales"]
    assert D(chain["actual"]["revenue"]) == rows.total("revenue", MONTH) == D("18000.50")
    assert D(chain["last_month"]["revenue"]) == rows.total("revenue", LAST_MONTH)
    assert D(chain["target"]["revenue"]) == D("19000.00")
    assert chain["actual"]["guests"] == 80 + 75


def test_problems_name_the_store_the_figure_and_the_cause(app, company_a, in_tenant):
    with in_tenant(company_a):
        _history(company_a)
        a, b = company_a.stores[0], company_a.stores[1]
        content = service.build_report(MONTH, as_of=AS_OF)
    name_a, name_b = f"{a.code} {a.name}", f"{b.code} {b.name}"
    problems_a = _part(content, a.id)["problems"]
    problems_b = _part(content, b.id)["problems"]
    assert f"{name_a} 营业额低于目标 20%：客流下降 20%，客单价持平（较上月）" in problems_a
    assert any(p.startswith(f"{name_a} 售卡充值低于目标 50%") for p in problems_a)
    assert f"{name_a} 退钟 3 个，占 13.0%（上月 0 个）" in problems_a
    assert f"{name_a} 退款 2 笔，共 ¥300.00（上月 0 笔）" in problems_a
    assert f"{name_b} 本月投诉 2 起（上月 1 起）：技师手法 1 起、服务态度 1 起；1 起尚未结案" \
        in problems_b
    assert f"{name_b} 资产盘点逾期未完成 1 个：2026年8月" in problems_b
    assert not any("营业额低于目标" in p for p in problems_b)
    assert content["chain"]["problems"] == problems_a + problems_b
    opinions = _part(content, b.id)["opinions"]
    assert opinions["complaint_kinds"] == {"技师手法": 1, "服务态度": 1}


def _series(values: dict[str, str]) -> dict[date, Decimal]:
    return {date.fromisoformat(f"{k}-01"): D(v) for k, v in values.items()}


def test_forecast_seasonal_moving_average_on_a_known_series():
    series = _series({
        "2025-07": "100", "2025-08": "100", "2025-09": "100", "2025-10": "120",
        "2026-07": "200", "2026-08": "220", "2026-09": "240"})
    # base 220 (mean of Jul-Sep) × index 1.2 (Oct 120 ÷ mean 100 of Jul-Sep last year)
    assert forecast(series, date(2026, 10, 1)) == (D("264.00"), "seasonal")
    # No year of history for November: the mean of Aug-Oct, of the months known (Oct
    # is not: a month without figures is left out, not counted as 0).
    assert forecast(series, date(2026, 11, 1)) == (D("230.00"), "mean")
    assert forecast(series, date(2026, 12, 1)) == (D("240.00"), "mean")
    assert forecast({}, date(2026, 11, 1)) == (None, "none")


def test_forecast_error_table_and_mape():
    flat = {add_months(date(2025, 1, 1), i): D("100") for i in range(22)}  # 2025-01..2026-10
    flat[date(2026, 10, 1)] = D("125")
    rows, mape = error_table(flat, date(2026, 10, 1))
    assert [r["month"] for r in rows] == ["2026-05", "2026-06", "2026-07", "2026-08",
                                          "2026-09", "2026-10"]
    assert [r["error_pct"] for r in rows] == ["0.0"] * 5 + ["20.0"]  # |100 − 125| / 125
    assert all(r["method"] == "seasonal" for r in rows)
    assert mape == D("3.3")  # 20 / 6
    section = forecast_section(flat, date(2026, 10, 1))
    # November: base (100 + 100 + 125) / 3 × index (Nov 100 ÷ Aug-Oct 100) = 108.33
    assert (section["month"], section["revenue"], section["mape"]) == (
        "2026-11", "108.33", "3.3")


def _ready_report(company, in_tenant):
    with in_tenant(company):
        _history(company)
        db.session.add(OperatingReport(month=MONTH, status="ready",
                                       content=service.build_report(MONTH, as_of=AS_OF),
                                       built_at=datetime(2026, 11, 1, 4, 5, tzinfo=UTC)))
        db.session.commit()


def test_store_manager_reads_only_their_store(app, client, auth, company_a, in_tenant,
                                              api_token):
    _ready_report(company_a, in_tenant)
    own, other = company_a.stores[0], company_a.stores[1]
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/gm/reports/store?store_id={own.id}")
    assert page.status_code == 200
    assert f'data-store-id="{own.id}"' in page.text and own.name in page.text
    assert other.name not in page.text and 'data-testid="report-chain"' not in page.text
    assert client.get(f"/gm/reports/store?store_id={other.id}").status_code == 404
    assert client.get("/gm/reports/store").status_code == 200  # their store by default
    assert client.get("/gm/reports/2026-10").status_code == 302
    assert client.post("/gm/reports/2026-10/rebuild").status_code == 403
    book = load_workbook(io.BytesIO(client.get("/gm/reports/2026-10/export.xlsx").data))
    assert len(book.sheetnames) == 1 and book.sheetnames[0].startswith(own.code)
    headers = api_token(company_a, "store_manager")
    body = client.get("/api/v1/reports/2026-10", headers=headers).get_json()
    assert body["chain"] is None and [p["store_id"] for p in body["stores"]] == [own.id]
    assert client.get(f"/api/v1/reports/2026-10?store_id={other.id}",
                      headers=headers).status_code == 404
    assert client.post("/api/v1/reports", json={"month": "2026-10"},
                       headers=headers).status_code == 403


def test_the_page_and_excel_show_the_chain_and_every_store(app, client, auth, company_a,
                                                            in_tenant):
    _ready_report(company_a, in_tenant)
    auth.login_as(company_a, "general_manager")
    listing = client.get("/gm/reports")
    assert 'data-month="2026-10"' in listing.text and 'data-status="ready"' in listing.text
    assert "2026-11-01 12:05" in listing.text  # built at 04:05 UTC, shown in company time
    page = client.get("/gm/reports/2026-10")
    assert page.status_code == 200
    assert 'data-testid="report-chain"' in page.text and "data-finance-chart" in page.text
    assert page.text.count('data-testid="report-store"') == 2
    assert "营业额低于目标 20%" in page.text and "重新生成" in page.text
    assert client.get("/gm/reports/2025-01").status_code == 404
    response = client.get("/gm/reports/2026-10/export.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    a, b = company_a.stores
    assert book.sheetnames == ["全连锁", f"{a.code} {a.name}"[:31], f"{b.code} {b.name}"[:31]]
    chain = book["全连锁"]
    values = [[c.value for c in row] for row in chain.iter_rows()]
    total = next(r for r in values if r[1] == "全连锁合计")
    assert D(str(total[2])) == D("18000.50")
    store_sheet = book[book.sheetnames[1]]
    assert D(str(store_sheet["C3"].value)) == D("8000.00")


def test_building_from_the_page_inline_replaces_the_one_row(app, client, auth, company_a,
                                                            in_tenant, api_token):
    with in_tenant(company_a):
        _history(company_a)
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    assert client.post("/gm/reports", data={"month": "2026-10"}).status_code == 302
    with in_tenant(company_a):
        report = service.report_for(MONTH)
        assert report.status == "ready" and report.content["month"] == "2026-10"
        first_built = report.built_at
    assert client.post("/gm/reports/2026-10/rebuild").status_code == 302
    headers = api_token(company_a, "general_manager")
    assert client.post("/api/v1/reports/2026-10", headers=headers).status_code == 202
    with in_tenant(company_a):
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(OperatingReport)) == 1
        report = service.report_for(MONTH)
        assert report.status == "ready" and report.built_at >= first_built
    listed = client.get("/api/v1/reports", headers=headers).get_json()
    assert [(r["month"], r["status"]) for r in listed] == [("2026-10", "ready")]
    bad = client.post("/api/v1/reports", json={"month": "2026-13"}, headers=headers)
    assert bad.status_code == 422 and "month" in str(bad.get_json())


def test_attendance_anomalies_come_from_hrs_month_records(app, company_a, in_tenant):
    from app.blueprints.hr.models.time import ClockRecord, ScheduleEntry

    with in_tenant(company_a):
        store = company_a.stores[0]
        person = company_a.employees["therapist"]
        published = datetime(2026, 9, 28, tzinfo=UTC)
        for day in (5, 6, 7):  # 10:00-18:00 Shanghai time
            db.session.add(ScheduleEntry(
                employee_id=person.id, store_id=store.id, work_date=date(2026, 10, day),
                starts_at=datetime(2026, 10, day, 2, 0, tzinfo=UTC),
                ends_at=datetime(2026, 10, day, 10, 0, tzinfo=UTC), published_at=published))
        punches = [("in", datetime(2026, 10, 5, 2, 20, tzinfo=UTC)),   # 20 minutes late
                   ("out", datetime(2026, 10, 5, 10, 0, tzinfo=UTC)),
                   ("in", datetime(2026, 10, 6, 1, 58, tzinfo=UTC))]   # no clock-out
        for kind, at in punches:                                         # the 7th: nothing
            db.session.add(ClockRecord(employee_id=person.id, store_id=store.id, kind=kind,
                                       at=at))
        db.session.flush()
        content = service.build_report(MONTH, as_of=AS_OF)
    (text,) = [p for p in _part(content, store.id)["problems"] if "考勤异常" in p]
    assert text.startswith(f"{store.code} {store.name} 考勤异常：迟到 1 次、旷工 ")
    assert text.endswith("缺卡 1 次（涉及 1 人）")
    assert not any("考勤异常" in p for p in _part(content, company_a.stores[1].id)["problems"])


def test_complaint_kinds_are_the_service_departments_classification(app, company_a,
                                                                       in_tenant):
    """A case the service department classified counts under its kind, whatever its
    words suggest; a case not classified yet under the kind its words suggest."""
    with in_tenant(company_a):
        store = company_a.stores[0].id
        classified = data.complaint(store, "毛巾有异味")  # words: 卫生环境
        classified.kind = "attitude"
        data.complaint(store, "力度太大，按得疼")  # not classified: 技师手法 by its words
        db.session.flush()
        content = service.build_report(MONTH, as_of=AS_OF)
    assert _part(content, store)["opinions"]["complaint_kinds"] == {"服务态度": 1,
                                                                   "技师手法": 1}
