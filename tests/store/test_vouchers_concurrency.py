"""团购 under concurrency: two cashiers redeem one voucher code at the same moment.

PostgreSQL only (no ``both_backends``): two writers really overlap there, while SQLite
serializes every writer on the whole database, so the race cannot happen on it.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.blueprints.store.models import Order, Payment
from app.extensions import db
from app.tenancy import tenant_context
from tests.store.test_vouchers import _foot_order


def test_two_cashiers_redeem_one_code_at_once(app, company_a, api_token):
    """Two stores (two business-day locks) take the same code at the same moment: one
    checkout passes, the other is a 422 naming the code, and its order is unchanged."""
    with tenant_context(company_a.tenant_id):
        first, items = _foot_order(company_a, store_index=0)
        second, _ = _foot_order(company_a, store_index=1, items=items)
        db.session.commit()
        order_ids = [first.id, second.id]
    headers = api_token(company_a, "owner")
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def pay(order_id: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post(f"/api/v1/orders/{order_id}/checkout", headers=headers, json={
            "payments": [{"method": "voucher", "voucher_platform": "meituan",
                          "voucher_code": "SAME01", "amount": "128"}]})
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=pay, args=(order_id,)) for order_id in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(code for code, _body in answers) == [200, 422], answers
    refused = next(body for code, body in answers if code == 422)
    assert "payments.0.voucher_code" in refused["error"]["fields"]
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        statuses = sorted(db.session.get(Order, oid).status for oid in order_ids)
        assert statuses == ["paid", "to_pay"]
        assert db.session.scalar(select(func.count(Payment.id))) == 1
