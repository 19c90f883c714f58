"""Never below zero under concurrency: requisitions and desk checkouts of the last units.

PostgreSQL only (no ``both_backends``): writers really overlap there.  Each thread has
its own app context, hence its own session and connection.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.blueprints.logistics import stock_moves
from app.blueprints.logistics.models import StockMovement
from app.blueprints.logistics.stock import StockError
from app.blueprints.store import checkout
from app.blueprints.store.models import Order, Payment
from app.extensions import db
from app.tenancy import tenant_context
from tests.logistics.stock_helpers import DAY, D, employee_of, on_hand, stocked_tea, tea_order


def test_eight_takers_of_five_units(app, company_a):
    """5 on hand; 4 requisitions and 4 checkouts of one each at once: exactly 5 pass,
    3 are refused with the reason, nothing goes below zero."""
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        tea, item = stocked_tea(store.id, "5")
        order_ids = [tea_order(store.id, tea, 1).id for _ in range(4)]
        taker = employee_of(store.id).id
        db.session.commit()
        store_id, item_id = store.id, item.id
    barrier = threading.Barrier(8)
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def run(what: str, arg: int) -> None:
        with app.app_context(), tenant_context(company_a.tenant_id):
            try:
                barrier.wait(timeout=10)
                if what == "requisition":
                    stock_moves.requisition(store_id, [{"stock_item_id": item_id,
                                                        "quantity": "1"}],
                                            employee_id=arg, moved_on=DAY)
                else:
                    order = db.session.get(Order, arg)
                    checkout.checkout_order(order, [{"method": "cash", "amount": "18.00"}])
                db.session.commit()
                outcome = ("ok", "")
            except StockError as exc:
                db.session.rollback()
                outcome = ("refused", exc.message)
            finally:
                db.session.remove()
            with lock:
                results.append((what, *outcome))

    threads = [threading.Thread(target=run, args=("requisition", taker)) for _ in range(4)]
    threads += [threading.Thread(target=run, args=("checkout", oid)) for oid in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8, results
    passed = [r for r in results if r[1] == "ok"]
    refused = [r for r in results if r[1] == "refused"]
    assert (len(passed), len(refused)) == (5, 3), results
    assert all("库存不足" in message and "现有 0 壶" in message for _w, _o, message in refused)
    with tenant_context(company_a.tenant_id):
        assert on_hand(store_id, item_id) == D("0")
        total = db.session.scalar(select(func.sum(StockMovement.quantity)).where(
            StockMovement.stock_item_id == item_id, StockMovement.store_id == store_id))
        assert total == D("0")
        paid = sum(1 for w, o, _m in passed if w == "checkout")
        assert db.session.scalar(select(func.count(Payment.id))) == paid
        assert db.session.scalar(select(func.count(Order.id)).where(
            Order.status == "paid")) == paid


def test_opposite_transfers_at_once_both_pass(app, company_a):
    """A→B and B→A of the same item at the same moment: both post (no deadlock), and
    each store ends where it began."""
    from app.blueprints.logistics import stock_moves as moves
    from tests.logistics.stock_helpers import towels

    with tenant_context(company_a.tenant_id):
        a, b = (store.id for store in company_a.stores[:2])
        item_id = towels().id
        moves.receive(a, item_id, "10", unit_cost="4", moved_on=DAY)
        moves.receive(b, item_id, "10", unit_cost="4", moved_on=DAY)
        db.session.commit()
    barrier = threading.Barrier(2)
    done: list[str] = []

    def run(source: int, target: int) -> None:
        with app.app_context(), tenant_context(company_a.tenant_id):
            barrier.wait(timeout=10)
            for _ in range(5):
                moves.transfer(source, target, item_id, "1", moved_on=DAY)
                db.session.commit()
            db.session.remove()
            done.append("ok")

    threads = [threading.Thread(target=run, args=pair) for pair in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert done == ["ok", "ok"]
    with tenant_context(company_a.tenant_id):
        assert (on_hand(a, item_id), on_hand(b, item_id)) == (D("10"), D("10"))
