"""``load_head_office("yuezu")`` (``flask demo load``, after logistics and finance): the
demo company's head office and service department — the daily rollups the dashboard
reads, store targets, last month's operating report, procedures, inspections, the
disinfection log, evaluations, complaint cases, satisfaction reviews and the guest
care plan.

Each part lives in its own module with a ``load(demo)`` that adds what is missing and
nothing twice (a second ``flask demo load`` changes nothing); the order below matters
(the report reads the rollups and the targets).
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Account, Employee, Store
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code

SEED = 13


@dataclass
class HeadOfficeDemo:
    tenant_id: int
    today: date
    rng: random.Random
    stores: list[Store]
    # role -> the demo login of that role (store roles: in store 1).
    accounts: dict[str, Account]
    employees: list[Employee]
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    @property
    def changed(self) -> bool:
        return any(self.rows.values())

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)


def load_head_office(company_code: str = "yuezu") -> HeadOfficeDemo:
    from app.demo import head_office_steps

    started = clock.perf_counter()
    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        return HeadOfficeDemo(0, date.today(), random.Random(SEED), [], {}, [])
    with tenant_context(tenant.id):
        stores = list(db.session.scalars(select(Store).where(Store.status != "closed")
                                         .order_by(Store.code)))
        accounts = {}
        for account in db.session.scalars(select(Account).order_by(Account.id)):
            accounts.setdefault(account.role, account)
        demo = HeadOfficeDemo(tenant.id, today_for_store(), random.Random(SEED), stores,
                              accounts, list(db.session.scalars(
                                  select(Employee).order_by(Employee.id))))
        if stores:
            for step in head_office_steps.STEPS:
                step(demo)
        db.session.flush()
    demo.seconds = clock.perf_counter() - started
    return demo
