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
* every top-up on the card ledger credited to a cashier, receptionist or store
  manager of its store (售卡人), deterministic by entry id.

No payroll run is created.  The front-desk history (app/demo/history.py) keeps
every therapist on the floor every day, so therapists have service jobs on their
rest days too; commission counts them, attendance does not.

``add_hr_month(code, month)`` (``flask demo hr-month``) adds one calendar month of
schedules, clocks, leave, overtime, rewards and the locked sheets to any company
(the chain-50 payroll benchmark), filling in levels, profiles and the file first
where missing; idempotent per month.

Everything is seeded; loading twice changes nothing (a company with shift
templates is skipped, a month with schedules is skipped).  Rows are written with
bulk inserts (tenant id explicit).  Adds and flushes; the caller commits.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
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
from app.blueprints.hr.payroll.holidays import HolidayCalendarMissing, is_statutory_holiday
from app.blueprints.hr.payroll.rules import iit_table_tax
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import CardLedgerEntry, ServiceItem, TherapistQualification
from app.demo.history import _insert
from app.demo.loader import _People
from app.extensions import db
from app.models import Account, Employee, PayProfile, Position, Store, Tenant, TherapistLevel
from app.models.people import EMPLOYED_STATUSES
from app.tenancy import current_tenant_id, tenant_context
from app.tenants import find_tenant_by_code

SEED = 2026
CENT = Decimal("0.01")

LEVELS = (("初级", "1.000", 1), ("中级", "1.100", 2), ("高级", "1.200", 3), ("金牌", "1.350", 4))

# Post -> (monthly base, commission, overtime eligible, card-sale rate, meal per day,
# full-attendance bonus).  Guangzhou's minimum wage is 2,500 (Shenzhen 2,520): a
# therapist's base sits just above it and the commission makes the pay.  Head office
# has no store schedule (schedules belong to a store), so no meal allowance or
# full-attendance bonus, which are counted on scheduled days.  The owner and the
# general manager work under 不定时工作制: no overtime.
PROFILES = {
    "therapist": ("2600.00", True, False, "0", "15.00", "200.00"),
    "store_manager": ("8000.00", False, True, "0.03", "15.00", "200.00"),
    "supervisor": ("6000.00", False, True, "0", "15.00", "200.00"),
    "foreman": ("5000.00", False, True, "0", "15.00", "200.00"),
    "cashier": ("4500.00", False, True, "0.03", "15.00", "200.00"),
    "dispatcher": ("4500.00", False, True, "0", "15.00", "200.00"),
    "receptionist": ("4200.00", False, True, "0.03", "15.00", "200.00"),
    "greeter": ("3800.00", False, True, "0", "15.00", "200.00"),
    "cleaner": ("3200.00", False, True, "0", "15.00", "200.00"),
    "technical_supervisor": ("6500.00", False, True, "0", "15.00", "200.00"),
    "trainee_supervisor": ("4500.00", False, True, "0", "15.00", "200.00"),
    "owner": ("30000.00", False, False, "0", "0", "0"),
    "general_manager": ("25000.00", False, False, "0", "0", "0"),
    "finance_manager": ("15000.00", False, True, "0", "0", "0"),
    "finance_staff": ("7000.00", False, True, "0", "0", "0"),
    "hr_manager": ("14000.00", False, True, "0", "0", "0"),
    "hr_staff": ("6500.00", False, True, "0", "0", "0"),
    "service_manager": ("12000.00", False, True, "0", "0", "0"),
    "technical_director": ("15000.00", False, True, "0", "0", "0"),
    "logistics_head": ("9000.00", False, True, "0", "0", "0"),
}
GOLD_PROFILE = ("金牌技师薪资方案", "3000.00")
SELLER_WEIGHTS = {"cashier": 6, "receptionist": 3, "store_manager": 1}

SHIFTS = (("早班", time(10, 0), time(18, 0)), ("中班", time(13, 0), time(21, 0)),
          ("晚班", time(16, 0), time(0, 0)))
OVERNIGHT = ("通宵", time(22, 0), time(6, 0))
YUEZU_OVERNIGHT_STORES = ("GZ01", "SZ01")
# The shifts a post works, alternating week by week (staggered by the person's place
# in the store so both ends of the day are covered); cleaners of a store with a
# night shift do the night cleaning (通宵).
POST_SHIFTS = {
    "store_manager": ("中班",), "supervisor": ("早班", "晚班"), "foreman": ("晚班", "早班"),
    "cashier": ("早班", "晚班"), "dispatcher": ("中班", "晚班"), "receptionist": ("晚班", "早班"),
    "greeter": ("中班",), "cleaner": ("早班",), "technical_supervisor": ("中班",),
    "trainee_supervisor": ("中班",), "therapist": ("中班", "晚班"),
}
ROLE_ORDER = ("store_manager", "supervisor", "foreman", "cashier", "dispatcher", "receptionist",
              "greeter", "cleaner", "technical_supervisor", "trainee_supervisor", "therapist")
REST_DAYS_PER_MONTH = 4

# ID-card area codes (county level) of where the staff come from: Guangdong, and the
# provinces that send most therapists to the Pearl River Delta.
AREAS = ("440106", "440111", "440304", "440306", "441502", "440882", "441881", "445221",
         "430521", "431021", "430381", "431121", "430626", "450881", "450921", "450126",
         "360731", "360781", "510321", "511623", "421127", "420984", "411522", "411627",
         "520321", "522426")
BANKS = (("中国工商银行", "622202", 19), ("中国建设银行", "621700", 19),
         ("中国农业银行", "622848", 19), ("中国银行", "621785", 19), ("招商银行", "621483", 16),
         ("广州农村商业银行", "621453", 19), ("平安银行", "622155", 16))
