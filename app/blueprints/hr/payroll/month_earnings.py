"""What a person earned in a payroll month: finished 钟 with their commission, card sales
(售卡), rewards and fines (奖惩), offboarding settlements — one statement each for the run.

Jobs and card sales are counted by business day (营业日, specs/payroll.md): ``window`` is
the UTC span of the month's business days (inputs.business_window), so a 钟 ending at
00:50 on the 1st belongs to the month before.  Rewards, fines and settlements go by
their calendar date (effective date, last day)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.blueprints.hr.models import (
    Offboarding,
    RewardPenalty,
)
from app.blueprints.hr.payroll.change_history import (
    AppliedChange,
    level_changes_between,
    value_on,
)
from app.blueprints.hr.payroll.rules import JobForPay
from app.extensions import db
from app.models import TherapistLevel


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: every timestamp is stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def load_settlements(ids: list[int], first: date, last: date) -> dict[int, list[Decimal]]:
    found: dict[int, list[Decimal]] = defaultdict(list)
    rows = db.session.execute(
        select(Offboarding.employee_id, Offboarding.settlement_amount)
        .where(Offboarding.employee_id.in_(ids),
               Offboarding.status.in_(("approved", "completed")),
               Offboarding.last_day >= first, Offboarding.last_day <= last)
        .order_by(Offboarding.id))
    for employee_id, amount in rows:
        if amount:
            found[employee_id].append(Decimal(amount))
    return found


def load_jobs(ids: list[int], window: tuple[datetime, datetime], zone: ZoneInfo,
          history: dict[int, list[AppliedChange]],
          levels: dict[int, TherapistLevel],
          current_levels: dict[int, int | None], company_wide: bool = False
          ) -> dict[int, tuple[JobForPay, ...]]:
    """Completed jobs ending in the window (the month's business days), with commission
    and level multiplier.

    Two statements: the jobs counted by (therapist, type, item), one line with its
    ``count`` per group (each job still rounded on its own) — enough for every
    therapist whose level stayed the same all month — and, one by one, the jobs of
    the therapists whose level changed while jobs of the month were started.  A
    company-wide run counts every therapist's jobs (no list of ids to send) and keeps
    those of the run's people.
    """
    from app.blueprints.store.models import OrderLine, ServiceItem, ServiceJob

    since, until = window
    # A job ending in the window started at most a day before it (no job is that long).
    start_day = since.astimezone(zone).date() - timedelta(days=1)
    end_day = until.astimezone(zone).date()
    changing = sorted(i for i in ids
                      if level_changes_between(history.get(i, []), start_day, end_day))

    def multiplier(level_id) -> Decimal:
        level = levels.get(level_id) if level_id is not None else None
        return Decimal(level.commission_multiplier) if level else Decimal(1)

    base = (select(ServiceJob.therapist_id, ServiceJob.job_type,
                   ServiceItem.commission_rotation, ServiceItem.commission_requested)
            .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
            .join(ServiceItem, ServiceItem.id == OrderLine.service_item_id)
            .where(ServiceJob.status == "finished", ServiceJob.ended_at >= since,
                   ServiceJob.ended_at < until))
    found: dict[int, list[JobForPay]] = defaultdict(list)
    steady = set(ids) - set(changing)
    grouped = base.add_columns(func.count().label("jobs"))
    if not company_wide:
        grouped = grouped.where(ServiceJob.therapist_id.in_(ids))
    grouped = (grouped
               .group_by(ServiceJob.therapist_id, ServiceJob.job_type, ServiceItem.id,
                         ServiceItem.commission_rotation, ServiceItem.commission_requested)
               .order_by(ServiceJob.therapist_id, ServiceJob.job_type, ServiceItem.id))
    for row in db.session.execute(grouped):
        if row.therapist_id not in steady:
            continue
        changes = history.get(row.therapist_id, [])
        level_id = value_on(changes, "level_id", start_day, current_levels.get(row.therapist_id))
        # One line per group (``count`` jobs): each still rounded on its own (rules.py).
        found[row.therapist_id].append(JobForPay(
            row.job_type, Decimal(row.commission_rotation), Decimal(row.commission_requested),
            multiplier(level_id), count=row.jobs))
    single = (base.add_columns(ServiceJob.started_at)
              .where(ServiceJob.therapist_id.in_(changing))
              .order_by(ServiceJob.therapist_id, ServiceJob.started_at, ServiceJob.id))
    for row in db.session.execute(single):
        started_on = as_utc(row.started_at).astimezone(zone).date()
        level_id = value_on(history.get(row.therapist_id, []), "level_id", started_on,
                            current_levels.get(row.therapist_id))
        found[row.therapist_id].append(JobForPay(
            row.job_type, Decimal(row.commission_rotation), Decimal(row.commission_requested),
            multiplier(level_id)))
    return {employee_id: tuple(jobs) for employee_id, jobs in found.items()}


def load_card_sales(ids: list[int], window: tuple[datetime, datetime]
                ) -> dict[int, tuple[Decimal, int]]:
    """Money paid for cards each employee sold (售卡人) in the window (the month's business
    days): (amount, count)."""
    from app.blueprints.store.models import CardLedgerEntry

    since, until = window
    totals: dict[int, list] = defaultdict(lambda: [Decimal(0), 0])
    # Summed here, not in SQL: SQLite sums NUMERIC as floats.
    for employee_id, amount in db.session.execute(
            select(CardLedgerEntry.sold_by_employee_id, CardLedgerEntry.amount)
            .where(CardLedgerEntry.sold_by_employee_id.in_(ids),
                   CardLedgerEntry.kind == "topup",
                   CardLedgerEntry.created_at >= since, CardLedgerEntry.created_at < until)):
        totals[employee_id][0] += Decimal(amount)
        totals[employee_id][1] += 1
    return {employee_id: (amount, count) for employee_id, (amount, count) in totals.items()}


def load_rewards(ids: list[int], first: date, last: date) -> dict[int, dict[str, list[Decimal]]]:
    found: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for employee_id, kind, amount in db.session.execute(
            select(RewardPenalty.employee_id, RewardPenalty.kind, RewardPenalty.amount)
            .where(RewardPenalty.employee_id.in_(ids), RewardPenalty.status == "approved",
                   RewardPenalty.effective_on >= first, RewardPenalty.effective_on <= last)
            .order_by(RewardPenalty.employee_id, RewardPenalty.id)):
        found[employee_id][kind].append(Decimal(amount))
    return found
