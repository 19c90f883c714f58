"""会员卡: issue with bonus, the append-only ledger whose sums are the cached balance,
no overdraw even under parallel spends (PostgreSQL), cross-store settlement, pages
and API."""

import random
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.blueprints.store import cards, checkout
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry, MemberCard
from app.extensions import db
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue
from tests.store.test_checkout import make_customer, served_order

D = Decimal


def test_issue_with_bonus_writes_topup_and_bonus_and_counts_in_the_stores_takings(company_a):
    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        store = company_a.stores[0]
        card = cards.issue_card(customer_id=customer.id, store_id=store.id, kind="stored_value",
                                amount="1000", bonus="200", payment_method="wechat")
        entries = cards.ledger_of(card.id)
        assert [(e.kind, e.amount, e.payment_method) for e in reversed(entries)] == [
            ("topup", D("1000.00"), "wechat"), ("bonus", D("200.00"), None)]
        assert card.balance == D("1200.00") and card.card_no.startswith(store.code)
        cards.top_up(card.id, store_id=company_a.stores[1].id, amount="500",
                     payment_method="cash")
        assert cards.topups_by_method(store.id, today_for_store()) == {"wechat": D("1000.00")}
        assert cards.topups_by_method(company_a.stores[1].id, today_for_store()) == {
            "cash": D("500.00")}
        assert cards.ledger_sums(card.id) == (D("1700.00"), 0)


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "stored_value", "amount": "0", "payment_method": "cash"}, "amount"),
    ({"kind": "stored_value", "amount": "100", "payment_method": "stored_value"},
     "payment_method"),
    ({"kind": "stored_value", "amount": "100", "bonus": "-1", "payment_method": "cash"},
     "bonus"),
    ({"kind": "gift", "amount": "100", "payment_method": "cash"}, "kind"),
    ({"kind": "package", "amount": "100", "payment_method": "cash", "count": 5}, "service_item_id"),
    ({"kind": "package", "amount": "100", "payment_method": "cash", "count": 0,
      "service_item_id": "foot"}, "count"),
    ({"kind": "package", "amount": "100", "payment_method": "cash", "count": 5,
      "service_item_id": "foot", "expires_on": date(2000, 1, 1)}, "expires_on"),
])
def test_issue_refuses_bad_input_naming_the_field(company_a, values, field):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        if values.get("service_item_id") == "foot":
            values = {**values, "service_item_id": items["foot"].id}
        with pytest.raises(cards.CardError) as error:
            cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id, **values)
        assert field in error.value.fields
        assert db.session.scalar(select(MemberCard.id)) is None


def test_ledger_sums_equal_the_cached_balance_after_every_operation(company_a):
    """Property-style: a random walk of top-ups, spends (some refused) and refunds."""
    rng = random.Random(20261127)
    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        stores = [s.id for s in company_a.stores]
        card = cards.issue_card(customer_id=customer.id, store_id=stores[0],
                                kind="stored_value", amount="50", payment_method="cash")
        refused = 0
        for _step in range(120):
            store_id = rng.choice(stores)
            amount = D(rng.randint(1, 30000)) / 100
            operation = rng.choice(("topup", "spend", "spend", "refund"))
            try:
                if operation == "topup":
                    cards.top_up(card.id, store_id=store_id, amount=amount,
                                 bonus=rng.choice(("0", "5.50")), payment_method="alipay")
                elif operation == "spend":
                    cards.spend_stored_value(card.id, store_id=store_id, amount=amount,
                                             order_id=None)
                else:
                    cards.refund_to_card(card.id, store_id=store_id, amount=amount,
                                         order_id=None)
            except cards.CardError:
                refused += 1
            db.session.expire_all()
            fresh = db.session.get(MemberCard, card.id)
            assert fresh.balance >= 0
            assert cards.ledger_sums(card.id) == (fresh.balance, fresh.remaining_count)
            last = cards.ledger_of(card.id)[0]
            assert last.balance_after == fresh.balance
        assert refused > 0  # the walk did try to overdraw


