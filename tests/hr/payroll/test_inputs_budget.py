"""The payroll run's SQL budget: one run sends the same number of statements for 5
employees as for 40 (tests/store/test_dispatch_budget.py's pattern), whatever their
shifts, punches, leave, overtime, jobs, card sales, rewards and tax history.

The run is measured as a worker runs it: the job record and the run are committed
first, then a ``before_cursor_execute`` listener counts every statement of the job
(inline here: the same code path without the fork) up to its final commit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, func, select

from app.blueprints.hr.models import Payslip
from app.blueprints.hr.payroll import run as payroll
from app.extensions import db
from app.jobs import dispatch_committed_jobs
from app.jobs.models import JobRecord
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data


class Statements:
    def __init__(self):
        self.sql: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        self.sql.append(" ".join(statement.split())[:140])

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def __len__(self):
        return len(self.sql)

    def __str__(self):
        return "\n".join(f"{n:3d} {sql}" for n, sql in enumerate(self.sql, 1))


def populate(company, therapists: int) -> list[int]:
    """``therapists`` people with a full month of every kind of input, in both stores."""
    setup = data.pay_setup()
    ids = []
    for n in range(therapists):
        store = company.stores[n % 2]
        person = data.add_therapist(store, f"9{n:03d}", level=setup["level"])
        days = data.schedule_month(person, store, days=data.NOVEMBER_DAYS[:10],
                                   rest={date(2026, 11, 4)})
        data.clock_days(person, store, days[1:], late={days[2]: 20})
        data.leave(person, store, days[0], kind="sick" if n % 2 else "personal")
        data.overtime(person, store, days[3], hours="1.5")
        data.Jobs(store, setup["item"]).add(person, days[1:], rotation=3, requested=2,
                                            returned=1)
        data.reward(person, store, "50.00", kind="reward" if n % 3 else "fine")
        data.sell_card(store, person, "1000.00", bonus="200.00")
        data.opening_balance(person, "5000.00", "30.00")
        data.earlier_payslip(person, date(2026, 10, 1), "6000.00", "30.00")
        if n % 4 == 0:  # promoted mid-month: their jobs are paid one by one
            data.level_change(person, setup["senior"], setup["level"], date(2026, 11, 6))
        ids.append(person.id)
    return ids


def measure(company) -> tuple[Statements, int]:
    with tenant_context(company.tenant_id):
        run, record = payroll.start_run("2026-11")
        run_id, job_id = run.id, record.id
        db.session.commit()
        db.session.expire_all()
        with Statements() as statements:
            dispatch_committed_jobs()
        assert db.session.get(JobRecord, job_id).status == "finished"
        slips = db.session.scalar(select(func.count()).select_from(Payslip)
                                  .where(Payslip.run_id == run_id))
    return statements, slips


def test_statements_do_not_grow_with_employees(app, company_a, company_b):
    with tenant_context(company_a.tenant_id):
        populate(company_a, 5)
        db.session.commit()
    with tenant_context(company_b.tenant_id):
        populate(company_b, 40)
        db.session.commit()

    small, small_slips = measure(company_a)
    large, large_slips = measure(company_b)

    assert large_slips == small_slips + 35
    assert len(small) == len(large), f"5 employees:\n{small}\n\n40 employees:\n{large}"
    assert len(large) <= 40, str(large)
