"""``load_logistics("yuezu")`` (``flask demo load``, after HR and technical): the demo
company's logistics and finance — asset register, stock, purchases, repairs, the
dormitory and staff items, last month's approved asset count and this month's open
one, expenses against budgets (from which finance reads last month's P&L).

Each part lives in its own module and adds to one :class:`LogisticsDemo`; the order
below matters (a count needs the register and the stock).  Skipped when the company
already has an asset.
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.blueprints.logistics.models import Asset
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Account, Employee, Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code

SEED = 12


@dataclass
class LogisticsDemo:
    tenant_id: int
    today: date
    rng: random.Random
    stores: list[Store]
    # role -> the demo login of that role (store roles: in store 1).
    accounts: dict[str, Account]
    employees: list[Employee]
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)


def load_logistics(company_code: str = "yuezu") -> LogisticsDemo:
    from app.demo import (
        finance,
        finance_pnl,
        logistics_assets,
        logistics_counts,
        logistics_people,
        logistics_purchases,
        logistics_stock,
    )

    started = clock.perf_counter()
    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        return LogisticsDemo(0, date.today(), random.Random(SEED), [], {}, [], skipped=True)
    with tenant_context(tenant.id):
        stores = list(db.session.scalars(select(Store).where(Store.status != "closed")
                                         .order_by(Store.code)))
        accounts = {}
        for account in db.session.scalars(select(Account).order_by(Account.id)):
            accounts.setdefault(account.role, account)
        demo = LogisticsDemo(tenant.id, today_for_store(), random.Random(SEED), stores,
                             accounts, list(db.session.scalars(
                                 select(Employee).order_by(Employee.id))))
        if db.session.scalar(select(Asset.id).limit(1)) is not None or not stores:
            demo.skipped = True
            return demo
        logistics_assets.load(demo)
        logistics_stock.load(demo)
        logistics_purchases.load(demo)
        logistics_people.load(demo)
        logistics_counts.load(demo)
        finance.load(demo)
        finance_pnl.load(demo)
        db.session.flush()
    demo.seconds = clock.perf_counter() - started
    return demo