def test_package_card_ledger_counts_and_money_stay_consistent(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="package", service_item_id=items["ear"].id, count=3,
                                amount="100.00", payment_method="bank_card",
                                expires_on=today_for_store() + timedelta(days=90))
        values = []
        for _use in range(3):
            entry = cards.use_package(card.id, store_id=company_a.stores[1].id,
                                      service_item_id=items["ear"].id, count=1, order_id=None)
            values.append(-entry.amount)
            assert cards.ledger_sums(card.id) == (card.balance, card.remaining_count)
        assert values == [D("33.33"), D("33.34"), D("33.33")] and sum(values) == D("100.00")
        with pytest.raises(cards.CardError):
            cards.use_package(card.id, store_id=company_a.stores[0].id,
                              service_item_id=items["ear"].id, count=1, order_id=None)


def test_an_expired_package_card_is_refused(company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="package", service_item_id=items["ear"].id, count=3,
                                amount="100.00", payment_method="cash")
        card.expires_on = today_for_store() - timedelta(days=1)
        with pytest.raises(cards.CardError) as error:
            cards.use_package(card.id, store_id=company_a.stores[0].id,
                              service_item_id=items["ear"].id, count=1, order_id=None)
        assert "过期" in error.value.message


def test_the_ledger_is_append_only(company_a):
    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="100", payment_method="cash")
        db.session.commit()
        entry = cards.ledger_of(card.id)[0]
        entry.amount = D("1000000.00")
        with pytest.raises(cards.CardLedgerIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(cards.ledger_of(card.id)[0])
        with pytest.raises(cards.CardLedgerIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(cards.CardLedgerIsAppendOnly):
            db.session.execute(update(CardLedgerEntry).values(amount=D("1.00")))
        db.session.rollback()
        assert cards.ledger_sums(card.id) == (D("100.00"), 0)


def test_parallel_spends_cannot_overdraw_a_card(app, company_a, backend):
    """Ten spends of 30 at once on a card of 100, each in its own session: three pass."""
    if backend["name"] != "postgresql":
        pytest.skip("SQLite serializes every writer on the whole database: row locks "
                    "(SELECT … FOR UPDATE) are what this proves, on PostgreSQL")
    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="100", payment_method="cash")
        db.session.commit()
        card_id = card.id
    stores = [s.id for s in company_a.stores]
    workers = 10
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def spend(n: int) -> None:
        with app.app_context(), tenant_context(company_a.tenant_id):
            try:
                barrier.wait(timeout=10)
                cards.spend_stored_value(card_id, store_id=stores[n % 2], amount=D("30.00"),
                                         order_id=None)
                db.session.commit()
                result = "ok"
            except cards.CardError:
                db.session.rollback()
                result = "refused"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=spend, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 7
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        fresh = db.session.get(MemberCard, card_id)
        assert fresh.balance == D("10.00")
        assert cards.ledger_sums(card_id) == (D("10.00"), 0)


def test_parallel_checkouts_in_two_stores_share_one_card_without_overdraw(
        app, company_a, backend, api_token):
    """End to end: six API checkouts of ¥36 at once, three per store, card of ¥100."""
    if backend["name"] != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite locks the whole database)")
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="100", payment_method="cash")
        order_ids = []
        for n in range(6):
            order, _ = served_order(company_a, products=[(items["tea"], 2)],
                                    customer=customer, store_index=n % 2, finish=False)
            order_ids.append(order.id)
        db.session.commit()
        card_id = card.id
    headers = api_token(company_a, "owner")
    barrier = threading.Barrier(len(order_ids))
    codes: list[int] = []
    lock = threading.Lock()

    def pay(order_id: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post(f"/api/v1/orders/{order_id}/checkout", headers=headers, json={
            "payments": [{"method": "stored_value", "card_id": card_id, "amount": "36.00"}]})
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=pay, args=(order_id,)) for order_id in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200, 200, 422, 422, 422, 422]
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        assert db.session.get(MemberCard, card_id).balance == D("28.00")
        assert cards.ledger_sums(card_id) == (D("28.00"), 0)


