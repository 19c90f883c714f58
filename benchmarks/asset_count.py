"""Asset-count benchmark: opening the month's 资产盘点 for every store of a chain
(specs/asset-count.md): last month's depreciation posted, then one count per store
with a line per asset and per stocked item.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures; ``--scale
small`` on SQLite as a smoke run):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.asset_count --scale chain-50

It reuses the chain-50 company (``flask demo load --scale chain-50``) when it exists,
else builds a lean one of 50 stores (``count50``: stores only, in seconds), and gives
each store 300 assets and 40 stocked consumables (once).  Then ``--repeats`` times:
the period's counts, lines and depreciation entries are deleted (not timed), the
opening is timed with its commit, and the rerun (which must add nothing) is timed
too.  Every SQL statement is counted.  Target (issue 12): opening < 10 s.
It writes into the database it measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from benchmarks.payroll import StatementCounter, _timed

SCALES = {"chain-50": {"code": "chain50", "lean": "count50", "stores": 50, "assets": 300,
                       "items": 40},
          "small": {"code": "count3", "lean": "count3", "stores": 3, "assets": 20,
                    "items": 5}}
NAMES = ("足浴盆", "按摩床", "沙发", "消毒柜", "热水器", "电视", "空调", "毛巾加热柜", "凳子",
         "茶几")


def prepare(spec: dict, echo=print) -> int:
    """The company's id, with its stores' assets and stock (added once); commits."""
    import random
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import func, select

    from app.blueprints.logistics.models import Asset, StockItem, StoreStock
    from app.demo.rows import bulk_insert
    from app.extensions import db
    from app.models import Store
    from app.tenancy import tenant_context
    from app.tenants import create_company, find_tenant_by_code

    tenant = find_tenant_by_code(spec["code"]) or find_tenant_by_code(spec["lean"])
    if tenant is None:
        tenant = create_company(spec["lean"], "盘点压测连锁", "owner", "bench-password-1",
                                owner_name="老板").tenant
        with tenant_context(tenant.id):
            db.session.add_all([Store(code=f"K{n:03d}", name=f"盘点压测{n}号店", city="广州",
                                      status="open") for n in range(1, spec["stores"] + 1)])
            db.session.commit()
    tenant_id = tenant.id
    with tenant_context(tenant_id):
        stores = list(db.session.scalars(select(Store.id).where(Store.status == "open")
                                         .order_by(Store.code).limit(spec["stores"])))
        if not db.session.scalar(select(func.count()).select_from(Asset)):
            rng = random.Random(12)
            bulk_insert(Asset, [
                {"tenant_id": tenant_id, "store_id": s, "tag_code": f"B{s}-{n:04d}",
                 "name": NAMES[n % len(NAMES)], "category": "other", "room_id": None,
                 "location": "", "purchase_date": date(2023 + n % 3, 1 + n % 12, 10),
                 "cost": Decimal(rng.randrange(300, 9000)), "residual_value": Decimal("0.00"),
                 "useful_life_months": (36, 60, 120)[n % 3], "status": "in_use",
                 "custodian_employee_id": None, "note": "", "written_off_on": None,
                 "count_line_id": None, "created_by_account_id": None}
                for s in stores for n in range(spec["assets"])])
            items = bulk_insert(StockItem, [
                {"tenant_id": tenant_id, "code": f"BI{n:03d}", "name": f"物料{n}",
                 "kind": "consumable", "unit": "个", "unit_cost": Decimal("3.50"),
                 "product_id": None, "is_active": True} for n in range(spec["items"])],
                returning=True)
            bulk_insert(StoreStock, [
                {"tenant_id": tenant_id, "store_id": s, "stock_item_id": i,
                 "quantity": Decimal(100), "reorder_point": Decimal(10),
                 "reorder_quantity": Decimal(50)} for s in stores for i in items])
            db.session.commit()
            echo(f"Prepared {len(stores)} stores × {spec['assets']} assets + "
                 f"{spec['items']} consumables.")
    return tenant_id


def run_benchmark(scale: str = "chain-50", repeats: int = 3, echo=print) -> dict:
    """Run inside an app context; prints and returns the figures."""
    from sqlalchemy import delete, func, select

    from app.blueprints.logistics import counting
    from app.blueprints.logistics.models import AssetCount, AssetCountLine, DepreciationEntry
    from app.blueprints.logistics.settings import tenant_today
    from app.extensions import db
    from app.tenancy import tenant_context

    spec = SCALES[scale]
    tenant_id = prepare(spec, echo)
    opens, reruns, statements, summary = [], [], [], None
    for _ in range(repeats):
        with tenant_context(tenant_id):
            period = counting.period_for(tenant_today())
            ids = select(AssetCount.id).where(AssetCount.period == period)
            db.session.execute(delete(AssetCountLine).where(AssetCountLine.count_id.in_(ids)))
            db.session.execute(delete(AssetCount).where(AssetCount.period == period))
            db.session.execute(delete(DepreciationEntry).where(
                DepreciationEntry.period == period))
            db.session.commit()
            counter = StatementCounter(db.engine)
            seconds, summary = _timed(lambda p=period: (counting.open_counts(p),
                                                        db.session.commit())[0])
            statements.append(counter.close())
            opens.append(seconds)
            seconds, again = _timed(lambda p=period: (counting.open_counts(p),
                                                      db.session.commit())[0])
            reruns.append(seconds)
            assert (again.counts_opened, again.lines_added, again.depreciation_posted) == (
                0, 0, 0), "a rerun added rows"
            lines = db.session.scalar(select(func.count()).select_from(AssetCountLine)
                                      .join(AssetCount, AssetCount.id == AssetCountLine.count_id)
                                      .where(AssetCount.period == period))
        db.session.remove()
    figures = {"stores": summary.stores, "counts": summary.counts_opened, "lines": lines,
               "depreciation_entries": summary.depreciation_posted,
               "depreciation_amount": str(summary.depreciation_amount),
               "open_median_s": round(statistics.median(opens), 2),
               "open_max_s": round(max(opens), 2),
               "rerun_median_s": round(statistics.median(reruns), 2),
               "statements": statements[-1]}
    echo(f"opening {summary.stores} stores' counts: {figures['counts']} counts, {lines} lines, "
         f"{figures['depreciation_entries']} depreciation entries "
         f"(¥{summary.depreciation_amount:,})")
    echo(f"  open: median {figures['open_median_s']} s, max {figures['open_max_s']} s "
         f"({repeats} runs, {figures['statements']} statements); rerun (adds nothing): "
         f"median {figures['rerun_median_s']} s; target < 10 s")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="chain-50")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    app = create_app(REDIS_URL="")
    with app.app_context():
        run_benchmark(args.scale, args.repeats)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
