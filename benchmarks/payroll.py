"""Payroll benchmark: one month's payroll run of a scale company, against one SQL
aggregation of the same inputs.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.payroll --scale chain-50

It builds the scale company if it is missing (``flask demo load --scale chain-50``:
50 stores, 1,500 employees, 90 days of front-desk history, and the HR data of the
previous calendar month — schedules, clocks, leave, overtime, rewards; app/demo/), and
adds that month's HR data to a company built before it.  Then, for that month:

* **raw aggregation**: ONE SQL statement (``AGGREGATION`` below) that sums, per
  employee of the month, the finished jobs and their item commission, the punches,
  the published shifts, leave, approved overtime hours, rewards/fines and card sales
  — what the run reads, without any rule applied.  Best of ``--repeats``.
* **payroll run**: ``start_run`` (committed, not timed), then the job exactly as a
  worker runs it (app/jobs/runner.py, inline: load every input, compute every
  payslip, replace the payslips, write the totals, commit with the job's status),
  timed end to end.  ``--repeats`` times (a recomputation of the draft each time);
  best and median.  Every SQL statement is counted (``before_cursor_execute``).
* **statements flat**: the statements of ``compute_run`` for one store's run (about
  30 people) and for the whole company, each in a transaction rolled back — equal
  when the count does not grow with the number of employees.

It prints the scale, the times, the ratio (run ÷ aggregation) and the statement
counts.  Targets (issue 4): run < 15 s and < 3× the aggregation, statements flat.
The run writes a draft payroll run of that month into the database it measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

AGGREGATION = """
SELECT e.id,
       COALESCE(j.jobs, 0), COALESCE(j.commission, 0),
       COALESCE(c.punches, 0), c.first_punch, c.last_punch,
       COALESCE(s.shifts, 0), COALESCE(lv.days, 0), COALESCE(ot.hours, 0),
       COALESCE(rp.amount, 0), COALESCE(cs.amount, 0)
FROM employees e
LEFT JOIN (
    SELECT sj.therapist_id AS employee_id, COUNT(*) AS jobs,
           SUM(CASE WHEN sj.job_type = 'rotation' THEN si.commission_rotation
                    ELSE si.commission_requested END) AS commission
    FROM service_jobs sj
    JOIN order_lines ol ON ol.id = sj.order_line_id AND ol.tenant_id = sj.tenant_id
    JOIN service_items si ON si.id = ol.service_item_id AND si.tenant_id = ol.tenant_id
    WHERE sj.tenant_id = :tenant AND sj.status = 'finished'
      AND sj.ended_at >= :since AND sj.ended_at < :until
    GROUP BY sj.therapist_id) j ON j.employee_id = e.id
LEFT JOIN (
    SELECT employee_id, COUNT(*) AS punches, MIN(at) AS first_punch, MAX(at) AS last_punch
    FROM clock_records
    WHERE tenant_id = :tenant AND voided_at IS NULL AND at >= :since AND at < :until
    GROUP BY employee_id) c ON c.employee_id = e.id
LEFT JOIN (
    SELECT employee_id, COUNT(*) AS shifts
    FROM schedule_entries
    WHERE tenant_id = :tenant AND published_at IS NOT NULL AND is_rest = :no
      AND work_date >= :first AND work_date <= :last
    GROUP BY employee_id) s ON s.employee_id = e.id
LEFT JOIN (
    SELECT employee_id, SUM(days) AS days
    FROM leave_requests
    WHERE tenant_id = :tenant AND status = 'approved'
      AND starts_on <= :last AND ends_on >= :first
    GROUP BY employee_id) lv ON lv.employee_id = e.id
LEFT JOIN (
    SELECT employee_id, SUM(hours) AS hours
    FROM overtime_requests
    WHERE tenant_id = :tenant AND status = 'approved'
      AND work_date >= :first AND work_date <= :last
    GROUP BY employee_id) ot ON ot.employee_id = e.id
LEFT JOIN (
    SELECT employee_id, SUM(CASE WHEN kind = 'fine' THEN -amount ELSE amount END) AS amount
    FROM rewards_penalties
    WHERE tenant_id = :tenant AND status = 'approved'
      AND effective_on >= :first AND effective_on <= :last
    GROUP BY employee_id) rp ON rp.employee_id = e.id
LEFT JOIN (
    SELECT sold_by_employee_id AS employee_id, SUM(amount) AS amount
    FROM card_ledger
    WHERE tenant_id = :tenant AND kind = 'topup'
      AND created_at >= :since AND created_at < :until
    GROUP BY sold_by_employee_id) cs ON cs.employee_id = e.id
WHERE e.tenant_id = :tenant AND e.hire_date <= :last
  AND (e.last_day IS NULL OR e.last_day >= :first)
"""


class StatementCounter:
    """Counts the statements sent to the database while it is open."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def close(self) -> int:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)
        return self.count


