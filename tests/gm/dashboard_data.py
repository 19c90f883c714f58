"""Rollup rows and a day's source rows written by hand for the dashboard's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.blueprints.gm.models import StoreDayRollup, StoreTarget
from app.blueprints.store.models import Feedback, OrderLine, ServiceJob
from app.extensions import db
from tests.finance import pnl_data

M = Decimal


def rollup(store_id: int, on: date, **values) -> StoreDayRollup:
    """A stored rollup row; money as strings, counts as ints."""
    money = {"revenue", "paid_voucher", "refunds", "card_sales", "card_balance_change"}
    row = StoreDayRollup(store_id=store_id, business_date=on,
                         **{k: M(v) if k in money else v for k, v in values.items()})
    db.session.add(row)
    db.session.flush()
    return row


def history(store_ids: list[int], days: list[date], seed: int = 1) -> list[StoreDayRollup]:
    """A row per store and day with figures varying by day (for sums and counts)."""
    rows = []
    for s, store_id in enumerate(store_ids):
        for d, on in enumerate(days):
            k = seed + s * 7 + d
            rows.append(rollup(
                store_id, on, revenue=f"{1000 + k * 13}.{k % 100:02d}",
                paid_voucher=f"{100 + k}.00", refunds=f"{k % 3}.50", refund_count=k % 3,
                card_sales=f"{200 + k * 2}.00", cards_sold=k % 4, orders=20 + k,
                guests=25 + k, jobs=30 + k, jobs_requested=10 + k % 5, jobs_addon=k % 6,
                jobs_returned=k % 2, job_minutes=1800 + k * 10, duty_minutes=4800 + k,
                ratings=5 + k % 3, rating_total=23 + k % 3 * 4, low_ratings=k % 2,
                complaints=k % 2))
    return rows


def target(store_id: int, month: date, revenue: str, guests: int, card_sales: str
           ) -> StoreTarget:
    row = StoreTarget(store_id=store_id, month=month, revenue=M(revenue), guests=guests,
                      card_sales=M(card_sales))
    db.session.add(row)
    db.session.flush()
    return row


def served_order(store_id: int, on: date, therapist, amount: str = "88.00", *,
                 requested: bool = False, rating: int | None = 5):
    """A paid order today with one finished 60-minute job of ``therapist`` and its
    rating: source rows the live part of the dashboard reads."""
    order = pnl_data.pay(pnl_data.Ledger(), store_id, on, "cash", amount)
    line = OrderLine(order_id=order.id, store_id=store_id, name="足浴60分钟",
                     unit_price=M(amount), amount=M(amount))
    db.session.add(line)
    db.session.flush()
    started = datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=6)
    job = ServiceJob(store_id=store_id, business_day_id=order.business_day_id,
                     order_id=order.id, order_line_id=line.id, therapist_id=therapist.id,
                     job_type="requested" if requested else "rotation", status="finished",
                     started_at=started, planned_end_at=started + timedelta(minutes=60),
                     ended_at=started + timedelta(minutes=60))
    db.session.add(job)
    db.session.flush()
    if rating is not None:
        db.session.add(Feedback(store_id=store_id, order_id=order.id, job_id=job.id,
                                therapist_id=therapist.id, rating=rating))
        db.session.flush()
    return order, job


def card(store_id: int, balance: str, kind: str = "stored_value", n: int = 1):
    """A member card issued by ``store_id`` with ``balance`` on it now."""
    from app.blueprints.store.models import Customer, MemberCard

    customer = Customer(name=f"会员{n}", phone=f"1390000{store_id:02d}{n:02d}",
                        phone_tail=f"{store_id:02d}{n:02d}")
    db.session.add(customer)
    db.session.flush()
    member = MemberCard(card_no=f"D{customer.id:05d}", customer_id=customer.id, kind=kind,
                        issued_store_id=store_id, balance=M(balance))
    db.session.add(member)
    db.session.flush()
    return member
