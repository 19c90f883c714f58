"""HR and payroll demo data: levels, pay profiles, the employee file, shifts, published
schedules (排班, 排休), clock records (打卡, 补卡), leave, overtime, rewards and fines,
locked attendance sheets, joiners and a leaver, and who sold each member card.

``load_hr("yuezu")`` (``flask demo load``) gives the demo company:

* levels 初级 1.0 / 中级 1.1 / 高级 1.2 / 金牌 1.35, every therapist on one (by years
  of service; 金牌 therapists on their own 金牌技师 profile);
* one pay profile per post (Guangzhou/Shenzhen 2026 figures, see ``PROFILES``);
* the employee file: ID numbers with a valid GB 11643 check digit and the birth date
  and gender they encode, bank and Luhn-valid account, emergency contact, health
  certificate (a few expiring within 30 days, one GZ01 therapist's expired, so the
  rotation board refuses to dispatch them), SI base = monthly base, a few special
  deductions, this year's tax opening balance for everyone hired before the first
  Muzu month (the previous calendar month);
* hire dates before the demo months (therapists before the front-desk history
  starts), two joiners in the middle of last month (onboarding done), one leaver
  last month (greeter of GZ02, offboarding approved, status ``left``);
* shift templates per store (早班 10–18, 中班 13–21, 晚班 16–24; 通宵 22–06 in GZ01
  and SZ01) and PUBLISHED schedules for the whole previous month and the current
  month up to two weeks ahead (one more week in draft at GZ01), 4 rest days a month
  per person, on Monday–Thursday, staggered so a store is never short at weekends;
* clock records for every past scheduled day: mostly on time, 1.5% of days 1–10 min
  late (about three people in four keep the full-attendance bonus), a few 30 min
  late, a couple 3 hours late (half a day absent), a few early departures, a few
  missing punches of which two thirds are corrected (补卡) by the foreman with a
  reason;
* approved leave (annual, sick, personal, one half day, one of 4 days that needed
  HR), approved overtime for non-commission staff (one on a statutory holiday when
  the month has one, one on a rest day, others after the shift), approved rewards
  and fines in the previous month; a pending leave, overtime and reward this month;
* the previous month's attendance sheets locked, so payroll can run on it;
* every top-up on the card ledger credited to its seller (售卡人): a third to the
  therapist who recommended it (set by the history), the rest to a cashier,
  receptionist or store manager of its store, deterministic by entry id.

No payroll run is created.  The front-desk history (app/demo/history.py) keeps
every therapist on the floor every day, so therapists have service jobs on their
rest days too; commission counts them, attendance does not.

``add_hr_month(code, month)`` (``flask demo hr-month``) adds one calendar month of
schedules, clocks, leave, overtime, rewards and the locked sheets to any company
(the chain-50 payroll benchmark), filling in levels, profiles and the file first
where missing; idempotent per month.

The parts, one module each: hr_settings.py (levels, profiles, shifts), hr_file.py
(the employee file), hr_lifecycle.py (joiners, leaver, level changes), hr_time.py
(a month's plan, schedules and sheets), hr_clocks.py (its punches), hr_requests.py
(its leave, overtime, rewards); hr_common.py what they share.

Everything is seeded; loading twice changes nothing (a company with shift
templates is skipped, a month with schedules is skipped).  Rows are written with
bulk inserts (tenant id explicit).  Adds and flushes; the caller commits.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update

from app.blueprints.hr.models import (
    AttendanceSheet,
    ChecklistItem,
    ClockRecord,
    EmployeeChange,
    IssuedItem,
    LeaveRequest,
    Offboarding,
    Onboarding,
    OvertimeRequest,
    RewardPenalty,
    ScheduleEntry,
    ShiftTemplate,
    TaxOpeningBalance,
)
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry
from app.demo.hr_common import (
    SEED,
    Company,
    HrResult,
    Person,
    month_end,
    month_start,
    previous_month,
)
from app.demo.hr_file import fill_employee_files
from app.demo.hr_lifecycle import add_joiners, add_level_changes, add_lifecycle_records
from app.demo.hr_requests import add_pending_events
from app.demo.hr_settings import (
    YUEZU_OVERNIGHT_STORES,
    ensure_levels,
    ensure_pay_profiles,
    ensure_shift_templates,
)
from app.demo.hr_time import ROLE_ORDER, add_period
from app.extensions import db
from app.models import Account, Employee, PayProfile, Position, Store, Tenant, TherapistLevel
from app.tenancy import current_tenant_id, tenant_context
from app.tenants import find_tenant_by_code

SELLER_WEIGHTS = {"cashier": 6, "receptionist": 3, "store_manager": 1}


# --- the whole demo (yuezu, qingxi) ------------------------------------------------------


def load_hr(company_code: str = "yuezu") -> HrResult:
    """Give a demo company its HR and payroll data (skipped if it has shift templates)."""
    started = clock.perf_counter()
    result = HrResult(company_code)
    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        result.skipped = True
        return result
    with tenant_context(tenant.id):
        if db.session.scalar(select(ShiftTemplate.id).limit(1)) is not None:
            # Loaded before; history loaded since then still gets its card sellers.
            result.skipped = True
            result.add("card sellers", assign_card_sellers())
            db.session.flush()
            return result
        rng = random.Random(f"{SEED}-{company_code}")
        co = _company(tenant)
        first = previous_month(co.today)
        levels = ensure_levels(co.tenant_id)
        profiles = ensure_pay_profiles(co.tenant_id)
        full = company_code == "yuezu"
        joiners, leavers, confirming = [], [], []
        if full:
            joiners = add_joiners(co, rng, first)
            co = _company(tenant)
            leavers = [p for p in co.people if p.role == "greeter" and p.store_id ==
                       co.stores[1][0]][:1]
            confirming = [p.id for p in co.people if p.role == "greeter" and p.store_id ==
                          co.first_store][:1]
        fill_employee_files(co, rng, first, levels, profiles,
                            joiners=[p.id for p in joiners], leavers=leavers,
                            probation_due=confirming)
        co = _company(tenant)
        ensure_shift_templates(co, YUEZU_OVERNIGHT_STORES if full else ())
        if full:
            plan = add_period(co, rng, first, month_end(first), result, events="approved")
            plan += add_period(co, rng, month_start(co.today), co.today + timedelta(days=14),
                                result, events="none", draft_days=7)
            add_pending_events(co, plan, result)
            add_lifecycle_records(co, first, [p.id for p in joiners] + confirming,
                               [p.id for p in leavers], result)
            add_level_changes(co, levels, first, result)
        else:
            monday = co.today - timedelta(days=co.today.weekday())
            add_period(co, rng, monday, monday + timedelta(days=6), result, events="none")
        result.add("card sellers", assign_card_sellers())
        db.session.flush()
    result.seconds = clock.perf_counter() - started
    return result


def add_hr_month(company_code: str, month: date, seed: int = SEED) -> HrResult:
    """One calendar month of HR data for ``company_code`` (file, levels, profiles and
    shifts first where missing).  Skipped if the month already has schedules."""
    started = clock.perf_counter()
    result = HrResult(company_code)
    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        raise LookupError(f"no company {company_code!r}")
    first, last = month_start(month), month_end(month_start(month))
    with tenant_context(tenant.id):
        rng = random.Random(f"{seed}-{company_code}-{first:%Y-%m}")
        co = _company(tenant)
        levels = ensure_levels(co.tenant_id)
        profiles = ensure_pay_profiles(co.tenant_id)
        fill_employee_files(co, rng, first, levels, profiles, turnover=True)
        co = _company(tenant)
        overnight = tuple(code for _id, code, _c in co.stores[::5])
        if db.session.scalar(select(ShiftTemplate.id).limit(1)) is None:
            ensure_shift_templates(co, overnight)
            co = _company(tenant)
        if db.session.scalar(select(ScheduleEntry.id).where(
                ScheduleEntry.work_date.between(first, last)).limit(1)) is not None:
            result.skipped = True
        else:
            add_period(co, rng, first, last, result, events="approved")
        result.add("card sellers", assign_card_sellers())
        db.session.flush()
    result.seconds = clock.perf_counter() - started
    return result


def _company(tenant: Tenant) -> Company:
    tz = ZoneInfo(tenant.timezone)
    stores = [tuple(r) for r in db.session.execute(
        select(Store.id, Store.code, Store.city).order_by(Store.code))]
    rows = db.session.execute(
        select(Employee.id, Employee.employee_no, Employee.name, Employee.gender, Position.role,
               Employee.store_id, Employee.hire_date, Employee.last_day, Employee.status)
        .join(Position, Position.id == Employee.position_id)
        .order_by(Employee.employee_no)).all()
    people = [Person(*row) for row in rows]
    by_store: dict[int, list[Person]] = defaultdict(list)
    for p in people:
        if p.store_id is not None:
            by_store[p.store_id].append(p)
    for staff in by_store.values():
        staff.sort(key=lambda p: (ROLE_ORDER.index(p.role) if p.role in ROLE_ORDER else 99,
                                  p.no))
        for index, p in enumerate(staff):
            p.index = index
    accounts = {}
    for account_id, role in db.session.execute(
            select(Account.id, Account.role).order_by(Account.id)):
        accounts.setdefault(role, account_id)
    co = Company(tenant.id, tenant.code, tz, today_for_store(), stores, people, accounts)
    for sid, store_id, name, starts, ends in db.session.execute(
            select(ShiftTemplate.id, ShiftTemplate.store_id, ShiftTemplate.name,
                   ShiftTemplate.starts_at, ShiftTemplate.ends_at)):
        co.shifts.setdefault(store_id, {})[name] = (sid, starts, ends)
    return co


# --- card sales ----------------------------------------------------------------------------


def assign_card_sellers() -> int:
    """Credit every top-up without a seller to a cashier, receptionist or store manager
    of its store employed that day (weights 6 : 3 : 1, chosen by the entry's id).
    The history credits a third of the top-ups to the therapist who served the guest
    (技师推卡, app/demo/history_extras.py); those keep their seller.

    The ledger is append-only for the app (app/blueprints/store/cards.py refuses ORM
    updates); the demo backfills only this attribution column of its own generated
    history, with a Core statement on the table that names the tenant explicitly.
    """
    entries = db.session.execute(
        select(CardLedgerEntry.id, CardLedgerEntry.store_id, CardLedgerEntry.created_at)
        .where(CardLedgerEntry.kind == "topup", CardLedgerEntry.sold_by_employee_id.is_(None))
        .order_by(CardLedgerEntry.id)).all()
    if not entries:
        return 0
    tz = ZoneInfo(db.session.get(Tenant, current_tenant_id()).timezone)
    sellers: dict[int, list[tuple[int, int, date | None, date | None]]] = defaultdict(list)
    for employee_id, store_id, role, hired, last_day in db.session.execute(
            select(Employee.id, Employee.store_id, Position.role, Employee.hire_date,
                   Employee.last_day).join(Position, Position.id == Employee.position_id)
            .where(Position.role.in_(tuple(SELLER_WEIGHTS)), Employee.store_id.is_not(None))
            .order_by(Employee.employee_no)):
        sellers[store_id].append((employee_id, SELLER_WEIGHTS[role], hired, last_day))
    rows = []
    for entry_id, store_id, created in entries:
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        day = created.astimezone(tz).date()
        able = [(e, w) for e, w, hired, last_day in sellers.get(store_id, ())
                if (hired is None or hired <= day) and (last_day is None or day <= last_day)]
        if not able:
            continue
        ticket = (entry_id * 2654435761) % sum(w for _e, w in able)
        for employee_id, weight in able:
            if ticket < weight:
                rows.append({"id": entry_id, "sold_by_employee_id": employee_id})
                break
            ticket -= weight
    table = CardLedgerEntry.__table__
    statement = (update(table)
                 .where(table.c.id == bindparam("entry_id"),
                        table.c.tenant_id == bindparam("tenant"),
                        table.c.sold_by_employee_id.is_(None))
                 .values(sold_by_employee_id=bindparam("seller")))
    tenant_id = current_tenant_id()
    params = [{"entry_id": r["id"], "tenant": tenant_id, "seller": r["sold_by_employee_id"]}
              for r in rows]
    for start in range(0, len(params), 5000):
        db.session.execute(statement, params[start:start + 5000])
    return len(rows)


def draft_payroll(company_code: str = "yuezu") -> tuple[bool, str]:
    """``flask demo load --with-payroll``: compute last month's company-wide payroll as a
    draft run (app/blueprints/hr/payroll/run.py), unless the month has a run already.
    Commits; the job runs inline without Redis, else on the worker.  Returns whether
    a run was started, and a line for the console."""
    from app.blueprints.hr.models import PayrollRun
    from app.blueprints.hr.payroll.run import start_run
    from app.jobs import commit_and_dispatch

    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        return False, f"No company {company_code}: no payroll computed."
    with tenant_context(tenant.id):
        first = previous_month(today_for_store())
        existing = db.session.scalar(select(PayrollRun).where(PayrollRun.month == first,
                                                              PayrollRun.scope == "all"))
        if existing is not None:
            return False, (f"{company_code} already has a payroll run for {first:%Y-%m} "
                           f"({existing.status}): left unchanged.")
        run, _record = start_run(first)
        run_id = run.id
        commit_and_dispatch()
        run = db.session.get(PayrollRun, run_id)
        db.session.refresh(run)
        if run.status == "draft":
            return True, (f"Computed {company_code}'s payroll for {first:%Y-%m} (draft): "
                          f"{run.employee_count} payslips, net {run.total_net}.")
        return True, f"{company_code}'s payroll for {first:%Y-%m}: {run.status}."


def analyze_hr_tables() -> None:
    """Planner statistics for the tables the HR data fills (a whole-database ANALYZE
    takes seconds at chain scale); maintenance, not a tenant query."""
    from sqlalchemy import text

    for model in (Employee, ScheduleEntry, ClockRecord, LeaveRequest, OvertimeRequest,
                  RewardPenalty, AttendanceSheet, TaxOpeningBalance, CardLedgerEntry):
        db.session.execute(text(f"ANALYZE {model.__tablename__}"))


def count_rows() -> dict[str, int]:
    """Rows of the HR tables in the current tenant (tests, reports)."""
    models = (TherapistLevel, PayProfile, ShiftTemplate, ScheduleEntry, ClockRecord,
              LeaveRequest, OvertimeRequest, RewardPenalty, AttendanceSheet, TaxOpeningBalance,
              Onboarding, Offboarding, ChecklistItem, IssuedItem, EmployeeChange, Employee)
    counts = {m.__tablename__: db.session.scalar(select(func.count(m.id))) for m in models}
    counts["card_sellers"] = db.session.scalar(select(func.count(CardLedgerEntry.id)).where(
        CardLedgerEntry.sold_by_employee_id.is_not(None)))
    return counts


__all__ = ["add_hr_month", "assign_card_sellers", "draft_payroll", "id_check_digit", "load_hr"]


# Importable from here as before the module was split (tests).
from app.demo.hr_file import id_check_digit, luhn_digit  # noqa: E402,F401
