"""工资表: start a month's payroll run, compute it in a job, take it through its approvals.

specs/payroll.md, Run lifecycle.  Plain functions: they add/flush, write the audit
entry and never commit (views, the API and the job runner commit).  The steps
after computing are in ``lifecycle.py``, the reads of runs and payslips in
``payslips.py`` (both importable from here too).

Rules chosen where the spec is silent:

* **One run per tenant, month and scope** (``all``, or ``store:<id>``).  A store run
  is refused while a company-wide run of the month exists, and a company-wide run
  while any store run of it exists (a person must not be paid twice); a run whose
  every computation failed (status ``failed``) does not block the other scope.
  A month that has not begun cannot be run; the current month can (a preview, as
  a draft).
* **Starting** a run that has a computation queued or running returns that job
  (nothing new is queued).  A job recorded as queued/running whose RQ job is gone
  or failed (its worker was killed) is marked failed first, then a new one starts.
  Only ``draft`` and ``failed`` runs (and new ones) may be computed; a submitted run
  must be sent back to draft first (``reopen_run``), reviewed/approved/paid runs
  cannot be recomputed.
* **Computing** (``compute_run``, the ``payroll.run`` job): loads every input
  (inputs.py, a fixed number of statements), computes every payslip in memory
  (progress in ten steps), then in the job's one transaction deletes the run's old
  payslips, inserts the new ones (one executemany) and writes the totals and
  ``draft`` — the runner commits that with the job's final status, so a worker
  killed mid-run leaves the previous payslips (or none) untouched.  The same
  inputs give the same payslips (figures and detail).  A first computation that
  fails leaves the run ``failed``; a failed recomputation leaves the draft as it was.
  Employees without a pay profile are left out and listed in the job's result.
* **Lifecycle**: draft → submitted (HR, ``payroll.run``) → reviewed (finance,
  ``payroll.review``) → approved (GM, ``payroll.approve``) → paid (finance,
  ``payroll.pay``).  Each step is audited.  While a computation is queued or
  running no step is taken.  A submitted run goes back to draft by HR, or by
  finance reviewing it; a reviewed run by finance or the GM — always with a reason
  (``payroll.reopen``, audited).  Approved and paid runs never change; a correction
  is an adjustment (奖惩 kind ``adjustment``) in a later month.  An empty run (no
  payslip) cannot be submitted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_audit, register_audit_actions
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll.holidays import HolidayCalendarMissing
from app.blueprints.hr.payroll.inputs import (
    EmployeeInputs,
    PayrollInputError,
    load_run_inputs,
)
from app.blueprints.hr.payroll.lifecycle import (
    PayrollError,
    job_active,
    job_of,
    month_start,
    run_status_label,
    scope_of,
)
from app.blueprints.hr.payroll.payslips import MONEY_COLUMNS
from app.blueprints.hr.payroll.rules import PayslipFigures, compute_payslip
from app.extensions import db
from app.jobs import enqueue
from app.jobs.models import JobRecord
from app.models import Store, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id

JOB_KIND = "payroll.run"
RECOMPUTABLE = ("queued", "draft", "failed")
PROGRESS_STEPS = 10


register_audit_actions({
    "payroll.compute": _l("计算工资"),
    "payroll.submit": _l("提交工资表"),
    "payroll.review": _l("复核工资表"),
    "payroll.pay": _l("标记工资已发放"),
    "payroll.reopen": _l("退回工资表"),
    "payroll.bank_export": _l("导出工资银行代发文件"),
})


# --- starting a run ----------------------------------------------------------------------

def start_run(month: date | str, store_id: int | None = None, actor=None
              ) -> tuple[PayrollRun, JobRecord]:
    """计算工资: queue the computation of ``month`` (one store, or the company).

    Returns the run and its computation job; the job is dispatched after the
    caller's commit.  Raises PayrollError (field ``month`` or ``store_id``).
    """
    first = month_start(month)
    today = _tenant_today()
    if first > today.replace(day=1):
        raise PayrollError.on("month", "不能计算尚未开始的月份")
    if store_id is not None and _store(store_id) is None:
        raise PayrollError.on("store_id", "门店不存在")
    scope = scope_of(store_id)
    run = _lock_run(first, scope)
    created = False
    if run is None:
        _refuse_overlapping_scope(first, store_id)
        try:
            with db.session.begin_nested():
                run = PayrollRun(month=first, scope=scope, store_id=store_id, status="queued")
                db.session.add(run)
            created = True
        except IntegrityError:
            # Someone started it at the same moment: theirs is the run.
            run = _lock_run(first, scope)
    if not created:
        record = job_of(run)
        if job_active(record) and _job_still_alive(record):
            return run, record
        if run.status not in RECOMPUTABLE:
            raise PayrollError.on("month", f"{first:%Y-%m} 工资表{run_status_label(run.status)}，"
                                           "不能重新计算")
        _refuse_overlapping_scope(first, store_id)
    record = enqueue(JOB_KIND, run_id=run.id)
    run.job_record_id = record.id
    record_audit("payroll.compute", "payroll_run", run.id,
                 after={"month": f"{first:%Y-%m}", "scope": scope, "job_id": record.id},
                 actor=actor)
    db.session.flush()
    return run, record


def _tenant_today() -> date:
    from zoneinfo import ZoneInfo

    tenant = db.session.get(Tenant, current_tenant_id())
    return utcnow().astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai")).date()


def _store(store_id: int) -> Store | None:
    store = db.session.get(Store, store_id)
    return store if store is not None and store.tenant_id == current_tenant_id() else None


def _lock_run(first: date, scope: str) -> PayrollRun | None:
    """The run of the month and scope, its row locked (PostgreSQL) until commit."""
    return db.session.scalar(
        select(PayrollRun).where(PayrollRun.month == first, PayrollRun.scope == scope)
        .with_for_update().execution_options(populate_existing=True))


def _refuse_overlapping_scope(first: date, store_id: int | None) -> None:
    others = select(PayrollRun.scope).where(PayrollRun.month == first,
                                            PayrollRun.status != "failed")
    if store_id is None:
        others = others.where(PayrollRun.scope != "all")
        message = "本月已按门店计算工资，不能再计算全公司工资表"
    else:
        others = others.where(PayrollRun.scope == "all")
        message = "本月已有全公司工资表，不能再单独计算门店工资"
    if db.session.scalar(others.limit(1)) is not None:
        raise PayrollError.on("store_id", message)


def _job_still_alive(record: JobRecord) -> bool:
    """Whether the recorded job can still finish; a dead one is marked failed.

    Without Redis jobs run inline (nothing can be left behind).  With Redis, a
    job its worker lost (work horse killed, RQ job failed, expired or gone)
    would otherwise block the run until housekeeping gives up on it.
    """
    from app.jobs import queues

    if queues.is_inline():
        return True
    try:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.serializers import JSONSerializer

        try:
            rq_job = Job.fetch(record.rq_job_id, connection=queues.redis_connection(),
                               serializer=JSONSerializer)
            state = rq_job.get_status(refresh=True)
        except NoSuchJobError:
            state = None
    except Exception:  # noqa: BLE001 - Redis down: trust the record, refuse a duplicate
        return True
    state = getattr(state, "value", state)
    if state in ("queued", "started", "deferred", "scheduled"):
        return True
    record.status = "failed"
    record.error = "工作进程已退出，任务未完成；已重新计算。"
    record.finished_at = utcnow()
    return False


# --- computing a run (the job) ---------------------------------------------------------

def compute_run(run_id: int, ctx=None) -> dict:
    """Compute every payslip of the run and replace the old ones, in the caller's
    transaction (the job runner commits it with the job's final status)."""
    run = db.session.get(PayrollRun, run_id)
    if run is None:
        raise PayrollError.on("run_id", "工资表不存在")
    first_time = run.status in ("queued", "failed")
    try:
        return _compute(run, ctx)
    except Exception as exc:
        db.session.rollback()
        if first_time:
            _mark_failed_apart(run_id)
        if isinstance(exc, HolidayCalendarMissing):
            raise PayrollError.on("month", f"{exc.year} 年法定节假日日历未知，请升级节假日数据"
                                           f"（chinesecalendar）后重新计算") from exc
        raise


def _progress(ctx, percent: int, message: str) -> None:
    if ctx is not None:
        ctx.progress(percent, message)


def _compute(run: PayrollRun, ctx) -> dict:
    if run.status not in RECOMPUTABLE:
        raise PayrollError.on("status", f"工资表{run_status_label(run.status)}，不能重新计算")
    month, store_id, run_id = run.month, run.store_id, run.id
    _progress(ctx, 2, "读取排班、打卡、请假、加班、钟数、售卡与奖惩")
    inputs = load_run_inputs(month, store_id)
    people = inputs.employees
    total = len(people)
    _progress(ctx, 10, f"共 {total} 人，开始计算")
    rows = []
    tenant_id = current_tenant_id()
    for step in range(PROGRESS_STEPS):
        for person in people[step * total // PROGRESS_STEPS:(step + 1) * total // PROGRESS_STEPS]:
            try:
                figures = compute_payslip(person.month, inputs.policy)
            except HolidayCalendarMissing:
                raise
            except ValueError as exc:
                raise PayrollInputError(f"{person.employee_no} {person.name}: {exc}") from exc
            rows.append(payslip_row(tenant_id, run_id, month, person, figures))
        done = (step + 1) * total // PROGRESS_STEPS
        _progress(ctx, 10 + 8 * (step + 1), f"已计算 {done}/{total} 人")

    totals = {name: sum((row[name] for row in rows), Decimal("0.00"))
              for name in ("gross", "si_total", "iit", "net")}
    # From here on: the job's one transaction, committed with its final status.
    fresh = db.session.scalar(select(PayrollRun).where(PayrollRun.id == run_id)
                              .with_for_update().execution_options(populate_existing=True))
    if fresh is None or fresh.status not in RECOMPUTABLE:
        raise PayrollError.on("status", "工资表已提交或审批，计算结果未保存")
    db.session.execute(delete(Payslip).where(Payslip.run_id == run_id))
    if rows:
        # A Core insert of the table (one executemany): the ORM's bulk path would sort
        # 1,500 plain dicts through its mapper first, for nothing (no identity map, no
        # events on this model; the rows carry tenant_id themselves).
        db.session.execute(insert(Payslip.__table__), rows)
    db.session.execute(
        update(PayrollRun).where(PayrollRun.id == run_id).values(
            status="draft", computed_at=utcnow(), policy_snapshot=inputs.policy_snapshot(),
            employee_count=len(rows), total_gross=totals["gross"], total_si=totals["si_total"],
            total_iit=totals["iit"], total_net=totals["net"]))
    return {
        "run_id": run_id,
        "month": f"{month:%Y-%m}",
        "payslips": len(rows),
        "total_net": str(totals["net"]),
        "skipped": inputs.skipped,
    }


def _mark_failed_apart(run_id: int) -> None:
    """A first computation failed: say so, outside the job's rolled-back transaction.

    An ORM update, like the job runner's own writes apart: the tenant criteria apply.
    """
    with Session(db.engine) as session:
        session.execute(update(PayrollRun)
                        .where(PayrollRun.id == run_id, PayrollRun.status == "queued")
                        .values(status="failed"))
        session.commit()


def _money(value: Decimal) -> str:
    return str(value)


def payslip_row(tenant_id: int, run_id: int, month: date, person: EmployeeInputs,
                figures: PayslipFigures) -> dict:
    """The payslip table row of one employee (a dict for the bulk insert)."""
    m = person.month
    facts = m.attendance
    profile = m.profile
    detail = {
        "employee_no": person.employee_no,
        "name": person.name,
        "position_id": person.position_id,
        "profile": {
            "id": person.profile_id, "name": person.profile_name,
            "source": person.profile_source,
            "monthly_base": _money(profile.monthly_base),
            "overtime_eligible": profile.overtime_eligible,
            "commission": profile.commission,
            "card_sale_rate": str(profile.card_sale_rate),
            "meal_allowance_per_day": _money(profile.meal_allowance_per_day),
            "full_attendance_bonus": _money(profile.full_attendance_bonus),
        },
        "level": {"id": person.level_id, "name": person.level_name,
                  "multiplier": str(person.level_multiplier)},
        "employed_from": m.employed_from.isoformat(),
        "employed_to": m.employed_to.isoformat() if m.employed_to else None,
        "whole_month": m.employed_whole_month,
        "rates": {"daily": str(figures.daily_rate.quantize(Decimal("0.0001"))),
                  "hourly": str(figures.hourly_rate.quantize(Decimal("0.0001")))},
        "attendance": {
            "scheduled": facts.scheduled, "attended": str(facts.attended),
            "paid_leave": str(facts.paid_leave), "sick_leave": str(facts.sick_leave),
            "unpaid_leave": str(facts.unpaid_leave), "absent": str(facts.absent),
            "late": facts.late,
        },
        "days": [
            {"date": d.work_date.isoformat(), "attended": str(d.attended),
             "paid_leave": str(d.paid_leave), "sick_leave": str(d.sick_leave),
             "unpaid_leave": str(d.unpaid_leave), "absent": str(d.absent), "late": d.late,
             "late_minutes": d.late_minutes, "early_minutes": d.early_minutes,
             "note": d.note}
            for d in facts.days if d.note  # the days that were not a plain day's work
        ],
        "overtime_hours": {"working_day": str(figures.overtime_hours_working_day),
                           "rest_day": str(figures.overtime_hours_rest_day),
                           "holiday": str(figures.overtime_hours_holiday),
                           "requested": str(person.overtime_hours_requested)},
        "jobs": {"rotation": figures.rotation_jobs, "requested": figures.requested_jobs},
        "card_sales": {"amount": _money(m.card_sales_amount.quantize(Decimal("0.01"))),
                       "count": person.card_sales_count},
        "counts": {"rewards": person.reward_count, "fines": person.fine_count,
                   "adjustments": person.adjustment_count},
        "cap": {"cap": _money(figures.deduction_cap),
                "fines_uncapped": _money(figures.fines_uncapped),
                "late_deduction_uncapped": _money(figures.late_deduction_uncapped)},
        "base_parts": [
            {"first_day": part.first_day.isoformat(), "last_day": part.last_day.isoformat(),
             "monthly_base": _money(part.monthly_base),
             "daily_rate": str(part.daily_rate.quantize(Decimal("0.0001"))),
             "scheduled": part.scheduled, "share_days": part.share_days,
             "month_days": part.month_days, "attended": str(part.attended),
             "paid_leave": str(part.paid_leave), "sick_leave": str(part.sick_leave),
             "unpaid_leave": str(part.unpaid_leave), "absent": str(part.absent),
             "amount": _money(part.amount)}
            for part in figures.base_parts
        ],
        "si": {"enrolled": m.si_enrolled, "base": _money(figures.si_base)},
        "tax": {"months": figures.tax_months,
                "opening_taxable": _money(m.tax.opening_taxable),
                "opening_tax": _money(m.tax.opening_tax),
                "earlier_taxable": _money(m.tax.earlier_taxable),
                "earlier_tax": _money(m.tax.earlier_tax),
                "already_withheld": _money(figures.tax_already_withheld),
                "special_deduction": _money(m.monthly_special_deduction)},
    }
    row = {
        "tenant_id": tenant_id, "run_id": run_id, "employee_id": person.employee_id,
        "month": month, "store_id": person.store_id,
        "deductions_capped": figures.deductions_capped, "detail": detail,
    }
    for name in MONEY_COLUMNS:
        row[name] = getattr(figures, name)
    return row


# Importable from here as before the module was split (views, API, jobs, tests).
from app.blueprints.hr.payroll.lifecycle import (  # noqa: E402,F401
    REOPEN_PERMISSIONS,
    RUN_STATUS_LABELS,
    TRANSITIONS,
    display_status,
    may_reopen,
    may_transition,
    reopen_run,
    transition,
)
from app.blueprints.hr.payroll.payslips import (  # noqa: E402,F401
    capped_count,
    jobs_of,
    list_runs,
    my_payslips,
    unlocked_stores,
    visible_to_employee,
)
