"""收银 end to end: the desk pages and the API, permissions, other tenants' ids,
and the refund approval flow with its audit entry."""

from decimal import Decimal

from sqlalchemy import select

from app.blueprints.store import cards
from app.blueprints.store.models import CardLedgerEntry, Order, Payment, Refund
from app.extensions import db
from app.models import AuditEntry
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue
from tests.store.test_checkout import make_customer, served_order

D = Decimal


def _to_pay(company, **kwargs):
    with tenant_context(company.tenant_id):
        items = make_catalogue()
        customer = make_customer(level=kwargs.pop("level", None) and items["gold"])
        order, _ = served_order(company, [items["foot"]], products=[(items["tea"], 1)],
                                customer=customer, **kwargs)
        db.session.commit()
        return order.id, customer.id, items


def test_cashier_checks_out_from_the_page_and_prints_the_receipt(app, client, auth, company_a):
    order_id, _customer, _items = _to_pay(company_a, level=True)
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "cashier")
    queue = client.get(f"/store/cashier?store_id={store_id}")
    assert queue.status_code == 200 and f'data-order-id="{order_id}"' in queue.text
    page = client.get(f"/store/{store_id}/orders/{order_id}/checkout")
    assert page.status_code == 200
    assert "¥130.64" in page.text  # 112.64 (足疗 八八折) + 18 (tea, not discounted)
    short = client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                        data={"cash_amount": "100", "cash_tendered": "100"})
    assert short.status_code == 422 and 'data-field-error="payments"' in short.text
    bad = client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                      data={"cash_amount": "100", "cash_tendered": "50",
                            "wechat_amount": "30.64"})
    assert bad.status_code == 422 and 'data-field-error="cash_tendered"' in bad.text
    done = client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                       data={"cash_amount": "100.64", "cash_tendered": "200",
                             "wechat_amount": "30", "wechat_reference": "WX1"})
    assert done.status_code == 302 and done.location.endswith(
        f"/store/{store_id}/orders/{order_id}/receipt")
    receipt = client.get(done.location)
    assert receipt.status_code == 200
    assert 'data-testid="receipt-change">99.36<' in receipt.text
    assert "@page" in receipt.text and "80mm" in receipt.text
    with tenant_context(company_a.tenant_id):
        order = db.session.get(Order, order_id)
        assert order.status == "paid" and order.closed_by_account_id == \
            company_a.accounts["cashier"].id
        assert db.session.scalar(select(Payment).where(Payment.method == "cash")).change \
            == D("99.36")


def test_receptionist_cannot_check_out_and_cashier_cannot_approve(app, client, auth, company_a,
                                                                 api_token):
    order_id, _customer, _items = _to_pay(company_a)
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "receptionist")
    assert client.get(f"/store/{store_id}/orders/{order_id}/checkout").status_code == 403
    assert client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                       data={"cash_amount": "146"}).status_code == 403
    headers = api_token(company_a, "receptionist")
    assert client.post(f"/api/v1/orders/{order_id}/checkout", headers=headers,
                       json={"payments": [{"method": "cash", "amount": "146"}]}
                       ).status_code == 403
    cashier = api_token(company_a, "cashier")
    paid = client.post(f"/api/v1/orders/{order_id}/checkout", headers=cashier,
                       json={"payments": [{"method": "cash", "amount": "146.00"}]})
    assert paid.status_code == 200, paid.get_json()
    asked = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                        json={"amount": "18", "method": "cash", "reason": "茶没上"})
    assert asked.status_code == 201
    refund_id = asked.get_json()["id"]
    assert client.post(f"/api/v1/refunds/{refund_id}/approve", headers=cashier,
                       json={}).status_code == 403
    auth.logout()
    auth.login_as(company_a, "cashier")
    assert client.get("/store/refunds").status_code == 403
    assert client.post(f"/store/{store_id}/refunds/{refund_id}/decision",
                       data={"decision": "approve"}).status_code == 403


def test_another_tenants_order_card_and_refund_are_not_found(app, client, company_a, company_b,
                                                            api_token):
    order_id, customer_id, _items = _to_pay(company_a)
    with tenant_context(company_a.tenant_id):
        card = cards.issue_card(customer_id=customer_id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="100", payment_method="cash")
        db.session.commit()
        card_id = card.id
    intruder = api_token(company_b, "owner")
    assert client.post(f"/api/v1/orders/{order_id}/checkout", headers=intruder, json={
        "payments": [{"method": "cash", "amount": "146"}]}).status_code == 404
    assert client.get(f"/api/v1/orders/{order_id}/receipt", headers=intruder).status_code == 404
    assert client.get(f"/api/v1/cards/{card_id}", headers=intruder).status_code == 404
    assert client.post(f"/api/v1/cards/{card_id}/top-up", headers=intruder, json={
        "store_id": company_b.stores[0].id, "amount": "10",
        "payment_method": "cash"}).status_code == 404
    # B's own order can't be paid with A's card either: the card is "not found" there.
    b_order, _b_customer, _ = _to_pay(company_b)
    response = client.post(f"/api/v1/orders/{b_order}/checkout", headers=intruder, json={
        "payments": [{"method": "stored_value", "card_id": card_id, "amount": "146"}]})
    assert response.status_code == 422
    with tenant_context(company_a.tenant_id):
        assert db.session.get(type(card), card_id).balance == D("100.00")


