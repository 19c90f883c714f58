"""员工物品: issue, return, charge (the offboarding's verbs), what is out per person and
store, onboarding's kind and store, pages, the API, store scoping, statement counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr import offboarding
from app.blueprints.hr.models import IssuedItem
from app.blueprints.hr.onboarding import issued_item_kind
from app.blueprints.logistics import issued_items as rules
from app.extensions import db
from tests.hr.helpers import add_employee
from tests.hr.test_query_budget import count_statements

DAY = date(2026, 11, 20)


def test_kind_is_read_from_the_name():
    assert [issued_item_kind(n) for n in ("工服", "更衣柜钥匙", "柜钥匙", "工牌", "工作手机",
                                          "雨伞")] == ["uniform", "key", "key", "badge",
                                                      "phone", "other"]


def test_issue_return_charge_and_what_is_out(company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.stores[0]
        person = company_a.employees["therapist"]
        head = company_a.accounts["logistics_head"]
        uniform = rules.issue_item(person, name="工服", issued_on=DAY, actor=head)
        key = rules.issue_item(person, name="更衣柜钥匙", issued_on=DAY, actor=head)
        badge = rules.issue_item(person, name="胸牌", kind="badge", issued_on=DAY, actor=head)
        assert (uniform.kind, key.kind, badge.kind) == ("uniform", "key", "badge")
        assert uniform.store_id == store.id and uniform.status == "issued"
        counts = dict(rules.out_by_store(None))
        assert counts[store].by_kind == {"uniform": 1, "key": 1, "badge": 1}
        rules.return_item(key, head, today=DAY)
        rules.charge_item(badge, "30", head)
        assert key.status == "returned" and key.returned_on == DAY
        assert badge.status == "charged" and badge.charge == Decimal("30.00")
        # The offboarding reads the same records: the charge goes into the settlement.
        assert offboarding.charges_total(person.id) == Decimal("30.00")
        people = rules.out_by_person(None)
        assert [(p.id, c.by_kind) for p, c in people] == [(person.id, {"uniform": 1})]
        assert [i.name for i in rules.history_of(person.id)] == ["工服", "更衣柜钥匙", "胸牌"]
        with pytest.raises(Exception) as again:
            rules.return_item(badge, head)
        assert "issued_item" in again.value.fields


def test_bad_input_names_the_field(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        with pytest.raises(rules.IssuedItemError) as bad:
            rules.issue_item(person, name="", issued_on=None, kind="hat")
        assert {"name", "issued_on", "kind"} <= set(bad.value.fields)
        gone = add_employee("L001", status="left", store=company_a.store)
        with pytest.raises(rules.IssuedItemError) as left:
            rules.issue_item(gone, name="工服", issued_on=DAY)
        assert "employee_id" in left.value.fields
        item = rules.issue_item(person, name="工服", issued_on=DAY)
        with pytest.raises(Exception) as charge:
            rules.charge_item(item, "0")
        assert "charge" in charge.value.fields
        assert item.status == "issued"


def test_store_scope_sees_only_its_store(company_a, in_tenant):
    with in_tenant(company_a):
        mine = company_a.employees["therapist"]
        other = add_employee("X002", store=company_a.stores[1])
        rules.issue_item(mine, name="工服", issued_on=DAY)
        rules.issue_item(other, name="工牌", issued_on=DAY)
        rules.issue_item(company_a.employees["logistics_head"], name="手机", issued_on=DAY)
        scope = {company_a.stores[0].id}
        assert [i.name for i, _p in rules.list_items(scope, rules.ItemFilters())] == ["工服"]
        assert [s.id for s, _c in rules.out_by_store(scope)] == [company_a.stores[0].id]
        everything = rules.list_items(None, rules.ItemFilters(kind="badge"))
        assert [i.name for i, _p in everything] == ["工牌"]
        found = rules.list_items(None, rules.ItemFilters(person="X002"))
        assert [p.id for _i, p in found] == [other.id]


def test_list_statements_stay_flat(company_a, in_tenant):
    def statements() -> int:
        with in_tenant(company_a), count_statements() as seen:
            rules.list_items(None, rules.ItemFilters())
            rules.out_by_store(None)
            rules.out_by_person(None)
            rules.left_with_items(None)
        return len(seen)

    with in_tenant(company_a):
        rules.issue_item(company_a.employees["therapist"], name="工服", issued_on=DAY)
        db.session.commit()
    few = statements()
    with in_tenant(company_a):
        for n in range(8):
            person = add_employee(f"Q{n:03d}", store=company_a.stores[n % 2])
            rules.issue_item(person, name="工服", issued_on=DAY)
            rules.issue_item(person, name="钥匙", issued_on=DAY)
        db.session.commit()
    assert statements() == few


def test_pages(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        item = rules.issue_item(person, name="工服", issued_on=DAY)
        other = add_employee("X003", store=company_a.stores[1])
        theirs = rules.issue_item(other, name="工牌", issued_on=DAY)
        db.session.commit()
        item_id, theirs_id, person_id = item.id, theirs.id, person.id
        store_id = company_a.stores[0].id
    auth.login_as(company_a, "logistics_head")
    page = client.get("/logistics/issued-items").get_data(as_text=True)
    assert f'data-item-id="{item_id}"' in page and f'data-item-id="{theirs_id}"' in page
    uniforms = client.get("/logistics/issued-items?kind=uniform").get_data(as_text=True)
    assert f'data-item-id="{theirs_id}"' not in uniforms
    store_page = client.get(f"/logistics/issued-items?store_id={store_id}")
    assert f'data-employee-id="{person_id}"' in store_page.get_data(as_text=True)
    assert client.get(f"/logistics/issued-items/people/{person_id}").status_code == 200
    bad = client.post("/logistics/issued-items/new", data={
        "employee_id": person_id, "name": "", "issued_on": "2026-11-20"})
    assert bad.status_code == 422
    done = client.post("/logistics/issued-items/new", data={
        "employee_id": person_id, "name": "柜钥匙", "kind": "", "issued_on": "2026-11-20"})
    assert done.status_code == 302
    assert client.post(f"/logistics/issued-items/{item_id}/return").status_code == 302
    refused = client.post(f"/logistics/issued-items/{theirs_id}/charge", data={"charge": "abc"})
    assert refused.status_code == 422
    assert client.post(f"/logistics/issued-items/{theirs_id}/charge",
                       data={"charge": "25"}).status_code == 302
    with in_tenant(company_a):
        statuses = {i.name: (i.status, i.kind) for i in db.session.scalars(select(IssuedItem))}
    assert statuses == {"工服": ("returned", "uniform"), "工牌": ("charged", "badge"),
                        "柜钥匙": ("issued", "key")}
    auth.logout()
    auth.login_as(company_a, "store_manager")
    page = client.get("/logistics/issued-items?status=").get_data(as_text=True)
    assert f'data-item-id="{item_id}"' in page
    assert f'data-item-id="{theirs_id}"' not in page  # the other store's item is not shown
    assert client.post(f"/logistics/issued-items/{item_id}/return").status_code == 403


def test_api_round_trip(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        person_id = company_a.employees["therapist"].id
        other = add_employee("X004", store=company_a.stores[1])
        db.session.commit()
        other_id = other.id
    head = api_token(company_a, "logistics_head")
    bad = client.post("/api/v1/issued-items", headers=head,
                      json={"employee_id": person_id, "name": "工服", "kind": "hat",
                            "issued_on": "2026-11-20"})
    assert bad.status_code == 422 and "kind" in str(bad.get_json())
    made = client.post("/api/v1/issued-items", headers=head,
                       json={"employee_id": person_id, "name": "工服", "issued_on": "2026-11-20"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["kind"] == "uniform" and body["status"] == "issued"
    theirs = client.post("/api/v1/issued-items", headers=head, json={
        "employee_id": other_id, "name": "工牌", "issued_on": "2026-11-20"}).get_json()
    charged = client.post(f"/api/v1/issued-items/{body['id']}/charge", headers=head,
                          json={"charge": "50.00"})
    assert charged.status_code == 200 and charged.get_json()["status"] == "charged"
    again = client.post(f"/api/v1/issued-items/{body['id']}/return", headers=head)
    assert again.status_code == 422 and "issued_item" in str(again.get_json())
    listed = client.get("/api/v1/issued-items?status=charged", headers=head).get_json()
    assert [row["id"] for row in listed] == [body["id"]]
    out = client.get("/api/v1/issued-items/out-by-store", headers=head).get_json()
    assert [(row["by_kind"], row["total"]) for row in out] == [({}, 0), ({"badge": 1}, 1)]
    manager = api_token(company_a, "store_manager")
    seen = client.get("/api/v1/issued-items", headers=manager).get_json()
    assert [row["id"] for row in seen] == [body["id"]]
    assert client.post(f"/api/v1/issued-items/{theirs['id']}/return",
                       headers=manager).status_code in (403, 404)


def test_onboarding_sets_store_and_kind(company_a, in_tenant):
    from app.blueprints.hr import onboarding
    from tests.hr.lifecycle.helpers import candidate, item

    with in_tenant(company_a):
        person = candidate(company_a)
        result = onboarding.start_onboarding(person)
        issue = item(result.onboarding, "发放工服、储物柜钥匙、工牌")
        onboarding.tick_item(issue, company_a.accounts["logistics_head"])
        issued = db.session.scalars(select(IssuedItem).where(
            IssuedItem.employee_id == person.id).order_by(IssuedItem.id)).all()
        assert [(i.kind, i.store_id) for i in issued] == [
            (kind, company_a.store.id) for kind in ("uniform", "key", "badge")]
        # Logistics' list shows what onboarding handed out.
        counts = dict(rules.out_by_store(None))[company_a.store].by_kind
        assert counts == {"uniform": 1, "key": 1, "badge": 1}
