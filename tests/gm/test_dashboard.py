"""经营驾驶舱: each figure equals the sum of the rollup rows written here plus today's live
figures; budget, targets, payroll cost ratio and stored value by their rules; the page,
the drill-down to an order and the API; who may see it; statements flat in stores and
days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.gm import dashboard as service
from app.blueprints.gm import rollups
from app.blueprints.gm.dashboard import add_months, days_in_month, month_start
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from tests.finance import pnl_data
from tests.gm import dashboard_data as data
from tests.hr.test_query_budget import count_statements

M = Decimal


def _month_days(today: date) -> list[date]:
    """The days of today's month before today."""
    first = month_start(today)
    return [first + timedelta(days=n) for n in range((today - first).days)]


def _sum(rows, name):
    return sum((getattr(r, name) for r in rows), M(0) if name in service.MONEY_FIELDS else 0)


def _build(company):
    """Rollups of this month, last month, 11 and 12 months ago; a stored row of today
    (never read: today is live); today's source rows; cards, budget, target, payroll."""
    a, b = company.stores[0].id, company.stores[1].id
    today = today_for_store()
    month = month_start(today)
    last_month = add_months(month, -1)
    mtd = data.history([a, b], _month_days(today))
    before = data.history([a, b], [last_month, last_month + timedelta(days=9)], seed=40)
    oldest_kept = data.history([a], [add_months(month, -11)], seed=80)
    data.history([a], [add_months(month, -12) + timedelta(days=3)], seed=90)  # out of range
    data.rollup(a, today, revenue="99999.00", guests=999)  # stale: today comes live
    order, job = data.served_order(a, today, company.employees["therapist"], "88.00",
                                   requested=True, rating=4)
    data.card(a, "1250.00")
    data.card(b, "300.00")
    data.card(a, "777.00", kind="package", n=2)  # a 次卡 holds no stored value
    pnl_data.budget(a, month, "revenue", "31000.00")
    pnl_data.budget(a, month, "rent", "5000.00")  # not revenue
    data.target(a, month, "20000.00", 400, "5000.00")
    approved = pnl_data.run(last_month, "approved")
    pnl_data.payslip(approved, company.employees["therapist"], a, "5000.00")
    pnl_data.payslip(approved, company.employees["cashier"], b, "3000.00")
    pnl_data.payslip(approved, company.employees["finance_manager"], None, "8000.00")
    draft = pnl_data.run(month, "draft")
    pnl_data.payslip(draft, company.employees["therapist"], a, "7777.00")
    db.session.flush()
    return {"a": a, "b": b, "today": today, "month": month, "last_month": last_month,
            "mtd": mtd, "before": before, "oldest_kept": oldest_kept, "order": order,
            "job": job}


@pytest.mark.both_backends  # month grouping and money sums differ by dialect
def test_figures_are_the_rollups_plus_today_live(app, company_a, in_tenant):
    with in_tenant(company_a):
        built = _build(company_a)
        a, b, today = built["a"], built["b"], built["today"]
        live = {d.store_id: d for d in rollups.read_days(today, today)}
        assert live[a].revenue == M("88.00") and live[a].jobs_requested == 1
        board = service.dashboard(None, today)
        rows = {row.store.id: row for row in board.rows}

        for store_id in (a, b):
            own = [r for r in built["mtd"] if r.store_id == store_id]
            row = rows[store_id]
            for name in service.SUM_FIELDS:
                expected = _sum(own, name) + (getattr(live[store_id], name)
                                              if store_id in live else 0)
                assert getattr(row.month, name) == expected, name
                assert getattr(row.today, name) == (getattr(live[store_id], name)
                                                    if store_id in live else 0), name
        chain = board.chain
        assert chain.today.revenue == M("88.00")
        assert chain.month.revenue == _sum(built["mtd"], "revenue") + M("88.00")
        month = rows[a].month
        assert month.per_guest == (month.revenue / month.guests).quantize(M("0.01"))
        assert month.utilisation == (M(month.job_minutes) * 100 / month.duty_minutes
                                     ).quantize(M("0.1"))
        assert month.requested_rate == (M(month.jobs_requested) * 100 / month.jobs
                                        ).quantize(M("0.1"))
        assert month.voucher_share == (month.paid_voucher * 100 / month.revenue
                                       ).quantize(M("0.1"))
        # 储值沉淀: the live balance of the cards each store issued.
        assert rows[a].card_balance == M("1250.00") and rows[b].card_balance == M("300.00")
        assert chain.card_balance == M("1550.00")
        # Budget: 31,000 pro-rated by the days elapsed (today included).
        due = (M("31000.00") * today.day / days_in_month(built["month"])).quantize(M("0.01"))
        assert rows[a].budget_to_date == due
        assert rows[a].budget_variance == rows[a].month.revenue - due
        assert rows[b].budget is None and rows[b].budget_variance is None
        # Targets: month to date against the month's target.
        progress = {t.name: t for t in rows[a].targets}
        assert progress["guests"].actual == rows[a].month.guests
        assert progress["revenue"].percent == (rows[a].month.revenue * 100 / M("20000")
                                               ).quantize(M("0.1"))
        assert rows[b].targets == []
        # Payroll: last month's approved run (the draft of this month does not count).
        assert board.payroll_month == built["last_month"]
        revenue_a = _sum([r for r in built["before"] if r.store_id == a], "revenue")
        assert rows[a].labour == M("5000.00") and rows[a].payroll_revenue == revenue_a
        assert rows[a].payroll_ratio == (M("5000") * 100 / revenue_a).quantize(M("0.1"))
        assert chain.labour == M("16000.00")  # 总部's payslip too: the whole company
        # 12 months: the oldest kept, last month, this month to date; nothing older.
        trend = dict(board.trend)
        assert len(trend) == 12 and min(trend) == add_months(built["month"], -11)
        assert trend[add_months(built["month"], -11)].revenue == _sum(
            built["oldest_kept"], "revenue")
        assert trend[built["last_month"]].revenue == _sum(built["before"], "revenue")
        assert trend[built["month"]].revenue == chain.month.revenue
        assert [row.store.id for row in board.ranking][0] == max(
            rows, key=lambda k: rows[k].month.revenue)


