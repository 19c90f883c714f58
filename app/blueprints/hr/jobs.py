"""HR background jobs (thin: load ids, call the HR functions, report progress)."""

from __future__ import annotations

from app.blueprints.hr import headcount
from app.jobs import job
from app.models.base import utcnow


@job(headcount.HEADCOUNT_REPORT, queue="reports", timeout=600, startable=True)
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


@job("payroll.run", queue="payroll", timeout=1800)
def payroll_run(ctx, run_id: int) -> dict:
    """计算工资: every payslip of one payroll run, replaced in the job's one transaction.

    The runner commits the payslips with the job's final status, so a worker killed
    mid-run leaves the previous payslips as they were (app/blueprints/hr/payroll/run.py).
    """
    from app.blueprints.hr.payroll.run import compute_run

    return compute_run(run_id, ctx)
