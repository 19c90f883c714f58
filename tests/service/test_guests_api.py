"""The service department's guest API: same permissions as the pages, 422 naming the
field, another tenant's ids are 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.blueprints.service.dates import monday_of
from app.blueprints.store.days import today_for_store
from app.extensions import db
from tests.service.helpers import at, complaint, guest, paid_order

pytestmark = pytest.mark.both_backends


def test_complaint_follow_up_api(client, api_token, company_a, company_b, in_tenant):
    with in_tenant(company_a):
        today = today_for_store()
        late = complaint(company_a.store.id, at(today - timedelta(days=6)),
                         due_on=today - timedelta(days=3))
        fresh = complaint(company_a.store.id, at(today), due_on=today + timedelta(days=3))
        db.session.commit()
    with in_tenant(company_b):
        theirs = complaint(company_b.store.id, at(today))
        db.session.commit()
    headers = api_token(company_a, "service_manager")
    listed = client.get("/api/v1/service/complaints", headers=headers).get_json()
    assert [i["id"] for i in listed["items"]] == [late.id, fresh.id]
    assert (listed["items"][0]["overdue"], listed["items"][0]["age_days"]) == (True, 6)
    bad = client.post(f"/api/v1/service/complaints/{fresh.id}/assign", headers=headers,
                      json={"kind": "noise"})
    assert bad.status_code == 422 and "kind" in str(bad.get_json())
    early = client.post(f"/api/v1/service/complaints/{fresh.id}/assign", headers=headers,
                        json={"due_on": (today - timedelta(days=9)).isoformat()})
    assert early.status_code == 422 and "due_on" in str(early.get_json())
    done = client.post(f"/api/v1/service/complaints/{late.id}/assign", headers=headers,
                       json={"kind": "hygiene", "due_on": (today + timedelta(days=1)).isoformat(),
                             "owner_account_id": company_a.accounts["service_manager"].id})
    assert done.status_code == 200
    assert (done.get_json()["kind_label"], done.get_json()["overdue"]) == ("卫生", False)
    assert client.post(f"/api/v1/service/complaints/{theirs.id}/assign", headers=headers,
                       json={"kind": "hygiene"}).status_code == 404
    cashier = api_token(company_a, "cashier")
    assert client.get("/api/v1/service/complaints", headers=cashier).status_code == 403


def test_satisfaction_api(client, api_token, company_a):
    manager = api_token(company_a, "service_manager")
    figures = client.get("/api/v1/service/satisfaction?month=2026-11", headers=manager)
    assert figures.status_code == 200 and len(figures.get_json()["months"]) == 6
    assert client.get("/api/v1/service/satisfaction?month=2026-13",
                      headers=manager).status_code == 422
    bad = client.post("/api/v1/service/satisfaction/reviews", headers=manager,
                      json={"store_id": company_a.store.id, "month": "2026-11", "focus": ""})
    assert bad.status_code == 422 and "focus" in str(bad.get_json())
    made = client.post("/api/v1/service/satisfaction/reviews", headers=manager,
                       json={"store_id": company_a.store.id, "month": "2026-11",
                             "focus": "差评"})
    assert made.status_code == 201
    review = made.get_json()["id"]
    store = api_token(company_a, "store_manager")
    mine = client.get("/api/v1/service/satisfaction/store-reviews", headers=store).get_json()
    assert [r["id"] for r in mine] == [review]
    missing = client.post(f"/api/v1/service/satisfaction/reviews/{review}/answer",
                          headers=store, json={"analysis": "人手不够"})
    assert missing.status_code == 422 and "measures" in str(missing.get_json())
    answered = client.post(f"/api/v1/service/satisfaction/reviews/{review}/answer",
                           headers=store, json={"analysis": "人手不够", "measures": "加人"})
    assert answered.status_code == 200 and answered.get_json()["status"] == "answered"
    assert client.post(f"/api/v1/service/satisfaction/reviews/{review}/answer",
                       headers=manager, json={"analysis": "a", "measures": "b"}
                       ).status_code == 403


def test_care_api(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        today = today_for_store()
        unhappy = guest("投诉客", "13900000011")
        paid_order(company_a.store.id, today - timedelta(days=2), unhappy)
        complaint(company_a.store.id, at(today - timedelta(days=2)), customer=unhappy)
        db.session.commit()
    headers = api_token(company_a, "store_manager")
    store = company_a.store.id
    found = client.get(f"/api/v1/service/care/suggestions?store_id={store}",
                       headers=headers).get_json()
    assert found[0]["customer"]["phone"] == "13900000011" and found[0]["must"] is True
    week = monday_of(today).isoformat()
    added = client.post("/api/v1/service/care/plan", headers=headers,
                        json={"store_id": store, "week": week, "customer_id": unhappy.id})
    assert added.status_code == 201 and added.get_json()["reason"] == "complaint"
    entry = added.get_json()["id"]
    bad = client.post(f"/api/v1/service/care/plan/{entry}/contacts", headers=headers,
                      json={"channel": "fax", "outcome": "satisfied"})
    assert bad.status_code == 422 and "channel" in str(bad.get_json())
    done = client.post(f"/api/v1/service/care/plan/{entry}/contacts", headers=headers,
                       json={"channel": "wechat", "outcome": "unhappy", "note": "再跟进"})
    assert done.status_code == 201 and done.get_json()["reached"] is True
    other = company_a.stores[1].id
    assert client.get(f"/api/v1/service/care/plan?store_id={other}",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/service/care/plan?store_id={store}",
                      headers=api_token(company_a, "service_manager")).status_code == 403
