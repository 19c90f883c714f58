"""The 预订 tick in a real forking RQ worker, and through the periodic fan-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.blueprints.store.models import Reservation
from app.extensions import db
from app.jobs import commit_and_dispatch, enqueue
from app.jobs.models import JobRecord
from app.jobs.periodic import run_periodic
from app.jobs.queues import get_queue
from app.models import Room
from app.tenancy import tenant_context
from tests.jobs.conftest import app, run_worker  # noqa: F401  (the Redis-backed app)
from tests.store.test_reservations import AT_1500, book


@pytest.mark.redis
def test_tick_runs_in_a_real_worker(app, company_a, company_b):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        due = book(company_a.stores[0].id)
        late = book(company_a.stores[0].id, starts_at=AT_1500 - timedelta(hours=2),
                    name="迟到客人")
        record = enqueue("store.reservations_tick",
                         now=(AT_1500 - timedelta(minutes=15)).isoformat())
        commit_and_dispatch()
        ids = (due.id, late.id, record.id)
    assert get_queue("default").count == 1

    run_worker(app)

    with tenant_context(company_a.tenant_id):
        due, late, record = (db.session.get(Reservation, ids[0]),
                             db.session.get(Reservation, ids[1]),
                             db.session.get(JobRecord, ids[2]))
        assert record.status == "finished", record.error
        assert record.result["held"] == 1 and record.result["no_show"] == 1
        assert db.session.get(Room, due.room_id).status == "reserved"
        assert late.status == "no_show"


@pytest.mark.redis
def test_periodic_run_starts_one_tick_per_company(app, company_a, company_b):  # noqa: F811
    assert run_periodic("store.reservations_tick") == {"tenants": 2}
    assert get_queue("default").count == 2
    run_worker(app)
    for company in (company_a, company_b):
        with tenant_context(company.tenant_id):
            records = db.session.scalars(select(JobRecord).where(
                JobRecord.kind == "store.reservations_tick")).all()
            assert [r.status for r in records] == ["finished"]