def test_a_store_reader_sees_only_their_stores(app, company_a, in_tenant):
    with in_tenant(company_a):
        built = _build(company_a)
        board = service.dashboard({built["a"]}, built["today"])
        assert [row.store.id for row in board.rows] == [built["a"]]
        assert board.chain.card_balance == M("1250.00")
        assert board.chain.labour == M("5000.00")  # not 总部's


def test_the_page_shows_the_figures_in_trade_words(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        built = _build(company_a)
        db.session.commit()
        board = service.dashboard(None, built["today"])
    auth.login_as(company_a, "general_manager")
    html = client.get("/gm/").get_data(as_text=True)
    assert "经营驾驶舱" in html and 'data-testid="gm-nav"' in html
    revenue = board.chain.month.revenue
    assert f'data-chain="revenue">¥{revenue:,.2f}<' in html
    assert 'data-chain-today="revenue">今日 ¥88.00<' in html
    assert 'data-chain="card_balance">¥1,550.00<' in html
    assert f'data-chain="utilisation">{board.chain.month.utilisation:.1f}%<' in html
    assert "阿尔法 1号店" in html and "阿尔法 2号店" in html
    assert 'data-testid="ranking-chart" data-finance-chart=' in html
    assert 'data-testid="trend-chart" data-chart=' in html
    assert 'data-testid="chain-targets"' in html
    assert 'class="table-responsive"' in html  # the store table scrolls on a phone
    assert "chart.umd.min.js" in html
    assert "None" not in html and "stored_value" not in html


@pytest.mark.both_backends  # month grouping and money sums differ by dialect
def test_drill_down_reaches_the_order(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        built = _build(company_a)
        db.session.commit()
        a, order = built["a"], built["order"]
        therapist = company_a.employees["therapist"]
    auth.login_as(company_a, "general_manager")
    html = client.get("/gm/").get_data(as_text=True)
    assert f'href="/gm/dashboard/stores/{a}"' in html
    page = client.get(f"/gm/dashboard/stores/{a}").get_data(as_text=True)
    assert f'data-date="{built["today"].isoformat()}"' in page
    link = f"/gm/dashboard/stores/{a}/therapists/{therapist.id}"
    assert link in page and therapist.name in page
    row = page[page.index(f'data-employee-id="{therapist.id}"'):]
    assert 'data-figure="jobs">1<' in row and 'data-figure="requested">1<' in row
    assert 'data-figure="minutes">60<' in row and 'data-figure="rating">4' in row
    page = client.get(link).get_data(as_text=True)
    number = f"{built['today']:%Y%m%d}-{order.seq:03d}"
    assert number in page and "点钟" in page
    order_url = f"/store/{a}/orders/{order.id}"
    assert f'href="{order_url}"' in page
    assert client.get(order_url).status_code == 200
    # Another month: a month with nothing yet, and a malformed one.
    assert client.get(f"/gm/dashboard/stores/{a}?month=2020-01").status_code == 200
    assert client.get(f"/gm/dashboard/stores/{a}?month=junk").status_code == 404


def test_who_may_open_it(client, auth, company_a, company_b):
    own = company_a.stores[0].id
    other = company_b.stores[0].id
    therapist = company_b.employees["therapist"].id
    auth.login_as(company_a, "store_manager")
    for url in ("/gm/", f"/gm/dashboard/stores/{own}"):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login_as(company_a, "general_manager")
    assert client.get("/gm/").status_code == 200
    assert client.get(f"/gm/dashboard/stores/{other}").status_code == 404
    assert client.get(f"/gm/dashboard/stores/{own}/therapists/{therapist}").status_code == 404
    html = client.get("/gm/").get_data(as_text=True)
    assert "贝塔" not in html


def test_the_api_gives_the_same_figures(client, company_a, in_tenant, api_token, company_b):
    with in_tenant(company_a):
        built = _build(company_a)
        db.session.commit()
        board = service.dashboard(None, built["today"])
    headers = api_token(company_a, "general_manager")
    body = client.get("/api/v1/dashboard", headers=headers).get_json()
    assert body["chain"]["month_to_date"]["revenue"] == str(board.chain.month.revenue)
    assert body["chain"]["today"]["revenue"] == "88.00"
    stores = {row["store_id"]: row for row in body["stores"]}
    assert stores[built["a"]]["card_balance"] == "1250.00"
    assert stores[built["a"]]["payroll_ratio"] == str(
        next(r for r in board.rows if r.store.id == built["a"]).payroll_ratio)
    assert body["payroll_month"] == f"{built['last_month']:%Y-%m}"
    trend = client.get("/api/v1/dashboard/trend", headers=headers).get_json()["months"]
    assert len(trend) == 12 and trend[-1]["revenue"] == str(board.chain.month.revenue)
    one = client.get(f"/api/v1/dashboard/stores/{built['a']}", headers=headers).get_json()
    assert one["therapists"][0]["jobs"] == 1
    assert one["total"]["revenue"] == str(next(
        r for r in board.rows if r.store.id == built["a"]).month.revenue)
    bad = client.get(f"/api/v1/dashboard/stores/{built['a']}?month=13-2026", headers=headers)
    assert bad.status_code == 422 and "month" in str(bad.get_json())
    other = company_b.stores[0].id
    assert client.get(f"/api/v1/dashboard/stores/{other}", headers=headers).status_code == 404
    refused = client.get("/api/v1/dashboard", headers=api_token(company_a, "store_manager"))
    assert refused.status_code == 403


def _grow(company, in_tenant, stores: int, days: int) -> None:
    with in_tenant(company):
        start = len(db.session.scalars(select(Store.id)).all()) + 1
        added = []
        for n in range(start, start + stores):
            store = Store(code=f"G{n:03d}", name=f"{n}号店", city="深圳")
            db.session.add(store)
            db.session.flush()
            added.append(store.id)
        today = today_for_store()
        ids = db.session.scalars(select(Store.id)).all()
        # Days before the two months _build wrote.
        start = add_months(month_start(today), -2)
        data.history(ids, [start - timedelta(days=k) for k in range(1, days + 1)], seed=3)
        for store_id in added:
            data.target(store_id, month_start(today), "1000.00", 10, "100.00")
            pnl_data.budget(store_id, month_start(today), "revenue", "9000.00")
        db.session.commit()


@pytest.mark.both_backends  # month grouping and money sums differ by dialect
def test_statements_do_not_grow_with_stores_or_days(client, auth, company_a, in_tenant,
                                                    api_token):
    with in_tenant(company_a):
        _build(company_a)
        db.session.commit()
    headers = api_token(company_a, "general_manager")
    auth.login_as(company_a, "general_manager")
    store_id = company_a.stores[0].id
    urls = ("/gm/", f"/gm/dashboard/stores/{store_id}")
    for url in urls:
        assert client.get(url).status_code == 200  # warm up
    client.get("/api/v1/dashboard", headers=headers)
    few = {}
    for url in urls:
        with count_statements() as few[url]:
            assert client.get(url).status_code == 200
    with count_statements() as few["api"]:
        assert client.get("/api/v1/dashboard", headers=headers).status_code == 200
    _grow(company_a, in_tenant, stores=6, days=70)
    for url in urls:
        with count_statements() as many:
            response = client.get(url)
        assert response.status_code == 200
        assert len(many) == len(few[url]), url + "\n" + "\n".join(many)
    with count_statements() as many:
        body = client.get("/api/v1/dashboard", headers=headers).get_json()
    assert len(body["stores"]) == 8
    assert len(many) == len(few["api"])
    assert "8号店" in client.get("/gm/").get_data(as_text=True)


def test_the_store_list_moved_to_its_own_page(client, auth, company_a):
    auth.login_as(company_a, "general_manager")
    html = client.get("/gm/stores").get_data(as_text=True)
    assert 'data-total="stores">2<' in html and 'data-testid="store-table"' in html
    nav = client.get("/gm/").get_data(as_text=True)
    assert 'data-tab="gm.stores"' in nav and 'data-tab="gm.index"' in nav