def test_cross_store_settlement(company_a):
    """A card of store 1 (1000 + 200 bonus) spends 600 in store 2 and is topped up there."""
    with tenant_context(company_a.tenant_id):
        one, two = company_a.stores
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=one.id, kind="stored_value",
                                amount="1000", bonus="200", payment_method="wechat")
        cards.spend_stored_value(card.id, store_id=two.id, amount=D("600.00"), order_id=None)
        cards.spend_stored_value(card.id, store_id=one.id, amount=D("100.00"), order_id=None)
        cards.refund_to_card(card.id, store_id=two.id, amount=D("60.00"), order_id=None)
        # real money over the card's life: 1500 paid of 1700 loaded, after this top-up in store 2
        cards.top_up(card.id, store_id=two.id, amount="500", payment_method="cash")
        today = today_for_store()
        rows = cards.card_settlement(today, today)
        assert len(rows) == 1
        row = rows[0]
        assert (row.issuing_store.id, row.spending_store.id) == (one.id, two.id)
        assert row.spent == D("540.00")  # 600 spent − 60 put back
        assert row.spent_money == D("476.47")  # 540 × 1500/1700
        assert row.received == D("500.00")
        # store 2 holds 500 of store 1's money and is owed 476.47: it pays back 23.53
        assert row.owed_to_spending_store == D("-23.53")
        assert cards.net_between_stores(rows) == [(two, one, D("23.53"))]
        assert cards.card_settlement(today - timedelta(days=2), today - timedelta(days=1)) == []


def test_settlement_page_for_finance_only(app, client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[0].id,
                                kind="stored_value", amount="300", payment_method="cash")
        cards.spend_stored_value(card.id, store_id=company_a.stores[1].id, amount=D("120"),
                                 order_id=None)
        db.session.commit()
        today = today_for_store().isoformat()
    auth.login_as(company_a, "finance_staff")
    page = client.get(f"/finance/card-settlement?date_from={today}&date_to={today}")
    assert page.status_code == 200 and "¥120.00" in page.text
    assert client.get("/finance/card-settlement?date_from=x").status_code == 400
    auth.logout()
    auth.login_as(company_a, "cashier")
    assert client.get("/finance/card-settlement").status_code == 403


def test_card_pages_issue_top_up_and_show_the_ledger(app, client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        customer = make_customer(phone="13912345678")
        db.session.commit()
        customer_id = customer.id
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "cashier")
    assert client.get(f"/store/{store_id}/cards/new").status_code == 200
    unknown = client.post(f"/store/{store_id}/cards/new", data={
        "customer_phone": "13000000000", "kind": "stored_value", "amount": "1000",
        "payment_method": "cash"})
    assert unknown.status_code == 422 and 'data-field-error="customer_phone"' in unknown.text
    made = client.post(f"/store/{store_id}/cards/new", data={
        "customer_phone": "13912345678", "kind": "stored_value", "amount": "1000",
        "bonus": "200", "payment_method": "wechat"})
    assert made.status_code == 302
    page = client.get(made.location)
    assert page.status_code == 200 and "¥1200.00" in page.text
    with tenant_context(company_a.tenant_id):
        card_id = db.session.scalar(select(MemberCard.id))
    bad = client.post(f"/store/{store_id}/cards/{card_id}/top-up",
                      data={"amount": "-3", "payment_method": "cash"})
    assert bad.status_code == 422 and 'data-field-error="amount"' in bad.text
    ok = client.post(f"/store/{store_id}/cards/{card_id}/top-up",
                     data={"amount": "300", "payment_method": "alipay"})
    assert ok.status_code == 302
    detail = client.get(f"/store/cards/{card_id}")
    assert detail.text.count('data-ledger-kind="topup"') == 2
    assert 'data-testid="card-balance">¥1500.00<' in detail.text
    found = client.get("/store/cards?q=5678")
    assert f'data-card-id="{card_id}"' in found.text
    mine = client.get(f"/store/customers/{customer_id}/cards")
    assert mine.status_code == 200 and f'data-card-id="{card_id}"' in mine.text
    # a store-2 page is out of the cashier's scope
    assert client.get(f"/store/{company_a.stores[1].id}/cards/new").status_code == 404


