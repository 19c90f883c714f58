"""收银: the bill's arithmetic (member discount, rounding), split payments, change,
exact sums, package-card counts, and what blocks a checkout."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.store import cards, checkout, orders
from app.blueprints.store.models import (
    CardLedgerEntry,
    Customer,
    MembershipLevel,
    Payment,
    Product,
    ServiceJob,
)
from app.extensions import db
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

# Also on SQLite: money stored as NUMERIC (SQLite has no exact decimal type).
pytestmark = pytest.mark.both_backends

D = Decimal


def make_customer(phone="13800001111", level=None, name="张女士") -> Customer:
    customer = Customer(name=name, phone=phone, phone_tail=phone[-4:],
                        membership_level_id=level.id if level else None)
    db.session.add(customer)
    db.session.flush()
    return customer


def served_order(company, services=(), products=(), customer=None, store_index=0,
                 finish=True):
    """An order of ``company``'s store with the given service items done (jobs ended)
    and products sold; returns (order, lines)."""
    store = company.stores[store_index]
    room = next(r for r in company.rooms if r.store_id == store.id and r.status == "free")
    order = orders.open_order(store.id, room_id=room.id, party_size=max(len(services), 1),
                              customer_id=customer.id if customer else None)
    distinct = list({item.id: item for item in services}.values())
    therapists = make_therapists(store.id, len(services), qualified=distinct) \
        if services else []
    lines, now = [], utcnow()
    for n, (item, therapist) in enumerate(zip(services, therapists, strict=True), start=1):
        line = orders.add_service_line(order, item.id, guest_no=n)
        job = ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                         order_id=order.id, order_line_id=line.id, therapist_id=therapist.id,
                         room_id=room.id, job_type="rotation", started_at=now,
                         planned_end_at=now + timedelta(minutes=item.duration_minutes))
        db.session.add(job)
        db.session.flush()
        if finish:
            job.status, job.ended_at = "finished", now
        lines.append(line)
    for product, quantity in products:
        lines.append(orders.add_product_line(order, product.id, quantity))
    if finish:
        orders.after_job_ended(order)
    db.session.flush()
    return order, lines


def stored_value_card(company, customer, amount="1000.00", bonus="0", store_index=0):
    return cards.issue_card(customer_id=customer.id, store_id=company.stores[store_index].id,
                            kind="stored_value", amount=amount, bonus=bonus,
                            payment_method="wechat")


def test_member_discount_is_rounded_per_line_half_up_and_the_total_is_their_sum(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        odd = MembershipLevel(name="特惠", discount=D("0.885"), discount_products=True)
        lemon = Product(code="L1", name="柠檬水", price=D("1.00"))
        db.session.add_all([odd, lemon])
        db.session.flush()
        customer = make_customer(level=odd)
        order, _lines = served_order(company_a, [items["foot"]],
                                     products=[(lemon, 1), (items["tea"], 1)],
                                     customer=customer)
        order2, _ = served_order(company_a, products=[(lemon, 1)], customer=customer)
        bill = checkout.price_order(order)
        amounts = [b.amount for b in bill.lines]
        # 128 × 0.885 = 113.28; 1.00 × 0.885 = 0.885 → 0.89 (half up, not 0.88); 18 × 0.885 = 15.93
        assert amounts == [D("113.28"), D("0.89"), D("15.93")]
        assert bill.subtotal == D("147.00")
        assert bill.total == sum(amounts) == D("130.10")
        assert bill.discount == D("16.90")
        assert checkout.price_order(order2).total == D("0.89")


def test_products_are_not_discounted_unless_the_level_says_so(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()  # 金卡 0.88, services only
        customer = make_customer(level=items["gold"])
        order, _ = served_order(company_a, [items["foot"], items["ear"]],
                                products=[(items["tea"], 2)], customer=customer)
        bill = checkout.price_order(order)
        # 128 × 0.88 = 112.64, 68 × 0.88 = 59.84, tea 2 × 18 = 36 at list price
        assert [b.amount for b in bill.lines] == [D("112.64"), D("59.84"), D("36.00")]
        assert bill.total == D("208.48") and bill.discount == D("23.52")


def test_split_payment_with_cash_change_closes_the_order(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = stored_value_card(company_a, customer, "100.00")
        order, _ = served_order(company_a, [items["foot"], items["oil"]], customer=customer)
        # 128 + 268 = 396 = 100 (card) + 200 (wechat) + 96 cash, guest hands over 100
        result = checkout.checkout_order(order, [
            {"method": "stored_value", "card_id": card.id, "amount": "100"},
            {"method": "wechat", "amount": "200.00", "reference": "WX123"},
            {"method": "cash", "amount": "96", "tendered": "100"},
        ])
        assert result.change == D("4.00")
        assert order.status == "paid" and order.closed_at is not None
        assert order.total == D("396.00")
        rows = db.session.scalars(select(Payment).where(Payment.order_id == order.id)
                                  .order_by(Payment.id)).all()
        assert [(p.method, p.amount) for p in rows] == [
            ("stored_value", D("100.00")), ("wechat", D("200.00")), ("cash", D("96.00"))]
        assert rows[2].tendered == D("100.00") and rows[2].change == D("4.00")
        assert card.balance == D("0.00")
        assert cards.ledger_sums(card.id) == (D("0.00"), 0)
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(order, [{"method": "cash", "amount": "396"}])
        assert error.value.field == "order"


@pytest.mark.parametrize(("payments", "field"), [
    ([{"method": "cash", "amount": "100"}], "payments"),  # short of 128
    ([{"method": "cash", "amount": "100"}, {"method": "wechat", "amount": "30"}], "payments"),
    ([{"method": "cash", "amount": "128.001"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "-5"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "abc"}], "payments.0.amount"),
    ([{"method": "bitcoin", "amount": "128"}], "payments.0.method"),
    ([{"method": "cash", "amount": "128", "tendered": "100"}], "payments.0.tendered"),
    ([{"method": "wechat", "amount": "128", "tendered": "200"}], "payments.0.tendered"),
    ([{"method": "cash", "amount": "64"}, {"method": "cash", "amount": "64"}],
     "payments.1.method"),
    ([{"method": "stored_value", "amount": "128"}], "payments.0.card_id"),
])
def test_bad_payments_name_the_field_and_change_nothing(company_a, payments, field):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        order, _ = served_order(company_a, [items["foot"]])
        db.session.commit()
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(order, payments)
        db.session.rollback()
        assert field in error.value.fields, error.value.fields
        assert db.session.scalar(select(Payment.id)) is None
        assert db.session.get(type(order), order.id).status == "to_pay"


def test_a_running_service_or_an_undispatched_line_blocks_checkout(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        order, _ = served_order(company_a, [items["foot"]], finish=False)
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(order, [{"method": "cash", "amount": "128"}])
        assert error.value.field == "order" and "仍在服务中" in error.value.message
        other, _ = served_order(company_a, products=[(items["tea"], 1)], finish=False)
        orders.add_service_line(other, items["ear"].id)  # no therapist yet
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(other, [{"method": "cash", "amount": "86"}])
        assert "还没有技师服务" in error.value.message


def test_package_card_takes_one_count_per_matching_line(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer(level=items["gold"])
        package = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                   kind="package", service_item_id=items["foot"].id, count=10,
                                   amount="1000.00", payment_method="cash")
        order, _ = served_order(company_a, [items["foot"], items["foot"], items["ear"]],
                                products=[(items["tea"], 1)], customer=customer)
        # 足疗 ×2 (112.64 each after 八八折) by the card, 采耳 59.84 + tea 18 by wechat
        result = checkout.checkout_order(order, [
            {"method": "package_card", "card_id": package.id},
            {"method": "wechat", "amount": "77.84"},
        ])
        pay = next(p for p in result.payments if p.method == "package_card")
        assert pay.amount == D("225.28") and pay.card_id == package.id
        assert package.remaining_count == 8
        # two of ten prepaid counts: 200.00 of the 1000.00 paid for the card
        assert package.balance == D("800.00")
        spend = db.session.scalars(select(CardLedgerEntry).where(
            CardLedgerEntry.card_id == package.id, CardLedgerEntry.kind == "spend")).one()
        assert (spend.count_delta, spend.amount, spend.order_id) == (-2, D("-200.00"), order.id)


def test_package_card_count_is_limited_by_the_card_and_the_order(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        package = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                   kind="package", service_item_id=items["foot"].id, count=1,
                                   amount="100.00", payment_method="cash")
        order, _ = served_order(company_a, [items["foot"], items["foot"]], customer=customer)
        db.session.commit()
        with pytest.raises(checkout.CheckoutError) as error:
            checkout.checkout_order(order, [
                {"method": "package_card", "card_id": package.id, "count": 3},
                {"method": "cash", "amount": "128"}])
        assert error.value.field == "payments.0.count"
        db.session.rollback()
        with pytest.raises(cards.CardError) as error:
            checkout.checkout_order(order, [
                {"method": "package_card", "card_id": package.id, "count": 2}])
        assert error.value.field == "payments.0.count" and "剩余 1 次" in error.value.message
        db.session.rollback()
        # the last count carries what is left of the prepaid money
        checkout.checkout_order(order, [
            {"method": "package_card", "card_id": package.id},
            {"method": "cash", "amount": "128"}])
        assert (package.remaining_count, package.balance) == (0, D("0.00"))


def test_stored_value_card_cannot_be_overdrawn(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = stored_value_card(company_a, customer, "100.00")
        order, _ = served_order(company_a, [items["foot"]], customer=customer)
        db.session.commit()
        with pytest.raises(cards.CardError) as error:
            checkout.checkout_order(order, [
                {"method": "stored_value", "card_id": card.id, "amount": "128"}])
        assert error.value.field == "payments.0.amount" and "余额不足" in error.value.message
        db.session.rollback()
        assert db.session.get(type(card), card.id).balance == D("100.00")
        assert cards.ledger_sums(card.id) == (D("100.00"), 0)
        assert db.session.scalar(select(Payment.id)) is None


def test_a_card_issued_in_one_store_pays_in_another(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = stored_value_card(company_a, customer, "500.00", store_index=0)
        order, _ = served_order(company_a, [items["ear"]], customer=customer, store_index=1)
        checkout.checkout_order(order, [{"method": "stored_value", "card_id": card.id,
                                         "amount": "68"}])
        spend = db.session.scalars(select(CardLedgerEntry).where(
            CardLedgerEntry.kind == "spend")).one()
        assert spend.store_id == company_a.stores[1].id
        assert card.issued_store_id == company_a.stores[0].id
        assert card.balance == D("432.00")


def test_receipt_shows_lines_payments_change_in_the_tenant_time_zone(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer(level=items["gold"])
        order, _ = served_order(company_a, [items["foot"]], products=[(items["tea"], 1)],
                                customer=customer)
        checkout.checkout_order(order, [{"method": "cash", "amount": "130.64",
                                         "tendered": "200"}])
        receipt = checkout.receipt_of(order)
        assert receipt.change == D("69.36")
        assert receipt.closed_at_local.utcoffset() == timedelta(hours=8)  # Asia/Shanghai
        assert [line.name for line in receipt.lines] == ["足疗 60 分钟", "普洱茶"]
        assert receipt.number.endswith("-001")
