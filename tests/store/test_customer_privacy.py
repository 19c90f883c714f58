"""Issue 9 §4: the desk finds any guest of the chain but reads the phone masked; the full
phone and 客史 only for the guest it is serving (or with customer.view_contact)."""

from __future__ import annotations

import pytest

from app.blueprints.store import customers, orders
from app.blueprints.store.customer_privacy import mask_phone
from app.blueprints.store.models import Customer
from app.extensions import db
from app.tenancy import tenant_context

PHONE = "13812345678"
MASKED = "138****5678"


def test_a_phone_is_masked_to_its_first_three_and_last_four_digits():
    assert mask_phone(PHONE) == MASKED
    assert mask_phone("02087654321") == "020****4321"
    assert mask_phone("12345") == "*2345" and mask_phone("") == ""


def _phone(client, guest_id: int, headers) -> str:
    return client.get(f"/api/v1/customers/{guest_id}", headers=headers).get_json()["phone"]


def _guest(company, order_at: int | None = None) -> int:
    """A guest with a paid visit in the second store and, if asked, an open order."""
    with tenant_context(company.tenant_id):
        guest = customers.create_customer(name="隐私客人", phone=PHONE, taboos="腰伤")
        past = orders.open_order(company.stores[1].id, customer_id=guest.id)
        past.status = "paid"
        if order_at is not None:
            orders.open_order(company.stores[order_at].id, customer_id=guest.id)
        db.session.commit()
        return guest.id


@pytest.mark.parametrize("role", ["greeter", "receptionist", "cashier", "store_manager"])
def test_lists_and_search_show_the_phone_masked_to_the_desk(
        client, auth, api_token, company_a, role):
    guest_id = _guest(company_a)
    auth.login_as(company_a, role)
    for query in ("", "?q=5678", f"?q={PHONE}"):  # the whole number still finds the guest
        page = client.get(f"/store/customers{query}").get_data(as_text=True)
        table = page.split('data-testid="customer-table"')[1]  # the query itself is echoed
        assert f'data-customer-id="{guest_id}"' in table, query
        assert PHONE not in table and "138****" in table, query
    headers = api_token(company_a, role)
    for query in ("", "?phone_tail=5678", f"?q={PHONE}"):
        items = client.get(f"/api/v1/customers{query}", headers=headers).get_json()["items"]
        assert [(c["id"], c["phone"]) for c in items] == [(guest_id, MASKED)], query


@pytest.mark.parametrize("role", ["greeter", "receptionist", "cashier", "dispatcher"])
def test_a_guest_not_served_here_is_read_masked_without_history(
        client, auth, api_token, company_a, role):
    guest_id = _guest(company_a)
    auth.login_as(company_a, role)
    page = client.get(f"/store/customers/{guest_id}").get_data(as_text=True)
    assert "腰伤" in page  # 禁忌 is for everyone who serves the guest
    assert PHONE not in page and MASKED in page
    assert 'data-testid="visit-history"' not in page and 'data-testid="history-hidden"' in page
    headers = api_token(company_a, role)
    one = client.get(f"/api/v1/customers/{guest_id}", headers=headers).get_json()
    assert one["phone"] == MASKED and one["phone_masked"] is True
    assert client.get(f"/api/v1/customers/{guest_id}/history",
                      headers=headers).status_code == 403


def test_the_desk_serving_the_guest_reads_phone_and_history_the_greeter_does_not(
        client, auth, api_token, company_a):
    guest_id = _guest(company_a, order_at=0)
    auth.login_as(company_a, "receptionist")
    page = client.get(f"/store/customers/{guest_id}").get_data(as_text=True)
    assert PHONE in page and 'data-testid="visit-history"' in page
    headers = api_token(company_a, "receptionist")
    assert _phone(client, guest_id, headers) == PHONE
    assert client.get(f"/api/v1/customers/{guest_id}/history",
                      headers=headers).get_json()["visits"] == 2
    auth.logout()

    auth.login_as(company_a, "greeter")
    page = client.get(f"/store/customers/{guest_id}").get_data(as_text=True)
    assert PHONE not in page and 'data-testid="visit-history"' not in page
    greeter = api_token(company_a, "greeter")
    assert client.get(f"/api/v1/customers/{guest_id}/history",
                      headers=greeter).status_code == 403


def test_an_open_order_in_another_store_unlocks_nothing_here(client, api_token, company_a):
    guest_id = _guest(company_a, order_at=1)
    headers = api_token(company_a, "receptionist")  # works in the first store
    assert _phone(client, guest_id, headers) == MASKED


def test_a_store_manager_reads_their_stores_guests_head_office_reads_all(
        client, api_token, company_a):
    guest_id = _guest(company_a)  # visited the second store only
    manager = api_token(company_a, "store_manager")  # of the first store
    assert _phone(client, guest_id, manager) == MASKED
    with tenant_context(company_a.tenant_id):
        order = orders.open_order(company_a.stores[0].id, customer_id=guest_id)
        order.status = "paid"
        db.session.commit()
    assert _phone(client, guest_id, manager) == PHONE
    for role in ("general_manager", "service_manager"):
        headers = api_token(company_a, role)
        assert client.get(f"/api/v1/customers/{guest_id}",
                          headers=headers).get_json()["phone"] == PHONE
        assert client.get(f"/api/v1/customers/{guest_id}/history",
                          headers=headers).status_code == 200


def test_the_edit_form_keeps_a_number_the_desk_may_not_read(client, auth, company_a):
    guest_id = _guest(company_a)
    auth.login_as(company_a, "greeter")
    form = client.get(f"/store/customers/{guest_id}/edit").get_data(as_text=True)
    assert PHONE not in form and MASKED in form
    saved = client.post(f"/store/customers/{guest_id}/edit",
                        data={"name": "隐私客人", "phone": "", "taboos": "腰伤，颈椎"})
    assert saved.status_code == 302
    with tenant_context(company_a.tenant_id):
        guest = db.session.get(Customer, guest_id)
        assert (guest.phone, guest.taboos) == (PHONE, "腰伤，颈椎")