RELATIONS = ("父亲", "母亲", "配偶", "姐姐", "哥哥")
GIVEN_ELDER = ("建国", "国强", "秀英", "桂兰", "志明", "玉珍", "德胜", "淑芬", "春花", "永康")
CERT_CITY = {"广州": "440100", "深圳": "440300"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

ANNUAL_REASONS = ("回老家探亲", "家里有事，休年假", "陪家人出去走走")
SICK_REASONS = ("感冒发烧，医院开了病假条", "肠胃炎，需休息一天", "腰扭伤，医生建议休息")
PERSONAL_REASONS = ("家中有事", "孩子开家长会", "回老家办理证件")
REWARDS = (("当月顾客好评第一", "200.00"), ("办卡业绩突出", "100.00"),
           ("技术考核第一名", "300.00"), ("拾金不昧，归还客人遗落的手机", "100.00"))
FINES = (("服务中看手机，被客人投诉", "50.00"), ("工服不整，店长检查发现", "20.00"),
         ("交接班未登记房间物品", "30.00"))
ONBOARDING_ITEMS = (("身份证复印件", "hr", "none"), ("健康证", "hr", "none"),
                    ("签订劳动合同", "hr", "none"), ("银行卡信息", "finance", "none"),
                    ("发放工服、储物柜钥匙、工牌", "logistics", "issue_items"),
                    ("岗前培训", "store", "none"))
ISSUED = ("工服", "储物柜钥匙", "工牌")


@dataclass
class Person:
    id: int
    no: str
    name: str
    gender: str
    role: str
    store_id: int | None
    hire_date: date | None
    last_day: date | None
    status: str
    index: int = 0  # place in the store (staggers rest days and shifts)

    def employed_on(self, day: date) -> bool:
        if self.status not in (*EMPLOYED_STATUSES, "left") or self.hire_date is None:
            return False
        return self.hire_date <= day and (self.last_day is None or day <= self.last_day)


@dataclass
class Company:
    tenant_id: int
    code: str
    tz: ZoneInfo
    today: date
    stores: list[tuple[int, str, str]]  # id, code, city (by code)
    people: list[Person]
    accounts: dict[str, int]  # role -> account id (the demo's one login per role)
    shifts: dict[int, dict[str, tuple[int, time, time]]] = field(default_factory=dict)

    @property
    def first_store(self) -> int | None:
        return self.stores[0][0] if self.stores else None

    def local(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def utc(self, day: date, moment: time) -> datetime:
        return self.local(day, moment).astimezone(UTC)


@dataclass
class HrResult:
    code: str
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + count

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.rows.items() if v)


def copy_rows(model, rows: list[dict]) -> None:
    """Bulk insert (explicit tenant id in every row): PostgreSQL's COPY, which takes a
    month of chain-50 punches in a second where an executemany takes half a minute;
    other databases get the ordinary bulk insert.  Columns left out take their
    database default (NULL), so rows name every column that has a Python default."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        _insert(model, rows)
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = model.__table__
    for name in columns:
        table.c[name]  # noqa: B018  (a typo fails here, not as bad data)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(name) for name in columns])


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


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
            joiners = _add_joiners(co, rng, first)
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
            plan = _add_period(co, rng, first, month_end(first), result, events="approved")
            plan += _add_period(co, rng, month_start(co.today), co.today + timedelta(days=14),
                                result, events="none", draft_days=7)
            _pending_events(co, plan, result)
            _lifecycle_records(co, first, [p.id for p in joiners] + confirming,
                               [p.id for p in leavers], result)
            _level_changes(co, levels, first, result)
        else:
            monday = co.today - timedelta(days=co.today.weekday())
            _add_period(co, rng, monday, monday + timedelta(days=6), result, events="none")
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
            _add_period(co, rng, first, last, result, events="approved")
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


# --- levels, profiles, shift templates ---------------------------------------------------


def ensure_levels(tenant_id: int) -> dict[str, int]:
    """The four therapist levels (kept if they exist); name -> id."""
    have = dict(db.session.execute(select(TherapistLevel.name, TherapistLevel.id)).all())
    new = [TherapistLevel(name=n, commission_multiplier=Decimal(m), rank=r)
           for n, m, r in LEVELS if n not in have]
    if new:
        db.session.add_all(new)
        db.session.flush()
        have.update({lv.name: lv.id for lv in new})
    return have


def ensure_pay_profiles(tenant_id: int) -> dict[str, PayProfile]:
    """One profile per post plus 金牌技师 (kept if they exist); role -> profile."""
    positions = {p.role: p for p in db.session.scalars(select(Position))}
    existing = {p.name: p for p in db.session.scalars(select(PayProfile))}
    profiles: dict[str, PayProfile] = {}
    for role, (base, commission, overtime, rate, meal, bonus) in PROFILES.items():
        position = positions.get(role)
        if position is None:
            continue
        name = f"{position.name}薪资方案"
        profile = existing.get(name)
        if profile is None:
            profile = PayProfile(name=name, position_id=position.id,
                                 monthly_base=Decimal(base), commission=commission,
                                 overtime_eligible=overtime, card_sale_rate=Decimal(rate),
                                 meal_allowance_per_day=Decimal(meal),
                                 full_attendance_bonus=Decimal(bonus))
            db.session.add(profile)
        profiles[role] = profile
    name, base = GOLD_PROFILE
    gold = existing.get(name)
    if gold is None and "therapist" in profiles:
        t = PROFILES["therapist"]
        gold = PayProfile(name=name, position_id=None, monthly_base=Decimal(base),
                          commission=True, overtime_eligible=False, card_sale_rate=Decimal(t[3]),
                          meal_allowance_per_day=Decimal(t[4]),
                          full_attendance_bonus=Decimal(t[5]))
        db.session.add(gold)
    if gold is not None:
        profiles["gold"] = gold
    db.session.flush()
    return profiles


def ensure_shift_templates(co: Company, overnight_codes: tuple[str, ...] = ()) -> None:
    """早班 / 中班 / 晚班 in every store, 通宵 in ``overnight_codes`` (kept if present)."""
    rows = []
    for store_id, code, _city in co.stores:
        have = co.shifts.get(store_id, {})
        wanted = [*SHIFTS, OVERNIGHT] if code in overnight_codes else list(SHIFTS)
        for name, starts, ends in wanted:
            if name not in have:
                rows.append({"tenant_id": co.tenant_id, "store_id": store_id, "name": name,
                             "starts_at": starts, "ends_at": ends, "is_active": True})
    _insert(ShiftTemplate, rows)
    db.session.flush()
    co.shifts.clear()
    for sid, store_id, name, starts, ends in db.session.execute(
            select(ShiftTemplate.id, ShiftTemplate.store_id, ShiftTemplate.name,
                   ShiftTemplate.starts_at, ShiftTemplate.ends_at)):
        co.shifts.setdefault(store_id, {})[name] = (sid, starts, ends)


# --- the employee file -----------------------------------------------------------------


def id_check_digit(first17: str) -> str:
    """GB 11643 check digit (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_card_number(rng: random.Random, birth: date, gender: str) -> str:
    """A made-up 18-digit ID number: area, birth date, sequence (odd: male), check digit."""
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if gender == "male"
                                                 else (0, 2, 4, 6, 8))
    first17 = f"{rng.choice(AREAS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def luhn_digit(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def bank_account(rng: random.Random) -> tuple[str, str]:
    name, prefix, length = rng.choice(BANKS)
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return name, body + luhn_digit(body)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = month_end(date(year, month, 1)).day
    return date(year, month, min(day.day, last))


def fill_employee_files(co: Company, rng: random.Random, first_month: date,
                        levels: dict[str, int], profiles: dict[str, PayProfile],
                        joiners: list[int] = (), leavers: list[Person] = (),
                        probation_due: list[int] = (), turnover: bool = False) -> int:
    """Fill the file of every employee whose ID number is still empty; return how many.

    Hire dates move before ``first_month`` (therapists' before the front-desk history),
    joiners are hired mid ``first_month``, leavers leave on its 20th, ``probation_due``
    were hired almost three months ago (转正 due in 5 days).  ``turnover`` (scale
    companies) makes every tenth store's greeter a joiner or a leaver.
    """
    empty = set(db.session.scalars(select(Employee.id).where(Employee.id_card_no == "")))
    if not empty:
        return 0
    today = co.today
    history_start = today - timedelta(days=90)
    store_city = {sid: city for sid, _code, city in co.stores}
    store_index = {sid: n for n, (sid, _code, _city) in enumerate(co.stores)}
    joiner_ids = set(joiners)
    leaver_ids = {p.id for p in leavers}
    if turnover:
        for p in co.people:
            if p.id in empty and p.role == "greeter" and p.store_id is not None:
                n = store_index[p.store_id]
                if n % 10 == 3:
                    joiner_ids.add(p.id)
                elif n % 10 == 7:
                    leaver_ids.add(p.id)
    gold_level = levels.get("金牌")
    rows, balances = [], []
    for p in co.people:
        if p.id not in empty:
            continue
        # Bulk UPDATE by primary key: the key is (tenant_id, id).
        row: dict = {"tenant_id": co.tenant_id, "id": p.id}
        hire, status, last_day = p.hire_date, p.status, p.last_day
        if p.id in joiner_ids:
            hire = first_month + timedelta(days=14)
            status = "probation"
        elif p.id in probation_due:
            hire = _add_months(today, -3) + timedelta(days=5)
            status = "probation"
        else:
            latest = min(first_month, history_start) if p.role == "therapist" else first_month
            if hire is None or hire >= latest:
                hire = latest - timedelta(days=rng.randint(20, 1500))
            if status not in ("left", "offboarding"):
                status = "probation" if _add_months(hire, 3) > today else "active"
        if p.id in leaver_ids:
            status, last_day = "left", first_month + timedelta(days=19)
        row.update(hire_date=hire, status=status, last_day=last_day,
                   probation_ends_on=_add_months(hire, 3))
        # Birth: an age that fits the post, and at least 18 at hiring.
        low, high = {"therapist": (20, 38), "store_manager": (30, 45), "owner": (42, 55),
                     "general_manager": (38, 50)}.get(p.role, (22, 48))
        birth = today - timedelta(days=rng.randint(low * 365, high * 365 + 300))
        if (hire - birth).days < 18 * 366:
            birth = hire - timedelta(days=18 * 366 + rng.randint(0, 800))
        row["birth_date"] = birth
        row["id_card_no"] = id_card_number(rng, birth, p.gender)
        row["bank_name"], row["bank_account_no"] = bank_account(rng)
        relation = rng.choice(RELATIONS)
        # Father and siblings share the surname (scale companies have numbered names).
        surname = p.name[0] if relation in ("父亲", "哥哥", "姐姐") and \
            not p.name.startswith(("技师", "员工")) else rng.choice("王李张刘陈杨黄赵吴周")
        row["emergency_contact"] = f"{surname}{rng.choice(GIVEN_ELDER)}（{relation}）"
        row["emergency_phone"] = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
        if p.store_id is not None:
            issued = today - timedelta(days=rng.randint(40, 330))
            city = CERT_CITY.get(store_city.get(p.store_id, ""), "440100")
            row["health_cert_no"] = f"{city}{issued.year}{rng.randint(0, 99999):05d}"
            row["health_cert_expires_on"] = _add_months(issued, 12) - timedelta(days=1)
        # Level by years of service (a fifth one step lower: exams, not years).
        profile = profiles.get(p.role)
        if p.role == "therapist":
            years = (first_month - hire).days / 365
            rank = 0 if years < 1 else 1 if years < 2.5 else 2 if years < 4.5 else 3
            if rank and rng.random() < 0.2:
                rank -= 1
            row["level_id"] = levels[LEVELS[rank][0]]
            if row["level_id"] == gold_level and "gold" in profiles:
                profile = profiles["gold"]
                row["pay_profile_id"] = profile.id
        base = profile.monthly_base if profile is not None else Decimal("0.00")
        row["si_enrolled"] = True
        row["si_base"] = base
        row["monthly_special_deduction"] = _special_deduction(p, rng)
        rows.append(row)
        opening = _opening_balance(co, rng, p, hire, first_month, base,
                                   row["monthly_special_deduction"])
        if opening is not None:
            balances.append(opening)
    _expiring_certificates(co, rng, [r for r in rows if r["status"] != "left"])
    for start in range(0, len(rows), 1000):
        db.session.execute(update(Employee), rows[start:start + 1000])
    have = set(db.session.scalars(select(TaxOpeningBalance.employee_id).where(
        TaxOpeningBalance.year == first_month.year)))
    copy_rows(TaxOpeningBalance, [b for b in balances if b["employee_id"] not in have])
    db.session.flush()
    return len(rows)


def _special_deduction(p: Person, rng: random.Random) -> Decimal:
    """专项附加扣除: children's education 2,000 (one child), elderly parents 3,000,
    rent in a first-tier city 1,500, mortgage interest 1,000; most claim nothing."""
    if p.role in ("store_manager", "general_manager", "finance_manager"):
        return Decimal("2000.00")
    if p.role == "owner":
        return Decimal("3000.00")
    if p.role == "hr_staff":
        return Decimal("1000.00")
    if rng.random() < 0.1:
        return Decimal(rng.choice(("1500.00", "1500.00", "2000.00", "3000.00")))
    return Decimal("0.00")


def _opening_balance(co: Company, rng: random.Random, p: Person, hire: date,
                     first_month: date, base: Decimal, special: Decimal) -> dict | None:
    """个税期初: this year's months before the first Muzu month, estimated from the post."""
    months = sum(1 for m in range(1, first_month.month)
                 if hire <= month_end(date(first_month.year, m, 1)))
    if months == 0:
        return None
    taxable = Decimal("0.00")
    for _ in range(months):
        if p.role == "therapist":
            gross = base + Decimal(rng.randint(5200, 9200))  # base + commission + meal
        else:
            gross = base + Decimal(rng.randint(0, 500))
        taxable += gross - (base * Decimal("0.155")).quantize(CENT, ROUND_HALF_UP)
    deductible = (Decimal(5000) + special) * months
    tax = iit_table_tax(max(Decimal(0), taxable - deductible)).quantize(CENT, ROUND_HALF_UP)
    return {"tenant_id": co.tenant_id, "employee_id": p.id, "year": first_month.year,
            "cumulative_taxable": taxable, "cumulative_tax": tax}


def _expiring_certificates(co: Company, rng: random.Random, rows: list[dict]) -> None:
    """About one store employee in thirty has a certificate expiring within 30 days (the
    first store's cashier among them); the first store's second-last therapist's has
    expired (the board shows the block)."""
    by_id = {p.id: p for p in co.people}
    store_rows = [r for r in rows if "health_cert_expires_on" in r]
    for r in store_rows:
        if rng.random() < 1 / 30:
            r["health_cert_expires_on"] = co.today + timedelta(days=rng.randint(3, 28))
    therapists = [r for r in store_rows if by_id[r["id"]].role == "therapist"
                  and by_id[r["id"]].store_id == co.first_store]
    if therapists:
        therapists[-2 if len(therapists) > 1 else 0]["health_cert_expires_on"] = \
            co.today - timedelta(days=6)
    cashiers = [r for r in store_rows if by_id[r["id"]].role == "cashier"
                and by_id[r["id"]].store_id == co.first_store]
    if cashiers:
        cashiers[0]["health_cert_expires_on"] = co.today + timedelta(days=12)


# --- joiners, leaver, changes (yuezu) ------------------------------------------------------


def _add_joiners(co: Company, rng: random.Random, first: date) -> list[Employee]:
    """Two people hired mid last month: a therapist at the first store and a cashier at the
    fifth (or last) store; foot items qualified for the therapist."""
    positions = {p.role: p.id for p in db.session.scalars(select(Position))}
    people = _People(SEED + 40)
    people.names.update(p.name for p in co.people)
    people.phones.update(db.session.scalars(select(Employee.phone)))
    numbers = {p.no for p in co.people}
    joiners = []
    for store_pos, role in ((0, "therapist"), (min(4, len(co.stores) - 1), "cashier")):
        store_id = co.stores[store_pos][0]
        staff = [p.no for p in co.people if p.store_id == store_id and
                 (p.role == "therapist") == (role == "therapist")]
        number = str(int(max(staff)) + 1) if staff else f"{store_pos + 1}900"
        while number in numbers:
            number = str(int(number) + 1)
        numbers.add(number)
        name, gender, phone, _hired = people.person(role)
        joiners.append(Employee(employee_no=number, name=name, gender=gender, phone=phone,
                                store_id=store_id, position_id=positions[role],
                                status="probation", hire_date=first + timedelta(days=14)))
    db.session.add_all(joiners)
    db.session.flush()
    foot = list(db.session.scalars(select(ServiceItem.id).where(ServiceItem.category == "foot")))
    db.session.add_all([TherapistQualification(employee_id=joiners[0].id, service_item_id=item)
                        for item in foot])
    db.session.flush()
    return joiners


def _lifecycle_records(co: Company, first: date, joiners: list[int], leavers: list[int],
                       result: HrResult) -> None:
    """Finished onboardings of the joiners (their 转正 review still to come), the
    leaver's approved offboarding (the final payroll item still open)."""
    by_id = {p.id: p for p in co.people}
    hr = co.accounts.get("hr_manager")
    for employee_id in joiners:
        p = by_id[employee_id]
        started = p.hire_date - timedelta(days=5)
        onboarding = Onboarding(employee_id=p.id, status="done", account_at="probation",
                                started_on=started, started_by_account_id=hr,
                                completed_at=co.utc(p.hire_date, time(10, 0)))
        db.session.add(onboarding)
        db.session.flush()
        items = list(ONBOARDING_ITEMS)
        if p.role == "therapist":
            items.append(("入职技师审核", "technical", "technical_review"))
        db.session.add_all([
            ChecklistItem(employee_id=p.id, onboarding_id=onboarding.id, title=title,
                          owner_department=dept, action=action, due_on=started + timedelta(
                              days=3), sort_order=n, detail="、".join(ISSUED)
                          if action == "issue_items" else "",
                          done_at=co.utc(started + timedelta(days=min(n, 4)), time(15, 0)),
                          done_by_account_id=hr)
            for n, (title, dept, action) in enumerate(items, start=1)])
        db.session.add_all([IssuedItem(employee_id=p.id, name=name, issued_on=p.hire_date,
                                       issued_by_account_id=co.accounts.get("logistics_head"))
                            for name in ISSUED])
        result.add("onboardings", 1)
    for employee_id in leavers:
        p = by_id[employee_id]
        offboarding = Offboarding(
            employee_id=p.id, kind="resignation", reason="回老家发展", last_day=p.last_day,
            status="approved", approved_by_account_id=hr,
            approved_at=co.utc(p.last_day - timedelta(days=14), time(16, 0)),
            settlement_amount=Decimal("0.00"), settlement_note="工资随当月工资发放，无其他款项",
            exit_interview="家人在老家，想回去发展；对门店氛围满意，愿意以后再回来。",
            handover_note="迎宾台物品、排队叫号器已交接给领班。")
        db.session.add(offboarding)
        db.session.flush()
        items = (("归还工服、储物柜钥匙、工牌", "logistics", "return_items", True),
                 ("工作交接", "store", "none", True), ("离职面谈", "hr", "none", True),
                 ("离职结算", "finance", "settlement", True),
                 ("最后一个月工资（随当月工资发放）", "finance", "none", False))
        db.session.add_all([
            ChecklistItem(employee_id=p.id, offboarding_id=offboarding.id, title=title,
                          owner_department=dept, action=action, due_on=p.last_day, sort_order=n,
                          done_at=co.utc(p.last_day, time(18, 0)) if done else None,
                          done_by_account_id=hr if done else None)
            for n, (title, dept, action, done) in enumerate(items, start=1)])
        db.session.add_all([IssuedItem(employee_id=p.id, name=name,
                                       issued_on=p.hire_date or first, status="returned",
                                       returned_on=p.last_day,
                                       closed_by_account_id=co.accounts.get("logistics_head"))
                            for name in ISSUED])
        result.add("offboardings", 1)
    db.session.flush()


def _level_changes(co: Company, levels: dict[str, int], first: date,
                   result: HrResult) -> None:
    """A promotion 中级 → 高级 applied mid last month (commission multiplier changes on
    that day) and a pending transfer (调店) two weeks ahead, both at the first store."""
    rows = db.session.execute(
        select(Employee.id, Employee.level_id).join(Position, Position.id ==
                                                    Employee.position_id)
        .where(Position.role == "therapist", Employee.store_id == co.first_store,
               Employee.status.in_(("active", "probation")))
        .order_by(Employee.employee_no)).all()
    hr = co.accounts.get("hr_manager")
    manager = co.accounts.get("store_manager")
    promoted = next((e for e, lv in rows[2:] if lv == levels["中级"]), None)
    if promoted is not None:
        effective = first + timedelta(days=15)
        db.session.add(EmployeeChange(
            employee_id=promoted, kind="promotion", effective_on=effective, status="applied",
            reason="技术考核通过，晋升高级技师", new_level_id=levels["高级"],
            old_level_id=levels["中级"], requested_by_account_id=manager,
            approved_by_account_id=hr, approved_at=co.utc(effective - timedelta(days=3),
                                                          time(11, 0)),
            applied_at=co.utc(effective, time(0, 5))))
        db.session.execute(update(Employee).where(Employee.id == promoted)
                           .values(level_id=levels["高级"]))
        result.add("changes", 1)
    if len(co.stores) > 1 and len(rows) > 5:
        db.session.add(EmployeeChange(
            employee_id=rows[5][0], kind="transfer", effective_on=co.today + timedelta(days=14),
            status="pending", reason="北京路店技师不足，调店支援", new_store_id=co.stores[1][0],
            requested_by_account_id=manager))
        result.add("changes", 1)
    db.session.flush()


# --- schedules, clocks, leave, overtime, rewards -------------------------------------------


def _rest_days(first: date, index: int) -> set[date]:
    """4 rest days in the month of ``first``, on Monday–Thursday, staggered by ``index``."""
    last = month_end(first)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekdays = [d for d in days if d.weekday() < 4]
    n = len(weekdays)
    return {weekdays[(index + round(j * n / REST_DAYS_PER_MONTH)) % n]
            for j in range(REST_DAYS_PER_MONTH)}


def _shift_name(co: Company, p: Person, day: date) -> str:
    names = co.shifts.get(p.store_id, {})
    if p.role == "cleaner" and OVERNIGHT[0] in names:
        return OVERNIGHT[0]
    options = POST_SHIFTS.get(p.role, ("中班",))
    week = (day.toordinal() - 1) // 7
    return options[(p.index + week) % len(options)]


@dataclass
class _Day:
    person: Person
    day: date
    shift: str | None  # None: rest day
    starts: datetime | None = None  # local
    ends: datetime | None = None


def _plan(co: Company, first: date, last: date) -> list[_Day]:
    plan = []
    rest_cache: dict[tuple[int, date], set[date]] = {}
    for p in co.people:
        if p.store_id is None or p.store_id not in co.shifts:
            continue
        day = first
        while day <= last:
            if p.employed_on(day):
                key = (p.index, month_start(day))
                if key not in rest_cache:
                    rest_cache[key] = _rest_days(month_start(day), p.index)
                if day in rest_cache[key]:
                    plan.append(_Day(p, day, None))
                else:
                    name = _shift_name(co, p, day)
                    _sid, starts, ends = co.shifts[p.store_id][name]
                    start = co.local(day, starts)
                    end = co.local(day + timedelta(days=1) if ends <= starts else day, ends)
                    plan.append(_Day(p, day, name, start, end))
            day += timedelta(days=1)
    return plan


def _add_period(co: Company, rng: random.Random, first: date, last: date, result: HrResult,
                events: str = "approved", draft_days: int = 0) -> list[_Day]:
    """Schedules ``first``..``last`` (published; ``draft_days`` more in draft at the first
    store), clocks for the days before today, events, and the month's sheets locked if
    the whole month is past.  ``events``: approved (a month's leave, overtime, rewards)
    or none.  Returns the planned days up to ``last``."""
    t = co.tenant_id
    plan = _plan(co, first, last + timedelta(days=draft_days))
    foreman = co.accounts.get("foreman")
    cap = co.utc(co.today - timedelta(days=1), time(18, 0))
    rows = []
    for d in plan:
        draft = d.day > last
        if draft and d.person.store_id != co.first_store:
            continue
        monday = d.day - timedelta(days=d.day.weekday())
        published = min(co.utc(monday - timedelta(days=4), time(18, 0)), cap)
        shift = co.shifts[d.person.store_id].get(d.shift) if d.shift else None
        rows.append({
            "tenant_id": t, "employee_id": d.person.id, "store_id": d.person.store_id,
            "work_date": d.day, "is_rest": d.shift is None,
            "shift_template_id": shift[0] if shift else None,
            "starts_at": d.starts.astimezone(UTC) if d.starts else None,
            "ends_at": d.ends.astimezone(UTC) if d.ends else None,
            "published_at": None if draft else published,
            "created_by_account_id": foreman if d.person.store_id == co.first_store else None,
            "created_at": published - timedelta(days=1)})
    copy_rows(ScheduleEntry, rows)
    result.add("schedules", len(rows))
    plan = [d for d in plan if d.day <= last]
    leave_days, overtime = {}, {}
    if events == "approved":
        leave_days, overtime = _approved_events(co, rng, plan, first, last, result)
    _clocks(co, rng, plan, leave_days, overtime, result)
    if last == month_end(first) and last < co.today:
        hr = co.accounts.get("hr_manager")
        locked = min(co.utc(last + timedelta(days=3), time(10, 0)), cap)
        stores = sorted({d.person.store_id for d in plan})
        have = set(db.session.scalars(select(AttendanceSheet.store_id).where(
            AttendanceSheet.month == first)))
        sheets = [{"tenant_id": t, "store_id": s, "month": first, "status": "locked",
                   "locked_at": locked, "locked_by_account_id": hr, "note": "已核对考勤，锁定"}
                  for s in stores if s not in have]
        _insert(AttendanceSheet, sheets)
        result.add("locked sheets", len(sheets))
    return plan


def _by_store(co: Company, plan: list[_Day]) -> dict[int, dict[int, list[_Day]]]:
    """store id -> employee id -> their planned days, in date order."""
    out: dict[int, dict[int, list[_Day]]] = defaultdict(lambda: defaultdict(list))
    for d in plan:
        out[d.person.store_id][d.person.id].append(d)
    return out


def _whole_month(p: Person, first: date, last: date) -> bool:
    return p.hire_date is not None and p.hire_date <= first and p.last_day is None \
        and p.status in EMPLOYED_STATUSES


def _approved_events(co: Company, rng: random.Random, plan: list[_Day], first: date,
                     last: date, result: HrResult):
    """Each store: leave (annual, sick, some personal, half days, a long one needing HR),
    overtime for non-commission staff (holiday / rest day / after the shift), a reward,
    some fines.  Returns (leave by (employee, day): fraction, overtime by (employee, day):
    (hours, on a rest day))."""
    t = co.tenant_id
    by_store = _by_store(co, plan)
    people = {p.id: p for p in co.people}
    hr = co.accounts.get("hr_manager")
    holiday = _first_statutory_holiday(first, last)
    leave_rows, ot_rows, reward_rows = [], [], []
    leave_days: dict[tuple[int, date], Decimal] = {}
    overtime: dict[tuple[int, date], tuple[Decimal, bool]] = {}
    busy: set[tuple[int, date]] = set()

    def approver(store_id: int) -> int | None:
        return co.accounts.get("store_manager") if store_id == co.first_store else hr

    def decided(day: date) -> datetime:
        return co.utc(day - timedelta(days=2), time(14, 30))

    ordered = [(s, by_store[s]) for s, _code, _city in co.stores if s in by_store]
    for n, (store_id, staff) in enumerate(ordered):
        stable = {pid: days for pid, days in staff.items()
                  if _whole_month(people[pid], first, last)}
        therapists = [pid for pid in stable if people[pid].role == "therapist"]
        desk = [pid for pid in stable if people[pid].role in ("cashier", "receptionist")]
        others = [pid for pid in stable if people[pid].role != "therapist"]
        leave_plan = [("annual", rng.choice((1, 2)), others or therapists),
                      ("sick", 1, therapists)]
        if n % 2 == 0:
            leave_plan.append(("personal", 1, therapists))
        if n % 3 == 0:
            leave_plan.append(("annual", 0, desk or others))  # half a day
        if n % 4 == 1:
            leave_plan.append(("annual", 4, therapists))
        for kind, length, pool in leave_plan:
            pick = _leave_slot(rng, pool, stable, length or 1, busy)
            if pick is None:
                continue
            pid, days = pick
            half = length == 0
            for d in days:
                busy.add((pid, d))
                leave_days[(pid, d)] = Decimal("0.5") if half else Decimal(1)
            reasons = {"annual": ANNUAL_REASONS, "sick": SICK_REASONS,
                       "personal": PERSONAL_REASONS}[kind]
            long_one = len(days) > 3
            leave_rows.append({
                "tenant_id": t, "employee_id": pid, "store_id": store_id, "kind": kind,
                "starts_on": days[0], "ends_on": days[-1], "half_day": half,
                "days": Decimal("0.5") if half else Decimal(len(days)),
                "reason": "上午去办理社保卡" if half else rng.choice(reasons),
                "status": "approved", "needs_hr": long_one, "requested_by_account_id": None,
                "decided_by_account_id": hr if long_one else approver(store_id),
                "decided_at": decided(days[0]), "decision_note": "同意",
                "created_at": decided(days[0]) - timedelta(hours=20)})
        # Overtime: only posts whose profile pays it (no commission).
        eligible = [pid for pid in others if people[pid].role in PROFILES
                    and PROFILES[people[pid].role][2]]
        ot_plan = [("workday", Decimal(2))]
        if n % 3 == 0:
            ot_plan.append(("holiday" if holiday else "rest", Decimal(3) if holiday
                            else Decimal(6)))
        elif n % 3 == 1:
            ot_plan.append(("rest", Decimal(6)))
        for kind, hours in ot_plan:
            rng.shuffle(eligible)
            for pid in eligible:
                days = stable[pid]
                if kind == "holiday":  # scheduled that day or not: holiday wins
                    options = [d for d in days if d.day == holiday and d.day < co.today]
                elif kind == "rest":
                    options = [d for d in days if d.shift is None and d.day < co.today]
                else:
                    options = [d for d in days if d.shift and d.day < co.today]
                options = [d for d in options if (pid, d.day) not in busy]
                if not options:
                    continue
                d = rng.choice(options)
                busy.add((pid, d.day))
                on_rest = d.shift is None
                overtime[(pid, d.day)] = (hours, on_rest)
                reason = {"holiday": "法定节假日客流高峰，留店加班 3 小时",
                          "rest": "休息日回店，协助门店大扫除和物品盘点",
                          "workday": rng.choice(("协助日结盘点，延时下班",
                                                 "整理会员资料，延时下班"))}[kind]
                ot_rows.append({
                    "tenant_id": t, "employee_id": pid, "store_id": store_id,
                    "work_date": d.day, "hours": hours, "reason": reason, "status": "approved",
                    "requested_by_account_id": None, "decided_by_account_id": approver(store_id),
                    "decided_at": co.utc(d.day + timedelta(days=1), time(12, 0)),
                    "decision_note": "", "created_at": co.utc(d.day, time(9, 0))})
                break
        # Rewards and fines, decided by HR within the month.
        picks = [("reward", therapists, REWARDS[n % len(REWARDS)])]
        if n % 2 == 0:
            picks.append(("fine", therapists, FINES[(n // 2) % len(FINES)]))
        if n % 3 == 1 and desk:
            picks.append(("reward", desk, REWARDS[1]))
        for kind, pool, (reason, amount) in picks:
            if not pool:
                continue
            pid = pool[0] if kind == "reward" and n == 0 else rng.choice(pool)
            effective = first + timedelta(days=rng.randint(5, (last - first).days - 3))
            reward_rows.append({
                "tenant_id": t, "employee_id": pid, "store_id": store_id, "kind": kind,
                "amount": Decimal(amount), "effective_on": effective, "reason": reason,
                "status": "approved", "requested_by_account_id": co.accounts.get(
                    "store_manager") if store_id == co.first_store else None,
                "decided_by_account_id": hr,
                "decided_at": co.utc(effective, time(17, 0)),
                "created_at": co.utc(effective - timedelta(days=1), time(11, 0))})
    _insert(LeaveRequest, leave_rows)
    _insert(OvertimeRequest, ot_rows)
    _insert(RewardPenalty, reward_rows)
    result.add("leave", len(leave_rows))
    result.add("overtime", len(ot_rows))
    result.add("rewards/fines", len(reward_rows))
    return leave_days, overtime


def _first_statutory_holiday(first: date, last: date) -> date | None:
    day = first
    while day <= last:
        try:
            if is_statutory_holiday(day):
                return day
        except HolidayCalendarMissing:
            return None
        day += timedelta(days=1)
    return None


def _leave_slot(rng: random.Random, pool: list[int], stable: dict[int, list[_Day]],
                length: int, busy: set) -> tuple[int, list[date]] | None:
    """Someone in ``pool`` with ``length`` consecutive scheduled days free of events."""
    for pid in rng.sample(pool, len(pool)):
        days = [d for d in stable[pid] if d.shift]
        runs = []
        for i in range(len(days) - length + 1):
            run = days[i:i + length]
            if (run[-1].day - run[0].day).days == length - 1 and not any(
                    (pid, d.day) in busy for d in run):
                runs.append([d.day for d in run])
        if runs:
            return pid, rng.choice(runs)
    return None


def _pending_events(co: Company, plan: list[_Day], result: HrResult) -> None:
    """At the first store: a leave request for a day next week, overtime worked this week
    and a reward, all waiting for a decision."""
    t, store = co.tenant_id, co.first_store
    staff = [d for d in plan if d.person.store_id == store]
    future = [d for d in staff if d.shift and d.person.role == "therapist"
              and d.day >= co.today + timedelta(days=3)]
    manager = co.accounts.get("store_manager")
    if future:
        d = future[len(future) // 3]
        _insert(LeaveRequest, [{
            "tenant_id": t, "employee_id": d.person.id, "store_id": store, "kind": "personal",
            "starts_on": d.day, "ends_on": d.day, "half_day": False, "days": Decimal(1),
            "reason": "孩子开家长会", "status": "pending", "needs_hr": False,
            "requested_by_account_id": None, "decided_by_account_id": None,
            "decided_at": None, "decision_note": "",
            "created_at": co.utc(co.today - timedelta(days=1), time(21, 0))}])
        result.add("leave", 1)
    past = [d for d in staff if d.shift and d.person.role == "foreman"
            and max(month_start(co.today), co.today - timedelta(days=7)) <= d.day < co.today]
    coming = [d for d in staff if d.shift and d.person.role == "foreman" and d.day >= co.today]
    # Worked this week (not in last month: its sheet is locked), else asked in advance.
    d = past[-1] if past else coming[0] if coming else None
    if d is not None:
        asked = d.day + timedelta(days=1) if past else co.today - timedelta(days=1)
        _insert(OvertimeRequest, [{
            "tenant_id": t, "employee_id": d.person.id, "store_id": store, "work_date": d.day,
            "hours": Decimal("1.5"), "reason": "周末客多，延时下班", "status": "pending",
            "requested_by_account_id": co.accounts.get("foreman"),
            "decided_by_account_id": None, "decided_at": None, "decision_note": "",
            "created_at": co.utc(asked, time(11, 0))}])
        result.add("overtime", 1)
    cashiers = [d.person for d in staff if d.person.role == "cashier"]
    if cashiers:
        _insert(RewardPenalty, [{
            "tenant_id": t, "employee_id": cashiers[0].id, "store_id": store, "kind": "reward",
            "amount": Decimal("100.00"), "effective_on": co.today,
            "reason": "本月办卡业绩第一", "status": "pending",
            "requested_by_account_id": manager, "decided_by_account_id": None,
            "decided_at": None, "created_at": co.utc(co.today - timedelta(days=1),
                                                     time(20, 0))}])
        result.add("rewards/fines", 1)


def _clocks(co: Company, rng: random.Random, plan: list[_Day],
            leave_days: dict[tuple[int, date], Decimal],
            overtime: dict[tuple[int, date], tuple[Decimal, bool]], result: HrResult) -> None:
    """Punches for every past scheduled day (and overtime on days off), with the noise of
    a real month; a few missing punches, two thirds of them corrected by the foreman."""
    t = co.tenant_id
    foreman = co.accounts.get("foreman")
    past = [d for d in plan if d.day < co.today]
    worked = [d for d in past if d.shift and (d.person.id, d.day) not in leave_days
              and (d.person.id, d.day) not in overtime]
    # Special cases picked round-robin over the stores, first store first.
    rng.shuffle(worked)
    queues: dict[int, list[_Day]] = defaultdict(list)
    for d in worked:
        queues[d.person.store_id].append(d)
    order = [s for s, _c, _city in co.stores if s in queues]
    interleaved = []
    while any(queues[s] for s in order):
        for s in order:
            if queues[s]:
                interleaved.append(queues[s].pop())
    n = len(worked)
    counts = (("late_half", max(1, round(n / 2500))), ("late_30", max(2, n // 600)),
              ("early", max(1, n // 1500)), ("missing", max(3, n // 400)))
    special: dict[tuple[int, date], str] = {}
    it = iter(interleaved)
    for kind, count in counts:
        for _ in range(count):
            d = next(it, None)
            if d is not None:
                special[(d.person.id, d.day)] = kind
    rows = []
    missing_seen = 0

    def punch(d: _Day, kind: str, at: datetime, source: str = "", reason: str = "",
              by: int | None = None, created: datetime | None = None) -> None:
        if not source:
            self_share = 0.45 if d.person.role == "therapist" else 0.1
            source = "self" if rng.random() < self_share else "kiosk"
        rows.append({"tenant_id": t, "employee_id": d.person.id, "store_id": d.person.store_id,
                     "kind": kind, "at": at.astimezone(UTC), "source": source,
                     "reason": reason, "device_id": None, "device_record_id": None,
                     "recorded_by_account_id": by, "voided_at": None,
                     "voided_by_account_id": None, "void_reason": "",
                     "created_at": (created or at).astimezone(UTC)})

    def minutes(low: float, high: float) -> timedelta:
        return timedelta(seconds=round(rng.uniform(low, high) * 60))

    for d in past:
        key = (d.person.id, d.day)
        if key in overtime and d.shift is None:
            # Overtime on a day off: the post's first shift, as long as the hours.
            hours, _rest = overtime[key]
            name = POST_SHIFTS.get(d.person.role, ("中班",))[0]
            _sid, starts, _ends = co.shifts[d.person.store_id][name]
            start = co.local(d.day, starts)
            punch(d, "in", start - minutes(3, 12))
            punch(d, "out", start + timedelta(hours=float(hours)) + minutes(1, 10))
            continue
        if d.shift is None:
            continue
        fraction = leave_days.get(key)
        if fraction == 1:
            continue
        clock_in = d.starts - minutes(2, 15)
        clock_out = d.ends + minutes(1, 25)
        if fraction is not None:  # half a day off: in for the second half
            clock_in = d.starts + timedelta(hours=4) - minutes(2, 10)
        if key in overtime:
            clock_out = d.ends + timedelta(hours=float(overtime[key][0])) + minutes(1, 10)
        case = special.get(key)
        if case is None and fraction is None and rng.random() < 0.015:
            case = "late_small"
        if case == "late_small":
            clock_in = d.starts + minutes(1, 10)
        elif case == "late_30":
            clock_in = d.starts + minutes(26, 38)
        elif case == "late_half":
            clock_in = d.starts + minutes(178, 192)
        elif case == "early":
            clock_out = d.ends - minutes(15, 45)
        if case == "missing":
            missing_seen += 1
            lost = "in" if missing_seen % 2 else "out"
            corrected = missing_seen % 3 != 0
            first_store = d.person.store_id == co.first_store
            if lost == "out":
                punch(d, "in", clock_in)
            else:
                punch(d, "out", clock_out)
            if corrected:
                at = d.starts if lost == "in" else d.ends
                reason = ("忘记打上班卡，领班确认按时到岗" if lost == "in"
                          else "下班忘记打卡，领班确认按时下班")
                punch(d, lost, at, source="correction", reason=reason,
                      by=foreman if first_store else None,
                      created=co.local(d.day + timedelta(days=1), time(12, 0)))
            continue
        punch(d, "in", clock_in)
        punch(d, "out", clock_out)
    copy_rows(ClockRecord, rows)
    result.add("clock records", len(rows))


# --- card sales ----------------------------------------------------------------------------


def assign_card_sellers() -> int:
    """Credit every top-up without a seller to a cashier, receptionist or store manager
    of its store employed that day (weights 6 : 3 : 1, chosen by the entry's id).

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
