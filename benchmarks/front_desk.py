"""Front-desk benchmark: time assign / finish / checkout through the real services.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.front_desk --scale chain-50 --actions 1000

It builds the scale company if it is missing (``flask demo load --scale …``),
then a busy day in the first store: every therapist clocked in on the rotation
board, a backlog of orders waiting for a room.  Then, in rounds as large as the
store's rooms and therapists allow, it times each action with its commit (a
request commits once): 轮钟 ``dispatch.assign_rotation``, 下钟
``dispatch.finish_job``, 结账 ``checkout.checkout_order``.  The setup between
actions (opening orders, the cleaner freeing rooms) is not timed.  For each
action it prints the count, median, p95 and max time, and the SQL statements
per action (counted with a ``before_cursor_execute`` listener).

A service that does not exist yet is reported "not available"; what the other
actions need from it is then done directly on the tables (untimed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ACTIONS = ("assign", "finish", "checkout")
WAITING_BACKLOG = 30


@dataclass
class Timing:
    name: str
    seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    available: bool = True
    note: str = ""

    def line(self) -> str:
        if not self.available:
            return f"{self.name:<9} not available ({self.note})"
        if not self.seconds:
            return f"{self.name:<9} no successful action ({len(self.errors)} errors: " \
                   f"{self.errors[:1]})"
        ms = sorted(s * 1000 for s in self.seconds)
        p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
        stm = self.statements
        return (f"{self.name:<9} n={len(ms):<5} median {statistics.median(ms):7.2f} ms  "
                f"p95 {p95:7.2f} ms  max {ms[-1]:8.2f} ms  "
                f"statements/action median {statistics.median(stm):.0f} max {max(stm)}"
                + (f"  errors {len(self.errors)}" if self.errors else ""))


def _service(module: str, name: str) -> Callable | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


class StatementCounter:
    """Counts statements sent to the database (before_cursor_execute)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def close(self):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)


