"""specs/payroll.md's worked example, end to end from database rows: the payroll run
reads schedules, punches, leave, jobs, the level, the reward and the tax history,
and writes the payslip row the spec's table shows, to the fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.jobs.queues import get_queue
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data
from tests.jobs.conftest import app, run_worker  # noqa: F401  (the Redis-backed app)

# Also on SQLite: the worked example from database rows through the run.
pytestmark = pytest.mark.both_backends


def test_worked_example_from_database_rows(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        therapist = data.worked_example(company_a)
        run, record = payroll.start_run("2026-11")
        ids = (run.id, record.id, therapist.id, company_a.stores[0].id)
        commit_and_dispatch()  # inline: no Redis in this app
    check_the_worked_example_payslip(company_a, *ids)


@pytest.mark.redis
def test_worked_example_in_a_real_worker(app, company_a):  # noqa: F811
    """The same month computed as production computes it: queued on Redis, run by
    a forking RQ worker on the payroll queue."""
    with tenant_context(company_a.tenant_id):
        therapist = data.worked_example(company_a)
        run, record = payroll.start_run("2026-11")
        ids = (run.id, record.id, therapist.id, company_a.stores[0].id)
        commit_and_dispatch()
        assert db.session.get(JobRecord, record.id).status == "queued"
    assert get_queue("payroll").count == 1
    run_worker(app, ["payroll"])
    check_the_worked_example_payslip(company_a, *ids)


def check_the_worked_example_payslip(company_a, run_id: int, job_id: int, therapist_id: int,
                                     store_id: int) -> None:
    """The run's job finished, and the payslip is the spec's table, to the fen."""
    with tenant_context(company_a.tenant_id):
        record = db.session.get(JobRecord, job_id)
        assert record.status == "finished", record.error
        run = db.session.get(PayrollRun, run_id)
        assert run.status == "draft"
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == run_id,
                                                       Payslip.employee_id == therapist_id))
        for name, expected in data.WORKED_EXAMPLE.items():
            assert getattr(slip, name) == expected, name
        assert slip.deductions_capped is False
        assert slip.month == date(2026, 11, 1)
        assert slip.store_id == store_id
        detail = slip.detail
        assert detail["attendance"] == {
            "scheduled": 26, "attended": "25", "paid_leave": "0", "sick_leave": "0",
            "unpaid_leave": "1", "absent": "0", "late": 1}
        assert detail["jobs"] == {"rotation": 120, "requested": 40}
        assert detail["level"]["multiplier"] == "1.200"
        assert detail["tax"]["months"] == 3
        assert detail["tax"]["already_withheld"] == "210.00"
        late_day = next(d for d in detail["days"] if d["date"] == "2026-11-09")
        assert late_day["late"] == 1 and late_day["late_minutes"] == 30
        # The run's totals are the sums of its payslips.
        slips = db.session.scalars(select(Payslip).where(Payslip.run_id == run_id)).all()
        assert run.employee_count == len(slips)
        assert run.total_net == sum((s.net for s in slips), Decimal("0.00"))
        assert run.total_gross == sum((s.gross for s in slips), Decimal("0.00"))
        assert run.policy_snapshot["pay_days_per_month"] == "21.75"
