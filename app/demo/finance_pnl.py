"""Demo: last month's payroll run computed and taken through 提交 → 复核 → 审批 by the demo's
HR manager, finance manager and general manager, so that last month's 门店损益 has its
labour (the P&L counts approved or paid runs only; ``flask demo load --with-payroll``
alone drafts a run).  Runs after finance.load (expenses, budgets) in load_logistics.

The computation is the payroll job's own (``compute_run``) called in the demo's
transaction rather than through the job queue: the demo commits once at its end.
"""

from __future__ import annotations

import time as clock
from datetime import timedelta

from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun
from app.blueprints.hr.payroll.lifecycle import transition
from app.blueprints.hr.payroll.run import compute_run
from app.extensions import db


def load(demo) -> None:
    """Approve last month's company payroll run (skipped if the month has one already, or
    a demo login of the three roles is missing)."""
    first = (demo.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if db.session.scalar(select(PayrollRun.id).where(PayrollRun.month == first)) is not None:
        return
    people = [demo.accounts.get(role)
              for role in ("hr_manager", "finance_manager", "general_manager")]
    if any(account is None for account in people):
        return
    hr, finance, gm = people
    started = clock.perf_counter()
    run = PayrollRun(month=first, scope="all", status="queued")
    db.session.add(run)
    db.session.flush()
    result = compute_run(run.id)
    db.session.refresh(run)
    if not result["payslips"]:
        return
    transition(run, "submit", actor=hr, note="")
    transition(run, "review", actor=finance, note="演示数据：复核无误")
    transition(run, "approve", actor=gm, note="演示数据：同意发放")
    demo.add("approved payroll run", 1)
    demo.add("payslips", result["payslips"])
    demo.rows["payroll seconds"] = round(clock.perf_counter() - started)
