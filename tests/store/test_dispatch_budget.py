"""The front desk's SQL budget (the front-desk performance issue): each dispatch
verb, with its commit, sends at most 15 statements, and the count does not grow
with the size of the store or its history.

Each verb is measured as the benchmark measures it (benchmarks/front_desk.py):
the objects it is given come from an earlier commit (expired, as in a request),
and a ``before_cursor_execute`` listener counts the statements of the verb and
its commit.  A small store (company A: 5 therapists, no history) and a large one
(company B: 40 therapists, 200 past orders with their jobs and board log) must
give the same count.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app.blueprints.store import dispatch, orders
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import DispatchLog, Order, OrderLine, ServiceJob
from app.extensions import db
from app.models import Room
from app.models.base import utcnow
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists

BUDGET = 15
SMALL = {"therapists": 5, "history": 0}
LARGE = {"therapists": 40, "history": 200}


class Statements:
    """The SQL statements sent to the database inside the block."""

    def __init__(self):
        self.sql: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        self.sql.append(" ".join(statement.split())[:160])

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def __len__(self):
        return len(self.sql)

    def __str__(self):
        return "\n".join(f"{n:3d} {sql}" for n, sql in enumerate(self.sql, 1))


class Desk:
    """One store of a company with ``therapists`` on the board (all do 足疗 and
    精油, 801 first) and ``history`` finished, paid orders: half on earlier
    business days, half earlier today (each with its job and board log row)."""

    def __init__(self, company, therapists: int, history: int):
        self.company = company
        self.store = company.stores[0]
        self.actor = company.accounts["dispatcher"]
        with tenant_context(company.tenant_id):
            self.items = make_catalogue()
            self.therapists = make_therapists(self.store.id, therapists,
                                              qualified=[self.items["foot"], self.items["oil"]])
            for therapist in self.therapists:
                dispatch.clock_in(self.store.id, therapist.id, self.actor)
            self._history(history)
            db.session.commit()

    def _history(self, count: int) -> None:
        today = today_for_store()
        days = [get_business_day(self.store.id, today - timedelta(days=n)) for n in (1, 2, 0)]
        room = next(r for r in self.company.rooms if r.store_id == self.store.id)
        foot = self.items["foot"]
        now = utcnow()
        for n in range(count):
            day = days[0] if n < count // 4 else days[1] if n < count // 2 else days[2]
            day.last_order_seq += 1
            order = Order(store_id=self.store.id, business_day_id=day.id,
                          seq=day.last_order_seq, room_id=room.id, status="paid",
                          total=foot.price, closed_at=now)
            db.session.add(order)
            db.session.flush()
            line = OrderLine(order_id=order.id, store_id=self.store.id, kind="service",
                             service_item_id=foot.id, name=foot.name, unit_price=foot.price,
                             amount=foot.price)
            db.session.add(line)
            db.session.flush()
            therapist = self.therapists[n % len(self.therapists)]
            started = now - timedelta(hours=3, minutes=n)
            job = ServiceJob(store_id=self.store.id, business_day_id=day.id, order_id=order.id,
                             order_line_id=line.id, therapist_id=therapist.id, room_id=room.id,
                             job_type="rotation" if n % 3 else "requested", status="finished",
                             started_at=started, planned_end_at=started + timedelta(hours=1),
                             ended_at=started + timedelta(hours=1))
            db.session.add(job)
            db.session.flush()
            if day is days[2]:
                db.session.add(DispatchLog(
                    business_day_id=day.id, store_id=self.store.id, action="finish",
                    rule="history", therapist_id=therapist.id, job_id=job.id,
                    order_id=order.id, queue_before=[], queue_after=[], passed_over=[]))
        db.session.flush()

    def line(self, item: str = "foot") -> OrderLine:
        """A guest seated in a free room of the store with one service line (committed)."""
        with tenant_context(self.company.tenant_id):
            room = next(r for r in self.company.rooms
                        if r.store_id == self.store.id and r.status == "free")
            order = orders.open_order(self.store.id, room_id=room.id)
            line = orders.add_service_line(order, self.items[item].id)
            db.session.commit()
            return line

    def item_id(self, name: str) -> int:
        with tenant_context(self.company.tenant_id):
            return self.items[name].id

    def job(self, requested: bool = False) -> ServiceJob:
        """A running job (rotation, or 点钟 of 802), committed."""
        line = self.line()
        with tenant_context(self.company.tenant_id):
            job = (dispatch.assign_requested(line, "802", self.actor) if requested
                   else dispatch.assign_rotation(line, self.actor))
            db.session.commit()
            return job

    def measure(self, action) -> Statements:
        """Statements of ``action()`` and its commit (objects expired, as in a request)."""
        with tenant_context(self.company.tenant_id):
            db.session.commit()
            with Statements() as statements:
                result = action()
                db.session.commit()
            assert result is not None
            return statements

    def free_rooms(self) -> None:
        """The cleaner frees the store's rooms (between measurements)."""
        with tenant_context(self.company.tenant_id):
            for room in self.company.rooms:
                db.session.get(Room, room.id).status = "free"
            db.session.commit()


@pytest.fixture
def desks(company_a, company_b):
    return Desk(company_a, **SMALL), Desk(company_b, **LARGE)


def _assign_rotation(desk):
    line = desk.line()
    return lambda: dispatch.assign_rotation(line, desk.actor)


def _assign_requested(desk):
    line = desk.line()
    return lambda: dispatch.assign_requested(line, "803", desk.actor)


def _finish(requested):
    def prepare(desk):
        job = desk.job(requested=requested)
        return lambda: dispatch.finish_job(job, desk.actor, reason="客人提前结束")
    return prepare


def _return(requested):
    def prepare(desk):
        job = desk.job(requested=requested)
        return lambda: dispatch.return_job(job, desk.actor, "手法太重")
    return prepare


def _add_on(desk):
    job, item_id = desk.job(), desk.item_id("oil")
    return lambda: dispatch.add_on(job, item_id, desk.actor)


# name -> prepare(desk): sets the scene (committed), returns the action to measure
ACTIONS = {
    "assign_rotation": _assign_rotation,
    "assign_requested": _assign_requested,
    "finish_job (rotation)": _finish(requested=False),
    "finish_job (requested)": _finish(requested=True),
    "return_job (rotation)": _return(requested=False),
    "return_job (requested)": _return(requested=True),
    "add_on": _add_on,
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_desk_action_is_within_budget_and_does_not_grow(desks, name):
    counts = []
    for desk in desks:
        statements = desk.measure(ACTIONS[name](desk))
        print(f"\n{name}, {len(desk.therapists)} therapists: {len(statements)} statements\n"
              f"{statements}")
        assert len(statements) <= BUDGET, f"{name}: {len(statements)} statements\n{statements}"
        counts.append(len(statements))
        desk.free_rooms()
    assert counts[0] == counts[1], f"{name}: grows with the store ({counts})"


def test_finishing_a_job_with_its_add_on_is_within_budget(desks):
    counts = []
    for desk in desks:
        job = desk.job()
        with tenant_context(desk.company.tenant_id):
            dispatch.add_on(job, desk.item_id("oil"), desk.actor)
            db.session.commit()
        statements = desk.measure(lambda job=job, desk=desk: dispatch.finish_job(job, desk.actor,
                                                                        reason="客人提前结束"))
        assert len(statements) <= BUDGET, str(statements)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
