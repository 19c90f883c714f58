"""门店损益 benchmark: the P&L page (``GET /finance/pnl``) of a 50-store company with 90
days of history, served by the Flask test client as the finance manager.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
    MIGRATION_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.pnl --requests 30

It builds (once) the lean company ``pnl50`` — 50 stores, 90 business days each with
``--orders-per-day`` paid orders (one payment each: cash, WeChat, Alipay, bank card,
团购 and stored-value cards bought in another store), 5 stock movements a store a day,
an expense a store a day plus head-office ones, 300 assets a store with 3 months of
depreciation, 30 employees a store with an approved payroll run for each of the 3
months, and budgets — only what the P&L reads, bulk inserted; the closed days'
rollups stored (as each 日结 leaves them), then ANALYZEd through the tables' owner
(``MIGRATION_DATABASE_URL``: PostgreSQL lets only the owner analyze, app/rls.py
``analyze``).
``--scale chain-50`` measures the full demo company (``flask demo load --scale
chain-50``) instead, if it was built.

Then, for the last full month: ``--requests`` GETs of the page (after 3 warm-ups),
timing each request's server time (the test client's full request: routing,
permission, the grouped statements, the template), the median, the p95 and the
statements per request; the same for the month's closings, today's takings and the
P&L's Excel export.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

LEAN = {"code": "pnl50", "stores": 50, "days": 90, "orders_per_day": 100, "assets": 300,
        "staff": 30, "cards": 2000}
PASSWORD = "bench-password-1"
METHODS = (("cash", 15), ("wechat", 35), ("alipay", 20), ("bank_card", 5), ("voucher", 15),
           ("stored_value", 10))


def build_lean(echo=print, **overrides) -> int:
    """Build ``pnl50`` (see the module's docstring) unless it exists; commits; tenant id."""
    import random
    from datetime import UTC, date, datetime, timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from app.blueprints.auth.services import create_account
    from app.blueprints.finance.models import Budget, ExpenseClaim
    from app.blueprints.hr.models import PayrollRun, Payslip
    from app.blueprints.logistics.models import (
        Asset,
        DepreciationEntry,
        StockItem,
        StockMovement,
    )
    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import (
        BusinessDay,
        CardLedgerEntry,
        Customer,
        MemberCard,
        Order,
        Payment,
        StoreDayRollup,
    )
    from app.demo.rows import bulk_insert
    from app.extensions import db
    from app.models import Employee, Position, Store
    from app.tenancy import tenant_context
    from app.tenants import create_company, find_tenant_by_code

    spec = {**LEAN, **overrides}
    found = find_tenant_by_code(spec["code"])
    if found is not None:
        return found.id
    started = time.perf_counter()
    rng = random.Random(2026)
    tenant_id = create_company(spec["code"], "损益压测连锁", "owner", PASSWORD,
                               owner_name="老板").tenant.id
    m = Decimal
    zero = m("0.00")
    with tenant_context(tenant_id):
        stores = [Store(code=f"P{n:02d}", name=f"损益{n}号店", city="广州", address="天河路",
                        status="open") for n in range(1, spec["stores"] + 1)]
        db.session.add_all(stores)
        db.session.flush()
        store_ids = [s.id for s in stores]
        today = today_for_store()
        first_day = today - timedelta(days=spec["days"])
        days = [first_day + timedelta(days=d) for d in range(spec["days"])]
        months = sorted({d.replace(day=1) for d in days})[-3:]
        position_id = db.session.scalar(select(Position.id).where(
            Position.role == "therapist"))
        people = bulk_insert(Employee, [
            {"tenant_id": tenant_id, "employee_no": f"E{s:02d}{k:02d}", "name": f"员工{s}-{k}",
             "gender": "female", "phone": "", "store_id": sid, "position_id": position_id,
             "status": "active", "hire_date": date(2025, 1, 1)}
            for s, sid in enumerate(store_ids) for k in range(spec["staff"])], returning=True)
        finance = Employee(employee_no="F001", name="财务经理", store_id=None,
                           position_id=position_id, status="active",
                           hire_date=date(2025, 1, 1))
        db.session.add(finance)
        db.session.flush()
        create_account("finance", PASSWORD, "finance_manager", employee=finance)
        # Cards bought in one store, spent anywhere (80 % real money).
        customers = bulk_insert(Customer, [
            {"tenant_id": tenant_id, "name": f"顾客{n}", "phone": f"139{n:08d}",
             "phone_tail": f"{n % 10000:04d}"} for n in range(spec["cards"])], returning=True)
        cards = bulk_insert(MemberCard, [
            {"tenant_id": tenant_id, "card_no": f"K{n:06d}", "customer_id": cid,
             "kind": "stored_value", "issued_store_id": rng.choice(store_ids),
             "status": "active", "balance": m("1250.00"), "remaining_count": 0}
            for n, cid in enumerate(customers)], returning=True)
        opened = datetime.combine(first_day, datetime.min.time(), UTC)
        ledger = []
        for card_id in cards:
            for kind, amount in (("topup", "1000.00"), ("bonus", "250.00")):
                ledger.append({"tenant_id": tenant_id, "card_id": card_id,
                               "store_id": store_ids[0], "kind": kind, "amount": m(amount),
                               "count_delta": 0, "balance_after": m(amount), "count_after": 0,
                               "payment_method": "cash" if kind == "topup" else None,
                               "note": "", "created_at": opened})
        bulk_insert(CardLedgerEntry, ledger)
        day_rows = [{"tenant_id": tenant_id, "store_id": sid, "business_date": d,
                     "last_order_seq": spec["orders_per_day"], "board_start_rule": "clock_in",
                     "board_version": 0,
                     "locked_at": datetime.now(UTC) if d < today else None}
                    for sid in store_ids for d in days]
        day_ids = bulk_insert(BusinessDay, day_rows, returning=True)
        echo(f"  {len(day_ids)} business days ({time.perf_counter() - started:.0f} s)")
        methods = [name for name, weight in METHODS for _ in range(weight)]
        for chunk_start in range(0, len(day_rows), 200):
            orders, payments = [], []
            chunk = list(zip(day_rows[chunk_start:chunk_start + 200],
                             day_ids[chunk_start:chunk_start + 200], strict=True))
            for row, day_id in chunk:
                for seq in range(1, spec["orders_per_day"] + 1):
                    total = m(rng.choice(("98.00", "128.00", "168.00", "238.00", "35.50")))
                    orders.append({"tenant_id": tenant_id, "store_id": row["store_id"],
                                   "business_day_id": day_id, "seq": seq, "status": "paid",
                                   "subtotal": total, "discount": zero, "total": total,
                                   "guest_name": "", "party_size": 1, "notes": ""})
            order_ids = bulk_insert(Order, orders, returning=True)
            for order, order_id in zip(orders, order_ids, strict=True):
                method = rng.choice(methods)
                payments.append({
                    "tenant_id": tenant_id, "store_id": order["store_id"], "order_id": order_id,
                    "business_day_id": order["business_day_id"], "method": method,
                    "amount": order["total"], "change": zero, "reference": "",
                    "card_id": rng.choice(cards) if method == "stored_value" else None,
                    "voucher_platform": "meituan" if method == "voucher" else None,
                    "voucher_code": f"B{order_id}" if method == "voucher" else None})
            bulk_insert(Payment, payments)
        echo(f"  orders and payments ({time.perf_counter() - started:.0f} s)")
        items = bulk_insert(StockItem, [
            {"tenant_id": tenant_id, "code": f"I{n}", "name": f"物料{n}", "kind": "consumable",
             "unit": "个", "unit_cost": m("2.50") * (n + 1), "is_active": True}
            for n in range(10)], returning=True)
        kinds = ("requisition", "requisition", "sale", "write_off", "receipt")
        bulk_insert(StockMovement, [
            {"tenant_id": tenant_id, "store_id": sid, "stock_item_id": rng.choice(items),
             "kind": kind, "quantity": m(5) if kind == "receipt" else m(-2),
             "unit_cost": m("2.50"), "balance_after": m(0), "moved_on": d, "note": ""}
            for sid in store_ids for d in days for kind in kinds])
        categories = ("rent", "utilities", "repairs", "supplies", "marketing")
        bulk_insert(ExpenseClaim, [
            {"tenant_id": tenant_id, "store_id": sid, "category": rng.choice(categories),
             "amount": m(rng.randint(50, 900)), "spent_on": d,
             "status": rng.choice(("approved", "paid", "paid", "pending_finance")),
             "description": "", "payee": ""}
            for sid in [*store_ids, None] for d in days])
        assets = bulk_insert(Asset, [
            {"tenant_id": tenant_id, "store_id": sid, "tag_code": f"T{sid}-{n:03d}",
             "name": f"按摩床{n}", "category": "other", "location": "",
             "purchase_date": date(2025, 1, 1), "cost": m("3600.00"),
             "residual_value": zero, "useful_life_months": 60, "status": "in_use",
             "note": ""} for sid in store_ids for n in range(spec["assets"])], returning=True)
        asset_store = {}
        for n, asset_id in enumerate(assets):
            asset_store[asset_id] = store_ids[n // spec["assets"]]
        bulk_insert(DepreciationEntry, [
            {"tenant_id": tenant_id, "asset_id": a, "store_id": asset_store[a], "period": p,
             "amount": m("60.00"), "book_value": m("3000.00")}
            for a in assets for p in months])
        for month in months:
            run = PayrollRun(month=month, scope="all", status="approved",
                             employee_count=len(people))
            db.session.add(run)
            db.session.flush()
            money = ("base", "overtime", "commission", "card_commission", "meal",
                     "full_attendance_bonus", "rewards", "fines", "late_deduction",
                     "adjustment", "si_pension", "si_medical", "si_unemployment",
                     "si_housing_fund", "si_total", "taxable", "cum_income", "cum_deductible",
                     "cum_taxable", "cum_tax", "iit", "net")
            bulk_insert(Payslip, [
                {"tenant_id": tenant_id, "run_id": run.id, "employee_id": e, "month": month,
                 "store_id": store_ids[n // spec["staff"]], **dict.fromkeys(money, zero),
                 "gross": m(rng.randint(4000, 9000)), "deductions_capped": False,
                 "detail": {}} for n, e in enumerate(people)])
        bulk_insert(Budget, [
            {"tenant_id": tenant_id, "store_id": sid, "period": p, "category": c,
             "amount": m(a)}
            for sid in store_ids for p in months
            for c, a in (("revenue", "1300000"), ("labour", "200000"), ("rent", "30000"),
                         ("stock_consumed", "3000"), ("depreciation", "18000"))])
        db.session.commit()
    # The closed days' rollups, as each 日结 leaves them (the P&L reads a closed day's
    # money methods from its rollup), then statistics for the planner.
    from app.blueprints.gm.rollups import refresh_days
    from app.rls import analyze

    with tenant_context(tenant_id):
        refresh_days(days[0], days[-1])
        db.session.commit()
    analyze([model.__tablename__ for model in (
        BusinessDay, Order, Payment, CardLedgerEntry, StockMovement, ExpenseClaim,
        DepreciationEntry, Payslip, PayrollRun, Budget, Store, StoreDayRollup)])
    echo(f"Built {spec['code']} in {time.perf_counter() - started:.0f} s")
    return tenant_id


def measure(client, url: str, requests: int, engine) -> dict:
    from benchmarks.payroll import StatementCounter

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times, statements = [], []
    for _ in range(requests):
        counter = StatementCounter(engine)
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        statements.append(counter.close())
        assert response.status_code == 200, url
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return {"url": url, "median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000,
            "max_ms": times[-1] * 1000, "statements": statistics.median(statements)}


def run_benchmark(requests: int = 30, scale: str | None = None, echo=print, **lean) -> list:
    from flask import current_app
    from sqlalchemy import func, select

    from app.blueprints.finance.pnl import previous_month
    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import Payment
    from app.extensions import db
    from app.models import Store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    if scale:
        from app.demo.scale import SCALES

        code = SCALES[scale].code
        tenant = find_tenant_by_code(code)
        if tenant is None:
            echo(f"No company {code}: build it with flask demo load --scale {scale}.")
            return []
        tenant_id, username, password = tenant.id, "finance", PASSWORD
        with tenant_context(tenant_id):
            from app.blueprints.auth.services import create_account
            from app.models import Account

            if db.session.scalar(select(Account.id).where(Account.username == "finance")) is None:
                create_account("finance", PASSWORD, "finance_manager")
                db.session.commit()
    else:
        code = lean.get("code", LEAN["code"])
        tenant_id = build_lean(echo, **lean)
        username, password = "finance", PASSWORD
    with tenant_context(tenant_id):
        month = previous_month(today_for_store().replace(day=1))
        stores = db.session.scalar(select(func.count(Store.id)))
        payments = db.session.scalar(select(func.count(Payment.id)))
    db.session.remove()
    echo(f"Company {code}: {stores} stores, {payments:,} payments; month {month:%Y-%m}")
    client = current_app.test_client()
    response = client.post("/login", data={"company": code, "username": username,
                                           "password": password})
    assert response.status_code == 302, "login failed"
    results = []
    for url in (f"/finance/pnl?month={month:%Y-%m}", f"/finance/closings?month={month:%Y-%m}",
                "/finance/takings", f"/finance/pnl/lines?month={month:%Y-%m}&line=revenue",
                f"/finance/pnl/export.xlsx?month={month:%Y-%m}"):
        figures = measure(client, url, requests, db.engine)
        results.append(figures)
        echo(f"{url:<50} median {figures['median_ms']:7.1f} ms  p95 "
             f"{figures['p95_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms  "
             f"statements {figures['statements']:.0f}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--orders-per-day", type=int, default=LEAN["orders_per_day"])
    parser.add_argument("--stores", type=int, default=LEAN["stores"])
    parser.add_argument("--code", default=LEAN["code"], help="the lean company's code")
    parser.add_argument("--scale", choices=("chain-50",), default=None,
                        help="measure the full demo company instead of the lean pnl50")
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    app = create_app(REDIS_URL="", WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        run_benchmark(args.requests, args.scale, orders_per_day=args.orders_per_day,
                      stores=args.stores, code=args.code)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
