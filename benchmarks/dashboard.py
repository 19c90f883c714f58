"""经营驾驶舱 benchmark: the chain dashboard (``GET /gm/``) of a 50-store company with 90
days of daily rollups, served by the Flask test client as the general manager.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench_dash \\
        .venv/bin/python -m benchmarks.dashboard --requests 50

It builds (once) the lean companies ``dash50`` — 50 stores, 90 days of
``StoreDayRollup`` rows — and ``dash10`` — 10 stores, 30 days — with only what the
dashboard reads, bulk inserted: the rollups, today's source rows per store (a business
day with ``--orders-today`` paid orders, a finished job each, a clock-in) so the live
part computes something, stored-value cards, the month's targets and revenue budgets,
an approved payroll run of last month, then ANALYZE.

Then for each company: ``--requests`` GETs of ``/gm/`` (after 3 warm-ups) timing each
request's server time (the test client's full request: routing, permission, the
grouped statements, the template) — median, p95 and statements per request — and the
same for one store's drill-down and ``/api/v1/dashboard``.  The statement count is the
same for both companies: it does not grow with stores or days.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

PASSWORD = "bench-password-1"
COMPANIES = ({"code": "dash50", "stores": 50, "days": 90},
             {"code": "dash10", "stores": 10, "days": 30})


def build_lean(code: str, stores: int, days: int, orders_today: int = 20, echo=print) -> int:
    """Build the lean company ``code`` unless it exists; commits; its tenant id."""
    import random
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    from sqlalchemy import select, text

    from app.blueprints.auth.services import create_account
    from app.blueprints.finance.models import Budget
    from app.blueprints.gm.dashboard import add_months
    from app.blueprints.gm.models import StoreDayRollup, StoreTarget
    from app.blueprints.hr.models import ClockRecord, PayrollRun, Payslip
    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import (
        BusinessDay,
        Customer,
        MemberCard,
        Order,
        OrderLine,
        Payment,
        ServiceJob,
    )
    from app.demo.rows import bulk_insert
    from app.extensions import db
    from app.models import Employee, Position, Store
    from app.tenancy import tenant_context
    from app.tenants import create_company, find_tenant_by_code

    found = find_tenant_by_code(code)
    if found is not None:
        return found.id
    started = time.perf_counter()
    rng = random.Random(2026)
    m = Decimal
    zero = m("0.00")
    tenant_id = create_company(code, "驾驶舱压测连锁", "owner", PASSWORD,
                               owner_name="老板").tenant.id
    with tenant_context(tenant_id):
        shops = [Store(code=f"D{n:02d}", name=f"驾驶舱{n}号店", city="广州", address="天河路",
                       status="open") for n in range(1, stores + 1)]
        db.session.add_all(shops)
        db.session.flush()
        store_ids = [s.id for s in shops]
        today = today_for_store()
        month = today.replace(day=1)
        position_id = db.session.scalar(select(Position.id).where(Position.role == "therapist"))
        gm = Employee(employee_no="G001", name="总经理", store_id=None, position_id=position_id,
                      status="active", hire_date=date(2025, 1, 1))
        db.session.add(gm)
        db.session.flush()
        create_account("gm", PASSWORD, "general_manager", employee=gm)
        people = bulk_insert(Employee, [
            {"tenant_id": tenant_id, "employee_no": f"E{s:02d}{k:02d}", "name": f"技师{s}-{k}",
             "gender": "female", "phone": "", "store_id": sid, "position_id": position_id,
             "status": "active", "hire_date": date(2025, 1, 1)}
            for s, sid in enumerate(store_ids) for k in range(5)], returning=True)
        # The history: a rollup row per store and day before today.
        rows = []
        for sid in store_ids:
            for d in range(1, days + 1):
                revenue = m(rng.randint(8000, 30000))
                jobs = rng.randint(60, 160)
                rows.append({
                    "tenant_id": tenant_id, "store_id": sid,
                    "business_date": today - timedelta(days=d), "revenue": revenue,
                    "paid_cash": revenue * m("0.2"), "paid_wechat": revenue * m("0.4"),
                    "paid_alipay": zero, "paid_bank_card": zero,
                    "paid_voucher": revenue * m("0.15"), "paid_stored_value": revenue * m("0.25"),
                    "paid_package_card": zero, "refunds": m(rng.randint(0, 200)),
                    "refund_count": rng.randint(0, 2), "card_sales": m(rng.randint(0, 9000)),
                    "cards_sold": rng.randint(0, 5),
                    "card_balance_change": m(rng.randint(-900, 900)),
                    "orders": jobs // 2, "guests": jobs // 2 + 5, "jobs": jobs,
                    "jobs_requested": jobs // 3, "jobs_addon": jobs // 10,
                    "jobs_returned": rng.randint(0, 2), "job_minutes": jobs * 70,
                    "duty_minutes": 20 * 600, "ratings": jobs // 4,
                    "rating_total": jobs // 4 * 4, "low_ratings": rng.randint(0, 1),
                    "complaints": rng.randint(0, 1)})
        bulk_insert(StoreDayRollup, rows)
        echo(f"  {len(rows):,} rollup rows ({time.perf_counter() - started:.0f} s)")
        # Today's source rows: the live part of the dashboard reads them.
        day_ids = bulk_insert(BusinessDay, [
            {"tenant_id": tenant_id, "store_id": sid, "business_date": today,
             "last_order_seq": orders_today, "board_start_rule": "clock_in",
             "board_version": 0} for sid in store_ids], returning=True)
        opened = datetime.now(UTC) - timedelta(hours=3)
        orders = [{"tenant_id": tenant_id, "store_id": sid, "business_day_id": day_id,
                   "seq": seq, "status": "paid", "subtotal": m("168.00"),
                   "discount": zero, "total": m("168.00"), "guest_name": "", "party_size": 1,
                   "notes": ""}
                  for sid, day_id in zip(store_ids, day_ids, strict=True)
                  for seq in range(1, orders_today + 1)]
        order_ids = bulk_insert(Order, orders, returning=True)
        bulk_insert(Payment, [
            {"tenant_id": tenant_id, "store_id": o["store_id"], "order_id": oid,
             "business_day_id": o["business_day_id"], "method": rng.choice(("cash", "wechat")),
             "amount": o["total"], "change": zero, "reference": ""}
            for o, oid in zip(orders, order_ids, strict=True)])
        line_ids = bulk_insert(OrderLine, [
            {"tenant_id": tenant_id, "order_id": oid, "store_id": o["store_id"],
             "kind": "service", "name": "足浴60分钟", "quantity": 1,
             "unit_price": m("168.00"), "amount": m("168.00"), "guest_no": 1,
             "status": "active"}
            for o, oid in zip(orders, order_ids, strict=True)], returning=True)
        therapists = {sid: people[n * 5:(n + 1) * 5] for n, sid in enumerate(store_ids)}
        bulk_insert(ServiceJob, [
            {"tenant_id": tenant_id, "store_id": o["store_id"],
             "business_day_id": o["business_day_id"], "order_id": oid, "order_line_id": lid,
             "therapist_id": therapists[o["store_id"]][n % 5],
             "job_type": "requested" if n % 3 == 0 else "rotation", "is_addon": False,
             "status": "finished", "started_at": opened,
             "planned_end_at": opened + timedelta(minutes=60),
             "ended_at": opened + timedelta(minutes=60)}
            for n, (o, oid, lid) in enumerate(zip(orders, order_ids, line_ids, strict=True))])
        bulk_insert(ClockRecord, [
            {"tenant_id": tenant_id, "employee_id": e, "store_id": sid, "kind": "in",
             "at": opened - timedelta(hours=1), "source": "self"}
            for sid, staff in therapists.items() for e in staff])
        customers = bulk_insert(Customer, [
            {"tenant_id": tenant_id, "name": f"顾客{n}", "phone": f"137{n:08d}",
             "phone_tail": f"{n % 10000:04d}"} for n in range(stores * 20)], returning=True)
        bulk_insert(MemberCard, [
            {"tenant_id": tenant_id, "card_no": f"K{n:06d}", "customer_id": cid,
             "kind": "stored_value", "issued_store_id": store_ids[n % stores],
             "status": "active", "balance": m("800.00"), "remaining_count": 0}
            for n, cid in enumerate(customers)])
        bulk_insert(StoreTarget, [
            {"tenant_id": tenant_id, "store_id": sid, "month": month,
             "revenue": m("600000"), "guests": 2500, "card_sales": m("120000"), "note": ""}
            for sid in store_ids])
        bulk_insert(Budget, [
            {"tenant_id": tenant_id, "store_id": sid, "period": month, "category": "revenue",
             "amount": m("580000")} for sid in store_ids])
        run = PayrollRun(month=add_months(month, -1), scope="all", status="approved",
                         employee_count=len(people))
        db.session.add(run)
        db.session.flush()
        money = ("base", "overtime", "commission", "card_commission", "meal",
                 "full_attendance_bonus", "rewards", "fines", "late_deduction", "adjustment",
                 "si_pension", "si_medical", "si_unemployment", "si_housing_fund", "si_total",
                 "taxable", "cum_income", "cum_deductible", "cum_taxable", "cum_tax", "iit",
                 "net")
        bulk_insert(Payslip, [
            {"tenant_id": tenant_id, "run_id": run.id, "employee_id": e, "month": run.month,
             "store_id": store_ids[n // 5], **dict.fromkeys(money, zero),
             "gross": m(rng.randint(4000, 9000)), "deductions_capped": False, "detail": {}}
            for n, e in enumerate(people)])
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for model in (StoreDayRollup, BusinessDay, Order, Payment, OrderLine, ServiceJob,
                      ClockRecord, MemberCard, StoreTarget, Budget, Payslip, PayrollRun, Store):
            db.session.execute(text(f"ANALYZE {model.__tablename__}"))
        db.session.commit()
    echo(f"Built {code} in {time.perf_counter() - started:.0f} s")
    return tenant_id


def measure(client, url: str, requests: int, engine, headers=None) -> dict:
    """benchmarks/pnl.py's measure, with the API's bearer token."""
    from benchmarks.payroll import StatementCounter

    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200, url
    times, statements = [], []
    for _ in range(requests):
        counter = StatementCounter(engine)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        statements.append(counter.close())
        assert response.status_code == 200, url
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return {"url": url, "median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000,
            "max_ms": times[-1] * 1000, "statements": statistics.median(statements)}


def run_benchmark(requests: int = 30, echo=print, companies=COMPANIES,
                  orders_today: int = 20) -> list[dict]:
    from flask import current_app
    from sqlalchemy import func, select

    from app.blueprints.gm.models import StoreDayRollup
    from app.extensions import db
    from app.models import Store
    from app.tenancy import tenant_context

    results = []
    for spec in companies:
        tenant_id = build_lean(spec["code"], spec["stores"], spec["days"], orders_today, echo)
        with tenant_context(tenant_id):
            stores = db.session.scalar(select(func.count(Store.id)))
            first = db.session.scalar(select(func.min(Store.id)))
            rows = db.session.scalar(select(func.count(StoreDayRollup.id)))
        db.session.remove()
        echo(f"Company {spec['code']}: {stores} stores, {rows:,} rollup rows")
        client = current_app.test_client()
        token = current_app.test_client().post("/api/v1/auth/token", json={
            "company": spec["code"], "username": "gm", "password": PASSWORD}).get_json()["token"]
        response = client.post("/login", data={"company": spec["code"], "username": "gm",
                                               "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        for url in ("/gm/", f"/gm/dashboard/stores/{first}", "/api/v1/dashboard"):
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api") else None
            figures = measure(client, url, requests, db.engine, headers)
            figures.update(company=spec["code"], stores=stores, rollup_rows=rows)
            results.append(figures)
            echo(f"{spec['code']:<7}{url:<28} median {figures['median_ms']:7.1f} ms  p95 "
                 f"{figures['p95_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms  "
                 f"statements {figures['statements']:.0f}")
        client.post("/logout")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--orders-today", type=int, default=20)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    app = create_app(REDIS_URL="", WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        run_benchmark(args.requests, orders_today=args.orders_today)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
