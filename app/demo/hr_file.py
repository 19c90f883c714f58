"""HR demo employee file: valid ID and bank numbers, contacts, health certificates,
special deductions and this year's tax opening balances."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update

from app.blueprints.hr.models import TaxOpeningBalance
from app.blueprints.hr.payroll.rules import iit_table_tax
from app.demo.hr_common import (
    CENT,
    Company,
    Person,
    add_months,
    copy_rows,
    month_end,
)
from app.demo.hr_settings import LEVELS
from app.extensions import db
from app.models import Employee, PayProfile

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
            hire = add_months(today, -3) + timedelta(days=5)
            status = "probation"
        else:
            latest = min(first_month, history_start) if p.role == "therapist" else first_month
            if hire is None or hire >= latest:
                hire = latest - timedelta(days=rng.randint(20, 1500))
            if status not in ("left", "offboarding"):
                status = "probation" if add_months(hire, 3) > today else "active"
        if p.id in leaver_ids:
            status, last_day = "left", first_month + timedelta(days=19)
        row.update(hire_date=hire, status=status, last_day=last_day,
                   probation_ends_on=add_months(hire, 3))
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
            row["health_cert_expires_on"] = add_months(issued, 12) - timedelta(days=1)
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
