"""Demo history: a small slice is consistent with the desk's rules, and idempotent."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.blueprints.store.closing import compute_closing
from app.blueprints.store.days import DayLockedError, lock_today, today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Customer,
    Feedback,
    MemberCard,
    Order,
    OrderLine,
    Payment,
    ServiceItem,
    ServiceJob,
)
from app.demo.history import load_history
from app.demo.loader import load_demo
from app.extensions import db
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code
from tests.conftest import empty_database

# Also on SQLite: the demo history (bulk inserts, money sums) on both engines.
pytestmark = pytest.mark.both_backends

DAYS = 4


@pytest.fixture(scope="module")
def loaded_history(backend, session_app, tmp_path_factory):
    """The history, loaded once for the module's tests, which only read it.

    What a test writes goes with its session, except on SQLite, where the savepoint
    of ``get_business_day`` (today's day, test_past_days_are_locked_with_their_closing)
    commits: there each test gets the loaded file back, as conftest copies the empty one.
    """
    with session_app.app_context():
        load_demo()
        result = load_history("yuezu", days=DAYS, customers=300)
        db.session.commit()
        db.session.remove()
    snapshot = None
    if backend["name"] == "sqlite":
        for engine in backend["engines"]:
            engine.dispose()
        snapshot = tmp_path_factory.mktemp("history") / "history.sqlite"
        shutil.copyfile(backend["path"], snapshot)
    yield result, snapshot
    empty_database(backend)


@pytest.fixture
def database_url(backend, loaded_history):
    """This module's tests share ``loaded_history``'s database (conftest's would empty
    it after every test)."""
    yield backend["url"]
    _result, snapshot = loaded_history
    if snapshot is not None:
        for engine in backend["engines"]:
            engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{backend['path']}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(snapshot, backend["path"])


@pytest.fixture
def history(app, loaded_history):
    return loaded_history[0]


def _in_yuezu():
    return tenant_context(find_tenant_by_code("yuezu").id)


def test_history_is_realistic_in_size_and_mix(app, history):
    assert history.days == DAYS and not history.skipped
    with _in_yuezu():
        per_day = Counter(db.session.execute(
            select(Order.business_day_id)).scalars())
        assert len(per_day) == 6 * DAYS
        assert all(25 <= n <= 70 for n in per_day.values()), per_day
        items = db.session.scalars(select(ServiceItem)).all()
        assert {"足疗 60 分钟", "中式推拿 60 分钟", "精油开背 90 分钟", "采耳 30 分钟"} <= {
            i.name for i in items}
        assert all(Decimal("68") <= i.price <= Decimal("398") for i in items)
        jobs = Counter(db.session.execute(
            select(ServiceJob.job_type).where(ServiceJob.status == "finished",
                                              ServiceJob.is_addon.is_(False))).scalars())
        share = jobs["requested"] / (jobs["requested"] + jobs["rotation"])
        assert 0.2 <= share <= 0.4, share
        assert db.session.scalar(select(func.count()).where(ServiceJob.is_addon)) > 0
        methods = Counter(db.session.execute(select(Payment.method)).scalars())
        assert methods["wechat"] > methods["cash"] and methods["alipay"] > methods["cash"]
        assert methods["stored_value"] > 0
        assert db.session.scalar(select(func.count(Customer.id))) == 300
        ratings = Counter(db.session.execute(select(Feedback.rating)).scalars())
        assert (ratings[5] + ratings[4]) / sum(ratings.values()) > 0.85


def test_no_therapist_has_two_overlapping_jobs(app, history):
    with _in_yuezu():
        jobs = db.session.execute(
            select(ServiceJob.therapist_id, ServiceJob.started_at, ServiceJob.ended_at)
            .order_by(ServiceJob.therapist_id, ServiceJob.started_at)).all()
        assert len(jobs) > 100  # the history's weeks of jobs are there to check
        last_end = {}
        for therapist, start, end in jobs:
            assert end > start
            if therapist in last_end:
                assert start >= last_end[therapist], therapist
            last_end[therapist] = end


def test_paid_orders_payments_sum_to_totals_and_lines(app, history):
    with _in_yuezu():
        paid = defaultdict(Decimal)
        for order_id, amount in db.session.execute(
                select(Payment.order_id, Payment.amount).where(Payment.refund_id.is_(None))):
            paid[order_id] += amount
        lines = defaultdict(Decimal)
        for order_id, amount in db.session.execute(
                select(OrderLine.order_id, OrderLine.amount).where(OrderLine.status == "active")):
            lines[order_id] += amount
        orders = db.session.scalars(select(Order)).all()
        assert sum(1 for order in orders if order.status == "paid") > 100
        for order in orders:
            if order.status == "paid":
                assert paid[order.id] == order.total, order.id
                assert lines[order.id] == order.subtotal
                assert order.subtotal - order.discount == order.total
            else:
                assert order.status == "cancelled" and paid[order.id] == 0


def test_card_balances_equal_their_ledger(app, history):
    with _in_yuezu():
        sums = dict(db.session.execute(
            select(CardLedgerEntry.card_id, func.sum(CardLedgerEntry.amount))
            .group_by(CardLedgerEntry.card_id)).all())
        cards = db.session.scalars(select(MemberCard)).all()
        assert cards
        for card in cards:
            assert card.balance == sums.get(card.id, 0) and card.balance >= 0


def test_past_days_are_locked_with_their_closing(app, history):
    with _in_yuezu():
        days = db.session.scalars(select(BusinessDay)).all()
        assert all(d.locked_at is not None and d.closing_summary for d in days)
        day = days[0]
        live = compute_closing(day)
        kept = day.closing_summary
        for key in ("revenue", "order_count", "money_received_total", "methods",
                    "therapists", "topup_total"):
            assert kept[key] == live[key], key
        assert all(d.closing_summary["mismatch_count"] == 0 for d in days)
        assert all(d.business_date < today_for_store() for d in days)
        # Today is untouched: the desk works on it as usual.
        assert lock_today(day.store_id).locked_at is None
        with pytest.raises(DayLockedError):
            from app.blueprints.store.days import ensure_open
            ensure_open(day)


def test_loading_again_changes_nothing(app, history):
    with _in_yuezu():
        before = db.session.scalar(select(func.count(Order.id)))
    again = load_history("yuezu", days=DAYS, customers=300)
    assert again.skipped
    with _in_yuezu():
        assert db.session.scalar(select(func.count(Order.id))) == before


def test_new_guests_pay_by_tuangou_and_the_closings_show_it(app, history):
    """团购 is how new guests pay: about one order in five, mostly walk-ins, one voucher
    per code, 美团 ahead of 抖音, the rest of the bill by cash / 微信 / 支付宝; every
    locked 日结 lists the vouchers by platform."""
    with _in_yuezu():
        paid = dict(db.session.execute(
            select(Order.id, Order.customer_id).where(Order.status == "paid")).all())
        vouchers = db.session.execute(
            select(Payment.order_id, Payment.voucher_platform, Payment.voucher_code,
                   Payment.amount, Payment.reference)
            .where(Payment.method == "voucher")).all()
        by_voucher = {order_id for order_id, *_rest in vouchers}
        share = len(by_voucher) / len(paid)
        assert 0.15 <= share <= 0.25, share
        walk_ins = sum(1 for order_id in by_voucher if paid[order_id] is None)
        assert walk_ins / len(by_voucher) > 0.75
        platforms = Counter(platform for _o, platform, *_rest in vouchers)
        assert set(platforms) == {"meituan", "douyin"}
        assert platforms["meituan"] > 2 * platforms["douyin"]
        codes = [(platform, code) for _o, platform, code, *_rest in vouchers]
        assert len(set(codes)) == len(codes)
        assert all(code.isdigit() and len(code) == {"meituan": 12, "douyin": 15}[platform]
                   for platform, code in codes)
        assert all(amount > 0 and reference == "" for *_x, amount, reference in vouchers)
        others = Counter(db.session.execute(
            select(Payment.method).where(Payment.order_id.in_(by_voucher),
                                         Payment.method != "voucher")).scalars())
        assert others and set(others) <= {"cash", "wechat", "alipay"}, others
        # Voucher money is the platform's: never refunded at the desk.
        assert db.session.scalar(select(func.count(Payment.id)).where(
            Payment.method == "voucher", Payment.amount < 0)) == 0
        days = db.session.scalars(select(BusinessDay)).all()
        assert all(d.closing_summary["vouchers_by_platform"] for d in days)
        for day in days[:3]:
            live = compute_closing(day)
            assert day.closing_summary["vouchers_by_platform"] == live["vouchers_by_platform"]
            assert day.closing_summary["methods"]["voucher"] == live["methods"]["voucher"]


def test_floor_details_a_new_user_sees(app, history):
    """Early finishes carry their reason in the dispatch log, some lines a gender wish
    the dispatch kept, a 退钟's line remembers who was returned, one therapist is 停牌."""
    from app.blueprints.store.board_view import board_snapshot
    from app.blueprints.store.models import BoardSuspension, DispatchLog
    from app.models import Employee, Store

    with _in_yuezu():
        early = db.session.execute(
            select(DispatchLog, ServiceJob)
            .join(ServiceJob, ServiceJob.id == DispatchLog.job_id)
            .where(DispatchLog.action == "finish")).all()
        assert early
        for log, job in early:
            assert log.reason and log.therapist_id == job.therapist_id
            planned, ended = job.planned_end_at, job.ended_at
            assert round((planned - ended).total_seconds() / 60) == log.minutes_short > 10
        genders = dict(db.session.execute(select(Employee.id, Employee.gender)).all())
        wished = db.session.execute(
            select(OrderLine.gender_wish, ServiceJob.therapist_id)
            .join(ServiceJob, ServiceJob.order_line_id == OrderLine.id)
            .where(OrderLine.gender_wish.is_not(None), ServiceJob.status == "finished")).all()
        assert Counter(w for w, _t in wished)["female"] > 10
        matched = sum(genders[therapist] == wish for wish, therapist in wished)
        assert matched / len(wished) > 0.9
        returned = defaultdict(list)
        for line_id, therapist in db.session.execute(
                select(ServiceJob.order_line_id, ServiceJob.therapist_id)
                .where(ServiceJob.status == "returned")):
            returned[line_id].append(therapist)
        assert returned
        for line in db.session.scalars(select(OrderLine).where(
                OrderLine.id.in_(list(returned)))):
            assert line.returned_therapist_ids == returned[line.id]
        suspension = db.session.scalar(select(BoardSuspension))
        assert "停牌" in suspension.reason
        gz01 = db.session.scalar(select(Store.id).where(Store.code == "GZ01"))
        assert suspension.store_id == gz01
        assert board_snapshot(gz01).suspended_off_board == {suspension.therapist_id}
