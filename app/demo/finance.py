"""Demo finance for yuezu: last month's and this month's budgets per store (revenue sized
on what the store's history takes in 30 days), and a month of expenses through the
real rules (app/blueprints/finance/expenses.py): paid, approved, waiting at each step
(some above the ¥5,000 GM threshold), one rejected, a couple with receipt photos."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.blueprints.finance import budgets, expenses
from app.blueprints.finance.expense_attachments import add_attachment
from app.blueprints.finance.models import BUDGET_CATEGORIES
from app.blueprints.store.models.payments import Payment
from app.extensions import db
from app.models import Account

THOUSAND = Decimal("1000")
# Per store and month: the shares of revenue, and the fixed amounts of the rest.  Labour
# is most of a foot spa's cost (therapists are paid a commission per job): the demo's
# payroll run (app/demo/finance_pnl.py) comes to about two thirds of revenue.
SHARES = {"labour": Decimal("0.66"), "stock_consumed": Decimal("0.03")}
FIXED = {"depreciation": "2500", "utilities": "3200", "repairs": "1200", "supplies": "900",
         "marketing": "3000", "travel": "400", "meals": "600", "communication": "300",
         "training": "500", "office": "300", "other": "200"}


def tiny_png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A small one-colour PNG (a stand-in for a receipt photo), made here in a few bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


def _monthly_takings(demo) -> dict[int, Decimal]:
    """Each store's payments over the last 30 days (one grouped statement)."""
    since = demo.today - timedelta(days=30)
    rows = db.session.execute(select(Payment.store_id, func.sum(Payment.amount)).where(
        Payment.created_at >= since).group_by(Payment.store_id))
    return {store_id: Decimal(total or 0) for store_id, total in rows}


def _rent(n: int) -> Decimal:
    return Decimal(18000 + 2500 * (n % 4))


def _load_budgets(demo, finance) -> None:
    takings = _monthly_takings(demo)
    this_month = demo.today.replace(day=1)
    ids = [s.id for s in demo.stores]
    for period in (budgets.previous_month(this_month), this_month):
        cells = []
        for n, store in enumerate(demo.stores):
            revenue = max(takings.get(store.id, Decimal(0)), Decimal(120000))
            revenue = (revenue * Decimal("1.05") / THOUSAND).quantize(Decimal(1)) * THOUSAND
            amounts = {"revenue": revenue, "rent": _rent(n),
                       **{k: (revenue * v).quantize(THOUSAND) for k, v in SHARES.items()},
                       **{k: Decimal(v) for k, v in FIXED.items()}}
            cells += [{"store_id": store.id, "category": c, "amount": str(amounts[c])}
                      for c in BUDGET_CATEGORIES]
        demo.add("budget cells", budgets.save_cells(period, cells, finance, ids))


def _managers(demo) -> dict[int, Account]:
    found: dict[int, Account] = {}
    for account in db.session.scalars(select(Account).where(Account.role == "store_manager")
                                      .order_by(Account.id)):
        for store_id in account.store_ids:
            found.setdefault(store_id, account)
    return found


def load(demo) -> None:
    """Budgets, then claims decided by the demo's finance manager and general manager."""
    finance = demo.accounts.get("finance_manager")
    gm = demo.accounts.get("general_manager")
    owner = demo.accounts.get("owner")
    logistics = demo.accounts.get("logistics_head") or owner
    if finance is None or gm is None or owner is None or not demo.stores:
        return
    _load_budgets(demo, finance)
    managers = _managers(demo)
    today = demo.today
    this_month = today.replace(day=1)
    last_month = budgets.previous_month(this_month)

    def day(n: int) -> date:
        return min(this_month + timedelta(days=n - 1), today)

    def claim(store, by, category, amount, spent_on, text, payee="", receipt=None):
        row = expenses.submit({"store_id": store.id, "category": category, "amount": amount,
                               "spent_on": spent_on, "description": text, "payee": payee},
                              by)
        if receipt is not None:
            add_attachment(row, by, f"{text}.png", tiny_png(receipt))
            demo.add("expense receipts", 1)
        demo.add("expenses", 1)
        return row

    def through(row, *deciders, pay=False):
        for decider in deciders:
            expenses.approve(row, decider, "")
        if pay:
            expenses.pay(row, finance)

    for n, store in enumerate(demo.stores):
        manager = managers.get(store.id, owner)
        # Last month: the rent (above the threshold: the GM approved it) and the bills, paid.
        rent = claim(store, manager, "rent", str(_rent(n)), last_month, "门店房租",
                     "物业公司", receipt=(210, 230, 250) if n == 0 else None)
        through(rent, finance, gm, pay=True)
        bill = claim(store, manager, "utilities", str(2800 + 150 * n), last_month + timedelta(
            days=24), "水电燃气费", "供电局")
        through(bill, finance, pay=True)
        # This month.
        repair = claim(store, logistics, "repairs", str(480 + 60 * n), day(3),
                       "更换足浴盆加热管", "李师傅维修", receipt=(250, 240, 200) if n < 2 else None)
        if manager is not owner:
            through(repair, manager, finance, pay=n % 2 == 0)  # store step, then finance
        else:
            through(repair, owner, finance)
        meals = claim(store, manager, "meals", str(260 + 20 * n), day(5), "员工加班餐")
        if n == 1:
            expenses.reject(meals, finance, "加班餐已含在餐补中，请勿重复报销")
        elif n % 2 == 0:
            through(meals, finance)
        travel = claim(store, logistics, "travel", "180.00", day(6), "到总部培训的交通费")
        if n == 2 and manager is not owner:
            through(travel, manager)  # waits for finance now
        if n < 3:
            # A campaign above ¥5,000: approved by finance, waiting for the general manager.
            campaign = claim(store, manager, "marketing", str(6800 + 500 * n), day(8),
                             "美团推广套餐", "美团")
            through(campaign, finance)
    db.session.flush()
