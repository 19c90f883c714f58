"""HR background jobs (thin: load ids, call the HR functions, report progress)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.blueprints.hr import headcount, offboarding
from app.blueprints.hr.job_texts import describe_offboardings, describe_payroll_runs
from app.jobs import job
from app.models.base import utcnow


@job(headcount.HEADCOUNT_REPORT, queue="reports", timeout=600, startable=True,
     label=_l("生成人员统计"))
def headcount_report(ctx) -> dict:
    """人员统计: on-staff headcount of every store, then of the head office.

    Runs in the tenant scope the runner sets up; reports progress per store.
    """
    stores = headcount.list_store_refs()
    steps = len(stores) + 1  # every store, then the head office
    summary: dict = {"generated_at": utcnow().isoformat(), "stores": [], "total": 0}
    ctx.progress(0, f"共 {len(stores)} 家门店")
    for done, store in enumerate(stores, start=1):
        counts = headcount.count_on_staff(store["store_id"])
        summary["stores"].append({**store, **counts})
        summary["total"] += counts["total"]
        ctx.progress(done * 100 // steps, f"{store['name']} 已统计")
    head_office = headcount.count_on_staff(None)
    summary["head_office"] = head_office
    summary["total"] += head_office["total"]
    ctx.progress(100, "总部已统计")
    return summary


# The run's totals are the company's payroll: only for those who read every payslip.
@job("payroll.run", queue="payroll", timeout=1800, result_permission="payroll.view",
     label=_l("计算工资"), describe=describe_payroll_runs)
def payroll_run(ctx, run_id: int) -> dict:
    """计算工资: every payslip of one payroll run, replaced in the job's one transaction.

    The runner commits the payslips with the job's final status, so a worker killed
    mid-run leaves the previous payslips as they were (app/blueprints/hr/payroll/run.py).
    """
    from app.blueprints.hr.payroll.run import compute_run

    return compute_run(run_id, ctx)


@job(offboarding.OFFBOARD_JOB, queue="default", timeout=300, label=_l("办理离职"),
     describe=describe_offboardings)
def offboard_employee(ctx, offboarding_id: int) -> dict:
    """离职: the last working day is over: logins off, off the board, future schedules gone.

    Idempotent: a completed offboarding (or one whose last day is not over) is left alone.
    """
    return offboarding.run_last_day(offboarding_id, job_record_id=ctx.record_id).as_dict()


@job(offboarding.OFFBOARDING_TICK, queue="default", timeout=600,
     label=_l("到期离职处理"))
def offboarding_tick(ctx, now: str | None = None) -> dict:
    """Every 15 minutes per company: process each approved offboarding whose last day ended.

    ``now`` (ISO 8601) replays a moment.  At local midnight after the last working day.
    """
    when = datetime.fromisoformat(now) if now else None
    return offboarding.process_due_offboardings(when, job_record_id=ctx.record_id)


APPLY_DUE_CHANGES = "hr.apply_due_changes"


@job(APPLY_DUE_CHANGES, queue="default", timeout=600, label=_l("到期人事变动生效"))
def apply_due_changes(ctx, today: str | None = None) -> dict:
    """人事变动: apply the approved transfers, promotions and pay changes whose
    effective date has come (today in the tenant's time zone; ``today`` ISO date
    replays a day).  Started daily for each active company (app.schedule);
    idempotent: an applied change is not picked up again."""
    from datetime import date

    from app.blueprints.hr import changes

    return changes.apply_due_changes(date.fromisoformat(today) if today else None)
