"""今日营收 before the close, and the month's closings: the closing's own figures, per
store and for the chain, ¥ with separators, page and API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.finance.closings_month import closings_month
from app.blueprints.finance.takings import takings_for
from app.blueprints.store.closing_figures import compute_closing
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BusinessDay
from app.extensions import db
from tests.finance import pnl_data as data

M = Decimal


def _today(company):
    """Store A: cash, 团购, a card spend, a top-up, closed; store B: paid and open orders."""
    a, b = company.stores[0].id, company.stores[1].id
    today = today_for_store()
    ledger = data.Ledger()
    data.pay(ledger, a, today, "cash", "1200.00")
    data.pay(ledger, a, today, "voucher", "128.00", platform="douyin")
    member = data.card(a, "2000.00", "0.00")  # a top-up taken by A now
    data.pay(ledger, a, today, "stored_value", "300.00", card_id=member.id)
    data.pay(ledger, b, today, "wechat", "99.50")
    data.pay(ledger, b, today, "cash", "0", status="to_pay").total = M("88.00")
    data.business_day(a, today, locked=True)
    db.session.flush()
    return a, b, today


def test_takings_before_the_close_are_the_closings_figures(app, company_a, in_tenant):
    with in_tenant(company_a):
        a, b, today = _today(company_a)
        result = takings_for(today, None)
        rows = {row.store.id: row for row in result.stores}
        assert rows[a].by_method == {"cash": M("1200.00"), "voucher": M("128.00"),
                                     "stored_value": M("300.00")}
        assert rows[a].topups == M("2000.00")
        assert rows[a].money_received == M("3328.00")  # card spend is not money in today
        assert rows[a].closed and not rows[b].closed
        assert (rows[b].orders_paid, rows[b].orders_open, rows[b].open_amount) == (
            1, 1, M("88.00"))
        # The same words as the 日结 computes for each day.
        for store_id in (a, b):
            day = db.session.scalar(select(BusinessDay).where(
                BusinessDay.store_id == store_id, BusinessDay.business_date == today))
            summary = compute_closing(day)
            assert rows[store_id].money_received == M(summary["money_received_total"])
            assert rows[store_id].revenue == M(summary["revenue"])
            assert rows[store_id].orders_open == summary["orders_open"]
        assert result.chain.money_received == M("3427.50")
        assert result.closed_count == 1


def test_takings_page_and_api(client, auth, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        a, b, _today_date = _today(company_a)
        db.session.commit()
    auth.login_as(company_a, "finance_staff")
    html = client.get("/finance/takings").get_data(as_text=True)
    row = html[html.index(f'data-store-id="{a}"'):]
    assert "data-money-received>¥3,328.00<" in row and 'data-closed="1"' in row
    assert "¥3,427.50" in html and "团购" in html
    landing = client.get("/finance/").get_data(as_text=True)
    assert 'data-total="money_received">¥3,427.50<' in landing
    auth.logout()
    auth.login_as(company_a, "general_manager")
    assert client.get("/finance/takings").status_code == 200
    body = client.get("/api/v1/finance/takings",
                      headers=api_token(company_a, "finance_staff")).get_json()
    rows = {row["store_id"]: row for row in body["stores"]}
    assert rows[a]["money_received"] == "3328.00" and rows[a]["closed"] is True
    assert rows[b]["orders_open"] == 1 and body["chain"]["by_method"]["voucher"] == "128.00"
    auth.logout()
    auth.login_as(company_a, "cashier")
    assert client.get("/finance/takings").status_code == 403


def _month(company):
    """October: A has three days (two closed), B one open day."""
    a, b = company.stores[0].id, company.stores[1].id
    ledger = data.Ledger()
    for d, amount in ((1, "1000.00"), (2, "2345.60"), (3, "10.00")):
        data.pay(ledger, a, date(2026, 10, d), "cash", amount)
    data.pay(ledger, a, date(2026, 10, 2), "voucher", "128.00", platform="meituan")
    data.pay(ledger, b, date(2026, 10, 9), "alipay", "700.00")
    data.pay(ledger, b, date(2026, 11, 1), "alipay", "9999.00")
    data.business_day(a, date(2026, 10, 1), locked=True)
    data.business_day(a, date(2026, 10, 2), locked=True)
    db.session.flush()
    return a, b


def test_closings_month_totals_per_store_and_chain(app, company_a, in_tenant):
    with in_tenant(company_a):
        a, b = _month(company_a)
        result = closings_month(date(2026, 10, 1), None)
        rows = {row.store.id: row for row in result.rows}
        days = db.session.scalars(select(BusinessDay).where(
            BusinessDay.business_date >= date(2026, 10, 1),
            BusinessDay.business_date < date(2026, 11, 1))).all()
        for store_id in (a, b):
            mine = [d for d in days if d.store_id == store_id]
            summaries = [compute_closing(d) for d in mine]
            assert rows[store_id].revenue == sum(M(s["revenue"]) for s in summaries)
            assert rows[store_id].money_received == sum(
                M(s["money_received_total"]) for s in summaries)
            assert rows[store_id].days == len(mine)
        assert (rows[a].days, rows[a].days_closed, rows[a].days_open) == (3, 2, 1)
        assert rows[a].by_method["voucher"] == M("128.00")
        assert result.total.revenue == M("4183.60")
        one = closings_month(date(2026, 10, 1), None, store=company_a.stores[0])
        assert [r.day.business_date.day for r in one.rows] == [1, 2, 3]
        assert one.total.revenue == rows[a].revenue


def test_closings_month_page_drill_down_and_api(client, auth, api_token, company_a,
                                                in_tenant):
    with in_tenant(company_a):
        a, b = _month(company_a)
        db.session.commit()
        day_id = db.session.scalar(select(BusinessDay.id).where(
            BusinessDay.store_id == a, BusinessDay.business_date == date(2026, 10, 2)))
    auth.login_as(company_a, "finance_manager")
    html = client.get("/finance/closings?month=2026-10").get_data(as_text=True)
    assert 'data-total="revenue">¥4,183.60<' in html and "data-finance-chart" in html
    assert f'href="/finance/closings?month=2026-10&amp;store_id={a}"' in html
    store_page = client.get(f"/finance/closings?month=2026-10&store_id={a}")
    text = store_page.get_data(as_text=True)
    assert f'data-business-day-id="{day_id}"' in text and "¥2,473.60" in text
    assert client.get(f"/finance/closings/{day_id}/export.xlsx").status_code == 200
    assert client.get("/finance/closings/days?date_from=2026-10-01&date_to=2026-10-03"
                      ).status_code == 200
    old_link = client.get("/finance/closings?date_from=2026-10-01&date_to=2026-10-03")
    assert old_link.status_code == 302 and "/finance/closings/days" in old_link.location
    body = client.get("/api/v1/finance/closings?month=2026-10",
                      headers=api_token(company_a, "finance_manager")).get_json()
    rows = {row["store_id"]: row for row in body["rows"]}
    assert rows[a]["days_closed"] == 2 and rows[b]["revenue"] == "700.00"
    assert body["total"]["revenue"] == "4183.60"
    auth.logout()
    auth.login_as(company_a, "store_manager")
    assert client.get("/finance/closings").status_code == 403
