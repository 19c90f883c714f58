"""Concurrency of the rotation board on PostgreSQL (specs/dispatch.md): "two
dispatchers acting at once must never give one therapist two jobs, nor skip or
duplicate a place in the queue … the rule holds under 50 simultaneous requests."

Each worker thread has its own app context, session and connection, waits at a
barrier and then dispatches / finishes / returns at the same moment.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import create_app
from app.blueprints.store import dispatch, orders
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BoardEntry, DispatchLog, OrderLine, ServiceJob
from app.extensions import db
from app.models import Room
from app.tenancy import tenant_context
from app.validation import InputError
from tests.store.helpers import make_catalogue, make_therapists

REQUESTS = 50
THERAPISTS = 30


@pytest.fixture
def postgres_only(backend):
    if backend["name"] != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) and real parallel writers need "
                    "PostgreSQL; SQLite serializes every writer with one file lock")


@pytest.fixture
def worker_app(database_url, postgres_only):
    """A second app whose pool lets all 50 threads hold a connection at once."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": REQUESTS, "max_overflow": 0,
                                                "pool_timeout": 60})
    yield app
    with app.app_context():
        db.engine.dispose()


def _in_parallel(worker_app, tenant_id: int, calls: list) -> list:
    """Run each ``call()`` in its own thread, app context and session, all released
    together; returns ("ok", value) or ("error", InputError) per call."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        with worker_app.app_context(), tenant_context(tenant_id):
            try:
                barrier.wait(timeout=60)
                value = call()
                db.session.commit()
                return "ok", value
            except InputError as error:
                db.session.rollback()
                return "error", error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _actor(company):
    account = company.accounts["dispatcher"]
    return SimpleNamespace(id=account.id, display_name=account.display_name)


def _assert_board_consistent(store_id: int) -> list[BoardEntry]:
    day = get_business_day(store_id, today_for_store(), create=False)
    entries = db.session.scalars(select(BoardEntry).where(BoardEntry.business_day_id == day.id)
                                 .execution_options(populate_existing=True)).all()
    assert sorted(e.position for e in entries) == list(range(1, len(entries) + 1))
    running = db.session.execute(
        select(ServiceJob.therapist_id, func.count(ServiceJob.id))
        .where(ServiceJob.status == "in_service").group_by(ServiceJob.therapist_id)).all()
    assert all(count == 1 for _, count in running), running
    busy = {e.therapist_id for e in entries if e.status == "busy"}
    assert busy == {therapist_id for therapist_id, _ in running}
    return entries


def test_fifty_simultaneous_rotation_assignments(app, company_a, worker_app):
    store = company_a.stores[0]
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        rooms = [Room(store_id=store.id, number=f"8{i:02d}") for i in range(REQUESTS)]
        db.session.add_all(rooms)
        db.session.flush()
        therapists = make_therapists(store.id, THERAPISTS, qualified=[items["foot"]])
        for therapist in therapists:
            dispatch.clock_in(store.id, therapist.id, _actor(company_a))
        line_ids = []
        for room in rooms:
            order = orders.open_order(store.id, room_id=room.id)
            line_ids.append(orders.add_service_line(order, items["foot"].id).id)
        db.session.commit()
    actor = _actor(company_a)

    def assign(line_id):
        return lambda: dispatch.assign_rotation(db.session.get(OrderLine, line_id), actor).id

    results = _in_parallel(worker_app, company_a.tenant_id, [assign(i) for i in line_ids])

    succeeded = [value for outcome, value in results if outcome == "ok"]
    refused = [value for outcome, value in results if outcome == "error"]
    assert len(succeeded) == THERAPISTS and len(refused) == REQUESTS - THERAPISTS
    assert {error.field for error in refused} == {"therapist"}
    db.session.expire_all()
    with tenant_context(company_a.tenant_id):
        jobs = db.session.scalars(select(ServiceJob)).all()
        assert sorted(job.id for job in jobs) == sorted(succeeded)
        assert len({job.therapist_id for job in jobs}) == THERAPISTS  # one job each
        assert len({job.order_line_id for job in jobs}) == THERAPISTS
        logged = db.session.scalars(select(DispatchLog.job_id).where(
            DispatchLog.action == "assign_rotation")).all()
        assert sorted(logged) == sorted(succeeded)  # every assignment logged, once
        entries = _assert_board_consistent(store.id)
        assert all(e.status == "busy" for e in entries)
        day = get_business_day(store.id, today_for_store(), create=False)
        assert day.board_version == THERAPISTS * 2  # clock-ins + assignments
        # the log's queues chain: each change starts from the previous one's result
        chain = db.session.scalars(select(DispatchLog).order_by(DispatchLog.id)).all()
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.queue_before == before.queue_after


def _one_running_job(company, therapist_count=3):
    store = company.stores[0]
    with tenant_context(company.tenant_id):
        items = make_catalogue()
        therapists = make_therapists(store.id, therapist_count, qualified=[items["foot"]])
        for therapist in therapists:
            dispatch.clock_in(store.id, therapist.id, _actor(company))
        order = orders.open_order(store.id, room_id=company.rooms[0].id)
        line = orders.add_service_line(order, items["foot"].id)
        job = dispatch.assign_rotation(line, _actor(company))
        db.session.commit()
        return store.id, job.id, [t.id for t in therapists]


@pytest.mark.parametrize("verbs", [("finish", "finish"), ("return", "return"),
                                   ("finish", "return")])
def test_two_concurrent_finishes_or_returns_of_one_job(app, company_a, worker_app, verbs):
    store_id, job_id, therapist_ids = _one_running_job(company_a)
    actor = _actor(company_a)

    def act(verb):
        def call():
            job = db.session.get(ServiceJob, job_id)
            if verb == "finish":
                return verb, dispatch.finish_job(job, actor, reason="客人提前结束").id
            replacement = dispatch.return_job(job, actor, "客人要求换人")
            return verb, replacement.id if replacement else None
        return call

    results = _in_parallel(worker_app, company_a.tenant_id, [act(v) for v in verbs])
    ok = [value for outcome, value in results if outcome == "ok"]
    errors = [value for outcome, value in results if outcome == "error"]
    assert len(ok) == 1 and len(errors) == 1
    assert errors[0].field == "service_job_id"
    db.session.expire_all()
    with tenant_context(company_a.tenant_id):
        job = db.session.get(ServiceJob, job_id)
        winner = ok[0][0]
        assert job.status == ("finished" if winner == "finish" else "returned")
        entries = _assert_board_consistent(store_id)
        order = [e.therapist_id for e in sorted(entries, key=lambda e: e.position)]
        if winner == "finish":
            assert order == [therapist_ids[1], therapist_ids[2], therapist_ids[0]]
        else:
            assert order == therapist_ids  # back to the place held before
            replacements = db.session.scalars(select(ServiceJob).where(
                ServiceJob.id != job_id)).all()
            assert [r.therapist_id for r in replacements] == [therapist_ids[1]]
        actions = db.session.scalars(select(DispatchLog.action).where(
            DispatchLog.action.in_(("finish", "return")))).all()
        assert actions == [winner]