def run_benchmark(scale: str = "small", actions: int = 1000, echo: Callable = print) -> dict:
    """Run inside an app context; returns the timings by action (and prints them)."""
    from sqlalchemy import func, select

    from app.blueprints.store import orders
    from app.blueprints.store.days import get_business_day, today_for_store
    from app.blueprints.store.models import (
        BoardEntry,
        Order,
        OrderLine,
        ServiceItem,
        ServiceJob,
    )
    from app.demo.scale import SCALES, build_scale
    from app.extensions import db
    from app.models import Account, Employee, Position, Room, Store
    from app.models.base import utcnow
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code
    from app.validation import InputError

    assign_rotation = _service("app.blueprints.store.dispatch", "assign_rotation")
    finish_job = _service("app.blueprints.store.dispatch", "finish_job")
    clock_in = _service("app.blueprints.store.dispatch", "clock_in")
    checkout_order = _service("app.blueprints.store.checkout", "checkout_order")
    price_order = _service("app.blueprints.store.checkout", "price_order")

    spec = SCALES[scale]
    tenant = find_tenant_by_code(spec.code)
    if tenant is None:
        echo(f"Building scale {scale} first …")
        build_scale(scale, echo=echo)
        tenant = find_tenant_by_code(spec.code)
    timings = {name: Timing(name) for name in ACTIONS}
    if assign_rotation is None:
        timings["assign"].available, timings["assign"].note = False, "dispatch.assign_rotation"
    if finish_job is None:
        timings["finish"].available, timings["finish"].note = False, "dispatch.finish_job"
    if checkout_order is None or price_order is None:
        timings["checkout"].available, timings["checkout"].note = False, \
            "checkout.checkout_order"

    engine = db.engine
    counter = StatementCounter(engine)
    try:
        with tenant_context(tenant.id):
            store = db.session.scalar(select(Store).order_by(Store.code))
            item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ZL60"))
            rooms = list(db.session.scalars(select(Room).where(Room.store_id == store.id)
                                            .order_by(Room.number)))
            therapists = list(db.session.scalars(
                select(Employee).join(Position, Position.id == Employee.position_id)
                .where(Employee.store_id == store.id, Position.role == "therapist")
                .order_by(Employee.employee_no)))
            actor = db.session.scalar(select(Account).where(Account.role == "cashier")) or \
                db.session.scalar(select(Account).where(Account.role == "owner"))
            total_orders = db.session.scalar(select(func.count(Order.id)))
            echo(f"Front-desk benchmark: scale {scale} ({engine.dialect.name}), company "
                 f"{spec.code} with {total_orders} orders; store {store.code}: "
                 f"{len(rooms)} rooms, {len(therapists)} therapists; {actions} actions each")

            # The busy day: the board full, rooms free, a backlog in the waiting area.
            day = get_business_day(store.id, today_for_store())
            on_board = set(db.session.scalars(select(BoardEntry.therapist_id)
                                              .where(BoardEntry.business_day_id == day.id)))
            for n, therapist in enumerate(therapists, start=1):
                if therapist.id in on_board:
                    continue
                if clock_in is not None:
                    # The dispatcher confirms a rest day (a busy day calls everyone in)
                    # and leaves off whoever the desk refuses (an expired 健康证).
                    try:
                        clock_in(store.id, therapist.id, actor, confirm_rest_day=True)
                    except InputError:
                        continue
                else:
                    db.session.add(BoardEntry(business_day_id=day.id, store_id=store.id,
                                              therapist_id=therapist.id, position=n))
            for room in rooms:
                room.status = "free"
            waiting = db.session.scalar(select(func.count(Order.id)).where(
                Order.business_day_id == day.id, Order.status == "waiting"))
            for _ in range(max(0, WAITING_BACKLOG - waiting)):
                orders.open_order(store.id, guest_name="等位客人")
            db.session.commit()

            per_round = max(1, min(len(rooms), len(therapists)))
            done = 0
            while done < actions:
                batch = min(per_round, actions - done)
                lines = []
                for room in rooms[:batch]:  # untimed: the guests check in
                    order = orders.open_order(store.id, room_id=room.id, guest_name="压测")
                    lines.append(orders.add_service_line(order, item.id))
                db.session.commit()
                jobs = []
                for line in lines:
                    if assign_rotation is None:
                        jobs.append(_direct_job(line, therapists[len(jobs)], day, item))
                        continue
                    job = _timed(timings["assign"], counter, db,
                                 lambda line=line: assign_rotation(line, actor))
                    if job is not None:
                        jobs.append(job)
                db.session.commit()
                order_ids = [job.order_id for job in jobs]
                for job in jobs:
                    if finish_job is None:
                        job.status, job.ended_at = "finished", utcnow()
                        orders.after_job_ended(db.session.get(Order, job.order_id))
                        continue
                    _timed(timings["finish"], counter, db,
                           lambda job=job: finish_job(job, actor, reason="benchmark"))
                db.session.commit()
                for order_id in order_ids:
                    order = db.session.get(Order, order_id)
                    if checkout_order is None or price_order is None:
                        order.status, order.total = "paid", item.price
                        continue
                    if order.status != "to_pay":
                        continue
                    total = price_order(order).total  # the cashier sees the bill first
                    _timed(timings["checkout"], counter, db,
                           lambda order=order, total=total: checkout_order(
                               order, [{"method": "wechat", "amount": str(total)}],
                               actor=actor))
                for room in rooms[:batch]:  # untimed: the cleaner frees the rooms
                    room.status = "free"
                db.session.commit()
                done += batch
            lines_today = db.session.scalar(select(func.count(OrderLine.id)).join(
                Order, Order.id == OrderLine.order_id).where(Order.business_day_id == day.id))
            jobs_today = db.session.scalar(select(func.count(ServiceJob.id)).where(
                ServiceJob.business_day_id == day.id))
    finally:
        counter.close()
    echo(f"Today in {store.code} after the run: {lines_today} lines, {jobs_today} jobs.")
    for timing in timings.values():
        echo("  " + timing.line())
    return timings


def _timed(timing: Timing, counter: StatementCounter, db, action: Callable):
    """Run one action and its commit; keep its time and statement count."""
    before = counter.count
    started = time.perf_counter()
    try:
        result = action()
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - a failed action is reported, not fatal
        db.session.rollback()
        timing.errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
        return None
    timing.seconds.append(time.perf_counter() - started)
    timing.statements.append(counter.count - before)
    return result


def _direct_job(line, therapist, day, item):
    """Without the dispatch service: start the job on the table (untimed)."""
    from datetime import timedelta

    from app.blueprints.store.models import Order, ServiceJob
    from app.extensions import db
    from app.models.base import utcnow

    order = db.session.get(Order, line.order_id)
    now = utcnow()
    job = ServiceJob(store_id=line.store_id, business_day_id=day.id, order_id=order.id,
                     order_line_id=line.id, therapist_id=therapist.id, room_id=order.room_id,
                     job_type="rotation", started_at=now,
                     planned_end_at=now + timedelta(minutes=item.duration_minutes))
    db.session.add(job)
    db.session.flush()
    return job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("chain-50", "small"), default="chain-50")
    parser.add_argument("--actions", type=int, default=None,
                        help="actions of each kind (default 1000; small: 100)")
    args = parser.parse_args(argv)
    actions = args.actions or (1000 if args.scale == "chain-50" else 100)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    app = create_app()
    with app.app_context():
        run_benchmark(args.scale, actions)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