def _timed(func: Callable) -> tuple[float, object]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def run_benchmark(scale: str = "chain-50", repeats: int = 3, echo: Callable = print) -> dict:
    """Run inside an app context (jobs inline); prints and returns the figures."""
    from sqlalchemy import func, select, text

    from app.blueprints.hr.models import ClockRecord, PayrollRun, ScheduleEntry
    from app.blueprints.hr.payroll import run as payroll
    from app.blueprints.hr.payroll.inputs import business_window, month_bounds
    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import ServiceJob
    from app.demo.hr import previous_month
    from app.demo.scale import SCALES, add_scale_hr_month, build_scale
    from app.extensions import db
    from app.jobs import dispatch_committed_jobs
    from app.jobs.models import JobRecord
    from app.models import Employee, Store, Tenant
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    spec = SCALES[scale]
    tenant = find_tenant_by_code(spec.code)
    if tenant is None:
        echo(f"Building scale {scale} first …")
        build_scale(scale, echo=echo)
        tenant = find_tenant_by_code(spec.code)
    tenant_id = tenant.id
    with tenant_context(tenant_id):
        month = previous_month(today_for_store())
        first, last = month_bounds(month)
        if not db.session.scalar(select(func.count(ScheduleEntry.id)).where(
                ScheduleEntry.work_date >= first, ScheduleEntry.work_date <= last)):
            add_scale_hr_month(spec.code, month, echo=echo)
        existing = db.session.scalar(select(PayrollRun).where(PayrollRun.month == first,
                                                              PayrollRun.scope == "all"))
        if existing is not None and existing.status not in payroll.RECOMPUTABLE:
            echo(f"The {first:%Y-%m} run of {spec.code} is {existing.status}: "
                 "use a fresh database.")
            return {}
        since, until = business_window(db.session.get(Tenant, tenant_id), first)
        scale_line = {
            "employees": db.session.scalar(select(func.count(Employee.id)).where(
                Employee.hire_date <= last)),
            "stores": db.session.scalar(select(func.count(Store.id))),
            "shifts": db.session.scalar(select(func.count(ScheduleEntry.id)).where(
                ScheduleEntry.work_date >= first, ScheduleEntry.work_date <= last)),
            "punches": db.session.scalar(select(func.count(ClockRecord.id)).where(
                ClockRecord.at >= since, ClockRecord.at < until)),
            "jobs": db.session.scalar(select(func.count(ServiceJob.id)).where(
                ServiceJob.ended_at >= since, ServiceJob.ended_at < until)),
            "jobs_all_history": db.session.scalar(select(func.count(ServiceJob.id))),
        }
        store_id = db.session.scalar(select(Store.id).order_by(Store.code).limit(1))
        db.session.commit()
    echo(f"Scale {scale} ({spec.code}), month {first:%Y-%m}: {scale_line['stores']} stores, "
         f"{scale_line['employees']} employees, {scale_line['shifts']} schedule entries, "
         f"{scale_line['punches']} punches, {scale_line['jobs']} jobs ending in the month "
         f"({scale_line['jobs_all_history']} in the whole history).")

    # 1. One SQL aggregation of the same inputs.
    params = {"tenant": tenant_id, "since": since, "until": until, "first": first,
              "last": last, "no": False}
    raw = []
    for _ in range(repeats):
        # In the tenant, as every statement of the app: on PostgreSQL the row-level
        # security (app/rls.py) then filters it as it filters the run's statements.
        with tenant_context(tenant_id):
            seconds, rows = _timed(lambda: db.session.execute(text(AGGREGATION), params).all())
        raw.append(seconds)
        db.session.rollback()
    echo(f"raw aggregation   best {min(raw):7.3f} s  ({len(rows)} rows; all: "
         + ", ".join(f"{s:.3f}" for s in raw) + ")")

    # 2. Statements of compute_run: one store, then the company, each rolled back.  The
    #    store run is made directly (start_run refuses it next to a company-wide run).
    flat = {}
    for label, scope in (("one store", store_id), ("company", None)):
        with tenant_context(tenant_id):
            run = PayrollRun(month=first, scope=f"bench:{scope}", store_id=scope,
                             status="draft")
            db.session.add(run)
            db.session.flush()
            counter = StatementCounter(db.engine)
            result = payroll.compute_run(run.id, None)
            flat[label] = (counter.close(), result["payslips"])
            db.session.rollback()
    echo("statements of compute_run: " + ", ".join(
        f"{label} ({people} payslips) {count}" for label, (count, people) in flat.items()))

    # 3. The payroll run, end to end as the worker runs it.
    runs, statements, payslips = [], [], 0
    for _ in range(repeats):
        with tenant_context(tenant_id):
            run, record = payroll.start_run(first)
            run_id, job_id = run.id, record.id
            db.session.commit()
            db.session.expire_all()
            counter = StatementCounter(db.engine)
            seconds, _ = _timed(dispatch_committed_jobs)
            statements.append(counter.close())
            record = db.session.get(JobRecord, job_id)
            if record.status != "finished":
                echo(f"the run failed: {record.error}")
                return {}
            payslips = record.result["payslips"]
            runs.append(seconds)
    best, ratio = min(runs), min(runs) / min(raw)
    echo(f"payroll run       best {best:7.3f} s  median {statistics.median(runs):7.3f} s  "
         f"({payslips} payslips, run #{run_id}; all: " + ", ".join(f"{s:.3f}" for s in runs)
         + ")")
    echo(f"statements per run {statements[0]} (every repeat: {statements})")
    echo(f"ratio run / raw aggregation: {ratio:.2f}×   target < 15 s and < 3×: "
         f"{'met' if best < 15 and ratio < 3 else 'NOT met'}")
    return {"scale": scale_line, "raw": raw, "runs": runs, "ratio": ratio,
            "statements": statements, "flat": flat, "payslips": payslips}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("chain-50", "small"), default="chain-50")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    # Jobs inline: the benchmark times the job itself, not a queue.
    app = create_app(REDIS_URL="")
    with app.app_context():
        run_benchmark(args.scale, args.repeats)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
