"""客户档案 and 客史: unique phone, tail search, history totals, pages, API, permissions."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.blueprints.store import customers, orders
from app.blueprints.store.models import Customer, ServiceJob
from app.extensions import db
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists


@contextlib.contextmanager
def count_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _customer_count() -> int:
    return db.session.scalar(select(func.count(Customer.id)))


def visit(store_id: int, customer_id: int, item, therapist, *, paid: str | None = None,
          status: str | None = None):
    """An order of the guest with one finished job; ``paid`` sets the total paid."""
    order = orders.open_order(store_id, customer_id=customer_id)
    line = orders.add_service_line(order, item.id)
    now = utcnow()
    db.session.add(ServiceJob(store_id=store_id, business_day_id=order.business_day_id,
                              order_id=order.id, order_line_id=line.id,
                              therapist_id=therapist.id, job_type="rotation", status="finished",
                              started_at=now, planned_end_at=now + timedelta(minutes=60),
                              ended_at=now))
    if paid is not None:
        order.status, order.total = "paid", Decimal(paid)
    if status is not None:
        order.status = status
    db.session.flush()
    return order


# --------------------------------------------------------------------------- services


def test_duplicate_phone_is_a_field_error_and_nothing_is_saved(company_a):
    with tenant_context(company_a.tenant_id):
        first = customers.create_customer(name="张女士", phone="138 0000 1111")
        assert (first.phone, first.phone_tail) == ("13800001111", "1111")
        with pytest.raises(customers.CustomerError) as error:
            customers.create_customer(name="张三", phone="+86 138-0000-1111")
        assert error.value.field == "phone"
        assert _customer_count() == 1
        other = customers.create_customer(name="李先生", phone="13900002222")
        with pytest.raises(customers.CustomerError) as error:
            customers.update_customer(other, phone="13800001111")
        assert error.value.field == "phone"


def test_bad_input_names_each_field(company_a):
    with tenant_context(company_a.tenant_id):
        with pytest.raises(customers.CustomerError) as error:
            customers.create_customer(name="", phone="abc", gender="x",
                                      favourite_therapist_id=999999)
        assert set(error.value.fields) == {"name", "phone", "gender", "favourite_therapist_id"}
        assert _customer_count() == 0


def test_phone_tail_follows_the_phone(company_a):
    with tenant_context(company_a.tenant_id):
        customer = customers.create_customer(name="王女士", phone="13800001111")
        customers.update_customer(customer, phone="13912345678", taboos="孕期，不按三阴交")
        assert customer.phone_tail == "5678"
        assert customers.search_customers("5678") == [customer]
        assert customers.search_customers("1111") == []


def test_search_by_tail_whole_phone_short_tail_or_name(company_a, company_b):
    with tenant_context(company_b.tenant_id):
        customers.create_customer(name="别家客户", phone="13600001111")
        db.session.commit()
    with tenant_context(company_a.tenant_id):
        zhang = customers.create_customer(name="张女士", phone="13800001111")
        li = customers.create_customer(name="李先生", phone="13900001111")
        wang = customers.create_customer(name="王张伟", phone="13700002222")
        assert customers.search_customers("1111") == [li, zhang] or \
            set(customers.search_customers("1111")) == {zhang, li}
        assert customers.search_customers("13800001111") == [zhang]
        assert customers.search_customers("00001111") == [li, zhang] or \
            set(customers.search_customers("00001111")) == {zhang, li}
        assert customers.search_customers("222") == [wang]
        assert set(customers.search_customers("张")) == {zhang, wang}
        assert customers.search_customers("%") == []
        assert customers.search_customers("  ") == []


def test_history_and_totals_cover_every_store(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        one, two = company_a.stores
        therapist = make_therapists(one.id, 1)[0]
        guest = customers.create_customer(name="赵女士", phone="13800003333")
        visit(one.id, guest.id, items["foot"], therapist, paid="112.64")
        visit(two.id, guest.id, items["foot"], therapist, paid="128.00")
        visit(two.id, guest.id, items["oil"], therapist)  # still in service
        visit(one.id, guest.id, items["ear"], therapist, status="cancelled")
        summary = customers.customer_summary(guest.id)
        assert summary.visits == 3
        assert summary.total_spend == Decimal("240.64")
        assert summary.last_visit_at is not None
        assert summary.favourite_items[0] == ("足疗 60 分钟", 2)
        history = customers.visit_history(guest.id)
        assert len(history) == 3
        assert {v.store_name for v in history} == {one.name, two.name}
        assert all(v.therapists == [f"801 {therapist.name}"] for v in history)
        open_visit = next(v for v in history if v.status != "paid")
        assert open_visit.items == ["精油开背 90 分钟"] and open_visit.amount == Decimal("268.00")


# --------------------------------------------------------------------------- pages


def test_desk_searches_creates_and_reads_a_guest(client, auth, company_a):
    auth.login_as(company_a, "receptionist")
    response = client.post("/store/customers/new", data={
        "name": "陈女士", "phone": "13800004444", "gender": "female",
        "taboos": "对精油过敏", "preferences": "力度轻"})
    assert response.status_code == 302
    detail = client.get(response.location)
    page = detail.get_data(as_text=True)
    assert 'data-testid="customer-taboos"' in page and "对精油过敏" in page
    found = client.get("/store/customers?q=4444").get_data(as_text=True)
    assert "陈女士" in found
    again = client.post("/store/customers/new", data={"name": "陈某", "phone": "138-0000-4444"})
    assert again.status_code == 422
    assert 'data-field-error="phone"' in again.get_data(as_text=True)
    with tenant_context(company_a.tenant_id):
        assert _customer_count() == 1


def test_customer_pages_need_customer_permissions(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        guest = customers.create_customer(name="周先生", phone="13800005555")
        db.session.commit()
        guest_id = guest.id
    for role in ("cleaner", "therapist"):
        auth.login_as(company_a, role)
        assert client.get("/store/customers").status_code == 403
        assert client.get(f"/store/customers/{guest_id}").status_code == 403
        auth.logout()
    auth.login_as(company_a, "dispatcher")  # may look a guest up, not edit
    assert client.get(f"/store/customers/{guest_id}").status_code == 200
    assert client.get(f"/store/customers/{guest_id}/edit").status_code == 403


def test_another_companys_customer_is_not_found(client, auth, api_token, company_a, company_b):
    with tenant_context(company_a.tenant_id):
        guest = customers.create_customer(name="周先生", phone="13800005555")
        db.session.commit()
        guest_id = guest.id
    auth.login_as(company_b, "store_manager")
    assert client.get(f"/store/customers/{guest_id}").status_code == 404
    assert client.post(f"/store/customers/{guest_id}/edit",
                       data={"name": "x", "phone": "1"}).status_code == 404
    headers = api_token(company_b, "store_manager")
    assert client.get(f"/api/v1/customers/{guest_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/customers/{guest_id}/history",
                      headers=headers).status_code == 404
    assert client.get("/api/v1/customers?phone_tail=5555",
                      headers=headers).get_json()["items"] == []


def test_history_page_statements_do_not_grow_with_visits(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        therapists = make_therapists(company_a.stores[0].id, 3)
        guest = customers.create_customer(name="钱女士", phone="13800006666",
                                          favourite_therapist_id=therapists[0].id,
                                          membership_level_id=items["gold"].id)
        visit(company_a.stores[0].id, guest.id, items["foot"], therapists[0], paid="100.00")
        db.session.commit()
        guest_id = guest.id
        store_ids = [store.id for store in company_a.stores]
        item_ids = {name: items[name].id for name in ("oil", "ear")}
        therapist_ids = [t.id for t in therapists]
    # The store manager reads every guest of the store with history (issue 9 §4: a
    # receptionist now reads it only while the guest has an open order at her desk).
    auth.login_as(company_a, "store_manager")

    def statements() -> int:
        db.session.expunge_all()
        with count_statements() as seen:
            assert client.get(f"/store/customers/{guest_id}").status_code == 200
        return len(seen)

    few = statements()
    with tenant_context(company_a.tenant_id):
        from app.blueprints.store.models import ServiceItem
        from app.models import Employee

        for n in range(12):
            item = db.session.get(ServiceItem, item_ids["oil" if n % 3 else "ear"])
            visit(store_ids[n % 2], guest_id, item, db.session.get(Employee, therapist_ids[n % 3]),
                  paid="50.00" if n % 2 else None)
        db.session.commit()
    many = statements()
    assert many == few, f"{few} statements for one visit, {many} for thirteen"


# --------------------------------------------------------------------------- API


def test_api_create_search_patch_and_history(client, api_token, company_a):
    headers = api_token(company_a, "receptionist")
    created = client.post("/api/v1/customers", headers=headers, json={
        "name": "孙女士", "phone": "13800007777", "taboos": "腰伤"})
    assert created.status_code == 201, created.get_json()
    customer_id = created.get_json()["id"]
    assert created.get_json()["phone_tail"] == "7777"

    duplicate = client.post("/api/v1/customers", headers=headers,
                            json={"name": "孙某", "phone": "13800007777"})
    assert duplicate.status_code == 422
    assert "phone" in duplicate.get_json()["error"]["fields"]

    found = client.get("/api/v1/customers?phone_tail=7777", headers=headers).get_json()
    assert [c["id"] for c in found["items"]] == [customer_id]
    assert client.get("/api/v1/customers?q=孙", headers=headers).get_json()["total"] == 1

    patched = client.patch(f"/api/v1/customers/{customer_id}", headers=headers,
                           json={"phone": "13911112222"})
    assert patched.status_code == 200 and patched.get_json()["phone_tail"] == "2222"
    bad = client.patch(f"/api/v1/customers/{customer_id}", headers=headers,
                       json={"membership_level_id": 999999})
    assert bad.status_code == 422
    assert "membership_level_id" in bad.get_json()["error"]["fields"]

    # Issue 9 §4: the desk reads 客史 only while the guest has an open order there.
    assert client.get(f"/api/v1/customers/{customer_id}/history",
                      headers=headers).status_code == 403
    with tenant_context(company_a.tenant_id):
        orders.open_order(company_a.stores[0].id, customer_id=customer_id)
        db.session.commit()
    history = client.get(f"/api/v1/customers/{customer_id}/history", headers=headers)
    assert history.status_code == 200
    assert history.get_json()["visits"] == 1 and history.get_json()["total_spend"] == "0.00"

    cleaner = api_token(company_a, "cleaner")
    assert client.get("/api/v1/customers", headers=cleaner).status_code == 403
    dispatcher = api_token(company_a, "dispatcher")
    assert client.post("/api/v1/customers", headers=dispatcher,
                       json={"name": "x", "phone": "13800000000"}).status_code == 403
