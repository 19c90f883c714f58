"""Reading payroll runs and payslips: the run list, a person's own payslips, warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll.lifecycle import FROZEN
from app.extensions import db
from app.jobs.models import JobRecord

# The money columns of a payslip, in the order of the payslip page and the exports.
MONEY_COLUMNS = (
    "base", "overtime", "commission", "card_commission", "meal", "full_attendance_bonus",
    "rewards", "fines", "late_deduction", "adjustment", "gross", "si_pension", "si_medical",
    "si_unemployment", "si_housing_fund", "si_total", "taxable", "cum_income",
    "cum_deductible", "cum_taxable", "cum_tax", "iit", "net",
)


def list_runs(limit: int = 60) -> list[PayrollRun]:
    """The company's runs, newest month first."""
    return list(db.session.scalars(select(PayrollRun).order_by(
        PayrollRun.month.desc(), PayrollRun.scope, PayrollRun.id.desc()).limit(limit)))


def jobs_of(runs: list[PayrollRun]) -> dict[int, JobRecord]:
    """The latest computation job of each run (one statement)."""
    ids = [run.job_record_id for run in runs if run.job_record_id is not None]
    if not ids:
        return {}
    return {record.id: record for record in
            db.session.scalars(select(JobRecord).where(JobRecord.id.in_(ids)))}


def capped_count(run_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Payslip.id)).where(
        Payslip.run_id == run_id, Payslip.deductions_capped.is_(True))) or 0


def my_payslips(employee_id: int) -> list[tuple[Payslip, PayrollRun]]:
    """An employee's own payslips of approved or paid runs, newest month first."""
    return [(slip, run) for slip, run in db.session.execute(
        select(Payslip, PayrollRun).join(PayrollRun, PayrollRun.id == Payslip.run_id)
        .where(Payslip.employee_id == employee_id, PayrollRun.status.in_(FROZEN))
        .order_by(Payslip.month.desc(), Payslip.id.desc()))]


def visible_to_employee(slip: Payslip, employee_id: int | None) -> bool:
    """A payslip its employee may see: their own, of an approved or paid run."""
    if employee_id is None or slip.employee_id != employee_id:
        return False
    run = db.session.get(PayrollRun, slip.run_id)
    return run is not None and run.status in FROZEN


def unlocked_stores(run: PayrollRun) -> list[int]:
    """Stores of the run's payslips whose attendance sheet of the month is not locked
    (HR locks it before payroll; the run is not refused, the page warns)."""
    from app.blueprints.hr.models import AttendanceSheet

    store_ids = set(db.session.scalars(select(Payslip.store_id).where(
        Payslip.run_id == run.id, Payslip.store_id.is_not(None)).distinct()))
    locked = set(db.session.scalars(select(AttendanceSheet.store_id).where(
        AttendanceSheet.month == run.month, AttendanceSheet.status == "locked")))
    return sorted(store_ids - locked)


def _short_day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.month}/{day.day}"


def base_part_lines(detail: dict, sick_pay_ratio: str = "0.8") -> list[str]:
    """基本工资 of a month split by a pay change, one readable line per part, e.g.
    "11/1–11/15 月薪 3000.00 × 12/26 天 − 日薪 137.9310 × 事假旷工 1 天 …: 1246.55".

    Empty when the month was not split.  The parts' amounts are each shown rounded;
    the base itself is their exact sum rounded once.
    """
    lines = []
    whole_month = detail.get("whole_month", True)
    for part in detail.get("base_parts") or ():
        span = f"{_short_day(part['first_day'])}–{_short_day(part['last_day'])}"
        if whole_month:
            lines.append(_(
                "%(span)s 月薪 %(base)s × %(share)s/%(of)s 天 − 日薪 %(rate)s × 事假旷工 "
                "%(unpaid)s 天 − 日薪 × (1 − %(ratio)s) × 病假 %(sick)s 天：%(amount)s",
                span=span, base=part["monthly_base"], share=part["share_days"],
                of=part["month_days"], rate=part["daily_rate"],
                unpaid=_days(part["unpaid_leave"], part["absent"]), ratio=sick_pay_ratio,
                sick=part["sick_leave"], amount=part["amount"]))
        else:
            lines.append(_(
                "%(span)s 日薪 %(rate)s（月薪 %(base)s）× (出勤 %(attended)s + 带薪假 "
                "%(paid)s + 病假 %(sick)s × %(ratio)s) 天：%(amount)s",
                span=span, rate=part["daily_rate"], base=part["monthly_base"],
                attended=part["attended"], paid=part["paid_leave"], sick=part["sick_leave"],
                ratio=sick_pay_ratio, amount=part["amount"]))
    return lines


def _days(*values: str) -> str:
    return str(sum((Decimal(v) for v in values), Decimal(0)).normalize())
