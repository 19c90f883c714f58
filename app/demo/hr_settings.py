"""HR demo settings: levels (提成系数), one pay profile per post, shift templates (班次)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import ShiftTemplate
from app.demo.hr_common import Company
from app.demo.rows import bulk_insert
from app.extensions import db
from app.models import PayProfile, Position, TherapistLevel

# (name, commission multiplier, rank, skill-assessment threshold: specs/skill-assessment.md)
LEVELS = (("初级", "1.000", 1, "0"), ("中级", "1.100", 2, "70"), ("高级", "1.200", 3, "80"),
          ("金牌", "1.350", 4, "90"))


# Post -> (monthly base, commission, overtime eligible, card-sale rate, meal per day,
# full-attendance bonus).  Guangzhou's minimum wage is 2,500 (Shenzhen 2,520): a
# therapist's base sits just above it and the commission makes the pay.  Head office
# has no store schedule (schedules belong to a store), so no meal allowance or
# full-attendance bonus, which are counted on scheduled days.  The owner and the
# general manager work under 不定时工作制: no overtime.  The desk earns 3% on the cards
# it sells; a therapist 2% on a card the guest bought on their recommendation (技师推卡).
PROFILES = {
    "therapist": ("2600.00", True, False, "0.02", "15.00", "200.00"),
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


SHIFTS = (("早班", time(10, 0), time(18, 0)), ("中班", time(13, 0), time(21, 0)),
          ("晚班", time(16, 0), time(0, 0)))


OVERNIGHT = ("通宵", time(22, 0), time(6, 0))


YUEZU_OVERNIGHT_STORES = ("GZ01", "SZ01")


def ensure_levels(tenant_id: int) -> dict[str, int]:
    """The four therapist levels (kept if they exist); name -> id."""
    have = dict(db.session.execute(select(TherapistLevel.name, TherapistLevel.id)).all())
    new = [TherapistLevel(name=n, commission_multiplier=Decimal(m), rank=r,
                          assessment_threshold=Decimal(x))
           for n, m, r, x in LEVELS if n not in have]
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
    bulk_insert(ShiftTemplate, rows)
    db.session.flush()
    co.shifts.clear()
    for sid, store_id, name, starts, ends in db.session.execute(
            select(ShiftTemplate.id, ShiftTemplate.store_id, ShiftTemplate.name,
                   ShiftTemplate.starts_at, ShiftTemplate.ends_at)):
        co.shifts.setdefault(store_id, {})[name] = (sid, starts, ends)


# The shifts a post works, alternating week by week (staggered by the person's place
# in the store so both ends of the day are covered); cleaners of a store with a
# night shift do the night cleaning (通宵).
POST_SHIFTS = {
    "store_manager": ("中班",), "supervisor": ("早班", "晚班"), "foreman": ("晚班", "早班"),
    "cashier": ("早班", "晚班"), "dispatcher": ("中班", "晚班"), "receptionist": ("晚班", "早班"),
    "greeter": ("中班",), "cleaner": ("早班",), "technical_supervisor": ("中班",),
    "trainee_supervisor": ("中班",), "therapist": ("中班", "晚班"),
}
