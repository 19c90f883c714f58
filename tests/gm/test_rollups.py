"""Daily rollups (营业日汇总): each column's rule on a hand-written day, the 日结's own
figures, refresh (exact, idempotent) and read (stored past, live today)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.gm.models import StoreDayRollup
from app.blueprints.gm.rollups import compute_days, read_days, refresh_days
from app.blueprints.store.closing_figures import compute_closing
from app.blueprints.store.days import today_for_store
from app.extensions import db
from tests.gm import rollups_data as data

M = Decimal

pytestmark = pytest.mark.both_backends


def _history(company):
    """Store A, two days ago: every kind of source row; store B: one order yesterday."""
    a, b = company.stores[0].id, company.stores[1].id
    today = today_for_store()
    day, next_day = today - timedelta(days=2), today - timedelta(days=1)
    t1 = data.therapist(company, a, 1)
    t2 = data.therapist(company, a, 2)
    first = data.order(a, day, party=2, payments={"cash": "200.00", "wechat": "88.50"})
    second = data.order(a, day, payments={"stored_value": "150.00", "voucher": "99.00"})
    data.order(a, day, status="cancelled", party=5)
    data.order(a, day, status="to_pay", party=3)
    # A refund of the first order paid out the next day: on the next day's money.
    data.pay(first, "cash", "-50.00", on_day=data.business_day(a, next_day))
    # A refund paid the same day on the second order.
    data.pay(second, "alipay", "-20.00")
    start = data.opening(day, 120)
    data.job(first, t1.id, start=start, minutes=60)                         # 轮钟 60
    data.job(first, t2.id, job_type="requested", start=start, minutes=45, seconds=30)  # 点钟 46
    data.job(first, t1.id, job_type="requested", addon=True, start=start + timedelta(hours=1),
             minutes=30, seconds=29)                                       # 加钟 30
    data.job(second, t2.id, status="returned", start=start, minutes=5)     # 退钟
    data.job(second, t1.id, status="in_service", start=start)              # running
    data.job(second, t2.id, status="cancelled", start=start)
    # Late feedback (next day) counts on the order's day.
    data.feedback(first, 5, data.opening(next_day, 60))
    data.feedback(second, 2, data.opening(day, 300))
    # A complaint just before the next business day starts: still this day.
    data.complaint(a, data.opening(next_day) - timedelta(seconds=1))
    data.complaint(a, data.opening(next_day))
    # Cards: A issues one (top-up 1000 + bonus 200), spent 150 in B; B sells a top-up
    # to A's card.
    member = data.card(a, data.opening(day, 30), 1)
    data.ledger(member, a, "topup", "1000.00", data.opening(day, 30), "cash")
    data.ledger(member, a, "bonus", "200.00", data.opening(day, 30))
    data.ledger(member, b, "spend", "-150.00", data.opening(day, 40))
    data.ledger(member, b, "topup", "500.00", data.opening(day, 50), "wechat")
    # Duty: t1 8h exactly, t2 in at A then a second in (no pair) then a pair of 4h 0m 31s.
    data.punch(t1.id, a, "in", data.opening(day, 60))
    data.punch(t1.id, a, "out", data.opening(day, 60 + 480))
    data.punch(t2.id, a, "in", data.opening(day, 60))
    data.punch(t2.id, a, "in", data.opening(day, 90))
    data.punch(t2.id, a, "out", data.opening(day, 90 + 240) + timedelta(seconds=31))
    data.punch(t2.id, a, "in", data.opening(day, 600), voided=True)
    data.order(b, next_day, payments={"bank_card": "66.00"})
    db.session.flush()
    return a, b, day, next_day


def test_each_column_follows_its_rule(app, company_a, in_tenant):
    with in_tenant(company_a):
        a, b, day, next_day = _history(company_a)
        rows = {(r["store_id"], r["business_date"]): r for r in compute_days(day, next_day)}
        row = rows[(a, day)]
        assert row["orders"] == 2 and row["guests"] == 3
        assert row["paid_cash"] == M("200.00") and row["paid_wechat"] == M("88.50")
        assert row["paid_stored_value"] == M("150.00") and row["paid_voucher"] == M("99.00")
        assert row["paid_alipay"] == M("-20.00")
        assert row["revenue"] == M("517.50")
        assert (row["refunds"], row["refund_count"]) == (M("20.00"), 1)
        assert (row["jobs"], row["jobs_requested"], row["jobs_addon"],
                row["jobs_returned"]) == (3, 1, 1, 1)
        assert row["job_minutes"] == 60 + 46 + 30
        assert row["duty_minutes"] == 480 + 241
        assert (row["ratings"], row["rating_total"], row["low_ratings"]) == (2, 7, 1)
        assert row["complaints"] == 1
        assert row["card_sales"] == M("1000.00") and row["cards_sold"] == 1
        assert row["card_balance_change"] == M("1550.00")
        # B: the top-up it took; A's card money is not B's.
        assert rows[(b, day)]["card_sales"] == M("500.00")
        assert rows[(b, day)]["card_balance_change"] == M("0.00")
        later = rows[(a, next_day)]
        assert (later["paid_cash"], later["refunds"], later["complaints"]) == (
            M("-50.00"), M("50.00"), 1)
        assert rows[(b, next_day)]["revenue"] == M("66.00")
        assert set(rows) == {(a, day), (b, day), (a, next_day), (b, next_day)}


def test_money_is_the_closings_money(app, company_a, in_tenant):
    with in_tenant(company_a):
        a, b, day, next_day = _history(company_a)
        rows = {(r["store_id"], r["business_date"]): r for r in compute_days(day, next_day)}
        for store_id in (a, b):
            for on in (day, next_day):
                summary = compute_closing(data.business_day(store_id, on))
                row = rows[(store_id, on)]
                assert row["revenue"] == M(summary["payments_net"])
                for method, figures in summary["methods"].items():
                    assert row[f"paid_{method}"] == M(figures["net"]), method
                assert row["refunds"] == M(summary["refund_total"])
                assert row["refund_count"] == summary["refund_count"]
                assert row["orders"] == summary["order_count"]
                assert row["card_sales"] == M(summary["topup_total"])


def test_refresh_stores_exactly_the_computed_rows_and_read_goes_live_today(
        app, company_a, in_tenant):
    with in_tenant(company_a):
        a, b, day, next_day = _history(company_a)
        today = next_day + timedelta(days=1)
        stale = StoreDayRollup(store_id=b, business_date=day - timedelta(days=1),
                               revenue=M("1.00"))
        db.session.add(stale)
        db.session.flush()
        assert refresh_days(day - timedelta(days=1), today) == 4
        stored = db.session.scalars(select(StoreDayRollup)).all()
        assert len(stored) == 4 and all(r.business_date != stale.business_date for r in stored)
        again = refresh_days(day - timedelta(days=1), today)
        assert again == 4 and len(db.session.scalars(select(StoreDayRollup)).all()) == 4
        data.order(a, today, payments={"cash": "10.00"})
        figures = read_days(day, today)
        by_key = {(f.store_id, f.business_date): f for f in figures}
        assert by_key[(a, today)].revenue == M("10.00")  # live, nothing stored for today
        assert by_key[(a, day)].revenue == M("517.50")
        assert read_days(day, today, {b}) == [f for f in figures if f.store_id == b]