def test_api_checkout_422_names_the_fields(app, client, company_a, api_token):
    order_id, _customer, _items = _to_pay(company_a)
    headers = api_token(company_a, "cashier")

    def fields_of(body):
        response = client.post(f"/api/v1/orders/{order_id}/checkout", headers=headers,
                               json=body)
        assert response.status_code == 422, response.get_json()
        return response.get_json()["error"]["fields"]

    assert "payments" in fields_of({})
    assert "payments.0.amount" in fields_of({"payments": [{"method": "cash", "amount": "1.234"}]})
    assert "payments" in fields_of({"payments": [{"method": "cash", "amount": "100"}]})
    assert "payments.1.card_id" in fields_of({"payments": [
        {"method": "cash", "amount": "46"}, {"method": "stored_value", "amount": "100"}]})
    assert "payments" in fields_of({"payments": [{"method": "gold", "amount": "146"}]})
    with tenant_context(company_a.tenant_id):
        assert db.session.get(Order, order_id).status == "to_pay"
        assert db.session.scalar(select(Payment.id)) is None
    receipt = client.get(f"/api/v1/orders/{order_id}/receipt", headers=headers).get_json()
    assert receipt["status"] == "to_pay" and receipt["total"] == "146.00"


def test_refund_approval_pays_back_to_the_card_and_is_audited(app, client, auth, company_a,
                                                              api_token):
    order_id, customer_id, _items = _to_pay(company_a)
    with tenant_context(company_a.tenant_id):
        card = cards.issue_card(customer_id=customer_id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="100", payment_method="cash")
        db.session.commit()
        card_id = card.id
    cashier = api_token(company_a, "cashier")
    paid = client.post(f"/api/v1/orders/{order_id}/checkout", headers=cashier, json={
        "payments": [{"method": "stored_value", "card_id": card_id, "amount": "100"},
                     {"method": "alipay", "amount": 46}]})
    assert paid.status_code == 200, paid.get_json()
    too_much = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                           json={"amount": "146.01", "method": "cash", "reason": "x"})
    assert "amount" in too_much.get_json()["error"]["fields"]
    no_reason = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                            json={"amount": "10", "method": "cash", "reason": " "})
    assert "reason" in no_reason.get_json()["error"]["fields"]
    to_card = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                          json={"amount": "60", "method": "stored_value", "reason": "技师迟到"})
    assert to_card.status_code == 201
    refund_id = to_card.get_json()["id"]
    # 146 paid, 60 waiting for approval: at most 86 more may be asked
    more = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier,
                       json={"amount": "86.01", "method": "cash", "reason": "x"})
    assert more.status_code == 422
    auth.login_as(company_a, "store_manager")
    pending = client.get("/store/refunds")
    assert pending.status_code == 200 and f'data-refund-id="{refund_id}"' in pending.text
    decided = client.post(f"/store/{company_a.stores[0].id}/refunds/{refund_id}/decision",
                          data={"decision": "approve", "decision_note": "同意"})
    assert decided.status_code == 302
    with tenant_context(company_a.tenant_id):
        refund = db.session.get(Refund, refund_id)
        assert refund.status == "approved"
        assert refund.decided_by_account_id == company_a.accounts["store_manager"].id
        back = db.session.scalar(select(Payment).where(Payment.refund_id == refund_id))
        assert (back.method, back.amount, back.card_id) == ("stored_value", D("-60.00"), card_id)
        entry = db.session.scalar(select(CardLedgerEntry).where(
            CardLedgerEntry.kind == "refund"))
        assert entry.amount == D("60.00") and entry.balance_after == D("60.00")
        assert cards.ledger_sums(card_id) == (D("60.00"), 0)
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.refund"))
        assert audit.before["status"] == "requested" and audit.after["status"] == "approved"
        assert audit.actor_account_id == company_a.accounts["store_manager"].id
    # decided once: a second decision is refused and changes nothing
    manager = api_token(company_a, "store_manager")
    again = client.post(f"/api/v1/refunds/{refund_id}/reject", headers=manager,
                        json={"decision_note": "重复"})
    assert again.status_code == 422 and "refund" in again.get_json()["error"]["fields"]


def test_rejecting_needs_a_reason_and_pays_nothing(app, client, company_a, api_token):
    order_id, _customer, _items = _to_pay(company_a)
    cashier, manager = api_token(company_a, "cashier"), api_token(company_a, "store_manager")
    client.post(f"/api/v1/orders/{order_id}/checkout", headers=cashier,
                json={"payments": [{"method": "cash", "amount": "146"}]})
    refund_id = client.post(f"/api/v1/orders/{order_id}/refunds", headers=cashier, json={
        "amount": "18", "method": "cash", "reason": "茶没上"}).get_json()["id"]
    blank = client.post(f"/api/v1/refunds/{refund_id}/reject", headers=manager, json={})
    assert blank.status_code == 422 and "decision_note" in blank.get_json()["error"]["fields"]
    rejected = client.post(f"/api/v1/refunds/{refund_id}/reject", headers=manager,
                           json={"decision_note": "茶已上，监控可查"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    with tenant_context(company_a.tenant_id):
        assert db.session.scalar(select(Payment).where(Payment.amount < 0)) is None
        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "order.refund_reject")) is not None
