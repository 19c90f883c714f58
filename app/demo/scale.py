"""``flask demo load --scale chain-50``: a separate company at chain scale, for
benchmarks — 50 stores, 1,000 therapists, 90 days ≈ 500k orders with their lines,
jobs, payments, cards and feedback — built by the history generator with bulk
inserts (app/demo/history.py).  ``--scale small`` builds a tiny one for smoke tests.

Each store also has 10 other staff (3 built with the history, 7 added with the HR
data: 50 × 30 = 1,500 employees at chain-50), and the previous calendar month has
the HR data payroll reads (app/demo/hr.py: file, levels, profiles, published
schedules, clock records, leave, overtime, rewards, locked sheets).
``flask demo hr-month --tenant chain50 --month YYYY-MM`` adds a month to a company
built before, without rebuilding the history.

Idempotent by company code: an existing scale company is left as it is.  The
history is one transaction (all or nothing), the HR month a second one.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.blueprints.auth.services import create_account
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry, Order, OrderLine, Payment, ServiceJob
from app.demo.history import HistoryGenerator, analyze_tables
from app.demo.history_setup import (
    StorePlan,
    add_customers,
    add_qualifications,
    ensure_catalogue,
)
from app.demo.hr import HrResult, add_hr_month, analyze_hr_tables, previous_month
from app.demo.loader import DEMO_PASSWORD
from app.demo.rows import bulk_insert
from app.extensions import db
from app.models import Employee, Position, Room, Store
from app.tenancy import tenant_context
from app.tenants import create_company, find_tenant_by_code

CITIES = ("广州", "深圳", "佛山", "东莞", "珠海", "中山", "惠州", "江门", "长沙", "南宁")
# Store staff besides store manager (01), cashier (02) and dispatcher (03): 04..10.
EXTRA_POSTS = ("supervisor", "foreman", "receptionist", "receptionist", "greeter", "cleaner",
               "technical_supervisor")


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    stores: int
    therapists_per_store: int
    rooms_per_store: int
    days: int
    orders_per_day: tuple[int, int]  # weekday range; weekends ×1.25–1.45 up to cap
    cap: int
    customers: int


SCALES = {
    "chain-50": Scale("chain50", "百店连锁（压测）", 50, 20, 20, 90, (90, 115), 150, 20_000),
    "small": Scale("chainsmall", "小型连锁（冒烟）", 2, 8, 6, 3, (20, 30), 40, 200),
}


@dataclass
class ScaleReport:
    code: str
    skipped: bool = False
    seconds: float = 0.0
    stores: int = 0
    therapists: int = 0
    orders: int = 0
    rows: dict | None = None


def build_scale(name: str, echo: Callable[[str], None] = print, seed: int = 50) -> ScaleReport:
    """Build the scale company ``name`` (see ``SCALES``) and commit; report the time."""
    scale = SCALES[name]
    if find_tenant_by_code(scale.code) is not None:
        echo(f"Scale company {scale.code} already exists: left unchanged.")
        return ScaleReport(scale.code, skipped=True)
    started = clock.perf_counter()
    rng = random.Random(seed)
    new = create_company(scale.code, scale.name, "owner", DEMO_PASSWORD, owner_name="owner")
    tenant = new.tenant
    report = ScaleReport(scale.code)
    with tenant_context(tenant.id):
        positions = {p.role: p.id for p in db.session.scalars(select(Position))}
        stores = [Store(code=f"C{n:03d}", name=f"{scale.name} {n:03d} 店",
                        city=CITIES[(n - 1) % len(CITIES)], address=f"演示路 {n} 号",
                        status="open") for n in range(1, scale.stores + 1)]
        db.session.add_all(stores)
        db.session.flush()
        bulk_insert(Room, [{"tenant_id": tenant.id, "store_id": s.id, "number": f"{r:03d}",
                        "type": "single" if r % 3 else "double", "beds": 1 if r % 3 else 2,
                        "status": "free"}
                       for s in stores for r in range(1, scale.rooms_per_store + 1)])
        staff = []
        for index, store in enumerate(stores, start=1):
            for post, number in (("store_manager", 1), ("cashier", 2), ("dispatcher", 3)):
                staff.append(_employee_row(tenant.id, positions[post], f"{index:03d}{number:02d}",
                                           store.id, rng, post))
            for t in range(1, scale.therapists_per_store + 1):
                staff.append(_employee_row(tenant.id, positions["therapist"],
                                           f"{index:03d}{100 + t:03d}", store.id, rng,
                                           "therapist"))
        bulk_insert(Employee, staff)
        first_store = stores[0].id
        for post in ("store_manager", "cashier", "dispatcher"):
            employee = db.session.scalar(select(Employee).where(
                Employee.store_id == first_store, Employee.position_id == positions[post]))
            create_account(post, DEMO_PASSWORD, post, employee=employee)
        db.session.flush()

        items, products, levels = ensure_catalogue(tenant.id)
        therapists = db.session.execute(
            select(Employee.id, Employee.store_id)
            .where(Employee.position_id == positions["therapist"]).order_by(Employee.id)).all()
        qualified = add_qualifications(tenant.id, rng, [e for e, _s in therapists], items)
        rooms = db.session.execute(select(Room.id, Room.store_id).order_by(Room.id)).all()
        by_store_t: dict[int, list[int]] = {}
        for e, s in therapists:
            by_store_t.setdefault(s, []).append(e)
        by_store_r: dict[int, list[int]] = {}
        for r, s in rooms:
            by_store_r.setdefault(s, []).append(r)
        plans = [StorePlan(id=s.id, code=s.code, rooms=by_store_r[s.id],
                           therapists=by_store_t[s.id],
                           qualified={t: qualified[t] for t in by_store_t[s.id]}, prices={},
                           orders_per_day=scale.orders_per_day, cap=scale.cap)
                 for s in stores]
        today = today_for_store()
        first = today - timedelta(days=scale.days)
        guests = add_customers(tenant.id, rng, plans, scale.customers,
                               [lv for lv, _d in levels[1:]],
                               datetime.combine(first, time(12), tzinfo=ZoneInfo(tenant.timezone))
                               .astimezone(UTC),
                               phone_prefix="18")
        generator = HistoryGenerator(tenant.id, plans, items, products, dict(levels), guests,
                                     seed=seed, timezone=tenant.timezone)
        for n in range(scale.days):
            generator.run_day(first + timedelta(days=n))
            if n == 0:
                analyze_tables()
            if (n + 1) % 10 == 0 or n + 1 == scale.days:
                echo(f"  {scale.code}: {n + 1}/{scale.days} days, "
                     f"{generator.result.orders} orders, "
                     f"{clock.perf_counter() - started:.0f} s")
        generator.finish()
        db.session.flush()
        report.rows = {model.__tablename__: db.session.scalar(select(func.count(model.id)))
                       for model in (Order, OrderLine, ServiceJob, Payment, CardLedgerEntry)}
        report.orders = generator.result.orders
        report.stores = len(stores)
        report.therapists = len(therapists)
    db.session.commit()
    with tenant_context(tenant.id):
        analyze_tables()
        db.session.commit()
    history_seconds = clock.perf_counter() - started
    echo(f"Built scale company {scale.code}: {report.stores} stores, {report.therapists} "
         f"therapists, {scale.days} days, {report.orders} orders "
         f"({', '.join(f'{k} {v}' for k, v in report.rows.items())}) in {history_seconds:.1f} s.")
    add_scale_hr_month(scale.code, previous_month(today), echo=echo)
    report.seconds = clock.perf_counter() - started
    return report


def ensure_scale_staff(code: str, seed: int = 51) -> int:
    """Give every store of scale company ``code`` its 7 extra staff (``EXTRA_POSTS``) where
    missing; return how many were added.  Adds and flushes."""
    tenant = find_tenant_by_code(code)
    rng = random.Random(seed)
    with tenant_context(tenant.id):
        positions = {p.role: p.id for p in db.session.scalars(select(Position))}
        numbers = set(db.session.scalars(select(Employee.employee_no)))
        rows = []
        for store in db.session.scalars(select(Store).order_by(Store.code)):
            index = int(store.code[1:])
            for number, post in enumerate(EXTRA_POSTS, start=4):
                employee_no = f"{index:03d}{number:02d}"
                if employee_no not in numbers:
                    rows.append(_employee_row(tenant.id, positions[post], employee_no,
                                              store.id, rng, post))
        bulk_insert(Employee, rows)
        db.session.flush()
    return len(rows)


def add_scale_hr_month(code: str, month: date, echo: Callable[[str], None] = print) -> HrResult:
    """The extra staff, then one month of HR data (app/demo/hr.py); commits, reports."""
    started = clock.perf_counter()
    added = ensure_scale_staff(code)
    result = add_hr_month(code, month)
    db.session.commit()
    with tenant_context(find_tenant_by_code(code).id):
        analyze_hr_tables()
        db.session.commit()
        employees = db.session.scalar(select(func.count(Employee.id)))
    seconds = clock.perf_counter() - started
    if result.skipped:
        echo(f"{code} already has HR data for {month:%Y-%m}: schedules left unchanged "
             f"({employees} employees).")
    else:
        echo(f"Added HR month {month:%Y-%m} to {code}: {employees} employees"
             f"{f' ({added} new staff)' if added else ''}, {result.summary()} "
             f"in {seconds:.1f} s.")
    result.seconds = seconds
    return result


def _employee_row(tenant_id: int, position_id: int, number: str, store_id: int,
                  rng: random.Random, post: str) -> dict:
    female = rng.random() < (0.6 if post == "therapist" else 0.7)
    return {"tenant_id": tenant_id, "employee_no": number,
            "name": f"{'技师' if post == 'therapist' else '员工'}{number}",
            "gender": "female" if female else "male", "phone": f"177{number:0>8}"[:11],
            "store_id": store_id, "position_id": position_id, "status": "active",
            "hire_date": None}
