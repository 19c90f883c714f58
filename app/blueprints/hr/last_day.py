"""离职 last day: once an approved offboarding's last day has ended (local midnight), the
person leaves — logins disabled, off the rotation board, future schedules removed.

Run by the ``hr.offboard_employee`` and ``hr.offboarding_tick`` jobs (jobs.py);
idempotent.  Plain functions: add/flush, audit, never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select

from app.audit import record_audit
from app.blueprints.hr import checklists, services
from app.blueprints.hr.models import (
    Offboarding,
    ScheduleEntry,
)
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow
from app.validation import InputError

log = logging.getLogger(__name__)

# name -> hook(employee, last_day) run when a person leaves (e.g. logistics closes their
# dormitory stay); registered at app start by other departments, which hr never imports.
LAST_DAY_HOOKS: dict[str, Callable[[Employee, date], None]] = {}


def register_last_day_hook(name: str, hook: Callable[[Employee, date], None]) -> None:
    """Run ``hook`` in the last day's transaction (registering a name again replaces it)."""
    LAST_DAY_HOOKS[name] = hook


@dataclass
class LastDayResult:
    offboarding_id: int
    done: bool  # False: nothing to do (already done, not approved, last day not over)
    accounts_disabled: int = 0
    board_entries: int = 0
    schedules_removed: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def employee_of(offboarding: Offboarding) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.id == offboarding.employee_id))


def last_day_over(offboarding: Offboarding, now: datetime | None = None) -> bool:
    """Whether the last working day has ended in the company's time zone."""
    return checklists.tenant_today(now) > offboarding.last_day


def due_for_last_day(now: datetime | None = None) -> list[Offboarding]:
    """Approved offboardings whose last working day has ended (company time zone)."""
    today = checklists.tenant_today(now)
    return list(db.session.scalars(
        select(Offboarding).where(Offboarding.status == "approved", Offboarding.last_day < today)
        .order_by(Offboarding.last_day, Offboarding.id)))


def run_last_day(offboarding_id: int, now: datetime | None = None,
                 job_record_id: int | None = None) -> LastDayResult:
    """The last day is over: logins off, board, future schedules, ``left``.  Idempotent."""
    # The row lock makes a tick and the approval's own job, running at once, take
    # turns: the second one finds the offboarding completed (PostgreSQL).
    offboarding = db.session.scalar(
        select(Offboarding).where(Offboarding.id == offboarding_id).with_for_update()
        .execution_options(populate_existing=True))
    if offboarding is None or offboarding.status != "approved" \
            or not last_day_over(offboarding, now):
        return LastDayResult(offboarding_id, done=False)
    employee = employee_of(offboarding)
    result = LastDayResult(offboarding_id, done=True)
    for account in services.accounts_of_employee(employee):
        if account.is_enabled:
            services.disable_login(account, reason="离职")
            result.accounts_disabled += 1
    employee.clock_pin_hash = None
    result.board_entries = _leave_the_board(employee)
    result.schedules_removed, removed_dates = _remove_future_schedules(employee,
                                                                       offboarding.last_day)
    before = employee.status
    employee.status = "left"
    employee.last_day = offboarding.last_day
    offboarding.status = "completed"
    offboarding.completed_at = utcnow()
    for hook in LAST_DAY_HOOKS.values():
        hook(employee, offboarding.last_day)
    if job_record_id is not None:
        offboarding.job_record_id = job_record_id
    db.session.flush()
    record_audit("employee.offboard", "employee", employee.id, before={"status": before},
                 after={"status": "left", "last_day": offboarding.last_day.isoformat(),
                        "offboarding_id": offboarding.id,
                        "accounts_disabled": result.accounts_disabled,
                        "board_entries": result.board_entries,
                        "schedules_removed": removed_dates})
    return result


def _leave_the_board(employee: Employee) -> int:
    """下牌 (or 停牌 when busy) on every open board from the current business day on."""
    from app.blueprints.store import dispatch
    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import BoardEntry, BusinessDay
    from app.blueprints.store.rotation import AWAY, BUSY

    # The board lives in the present: the current business day, whatever ``now`` replays.
    today = today_for_store()
    rows = db.session.execute(
        select(BoardEntry, BusinessDay).join(BusinessDay,
                                             BusinessDay.id == BoardEntry.business_day_id)
        .where(BoardEntry.therapist_id == employee.id, BusinessDay.locked_at.is_(None),
               BusinessDay.business_date >= today, BoardEntry.status != AWAY)).all()
    changed = 0
    for entry, day in rows:
        if day.business_date == today and entry.status != BUSY:
            try:
                with db.session.begin_nested():
                    dispatch.clock_out(entry.store_id, employee.id, actor=None)
                changed += 1
                continue
            except InputError:
                pass  # on another store's board (a transfer): suspend there instead
        if not entry.suspended:
            dispatch.move(entry, "suspend", "离职", actor=None)
            changed += 1
    return changed


def _remove_future_schedules(employee: Employee, last_day: date) -> tuple[int, list[str]]:
    dates = [d.isoformat() for d in db.session.scalars(
        select(ScheduleEntry.work_date).where(ScheduleEntry.employee_id == employee.id,
                                              ScheduleEntry.work_date > last_day)
        .order_by(ScheduleEntry.work_date))]
    if dates:
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.employee_id == employee.id,
                                                       ScheduleEntry.work_date > last_day))
    return len(dates), dates


def process_due_offboardings(now: datetime | None = None, job_record_id: int | None = None
                             ) -> dict:
    """The periodic tick: run the last day of every due offboarding, each in a savepoint.

    One person's failure (logged) does not stop the others; the next tick retries it.
    """
    done, failed = [], []
    for offboarding in due_for_last_day(now):
        offboarding_id = offboarding.id
        try:
            with db.session.begin_nested():
                run_last_day(offboarding_id, now=now, job_record_id=job_record_id)
            done.append(offboarding_id)
        except Exception:  # noqa: BLE001 - one person must not block the others
            log.exception("offboarding %s: last-day processing failed", offboarding_id)
            failed.append(offboarding_id)
    return {"completed": done, "failed": failed}
