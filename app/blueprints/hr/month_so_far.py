"""我的本月 (my month so far): a therapist's jobs and commission of the month up to now.

What a therapist asks between two 钟: how many today, how many this month of each kind,
and what the commission comes to so far.  The money is computed by payroll's own rules
(app/blueprints/hr/payroll), never a second formula, so it is what a payroll run of the
month would pay for those components if the month ended now:

* **Month and today** are business days (store policy ``business_day_starts_at``):
  at 01:30 the evening before is still "today", and the month is the business month
  payroll counts (inputs.business_window).
* **Jobs** of the month: finished 钟 ending in the window, each kind counted apart —
  轮钟 and 点钟 (add-ons not included), 加钟 (add-ons, whatever their type) and 退钟
  (jobs the guest returned, which pay nothing).  Today's count is the finished jobs of
  today's business day; a job still running is shown apart (进行中).
* **Commission**: the jobs payroll would pay (month_earnings.load_jobs: finished only,
  the level multiplier in force when each job started), through rules.compute_payslip
  with the pay profile in force at the month's end (no commission unless the profile
  pays it).  **Card-sale commission** likewise from the cards the therapist sold
  (month_earnings.load_card_sales) × the profile's rate.
* It is an estimate (预估): a price change, a late 退钟 or a pay change before the month
  closes changes the payroll figure; the page and the API say so.
* Only one's own month: the page and ``GET /api/v1/me/month-so-far`` read the logged-in
  person's employee record; there is no argument naming another person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from app.blueprints.hr.payroll.attendance import AttendanceFacts
from app.blueprints.hr.payroll.change_history import load_applied_changes, profile_in_force
from app.blueprints.hr.payroll.inputs import business_window, month_bounds, tenant_policy
from app.blueprints.hr.payroll.month_earnings import load_card_sales, load_jobs
from app.blueprints.hr.payroll.rules import EmployeeMonth, PayProfile, compute_payslip
from app.extensions import db
from app.models import Employee, Tenant, TherapistLevel
from app.models import PayProfile as PayProfileRow
from app.models.base import utcnow
from app.tenancy import current_tenant_id

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthSoFar:
    """One person's month up to now (money as Decimal, to the fen)."""

    month: date  # first day of the business month
    today: date  # today's business date
    today_jobs: int  # finished today
    in_service: int  # running now
    rotation_jobs: int  # 轮钟 (not add-ons)
    requested_jobs: int  # 点钟 (not add-ons)
    addon_jobs: int  # 加钟
    returned_jobs: int  # 退钟
    paid_jobs: int  # what payroll counts: every finished job of the month
    has_profile: bool  # without a pay profile payroll skips the person: nothing to estimate
    pays_commission: bool
    commission: Decimal
    card_sales_count: int
    card_sales_amount: Decimal
    card_commission: Decimal
    estimate: bool = True

    @property
    def total(self) -> Decimal:
        return self.commission + self.card_commission


def month_so_far(employee: Employee, now: datetime | None = None) -> MonthSoFar:
    """The figures of ``employee``'s business month up to ``now`` (default: now)."""
    from app.blueprints.store.days import business_date_at
    from app.blueprints.store.policy import store_policy

    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    day_policy = store_policy(tenant)
    today = business_date_at(now or utcnow(), tenant.timezone or "Asia/Shanghai", day_policy)
    month = today.replace(day=1)
    window = business_window(tenant, month)
    opens = day_policy.business_day_starts_at
    # In UTC, as business_window gives it: SQLite compares the stored UTC text.
    today_window = (datetime.combine(today, opens, zone).astimezone(UTC),
                    datetime.combine(today + timedelta(days=1), opens, zone).astimezone(UTC))

    counts = _job_counts(employee.id, window, today_window)

    # The same loaders and rules as the payroll run (inputs.load_run_inputs).
    history = load_applied_changes([employee.id])
    levels = {level.id: level for level in db.session.scalars(select(TherapistLevel))}
    jobs = load_jobs([employee.id], window, zone, history, levels,
                     {employee.id: employee.level_id}).get(employee.id, ())
    card_amount, card_count = load_card_sales([employee.id], window).get(
        employee.id, (Decimal(0), 0))
    profiles = {p.id: p for p in db.session.scalars(select(PayProfileRow))}
    _first, last = month_bounds(month)
    profile, _source = profile_in_force(employee, history[employee.id], last, profiles)
    pays_commission = bool(profile is not None and profile.commission)
    commission = card_commission = ZERO
    if profile is not None:
        # Only the commission parts are read: base, attendance and tax are not the question.
        figures = compute_payslip(EmployeeMonth(
            month=month,
            profile=PayProfile(monthly_base=Decimal(0), overtime_eligible=False,
                               commission=profile.commission,
                               card_sale_rate=Decimal(profile.card_sale_rate or 0)),
            attendance=AttendanceFacts(),
            employed_from=employee.hire_date or month,
            jobs=jobs,
            card_sales_amount=card_amount,
            si_enrolled=False,
        ), tenant_policy(tenant))
        commission, card_commission = figures.commission, figures.card_commission
    return MonthSoFar(
        month=month, today=today, **counts,
        paid_jobs=sum(job.count for job in jobs),
        has_profile=profile is not None, pays_commission=pays_commission,
        commission=commission,
        card_sales_count=card_count, card_sales_amount=Decimal(card_amount).quantize(ZERO),
        card_commission=card_commission)


def _job_counts(therapist_id: int, window, today_window) -> dict:
    """The month's jobs by kind, today's finished ones and those running (one statement)."""
    from app.blueprints.store.models import ServiceJob

    since, until = window
    today_from, today_to = today_window
    in_today = (ServiceJob.status == "finished") & (ServiceJob.ended_at >= today_from) & (
        ServiceJob.ended_at < today_to)
    in_month = (ServiceJob.ended_at >= since) & (ServiceJob.ended_at < until)
    finished = in_month & (ServiceJob.status == "finished")

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(select(
        count(in_today).label("today_jobs"),
        count(ServiceJob.status == "in_service").label("in_service"),
        count(finished & ~ServiceJob.is_addon & (ServiceJob.job_type == "rotation"))
        .label("rotation_jobs"),
        count(finished & ~ServiceJob.is_addon & (ServiceJob.job_type == "requested"))
        .label("requested_jobs"),
        count(finished & ServiceJob.is_addon).label("addon_jobs"),
        count(in_month & (ServiceJob.status == "returned")).label("returned_jobs"),
    ).where(ServiceJob.therapist_id == therapist_id)).one()
    return {key: int(value) for key, value in row._mapping.items()}

