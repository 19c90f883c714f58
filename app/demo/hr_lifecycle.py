"""HR demo lifecycle: joiners with their onboarding, a leaver, level changes (晋升)."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from app.blueprints.hr.models import (
    ChecklistItem,
    EmployeeChange,
    IssuedItem,
    Offboarding,
    Onboarding,
)
from app.blueprints.store.models import ServiceItem, TherapistQualification
from app.demo.hr_common import (
    SEED,
    Company,
    HrResult,
)
from app.demo.loader import _People
from app.extensions import db
from app.models import Employee, Position

ONBOARDING_ITEMS = (("身份证复印件", "hr", "none"), ("健康证", "hr", "none"),
                    ("签订劳动合同", "hr", "none"), ("银行卡信息", "finance", "none"),
                    ("发放工服、储物柜钥匙、工牌", "logistics", "issue_items"),
                    ("岗前培训", "store", "none"))


ISSUED = ("工服", "储物柜钥匙", "工牌")


def add_joiners(co: Company, rng: random.Random, first: date) -> list[Employee]:
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


def add_lifecycle_records(co: Company, first: date, joiners: list[int], leavers: list[int],
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


def add_level_changes(co: Company, levels: dict[str, int], first: date,
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
