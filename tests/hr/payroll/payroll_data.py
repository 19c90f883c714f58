"""Database rows for payroll-run tests: pay profiles, levels, a month of 排班, 打卡,
请假, 钟 (service jobs), card sales, 奖惩 and tax history (no HTTP, no commit).

Times are written in UTC, as every service of the app writes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select

from app.blueprints.hr.models import (
    ClockRecord,
    EmployeeChange,
    LeaveRequest,
    OvertimeRequest,
    PayrollRun,
    Payslip,
    RewardPenalty,
    ScheduleEntry,
    TaxOpeningBalance,
)
from app.blueprints.store.days import business_date_at
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    Customer,
    MemberCard,
    Order,
    OrderLine,
    ServiceItem,
    ServiceJob,
)
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.models import Employee, PayProfile, Position, Tenant, TherapistLevel
from app.tenancy import current_tenant_id

CST = timezone(timedelta(hours=8))
NOVEMBER = date(2026, 11, 1)
NOVEMBER_DAYS = [date(2026, 11, d) for d in range(1, 31)]
REST_DAYS = {date(2026, 11, d) for d in (4, 11, 18, 25)}
LATE_DAY = date(2026, 11, 9)
LEAVE_DAY = date(2026, 11, 20)
M = Decimal


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local (China) wall-clock moment, as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).astimezone(UTC)


def position(role: str) -> Position:
    return db.session.scalar(select(Position).where(Position.role == role))


def pay_setup(monthly_base: str = "3000.00") -> dict:
    """A 中级 level (×1.2) and the therapists' pay profile of the worked example."""
    level = TherapistLevel(name="中级", commission_multiplier=M("1.200"), rank=2)
    senior = TherapistLevel(name="高级", commission_multiplier=M("1.500"), rank=3)
    profile = PayProfile(name="技师薪资", position_id=position("therapist").id,
                         monthly_base=M(monthly_base), overtime_eligible=False, commission=True,
                         card_sale_rate=M("0"), meal_allowance_per_day=M("15.00"),
                         full_attendance_bonus=M("200.00"))
    item = ServiceItem(code="ZL60P", name="足疗 60 分钟", category="foot", duration_minutes=60,
                       price=M("128.00"), commission_rotation=M("30.00"),
                       commission_requested=M("40.00"))
    db.session.add_all([level, senior, profile, item])
    db.session.flush()
    return {"level": level, "senior": senior, "profile": profile, "item": item}


def add_therapist(store, employee_no: str, level=None, hire_date=date(2026, 9, 1),
                  **kwargs) -> Employee:
    employee = Employee(employee_no=employee_no, name=kwargs.pop("name", f"技师{employee_no}"),
                        gender="female", store_id=store.id if store else None,
                        position_id=kwargs.pop("position_id", position("therapist").id),
                        status=kwargs.pop("status", "active"), hire_date=hire_date,
                        level_id=level.id if level else None,
                        si_base=kwargs.pop("si_base", M("3000.00")), **kwargs)
    db.session.add(employee)
    db.session.flush()
    return employee


def schedule_month(employee, store, days=NOVEMBER_DAYS, rest=REST_DAYS,
                   hours=(12, 22)) -> list[date]:
    """Published shifts (12:00–22:00) on every day but the rest days; returns the shift days."""
    rows, shift_days = [], []
    for day in days:
        resting = day in rest
        rows.append({
            "tenant_id": current_tenant_id(), "employee_id": employee.id, "store_id": store.id,
            "work_date": day, "is_rest": resting,
            "starts_at": None if resting else at(day, hours[0]),
            "ends_at": None if resting else at(day, hours[1]),
            "published_at": at(day - timedelta(days=7), 9),
            "created_at": at(day - timedelta(days=7), 9),
        })
        if not resting:
            shift_days.append(day)
    db.session.execute(insert(ScheduleEntry), rows)
    return shift_days


def clock_days(employee, store, days, late=None, hours=(12, 22)) -> None:
    """Clock-in 10 minutes early and out on time each day; ``late``: {day: minutes}."""
    late = late or {}
    rows = []
    for day in days:
        came = at(day, hours[0]) + timedelta(minutes=late.get(day, -10))
        for kind, moment in (("in", came), ("out", at(day, hours[1], 2))):
            rows.append({"tenant_id": current_tenant_id(), "employee_id": employee.id,
                         "store_id": store.id, "kind": kind, "at": moment, "source": "self",
                         "reason": "", "void_reason": "", "created_at": moment})
    db.session.execute(insert(ClockRecord), rows)


def leave(employee, store, day, kind="personal", until=None, half_day=False,
          status="approved") -> LeaveRequest:
    request = LeaveRequest(employee_id=employee.id, store_id=store.id, kind=kind,
                           starts_on=day, ends_on=until or day, half_day=half_day,
                           days=M("0.5") if half_day else M((until or day).day - day.day + 1),
                           reason="家中有事", status=status)
    db.session.add(request)
    db.session.flush()
    return request