def test_cards_api(app, client, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        db.session.commit()
        customer_id, foot_id = customer.id, items["foot"].id
    headers = api_token(company_a, "cashier")
    store_id = company_a.stores[0].id

    def post(url, body):
        return client.post(url, headers=headers, json=body)

    missing = post("/api/v1/cards", {"customer_id": customer_id, "kind": "stored_value"})
    assert missing.status_code == 422
    assert {"store_id", "amount"} <= set(missing.get_json()["error"]["fields"])
    other_store = post("/api/v1/cards", {"customer_id": customer_id, "kind": "stored_value",
                                         "store_id": company_a.stores[1].id, "amount": "10",
                                         "payment_method": "cash"})
    assert "store_id" in other_store.get_json()["error"]["fields"]
    bad_bonus = post("/api/v1/cards", {"customer_id": customer_id, "kind": "stored_value",
                                       "store_id": store_id, "amount": "10", "bonus": "x",
                                       "payment_method": "cash"})
    assert "bonus" in bad_bonus.get_json()["error"]["fields"]
    created = post("/api/v1/cards", {"customer_id": customer_id, "kind": "stored_value",
                                     "store_id": store_id, "amount": "1000", "bonus": "200",
                                     "payment_method": "wechat", "card_no": "VIP-0001"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["balance"] == "1200.00" and [e["kind"] for e in body["ledger"]] == [
        "bonus", "topup"]
    duplicate = post("/api/v1/cards", {"customer_id": customer_id, "kind": "stored_value",
                                       "store_id": store_id, "amount": "1",
                                       "payment_method": "cash", "card_no": "VIP-0001"})
    assert "card_no" in duplicate.get_json()["error"]["fields"]
    package = post("/api/v1/cards", {"customer_id": customer_id, "kind": "package",
                                     "store_id": store_id, "amount": "999",
                                     "payment_method": "cash", "service_item_id": foot_id,
                                     "count": 10})
    assert package.status_code == 201 and package.get_json()["remaining_count"] == 10
    card_id = body["id"]
    topped = post(f"/api/v1/cards/{card_id}/top-up", {"store_id": store_id, "amount": "100",
                                                      "payment_method": "cash"})
    assert topped.status_code == 200 and topped.get_json()["balance"] == "1300.00"
    wrong_kind = post(f"/api/v1/cards/{package.get_json()['id']}/top-up", {
        "store_id": store_id, "amount": "100", "payment_method": "cash"})
    assert "card_id" in wrong_kind.get_json()["error"]["fields"]
    listed = client.get(f"/api/v1/cards?customer_id={customer_id}", headers=headers).get_json()
    assert listed["total"] == 2
    one = client.get(f"/api/v1/cards/{card_id}", headers=headers).get_json()
    assert len(one["ledger"]) == 3
    receptionist = api_token(company_a, "receptionist")
    assert client.get(f"/api/v1/cards/{card_id}", headers=receptionist).status_code == 403


def test_checkout_page_offers_the_customers_cards(app, client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        customer = make_customer()
        card = cards.issue_card(customer_id=customer.id, store_id=company_a.stores[1].id,
                                kind="stored_value", amount="100", payment_method="cash")
        order, _ = served_order(company_a, [items["foot"]], customer=customer)
        db.session.commit()
        order_id, card_id = order.id, card.id
    store_id = company_a.stores[0].id
    auth.login_as(company_a, "cashier")
    page = client.get(f"/store/{store_id}/orders/{order_id}/checkout")
    assert f'name="card_{card_id}_amount"' in page.text
    over = client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                       data={f"card_{card_id}_amount": "128"})
    assert over.status_code == 422 and f'data-field-error="card_{card_id}"' in over.text
    paid = client.post(f"/store/{store_id}/orders/{order_id}/checkout",
                       data={f"card_{card_id}_amount": "100", "cash_amount": "28"})
    assert paid.status_code == 302
    with tenant_context(company_a.tenant_id):
        assert db.session.get(MemberCard, card_id).balance == D("0.00")
        assert checkout.refundable(db.session.get(type(order), order_id)).card_available \
            == D("100.00")


def test_takings_follow_the_business_day_in_the_tenant_time_zone(company_a):
    """Asia/Shanghai, day starts 06:00: 05:59 local still belongs to the evening before."""
    from datetime import UTC, datetime

    with tenant_context(company_a.tenant_id):
        customer = make_customer()
        store = company_a.stores[0]
        card = cards.issue_card(customer_id=customer.id, store_id=store.id, kind="stored_value",
                                amount="1", payment_method="cash")
        for minute, amount in ((59, "10.00"), (60, "20.00")):  # 21:59 and 22:00 UTC
            db.session.add(CardLedgerEntry(
                card_id=card.id, store_id=store.id, kind="topup", amount=D(amount),
                payment_method="alipay", balance_after=D("0"),
                created_at=datetime(2026, 3, 1, 21, 0, tzinfo=UTC) + timedelta(minutes=minute)))
        db.session.flush()
        assert cards.topups_by_method(store.id, date(2026, 3, 1)) == {"alipay": D("10.00")}
        assert cards.topups_by_method(store.id, date(2026, 3, 2)) == {"alipay": D("20.00")}
