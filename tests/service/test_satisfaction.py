"""满意度指数 on known numbers, its page with the 6-month trend, and the satisfaction
review's lifecycle: head office asks, the store answers, nobody answers their own."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.blueprints.service import satisfaction as service
from app.blueprints.service.dates import previous_month
from app.blueprints.service.models_guests import SatisfactionReview
from app.blueprints.store.days import today_for_store
from app.extensions import db
from tests.service.helpers import at, complaint, paid_order, rate

pytestmark = pytest.mark.both_backends


def test_the_formula_on_known_numbers():
    # 8 of 10 ratings are 4–5 stars (80), 1 complaint in 50 paid orders = 2 per 100 → 80 − 4.
    assert service.satisfaction_index(10, 8, 1, 50) == Decimal("76.0")
    assert service.satisfaction_index(3, 3, 0, 0) == Decimal("100.0")
    assert service.satisfaction_index(3, 1, 0, 7) == Decimal("33.3")
    assert service.satisfaction_index(4, 1, 5, 10) == Decimal("0.0")  # floored at 0
    assert service.satisfaction_index(0, 0, 2, 10) is None  # no ratings, no index


def _month_of_figures(company, month: date):
    """Store 0 in ``month``: 50 paid orders, 10 rated (8 good), 1 complaint; a
    cancelled order and last month's rows don't count."""
    store = company.stores[0].id
    orders = [paid_order(store, month + timedelta(days=n % 20)) for n in range(50)]
    for n, order in enumerate(orders[:10]):
        rate(order, 5 if n < 6 else 4 if n < 8 else 2)
    paid_order(store, month, status="cancelled")
    complaint(store, at(month + timedelta(days=3)))
    before = previous_month(month)
    rate(paid_order(store, before + timedelta(days=2)), 1)
    complaint(store, at(before + timedelta(days=2)))
    db.session.commit()


def test_figures_from_the_rows(company_a, in_tenant):
    with in_tenant(company_a):
        month = today_for_store().replace(day=1)
        _month_of_figures(company_a, month)
        store = company_a.stores[0].id
        data = service.figures([previous_month(month), month], [store, company_a.stores[1].id])
        now = data[(store, month)]
        assert (now.ratings, now.good, now.orders, now.complaints) == (10, 8, 50, 1)
        assert (now.good_share, now.complaints_per_100, now.index) == (
            Decimal("80.0"), Decimal("2.00"), Decimal("76.0"))
        last = data[(store, previous_month(month))]
        assert (last.ratings, last.good, last.orders, last.complaints, last.index) == (
            1, 0, 1, 1, Decimal("0.0"))
        assert data[(company_a.stores[1].id, month)].index is None


def test_the_page_shows_the_index_and_a_six_month_chart(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        month = today_for_store().replace(day=1)
        _month_of_figures(company_a, month)
    auth.login_as(company_a, "service_manager")
    page = client.get(f"/service/satisfaction?month={month:%Y-%m}").get_data(as_text=True)
    row = re.search(rf'data-store-id="{company_a.stores[0].id}">(.*?)</tr>', page, re.S).group(1)
    assert "<td class=\"text-end fw-semibold\" data-index>76.0</td>" in row
    assert "满意度指数 = 100 × 好评率" in page
    raw = re.search(r"data-service-chart='([^']*)'", page).group(1)
    chart = json.loads(raw.replace("&#34;", '"').replace("&quot;", '"'))
    assert len(chart["labels"]) == 6 and chart["labels"][-1] == f"{month:%Y-%m}"
    series = chart["datasets"][0]["data"]
    assert series[-2:] == ["0.0", "76.0"] and series[0] is None
    assert client.get("/service/satisfaction?month=2026-13").status_code == 400
    # The overview card shows this month's index too.
    home = client.get("/service/").get_data(as_text=True)
    assert "76.0" in home and 'data-testid="card-satisfaction"' in home


def test_review_lifecycle_with_separation_of_duties(client, auth, company_a, in_tenant):
    month = "2026-11"
    store = company_a.stores[0]
    auth.login_as(company_a, "service_manager")
    response = client.post("/service/satisfaction/reviews/new",
                           data={"store_id": store.id, "month": month,
                                 "focus": "差评集中在等候时间"})
    assert response.status_code == 302
    again = client.post("/service/satisfaction/reviews/new",
                        data={"store_id": store.id, "month": month, "focus": "再来一次"},
                        follow_redirects=True)
    assert "该门店这个月已有复盘要求" in again.get_data(as_text=True)
    page = client.get("/service/").get_data(as_text=True)
    assert re.search(r'data-reviews="pending">1<', page)
    # The service manager cannot answer (no satisfaction.answer).
    with in_tenant(company_a):
        review = db.session.query(SatisfactionReview).one()
    assert client.post(f"/service/satisfaction/reviews/{review.id}",
                       data={"analysis": "a", "measures": "b"}).status_code == 403
    auth.logout()

    auth.login_as(company_a, "store_manager")
    desk = client.get(f"/service/satisfaction/reviews?store_id={store.id}").get_data(
        as_text=True)
    assert "差评集中在等候时间" in desk and 'data-review-status="requested"' in desk
    assert 'data-testid="store-subnav"' in desk
    missing = client.post(f"/service/satisfaction/reviews/{review.id}",
                          data={"analysis": "", "measures": "加派前台"})
    assert missing.status_code == 422 and "请填写分析" in missing.get_data(as_text=True)
    done = client.post(f"/service/satisfaction/reviews/{review.id}",
                       data={"analysis": "周末晚上技师不够", "measures": "周末加排两位技师"})
    assert done.status_code == 302
    twice = client.post(f"/service/satisfaction/reviews/{review.id}",
                        data={"analysis": "x", "measures": "y"})
    assert twice.status_code == 422 and "该复盘已回复" in twice.get_data(as_text=True)
    auth.logout()

    auth.login_as(company_a, "service_manager")
    page = client.get("/service/satisfaction").get_data(as_text=True)
    assert 'data-review-status="answered"' in page and "周末加排两位技师" in page


def test_nobody_answers_their_own_request(company_a, in_tenant):
    with in_tenant(company_a):
        owner = company_a.accounts["owner"]  # holds both request and answer
        review = service.request_review(company_a.store.id, date(2026, 11, 1), "看看投诉",
                                        actor=owner)
        with pytest.raises(service.SatisfactionError) as refused:
            service.answer_review(review, "分析", "措施", actor=owner)
        assert refused.value.field == "analysis" and "自己" in refused.value.message
        manager = company_a.accounts["store_manager"]
        service.answer_review(review, "分析", "措施", actor=manager)
        assert (review.status, review.answered_by_account_id) == ("answered", manager.id)
        with pytest.raises(service.SatisfactionError) as bad:
            service.request_review(company_a.store.id, date(2026, 10, 1), "  ", actor=owner)
        assert bad.value.field == "focus"


def test_another_store_or_tenant_is_not_found(client, auth, company_a, company_b, in_tenant):
    with in_tenant(company_b):
        theirs = service.request_review(company_b.store.id, date(2026, 11, 1), "看看",
                                        actor=company_b.accounts["service_manager"])
        db.session.commit()
    with in_tenant(company_a):
        other_store = service.request_review(company_a.stores[1].id, date(2026, 11, 1), "看看",
                                             actor=company_a.accounts["service_manager"])
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    for review in (theirs, other_store):
        assert client.post(f"/service/satisfaction/reviews/{review.id}",
                           data={"analysis": "a", "measures": "b"}).status_code == 404
    assert client.get(f"/service/satisfaction/reviews?store_id={company_a.stores[1].id}"
                      ).status_code == 404
    assert client.get("/service/satisfaction").status_code == 403
    auth.logout()
    auth.login_as(company_a, "service_manager")
    assert client.post("/service/satisfaction/reviews/new",
                       data={"store_id": company_b.store.id, "month": "2026-11",
                             "focus": "x"}).status_code == 404
