"""团购 (美团 / 抖音 vouchers) at checkout: platform and code recorded, a code redeemed
once per tenant (even by two cashiers at once), part of a split payment, in the 日结,
the closing workbook and finance's list of closings, and not refunded at the desk."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.blueprints.store import checkout, closing, orders
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BusinessDay, Order, Payment, ServiceJob
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue
from tests.store.test_checkout import served_order

pytestmark = pytest.mark.both_backends

D = Decimal


def _foot_order(company, store_index=0, items=None):
    """A served 足疗 (¥128) waiting to be paid; one therapist (801) serves every order."""
    items = items or make_catalogue()
    therapist = db.session.scalar(select(Employee).where(Employee.employee_no == "801"))
    if therapist is None:
        return served_order(company, [items["foot"]], store_index=store_index)[0], items
    store = company.stores[store_index]
    order = orders.open_order(store.id)
    line = orders.add_service_line(order, items["foot"].id)
    now = utcnow()
    db.session.add(ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                              order_id=order.id, order_line_id=line.id,
                              therapist_id=therapist.id, job_type="rotation", started_at=now,
                              planned_end_at=now, ended_at=now, status="finished"))
    db.session.flush()
    orders.after_job_ended(order)
    return order, items


def test_voucher_in_a_split_payment_records_platform_and_code(company_a):
    with tenant_context(company_a.tenant_id):
        order, _items = _foot_order(company_a)  # ¥128
        result = checkout.checkout_order(order, [
            {"method": "voucher", "voucher_platform": "meituan", "voucher_code": " 1234 5678 9012 ",
             "amount": "99.00"},
            {"method": "cash", "amount": "29.00"}])
        assert result.order.status == "paid"
        voucher = db.session.scalar(select(Payment).where(Payment.method == "voucher"))
        assert (voucher.voucher_platform, voucher.voucher_code, voucher.amount) == (
            "meituan", "123456789012", D("99.00"))
        receipt = checkout.receipt_of(order)
        assert [p.method for p, _card in receipt.payments] == ["voucher", "cash"]


@pytest.mark.parametrize("entry, field", [
    ({"method": "voucher", "voucher_platform": "ele", "voucher_code": "A1B2C3",
      "amount": "128"}, "payments.0.voucher_platform"),
    ({"method": "voucher", "voucher_platform": "douyin", "voucher_code": "",
      "amount": "128"}, "payments.0.voucher_code"),
    ({"method": "voucher", "voucher_platform": "douyin", "voucher_code": "券#1",
      "amount": "128"}, "payments.0.voucher_code"),
])
def test_bad_voucher_entries_name_the_field(company_a, entry, field):
    with tenant_context(company_a.tenant_id):
        order, _items = _foot_order(company_a)
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(order, [entry])
        assert field in error.value.fields


def test_a_code_is_redeemed_once_per_tenant_and_nothing_changes(company_a, company_b):
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a)
        checkout.checkout_order(first, [{"method": "voucher", "voucher_platform": "douyin",
                                         "voucher_code": "DY8899", "amount": "128"}])
        second, _ = _foot_order(company_a, store_index=1, items=items)
        db.session.commit()
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(second, [
                {"method": "cash", "amount": "28"},
                {"method": "voucher", "voucher_platform": "douyin", "voucher_code": "dy-8899",
                 "amount": "100"}])
        assert "payments.1.voucher_code" in error.value.fields
        db.session.rollback()
        second = db.session.get(Order, second.id)
        assert second.status == "to_pay"
        assert db.session.scalar(select(func.count(Payment.id))
                                 .where(Payment.order_id == second.id)) == 0
        # Two entries of the same code in one checkout: refused too.
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(second, [
                {"method": "voucher", "voucher_platform": "meituan", "voucher_code": "MT1",
                 "amount": "64"},
                {"method": "voucher", "voucher_platform": "meituan", "voucher_code": "MT1",
                 "amount": "64"}])
        assert "payments.1.voucher_code" in error.value.fields
        # Each platform issues its own codes: the same digits on 美团 are another voucher.
        checkout.checkout_order(second, [{"method": "voucher", "voucher_platform": "meituan",
                                          "voucher_code": "DY8899", "amount": "128"}])
        db.session.commit()
    with tenant_context(company_b.tenant_id):  # another company's vouchers are its own
        order, _ = _foot_order(company_b)
        checkout.checkout_order(order, [{"method": "voucher", "voucher_platform": "douyin",
                                         "voucher_code": "DY8899", "amount": "128"}])


def test_voucher_money_is_not_refunded_at_the_desk(company_a):
    with tenant_context(company_a.tenant_id):
        order, _ = _foot_order(company_a)
        checkout.checkout_order(order, [
            {"method": "voucher", "voucher_platform": "meituan", "voucher_code": "MT777",
             "amount": "100"}, {"method": "wechat", "amount": "28"}])
        assert checkout.refundable(order).available == D("28.00")
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.request_refund(order, amount="29", method="cash", reason="客人不满意")
        assert "amount" in error.value.fields
        assert "voucher" not in checkout.REFUND_METHODS


def test_vouchers_in_the_closing_and_its_workbook(company_a):
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a)
        checkout.checkout_order(first, [
            {"method": "voucher", "voucher_platform": "meituan", "voucher_code": "MT1",
             "amount": "99"}, {"method": "cash", "amount": "29"}])
        second, _ = _foot_order(company_a, items=items)
        checkout.checkout_order(second, [
            {"method": "voucher", "voucher_platform": "douyin", "voucher_code": "DY1",
             "amount": "128"}])
        day = db.session.get(BusinessDay, first.business_day_id)
        summary = closing.compute_closing(day)
        assert summary["methods"]["voucher"]["net"] == "227.00"
        assert summary["vouchers_by_platform"] == {
            "meituan": {"count": 1, "amount": "99.00"}, "douyin": {"count": 1, "amount": "128.00"}}
        assert summary["money_received_payments"] == "256.00"
        assert summary["cash_expected"] == "29.00"
        book = load_workbook(io.BytesIO(closing.closing_workbook(summary)))
        pay = {row[0]: row for row in book["收款方式"].iter_rows(values_only=True) if row[0]}
        assert D(str(pay["团购"][4])) == D("227.00")
        assert D(str(pay["团购 · 美团"][2])) == D("99.00")
        # An old snapshot (before 团购) still prints.
        old = {**summary, "methods": {k: v for k, v in summary["methods"].items()
                                      if k != "voucher"}}
        old.pop("vouchers_by_platform")
        load_workbook(io.BytesIO(closing.closing_workbook(old)))


def test_closing_page_and_finance_list_show_vouchers(client, auth, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        order, _ = _foot_order(company_a)
        checkout.checkout_order(order, [{"method": "voucher", "voucher_platform": "douyin",
                                         "voucher_code": "DY42", "amount": "128"}])
        store_id = order.store_id
        closing.lock_day(store_id, today_for_store())
        db.session.commit()
    auth.login_as(company_a, "finance_staff")
    # The month view (per store, ¥ with separators) and the per-day list both show it.
    html = client.get("/finance/closings").get_data(as_text=True)
    assert "团购" in html and 'data-voucher-net>¥128.00<' in html
    html = client.get("/finance/closings/days").get_data(as_text=True)
    assert "团购" in html and 'data-voucher-net>128.00<' in html
    auth.logout()
    listed = client.get("/api/v1/closings", headers=api_token(company_a, "finance_staff"))
    row = next(r for r in listed.get_json()["items"] if r["store_id"] == store_id)
    assert row["voucher_total"] == "128.00"
    auth.login_as(company_a, "cashier")
    page = client.get(f"/store/closing?store_id={store_id}").get_data(as_text=True)
    assert 'data-method="voucher"' in page and "抖音" in page


def test_cashier_takes_a_voucher_on_the_page(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a)
        second, _ = _foot_order(company_a, items=items)
        db.session.commit()
        store_id, first_id, second_id = first.store_id, first.id, second.id
    auth.login_as(company_a, "cashier")
    page = client.get(f"/store/{store_id}/orders/{first_id}/checkout").get_data(as_text=True)
    assert 'name="voucher_1_code"' in page and "美团" in page and "抖音" in page
    done = client.post(f"/store/{store_id}/orders/{first_id}/checkout", data={
        "voucher_1_platform": "meituan", "voucher_1_code": "MT2026", "voucher_1_amount": "100",
        "cash_amount": "28"})
    assert done.status_code == 302, done.get_data(as_text=True)
    receipt = client.get(done.location).get_data(as_text=True)
    assert "团购" in receipt and "美团" in receipt and "MT2026" in receipt
    refund = client.get(f"/store/{store_id}/orders/{first_id}/refund").get_data(as_text=True)
    assert 'data-testid="voucher-refund-note"' in refund
    assert 'data-testid="refund-available">¥28.00<' in refund
    again = client.post(f"/store/{store_id}/orders/{second_id}/checkout", data={
        "voucher_1_platform": "meituan", "voucher_1_code": "mt2026", "voucher_1_amount": "128"})
    assert again.status_code == 422
    assert 'data-field-error="voucher_1"' in again.get_data(as_text=True)
    with tenant_context(company_a.tenant_id):
        assert db.session.get(Order, second_id).status == "to_pay"


def test_api_voucher_checkout_and_receipt(client, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a)
        second, _ = _foot_order(company_a, items=items)
        db.session.commit()
        first_id, second_id = first.id, second.id
    headers = api_token(company_a, "cashier")
    ok = client.post(f"/api/v1/orders/{first_id}/checkout", headers=headers, json={
        "payments": [{"method": "voucher", "voucher_platform": "douyin",
                      "voucher_code": "DY555", "amount": "128.00"}]})
    assert ok.status_code == 200, ok.get_json()
    payment = ok.get_json()["payments"][0]
    assert (payment["method"], payment["voucher_platform"], payment["voucher_code"]) == (
        "voucher", "douyin", "DY555")
    again = client.post(f"/api/v1/orders/{second_id}/checkout", headers=headers, json={
        "payments": [{"method": "voucher", "voucher_platform": "douyin",
                      "voucher_code": "DY555", "amount": "128.00"}]})
    assert again.status_code == 422
    assert "payments.0.voucher_code" in again.get_json()["error"]["fields"]


def test_the_database_refuses_a_code_the_check_did_not_see(company_a, monkeypatch):
    """The last wall: when the read-before-write misses a redemption committed at that
    moment, the unique constraint refuses it, and the error still names the code."""
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a)
        checkout.checkout_order(first, [{"method": "voucher", "voucher_platform": "meituan",
                                         "voucher_code": "RACE1", "amount": "128"}])
        second, _ = _foot_order(company_a, store_index=1, items=items)
        db.session.commit()
        second_id = second.id
        monkeypatch.setattr(checkout, "_used_vouchers", lambda entries: {})
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(second, [{"method": "voucher",
                                              "voucher_platform": "meituan",
                                              "voucher_code": "RACE1", "amount": "128"}])
        assert "payments.0.voucher_code" in error.value.fields
        db.session.rollback()
        assert db.session.get(Order, second_id).status == "to_pay"
        assert db.session.scalar(select(func.count(Payment.id))) == 1