def overtime(employee, store, day, hours="2", status="approved") -> OvertimeRequest:
    request = OvertimeRequest(employee_id=employee.id, store_id=store.id, work_date=day,
                              hours=M(hours), reason="客人多", status=status)
    db.session.add(request)
    db.session.flush()
    return request


def reward(employee, store, amount="100.00", kind="reward", day=date(2026, 11, 15),
           status="approved") -> RewardPenalty:
    entry = RewardPenalty(employee_id=employee.id, store_id=store.id if store else None,
                          kind=kind, amount=M(amount), effective_on=day, reason="好评",
                          status=status)
    db.session.add(entry)
    db.session.flush()
    return entry


class Jobs:
    """Finished (or returned) 钟 of one store, each on its own order and line."""

    def __init__(self, store, item: ServiceItem):
        self.store, self.item = store, item
        self.days: dict[date, int] = {}
        # Order numbers are unique per store and day: go on after what is there.
        self.seq = db.session.scalar(select(func.max(Order.seq))
                                     .where(Order.store_id == store.id)) or 0

    def _day(self, day: date) -> int:
        if day not in self.days:
            existing = db.session.scalar(select(BusinessDay).where(
                BusinessDay.store_id == self.store.id, BusinessDay.business_date == day))
            if existing is None:
                existing = BusinessDay(store_id=self.store.id, business_date=day)
                db.session.add(existing)
                db.session.flush()
            self.days[day] = existing.id
        return self.days[day]

    def add(self, therapist, days: list[date], rotation: int = 0, requested: int = 0,
            returned: int = 0, hour: int = 14) -> None:
        """Spread the jobs over ``days`` (round robin), each 60 minutes from ``hour``."""
        kinds = ([("rotation", "finished")] * rotation + [("requested", "finished")] * requested
                 + [("rotation", "returned")] * returned)
        tenant_id = current_tenant_id()
        tenant = db.session.get(Tenant, tenant_id)
        policy = store_policy(tenant)
        orders, lines, jobs = [], [], []
        for n in range(len(kinds)):
            day = days[n % len(days)]
            start = at(day, hour) + timedelta(minutes=(n // len(days)) % 8 * 61)
            self.seq += 1
            # As the desk dates it: a job at 02:00 belongs to the day before's 营业日.
            business_date = business_date_at(start, tenant.timezone, policy)
            orders.append({"tenant_id": tenant_id, "store_id": self.store.id,
                           "business_day_id": self._day(business_date), "seq": self.seq,
                           "guest_name": "", "party_size": 1, "status": "paid",
                           "opened_at": start, "closed_at": start + timedelta(hours=1),
                           "subtotal": M("128.00"), "discount": M("0.00"),
                           "total": M("128.00"), "notes": ""})
        if not orders:
            return
        order_ids = list(db.session.scalars(insert(Order).returning(Order.id), orders))
        for order_id, order in zip(order_ids, orders, strict=True):
            lines.append({"tenant_id": tenant_id, "order_id": order_id, "store_id": self.store.id,
                          "kind": "service", "service_item_id": self.item.id,
                          "name": self.item.name, "quantity": 1, "unit_price": M("128.00"),
                          "amount": M("128.00"), "guest_no": 1, "status": "active",
                          "created_at": order["opened_at"]})
        line_ids = list(db.session.scalars(insert(OrderLine).returning(OrderLine.id), lines))
        for (job_type, status), order_id, line_id, order in zip(kinds, order_ids, line_ids,
                                                                 orders, strict=True):
            jobs.append({"tenant_id": tenant_id, "store_id": self.store.id,
                         "business_day_id": order["business_day_id"], "order_id": order_id,
                         "order_line_id": line_id, "therapist_id": therapist.id,
                         "job_type": job_type, "is_addon": False, "status": status,
                         "started_at": order["opened_at"],
                         "planned_end_at": order["closed_at"],
                         "ended_at": order["closed_at"] if status == "finished"
                         else order["opened_at"] + timedelta(minutes=5),
                         "return_reason": "客人换人" if status == "returned" else ""})
        db.session.execute(insert(ServiceJob), jobs)


_customers = 0


def sell_card(store, seller, amount: str, bonus: str = "0", kind: str = "stored_value",
              when: datetime | None = None) -> MemberCard:
    """A card sold by ``seller`` (售卡人): its top-up entry and, if any, the bonus entry."""
    global _customers
    _customers += 1
    phone = f"137{_customers:08d}"
    customer = Customer(name="张女士", phone=phone, phone_tail=phone[-4:])
    db.session.add(customer)
    db.session.flush()
    card = MemberCard(card_no=f"C{customer.id:06d}", customer_id=customer.id, kind=kind,
                      issued_store_id=store.id, status="active", balance=M(amount) + M(bonus),
                      remaining_count=10 if kind == "package" else 0)
    db.session.add(card)
    db.session.flush()
    when = when or at(date(2026, 11, 12), 15)
    entries = [{"kind": "topup", "amount": M(amount), "payment_method": "cash",
                "sold_by_employee_id": seller.id}]
    if M(bonus) > 0:
        entries.append({"kind": "bonus", "amount": M(bonus), "payment_method": None,
                        "sold_by_employee_id": seller.id})
    db.session.execute(insert(CardLedgerEntry), [
        {"tenant_id": current_tenant_id(), "card_id": card.id, "store_id": store.id,
         "count_delta": 10 if kind == "package" and e["kind"] == "topup" else 0,
         "balance_after": M(amount), "count_after": 0, "note": "", "created_at": when, **e}
        for e in entries])
    return card


def level_change(employee, new_level, old_level, effective_on: date) -> EmployeeChange:
    """An applied 晋升 (promotion) of the level."""
    change = EmployeeChange(employee_id=employee.id, kind="promotion", effective_on=effective_on,
                            status="applied", new_level_id=new_level.id,
                            old_level_id=old_level.id if old_level else None,
                            applied_at=at(effective_on, 0))
    db.session.add(change)
    db.session.flush()
    return change


def earlier_payslip(employee, month: date, taxable: str, iit: str, status="approved",
                    store=None, run=None) -> Payslip:
    """A run of an earlier month (``status``) holding one payslip with this taxable/IIT."""
    run = run or db.session.scalar(select(PayrollRun).where(PayrollRun.month == month,
                                                            PayrollRun.scope == "all"))
    if run is None:
        run = PayrollRun(month=month, scope="all", status=status, employee_count=1)
        db.session.add(run)
        db.session.flush()
    zero = M("0.00")
    slip = Payslip(run_id=run.id, employee_id=employee.id, month=month,
                   store_id=store.id if store else employee.store_id,
                   base=M(taxable), overtime=zero, commission=zero, card_commission=zero,
                   meal=zero, full_attendance_bonus=zero, rewards=zero, fines=zero,
                   late_deduction=zero, adjustment=zero, gross=M(taxable), si_pension=zero,
                   si_medical=zero, si_unemployment=zero, si_housing_fund=zero, si_total=zero,
                   taxable=M(taxable), cum_income=M(taxable), cum_deductible=zero,
                   cum_taxable=zero, cum_tax=M(iit), iit=M(iit), net=M(taxable) - M(iit),
                   detail={})
    db.session.add(slip)
    db.session.flush()
    return slip


def opening_balance(employee, taxable: str, tax: str, year: int = 2026) -> TaxOpeningBalance:
    balance = TaxOpeningBalance(employee_id=employee.id, year=year,
                                cumulative_taxable=M(taxable), cumulative_tax=M(tax))
    db.session.add(balance)
    db.session.flush()
    return balance


def worked_example(company, setup: dict | None = None, employee_no: str = "901",
                   with_history: bool = True) -> Employee:
    """specs/payroll.md's worked example as database rows (November 2026).

    26 scheduled days (rest on the 4th, 11th, 18th, 25th), 25 attended, one of them
    30 minutes late, one personal leave day; 120 rotation + 40 requested jobs of an
    item paying 30.00/40.00 and 2 returned; level ×1.2; one approved reward of 100.00;
    September taxable 8,000.00 / IIT 90.00 as the opening balance and October
    9,000.00 / 120.00 as an earlier approved run's payslip.
    """
    setup = setup or pay_setup()
    store = company.stores[0]
    therapist = add_therapist(store, employee_no, level=setup["level"],
                              name=f"技师{employee_no}")
    shift_days = schedule_month(therapist, store)
    attended = [d for d in shift_days if d != LEAVE_DAY]
    clock_days(therapist, store, attended, late={LATE_DAY: 30})
    leave(therapist, store, LEAVE_DAY)
    Jobs(store, setup["item"]).add(therapist, attended, rotation=120, requested=40, returned=2)
    reward(therapist, store, "100.00")
    if with_history:
        opening_balance(therapist, "8000.00", "90.00")
        earlier_payslip(therapist, date(2026, 10, 1), "9000.00", "120.00")
    return therapist


# The spec's table, to the fen.
WORKED_EXAMPLE = {
    "base": M("2862.07"), "overtime": M("0.00"), "commission": M("6240.00"),
    "card_commission": M("0.00"), "meal": M("375.00"), "full_attendance_bonus": M("0.00"),
    "rewards": M("100.00"), "fines": M("0.00"), "late_deduction": M("20.00"),
    "adjustment": M("0.00"), "gross": M("9557.07"), "si_pension": M("240.00"),
    "si_medical": M("60.00"), "si_unemployment": M("15.00"), "si_housing_fund": M("150.00"),
    "si_total": M("465.00"), "taxable": M("9092.07"), "cum_taxable": M("11092.07"),
    "iit": M("122.76"), "net": M("8969.31"),
}
