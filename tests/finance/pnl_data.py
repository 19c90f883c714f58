"""A month of source rows written by hand for the finance reports' tests (orders and
payments, a card, payroll runs, expenses, stock movements, depreciation, budgets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.finance.models import Budget, ExpenseClaim
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.logistics.models import Asset, DepreciationEntry, StockItem, StockMovement
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Customer,
    MemberCard,
    Order,
    Payment,
)
from app.extensions import db
from app.models import Store

M = Decimal
ZERO = M("0.00")


@dataclass
class Ledger:
    """What was written, for the tests' own sums."""

    payments: list[tuple[int, date, str, Decimal, int | None]] = field(default_factory=list)
    seq: dict[int, int] = field(default_factory=dict)


def business_day(store_id: int, on: date, locked: bool = False) -> BusinessDay:
    day = db.session.scalar(select(BusinessDay).where(BusinessDay.store_id == store_id,
                                                      BusinessDay.business_date == on))
    if day is None:
        day = BusinessDay(store_id=store_id, business_date=on)
        db.session.add(day)
        db.session.flush()
    if locked:
        from app.models.base import utcnow

        day.locked_at = utcnow()
    return day


def pay(ledger: Ledger, store_id: int, on: date, method: str, amount: str, *,
        card_id: int | None = None, platform: str | None = None,
        status: str = "paid") -> Order:
    """An order of ``amount`` paid by one method (a negative amount: a refund row)."""
    day = business_day(store_id, on)
    day.last_order_seq += 1
    order = Order(store_id=store_id, business_day_id=day.id, seq=day.last_order_seq,
                  status=status, subtotal=abs(M(amount)), total=abs(M(amount)))
    db.session.add(order)
    db.session.flush()
    if status == "paid":
        db.session.add(Payment(
            store_id=store_id, order_id=order.id, business_day_id=day.id, method=method,
            amount=M(amount), card_id=card_id, voucher_platform=platform,
            voucher_code=f"V{order.id}" if platform else None))
        ledger.payments.append((store_id, on, method, M(amount), card_id))
    db.session.flush()
    return order


def card(store_id: int, topup: str, bonus: str) -> MemberCard:
    customer = Customer(name="王女士", phone="13900001234", phone_tail="1234")
    db.session.add(customer)
    db.session.flush()
    member = MemberCard(card_no=f"C{customer.id:05d}", customer_id=customer.id,
                        kind="stored_value", issued_store_id=store_id,
                        balance=M(topup) + M(bonus))
    db.session.add(member)
    db.session.flush()
    db.session.add(CardLedgerEntry(card_id=member.id, store_id=store_id, kind="topup",
                                   amount=M(topup), balance_after=M(topup),
                                   payment_method="cash"))
    db.session.add(CardLedgerEntry(card_id=member.id, store_id=store_id, kind="bonus",
                                   amount=M(bonus), balance_after=M(topup) + M(bonus)))
    db.session.flush()
    return member


def run(month: date, status: str, scope: str = "all", store_id: int | None = None
        ) -> PayrollRun:
    payroll = PayrollRun(month=month, scope=scope, store_id=store_id, status=status)
    db.session.add(payroll)
    db.session.flush()
    return payroll


def payslip(payroll: PayrollRun, employee, store_id: int | None, gross: str) -> Payslip:
    slip = Payslip(run_id=payroll.id, employee_id=employee.id, month=payroll.month,
                   store_id=store_id, base=M(gross), overtime=ZERO, commission=ZERO,
                   card_commission=ZERO, meal=ZERO, full_attendance_bonus=ZERO, rewards=ZERO,
                   fines=ZERO, late_deduction=ZERO, adjustment=ZERO, gross=M(gross),
                   si_pension=ZERO, si_medical=ZERO, si_unemployment=ZERO,
                   si_housing_fund=ZERO, si_total=ZERO, taxable=M(gross), cum_income=M(gross),
                   cum_deductible=ZERO, cum_taxable=ZERO, cum_tax=ZERO, iit=ZERO,
                   net=M(gross), detail={})
    db.session.add(slip)
    db.session.flush()
    return slip


def expense(store_id: int | None, category: str, amount: str, on: date, status: str
            ) -> ExpenseClaim:
    claim = ExpenseClaim(store_id=store_id, category=category, amount=M(amount), spent_on=on,
                         status=status, description=f"{category} {amount}")
    db.session.add(claim)
    db.session.flush()
    return claim



def item(code: str, unit_cost: str) -> StockItem:
    found = db.session.scalar(select(StockItem).where(StockItem.code == code))
    if found is None:
        found = StockItem(code=code, name=f"物料{code}", unit="个", unit_cost=M(unit_cost))
        db.session.add(found)
        db.session.flush()
    return found


def move(store_id: int, stock_item: StockItem, kind: str, quantity: str, unit_cost: str,
         on: date) -> StockMovement:
    movement = StockMovement(store_id=store_id, stock_item_id=stock_item.id, kind=kind,
                             quantity=M(quantity), unit_cost=M(unit_cost), moved_on=on)
    db.session.add(movement)
    db.session.flush()
    return movement


def depreciation(store_id: int, period: date, amount: str, tag: str) -> DepreciationEntry:
    asset = db.session.scalar(select(Asset).where(Asset.tag_code == tag))
    if asset is None:
        asset = Asset(store_id=store_id, tag_code=tag, name=f"按摩床{tag}",
                      purchase_date=date(2025, 1, 1), cost=M("6000.00"),
                      useful_life_months=60)
        db.session.add(asset)
        db.session.flush()
    entry = DepreciationEntry(asset_id=asset.id, store_id=store_id, period=period,
                              amount=M(amount), book_value=M("5000.00"))
    db.session.add(entry)
    db.session.flush()
    return entry


def budget(store_id: int, period: date, category: str, amount: str) -> Budget:
    line = Budget(store_id=store_id, period=period, category=category, amount=M(amount))
    db.session.add(line)
    db.session.flush()
    return line


def add_store(n: int) -> Store:
    store = Store(code=f"X{n:02d}", name=f"扩展 {n}号店", city="佛山", status="open")
    db.session.add(store)
    db.session.flush()
    return store


def fill_store(ledger: Ledger, store: Store, month: date, days: int, employee,
               first_day: int = 1) -> None:
    """Some of everything for one store over days ``first_day``..``days`` of ``month``
    (the statement-count tests); the month's depreciation and budget once."""
    payroll = db.session.scalar(select(PayrollRun).where(PayrollRun.month == month,
                                                         PayrollRun.scope == "all"))
    if payroll is None:
        payroll = run(month, "approved")
    towel = item("T1", "2.50")
    for d in range(first_day, days + 1):
        on = month.replace(day=d)
        pay(ledger, store.id, on, "cash", "100.00")
        pay(ledger, store.id, on, "voucher", "88.00", platform="meituan")
        move(store.id, towel, "requisition", "-2", "2.50", on)
        expense(store.id, "supplies", "10.00", on, "approved")
    if first_day == 1:
        depreciation(store.id, month, "10.00", f"A-{store.code}")
        budget(store.id, month, "revenue", "5000.00")
    if not db.session.scalar(select(Payslip.id).where(Payslip.run_id == payroll.id,
                                                      Payslip.employee_id == employee.id)):
        payslip(payroll, employee, store.id, "3000.00")
