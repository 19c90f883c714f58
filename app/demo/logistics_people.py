"""Demo: the staff dormitories near yuezu's stores (a women's and a men's flat by the
first store, a women's flat by another), most out-of-town therapists in a bed (leavers'
and bed-changers' past stays too), and the items issued to store staff (工服、钥匙、
工牌) with their store and kind, HR's onboarding items included."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.hr.models import IssuedItem
from app.blueprints.hr.onboarding import issued_item_kind
from app.blueprints.logistics.models import DormAssignment, DormBed, Dormitory
from app.extensions import db
from app.models import Employee, Position

WORKING = ("probation", "active", "offboarding")
# Share of therapists from out of town (they are the ones who need a bed).
OUT_OF_TOWN = 0.75
STAFF_ITEMS = ("工服（2 套）", "更衣柜钥匙", "工牌")


def load(demo) -> None:
    """Dormitories, beds, stays and issued items of the demo company."""
    if not demo.stores or db.session.scalar(select(Dormitory.id).limit(1)) is not None:
        return
    roles = {employee_id: role for employee_id, role in db.session.execute(
        select(Employee.id, Position.role).join(Position, Position.id == Employee.position_id))}
    _dormitories(demo, roles)
    _issued_items(demo)


def _flat(demo, store, name: str, gender: str | None, rent: str, rooms: int, beds: int):
    dorm = Dormitory(name=name, store_id=store.id, gender=gender, monthly_rent=Decimal(rent),
                     address=f"{store.address or store.city or ''}附近小区")
    db.session.add(dorm)
    db.session.flush()
    made = [DormBed(dormitory_id=dorm.id, room_no=f"{r + 1}0{r + 1}", bed_no=str(b + 1))
            for r in range(rooms) for b in range(beds)]
    db.session.add_all(made)
    db.session.flush()
    demo.add("dormitories", 1)
    demo.add("dorm beds", len(made))
    return dorm, made


def _dormitories(demo, roles: dict[int, str]) -> None:
    first, other = demo.stores[0], demo.stores[min(2, len(demo.stores) - 1)]
    flats = {
        "female": [_flat(demo, first, f"{first.name}女生宿舍", "female", "3600.00", 4, 4)[1],
                   _flat(demo, other, f"{other.name}女生宿舍", "female", "3200.00", 4, 4)[1]],
        "male": [_flat(demo, first, f"{first.name}男生宿舍", "male", "2800.00", 4, 3)[1]],
    }
    free = {gender: [bed for beds in lists for bed in beds] for gender, lists in flats.items()}
    rng, today = demo.rng, demo.today
    therapists = [e for e in demo.employees if roles.get(e.id) == "therapist"
                  and e.status in (*WORKING, "left") and rng.random() < OUT_OF_TOWN]
    stays = []
    for person in therapists:
        beds = free.get(person.gender) or []
        if not beds:
            continue
        start = person.hire_date or today - timedelta(days=90)
        if person.status == "left":
            # A leaver's stay ended on their last day; the bed is free again.
            stays.append(DormAssignment(bed_id=rng.choice(beds).id, employee_id=person.id,
                                        moved_in_on=start, moved_out_on=person.last_day
                                        or today - timedelta(days=10), note="已离职退宿"))
            continue
        bed = beds.pop(rng.randrange(len(beds)))
        if beds and rng.random() < 0.2 and (today - start).days > 40:
            # Changed beds once (a quieter room): the old stay closed on the move day.
            moved = start + timedelta(days=(today - start).days // 2)
            stays.append(DormAssignment(bed_id=beds[0].id, employee_id=person.id,
                                        moved_in_on=start, moved_out_on=moved, note="调换床位"))
            start = moved
        stays.append(DormAssignment(bed_id=bed.id, employee_id=person.id, moved_in_on=start))
    db.session.add_all(stays)
    demo.add("dorm stays", len(stays))


def _issued_items(demo) -> None:
    by_id = {e.id: e for e in demo.employees}
    existing = list(db.session.scalars(select(IssuedItem)))
    for item in existing:  # HR's onboarding rows, made before items had a store and kind
        person = by_id.get(item.employee_id)
        item.store_id = person.store_id if person else None
        item.kind = issued_item_kind(item.name)
    holders = {item.employee_id for item in existing}
    issuer = getattr(demo.accounts.get("logistics_head"), "id", None)
    rows = []
    for person in demo.employees:
        if person.store_id is None or person.status not in WORKING or person.id in holders:
            continue
        day = max(person.hire_date or demo.today, demo.today - timedelta(days=720))
        for name in STAFF_ITEMS:
            rows.append(IssuedItem(employee_id=person.id, store_id=person.store_id,
                                   kind=issued_item_kind(name), name=name, issued_on=day,
                                   issued_by_account_id=issuer))
        if demo.rng.random() < 0.1:  # a foreman's work phone
            rows.append(IssuedItem(employee_id=person.id, store_id=person.store_id,
                                   kind="phone", name="门店工作手机", issued_on=day,
                                   issued_by_account_id=issuer))
    db.session.add_all(rows)
    demo.add("issued items", len(rows))
    db.session.flush()
