"""离职: the last day processed in a real forking RQ worker on Redis, started as
production starts it — by the periodic ``hr.offboarding_tick`` fanned out to every
company, which runs each ended last day (the job approval starts is tested inline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.blueprints.auth import services as auth_services
from app.blueprints.hr import checklists, offboarding
from app.blueprints.hr.models import Offboarding
from app.extensions import db
from app.jobs.models import JobRecord
from app.jobs.periodic import run_periodic
from app.jobs.queues import get_queue
from app.models import Account, Employee
from app.tenancy import tenant_context
from tests.jobs.conftest import app, run_worker  # noqa: F401  (the Redis-backed app)


@pytest.mark.redis
def test_the_tick_finds_the_ended_last_day_and_the_worker_offboards(
        app, company_a, company_b):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        person = company_a.employees["therapist"]
        issued = auth_services.create_api_token(company_a.accounts["therapist"], "打卡机")
        request = offboarding.request_offboarding(
            person, kind="resignation", reason="回老家",
            last_day=checklists.tenant_today() - timedelta(days=1))
        # Approved back then, when the last day was still ahead: no job started yet.
        offboarding.approve_offboarding(request, company_a.accounts["hr_manager"],
                                        now=datetime(2020, 1, 1, tzinfo=UTC))
        assert request.job_record_id is None
        db.session.commit()
        ids = (request.id, person.id, company_a.accounts["therapist"].id)

    assert run_periodic(offboarding.OFFBOARDING_TICK) == {"tenants": 2}
    assert get_queue("default").count == 2
    run_worker(app)

    with tenant_context(company_a.tenant_id):
        request_id, person_id, account_id = ids
        tick = db.session.scalar(select(JobRecord))  # the tick ran the last day itself
        assert (tick.kind, tick.status) == (offboarding.OFFBOARDING_TICK, "finished"), tick.error
        assert tick.result == {"completed": [request_id], "failed": []}
        done = db.session.get(Offboarding, request_id)
        assert done.status == "completed" and done.completed_at is not None
        assert db.session.get(Employee, person_id).status == "left"
        assert db.session.get(Account, account_id).is_enabled is False
        assert auth_services.load_token_user(issued.token) is None
    with tenant_context(company_b.tenant_id):  # beta's tick found nobody to offboard
        tick = db.session.scalar(select(JobRecord))
        assert tick.status == "finished" and tick.result == {"completed": [], "failed": []}
        assert {e.status for e in db.session.scalars(select(Employee))} == {"active"}
