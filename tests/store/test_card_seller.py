"""售卡人: the desk records who sold a card (办卡) and a top-up (充值), on the page and
in the API; the seller earns 售卡提成 on that month's payslip (specs/payroll.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import Payslip
from app.blueprints.hr.payroll import run as payroll
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry, Customer, MemberCard
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data
from tests.store.test_checkout import make_customer

M = Decimal


def _seller(company) -> dict:
    """A therapist whose pay profile pays 3% on cards sold, a customer, the month."""
    with tenant_context(company.tenant_id):
        setup = data.pay_setup()
        setup["profile"].card_sale_rate = M("0.0300")
        seller = data.add_therapist(company.stores[0], "S1", name="售卡技师")
        make_customer(phone="13912345678")
        month = today_for_store().replace(day=1)
        db.session.commit()
        return {"seller_id": seller.id, "month": month}


def test_a_card_sold_on_the_page_and_topped_up_through_the_api_earns_card_commission(
        app, client, auth, company_a, api_token):
    known = _seller(company_a)
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "cashier")
    form = client.get(f"/store/{store_id}/cards/new").text
    assert 'name="sold_by_employee_id"' in form and "S1 售卡技师" in form
    made = client.post(f"/store/{store_id}/cards/new", data={
        "customer_phone": "13912345678", "kind": "stored_value", "amount": "1000",
        "bonus": "200", "payment_method": "wechat",
        "sold_by_employee_id": str(known["seller_id"])})
    assert made.status_code == 302
    with tenant_context(company_a.tenant_id):
        card_id = db.session.scalar(select(MemberCard.id))
    detail = client.get(f"/store/cards/{card_id}").text
    assert "S1 售卡技师" in detail.split('data-testid="card-ledger"')[1]
    assert 'id="sold_by_employee_id"' in detail  # the top-up form asks too

    headers = api_token(company_a, "cashier")
    topped = client.post(f"/api/v1/cards/{card_id}/top-up", headers=headers, json={
        "store_id": store_id, "amount": "500.00", "bonus": "50", "payment_method": "cash",
        "sold_by_employee_id": known["seller_id"]})
    assert topped.status_code == 200, topped.get_json()
    sold = [e for e in topped.get_json()["ledger"] if e["kind"] == "topup"]
    assert [e["sold_by_employee_id"] for e in sold] == [known["seller_id"]] * 2
    # Bonus entries are not money paid: they name no seller.
    assert all(e["sold_by_employee_id"] is None for e in topped.get_json()["ledger"]
               if e["kind"] == "bonus")

    with tenant_context(company_a.tenant_id):
        run, _job = payroll.start_run(known["month"])
        commit_and_dispatch()
        slip = db.session.scalar(select(Payslip).where(
            Payslip.run_id == run.id, Payslip.employee_id == known["seller_id"]))
        # (1000.00 + 500.00) × 3% = 45.00; the bonuses (200 + 50) are not money paid.
        assert slip.card_commission == M("45.00")
        assert slip.detail["card_sales"] == {"amount": "1500.00", "count": 2}


def test_the_api_sells_a_card_with_its_seller(app, client, company_a, api_token):
    known = _seller(company_a)
    with tenant_context(company_a.tenant_id):
        customer_id = db.session.scalar(select(Customer.id))
    headers = api_token(company_a, "cashier")
    made = client.post("/api/v1/cards", headers=headers, json={
        "customer_id": customer_id, "kind": "stored_value", "store_id": company_a.stores[0].id,
        "amount": "800", "payment_method": "cash", "sold_by_employee_id": known["seller_id"]})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["ledger"][0]["sold_by_employee_id"] == known["seller_id"]
    # Without a seller the sale still goes through: nobody earns the commission.
    plain = client.post("/api/v1/cards", headers=headers, json={
        "customer_id": customer_id, "kind": "stored_value", "store_id": company_a.stores[0].id,
        "amount": "100", "payment_method": "cash"})
    assert plain.status_code == 201
    assert plain.get_json()["ledger"][0]["sold_by_employee_id"] is None


def test_the_seller_must_be_an_employee_of_this_company_still_employed_the_desk_sees(
        app, client, auth, company_a, company_b, api_token):
    _seller(company_a)
    outsider = company_b.employees["therapist"].id
    with tenant_context(company_a.tenant_id):
        customer_id = db.session.scalar(select(Customer.id))
        left = data.add_therapist(company_a.stores[0], "S9", status="left",
                                  last_day=date(2026, 9, 30))
        elsewhere = data.add_therapist(company_a.stores[1], "S8")  # not the cashier's store
        db.session.commit()
        left_id, elsewhere_id = left.id, elsewhere.id
    store_id = company_a.stores[0].id
    headers = api_token(company_a, "cashier")
    sale = {"customer_id": customer_id, "kind": "stored_value", "store_id": store_id,
            "amount": "800", "payment_method": "cash"}
    for seller in (outsider, left_id, elsewhere_id, 999999):
        refused = client.post("/api/v1/cards", headers=headers,
                              json={**sale, "sold_by_employee_id": seller})
        assert refused.status_code == 422
        assert "sold_by_employee_id" in refused.get_json()["error"]["fields"]
    card = client.post("/api/v1/cards", headers=headers, json=sale).get_json()
    refused = client.post(f"/api/v1/cards/{card['id']}/top-up", headers=headers, json={
        "store_id": store_id, "amount": "100", "payment_method": "cash",
        "sold_by_employee_id": outsider})
    assert refused.status_code == 422
    assert "sold_by_employee_id" in refused.get_json()["error"]["fields"]
    # The page says the same, and the bad sale changed nothing.
    auth.login_as(company_a, "cashier")
    page = client.post(f"/store/{store_id}/cards/{card['id']}/top-up", data={
        "amount": "100", "payment_method": "cash", "sold_by_employee_id": str(outsider)})
    assert page.status_code == 422 and 'data-field-error="sold_by_employee_id"' in page.text
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(MemberCard.balance).where(
            MemberCard.id == card["id"])) == M("800.00")
        assert db.session.scalars(select(CardLedgerEntry.sold_by_employee_id)).all() == [None]
