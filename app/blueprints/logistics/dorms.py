"""宿舍: dormitories, their beds, and who sleeps where (a history of stays).

Plain functions: add/flush, audit, never commit.  Bad input raises ``DormError``
naming the field; nothing is changed then.

Rules chosen:
* A bed holds one person at a time, a person has at most one open stay; both are
  checked under a row lock on the bed and on the person, so two clerks moving
  people at once cannot double-book (PostgreSQL; SQLite runs one writer anyway).
* Someone who has left (or is a mere candidate) cannot move in; a dormitory's
  gender, when set, must be the person's.
* Archived dormitories and beds take nobody new; a bed or dormitory with someone
  in it cannot be archived (move them out first).
* Moving to another bed closes the old stay on the move day and opens the new one
  the same day, in one transaction; a move-out day is never before the move-in.
* When a person leaves (hr's last day), their stay closes on their last day
  (:func:`close_stay_of_leaver`, registered as hr's last-day hook).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics.models import DormAssignment, DormBed, Dormitory
from app.extensions import db
from app.models import Employee, Store
from app.models.people import GENDERS
from app.validation import InputError

register_audit_actions({
    "dorm.create": _l("新建宿舍"),
    "dorm.update": _l("修改宿舍"),
    "dorm.bed_create": _l("新增床位"),
    "dorm.bed_archive": _l("停用床位"),
    "dorm.move_in": _l("入住宿舍"),
    "dorm.move_out": _l("退宿"),
    "dorm.move": _l("调换床位"),
})

LIVING_STATUSES = ("onboarding", "probation", "active", "offboarding")
MAX_RENT = Decimal("1000000")


class DormError(InputError):
    """Bad input for the dormitory; ``fields`` names each field."""


# --------------------------------------------------------------------------- dormitories


def _rent(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        rent = Decimal(str(value).replace(",", "").strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DormError({"monthly_rent": _("请填写金额，如 2800.00")}) from None
    if rent < 0 or rent >= MAX_RENT:
        raise DormError({"monthly_rent": _("月租须在 0 到 1,000,000 之间")})
    return rent


def save_dormitory(dorm: Dormitory | None, *, name: str, address: str = "",
                   store_id: int | None = None, gender: str | None = None,
                   monthly_rent=None, is_active: bool = True, actor=None) -> Dormitory:
    """Create (``dorm`` None) or update a dormitory."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 64:
        errors["name"] = _("请填写宿舍名称（最多 64 个字）")
    address = (address or "").strip()
    if len(address) > 255:
        errors["address"] = _("最多 255 个字")
    gender = gender or None
    if gender is not None and gender not in GENDERS:
        errors["gender"] = _("请选择男、女或不限")
    if store_id is not None and db.session.get(Store, store_id) is None:
        errors["store_id"] = _("没有这个门店")
    try:
        rent = _rent(monthly_rent)
    except DormError as exc:
        errors.update(exc.fields)
    if dorm is not None and not is_active and dorm.is_active and occupancy_of(dorm.id).occupied:
        errors["is_active"] = _("还有人住在这个宿舍，先办理退宿")
    if errors:
        raise DormError(errors)
    created = dorm is None
    if created:
        dorm = Dormitory()
        db.session.add(dorm)
    dorm.name, dorm.address, dorm.store_id = name, address, store_id
    dorm.gender, dorm.monthly_rent, dorm.is_active = gender, rent, is_active
    db.session.flush()
    record_audit("dorm.create" if created else "dorm.update", "dormitory", dorm.id,
                 after={"name": name, "store_id": store_id, "gender": gender,
                        "monthly_rent": None if rent is None else str(rent),
                        "is_active": is_active})
    return dorm


def add_bed(dorm: Dormitory, *, room_no: str, bed_no: str, actor=None) -> DormBed:
    room_no, bed_no = (room_no or "").strip(), (bed_no or "").strip()
    errors: dict[str, str] = {}
    if not room_no or len(room_no) > 16:
        errors["room_no"] = _("请填写房号（最多 16 个字）")
    if not bed_no or len(bed_no) > 16:
        errors["bed_no"] = _("请填写床号（最多 16 个字）")
    if not dorm.is_active:
        errors["dormitory_id"] = _("宿舍已停用")
    if not errors and db.session.scalar(select(DormBed.id).where(
            DormBed.dormitory_id == dorm.id, DormBed.room_no == room_no,
            DormBed.bed_no == bed_no)) is not None:
        errors["bed_no"] = _("%(room)s 房已有 %(bed)s 号床", room=room_no, bed=bed_no)
    if errors:
        raise DormError(errors)
    bed = DormBed(dormitory_id=dorm.id, room_no=room_no, bed_no=bed_no)
    db.session.add(bed)
    db.session.flush()
    record_audit("dorm.bed_create", "dormitory", dorm.id,
                 after={"bed_id": bed.id, "room_no": room_no, "bed_no": bed_no})
    return bed


def archive_bed(bed: DormBed, actor=None) -> DormBed:
    if open_stay_of_bed(bed.id) is not None:
        raise DormError({"bed_id": _("床位上还有人，先办理退宿")})
    bed.is_active = False
    db.session.flush()
    record_audit("dorm.bed_archive", "dormitory", bed.dormitory_id, after={"bed_id": bed.id})
    return bed


# --------------------------------------------------------------------------- stays


def open_stay_of_bed(bed_id: int, lock: bool = False) -> DormAssignment | None:
    query = select(DormAssignment).where(DormAssignment.bed_id == bed_id,
                                         DormAssignment.moved_out_on.is_(None))
    return db.session.scalar(query.with_for_update() if lock else query)


def open_stay_of(employee_id: int, lock: bool = False) -> DormAssignment | None:
    query = select(DormAssignment).where(DormAssignment.employee_id == employee_id,
                                         DormAssignment.moved_out_on.is_(None))
    return db.session.scalar(query.with_for_update() if lock else query)


def _lock(model, object_id: int):
    return db.session.scalar(select(model).where(model.id == object_id).with_for_update()
                             .execution_options(populate_existing=True))


def _check_move_in(employee: Employee, bed: DormBed, day: date | None,
                   moving_from: DormAssignment | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if day is None:
        errors["moved_in_on"] = _("请填写入住日期")
    if employee.status not in LIVING_STATUSES:
        errors["employee_id"] = _("该员工已离职或尚未入职，不能入住")
    dorm = db.session.get(Dormitory, bed.dormitory_id)
    if not bed.is_active or not dorm.is_active:
        errors["bed_id"] = _("床位或宿舍已停用")
    elif dorm.gender and dorm.gender != employee.gender:
        errors["bed_id"] = (_("这是女生宿舍") if dorm.gender == "female"
                            else _("这是男生宿舍"))
    taken = open_stay_of_bed(bed.id, lock=True)
    if taken is not None and taken is not moving_from:
        errors.setdefault("bed_id", _("床位已有人住"))
    own = open_stay_of(employee.id, lock=True)
    if own is not None and own is not moving_from:
        errors.setdefault("employee_id", _("该员工已住在宿舍，请用“调换床位”"))
    if moving_from is not None and day is not None and day < moving_from.moved_in_on:
        errors["moved_in_on"] = _("日期不能早于原床位的入住日期")
    return errors


def move_in(employee: Employee, bed: DormBed, day: date | None, *, note: str = "",
            actor=None) -> DormAssignment:
    """入住: open a stay of ``employee`` in ``bed`` from ``day``."""
    _lock(Employee, employee.id)
    _lock(DormBed, bed.id)
    errors = _check_move_in(employee, bed, day)
    if len(note or "") > 255:
        errors["note"] = _("最多 255 个字")
    if errors:
        raise DormError(errors)
    stay = DormAssignment(bed_id=bed.id, employee_id=employee.id, moved_in_on=day,
                          note=(note or "").strip(), actor_account_id=getattr(actor, "id", None))
    db.session.add(stay)
    db.session.flush()
    record_audit("dorm.move_in", "employee", employee.id,
                 after={"dorm_assignment_id": stay.id, "bed_id": bed.id,
                        "moved_in_on": day.isoformat()})
    return stay


def move_out(stay: DormAssignment, day: date | None, actor=None) -> DormAssignment:
    """退宿: close an open stay on ``day``."""
    if stay.moved_out_on is not None:
        raise DormError({"dorm_assignment_id": _("已经退宿")})
    if day is None:
        raise DormError({"moved_out_on": _("请填写退宿日期")})
    if day < stay.moved_in_on:
        raise DormError({"moved_out_on": _("退宿日期不能早于入住日期")})
    stay.moved_out_on = day
    db.session.flush()
    record_audit("dorm.move_out", "employee", stay.employee_id,
                 after={"dorm_assignment_id": stay.id, "moved_out_on": day.isoformat()})
    return stay


def move_to_bed(stay: DormAssignment, bed: DormBed, day: date | None, actor=None
                ) -> DormAssignment:
    """调换床位: close ``stay`` on ``day`` and open one in ``bed`` the same day."""
    if stay.moved_out_on is not None:
        raise DormError({"dorm_assignment_id": _("已经退宿")})
    if bed.id == stay.bed_id:
        raise DormError({"bed_id": _("已经住在这张床")})
    employee = _lock(Employee, stay.employee_id)
    _lock(DormBed, bed.id)
    errors = _check_move_in(employee, bed, day, moving_from=stay)
    if errors:
        raise DormError(errors)
    old_bed = stay.bed_id
    stay.moved_out_on = day
    db.session.flush()
    new = DormAssignment(bed_id=bed.id, employee_id=employee.id, moved_in_on=day,
                         note=stay.note, actor_account_id=getattr(actor, "id", None))
    db.session.add(new)
    db.session.flush()
    record_audit("dorm.move", "employee", employee.id,
                 after={"from_bed_id": old_bed, "bed_id": bed.id, "on": day.isoformat(),
                        "dorm_assignment_id": new.id})
    return new


def close_stay_of_leaver(employee: Employee, last_day: date) -> None:
    """hr's last-day hook: the person has left, their bed is free from the day after."""
    stay = open_stay_of(employee.id)
    if stay is None:
        return
    stay.moved_out_on = max(last_day, stay.moved_in_on)
    db.session.flush()
    record_audit("dorm.move_out", "employee", employee.id,
                 after={"dorm_assignment_id": stay.id,
                        "moved_out_on": stay.moved_out_on.isoformat(), "reason": "离职"})


# --------------------------------------------------------------------------- reading


@dataclass
class Occupancy:
    beds: int = 0
    occupied: int = 0

    @property
    def free(self) -> int:
        return self.beds - self.occupied

    @property
    def percent(self) -> int:
        return round(100 * self.occupied / self.beds) if self.beds else 0


def occupancy(dorm_ids=None) -> dict[int, Occupancy]:
    """Active beds and open stays per dormitory (two grouped statements)."""
    beds = select(DormBed.dormitory_id, func.count()).where(DormBed.is_active) \
        .group_by(DormBed.dormitory_id)
    taken = (select(DormBed.dormitory_id, func.count())
             .join(DormAssignment, DormAssignment.bed_id == DormBed.id)
             .where(DormAssignment.moved_out_on.is_(None)).group_by(DormBed.dormitory_id))
    if dorm_ids is not None:
        beds = beds.where(DormBed.dormitory_id.in_(dorm_ids))
        taken = taken.where(DormBed.dormitory_id.in_(dorm_ids))
    result: dict[int, Occupancy] = {}
    for dorm_id, n in db.session.execute(beds):
        result.setdefault(dorm_id, Occupancy()).beds = n
    for dorm_id, n in db.session.execute(taken):
        result.setdefault(dorm_id, Occupancy()).occupied = n
    return result


def occupancy_of(dorm_id: int) -> Occupancy:
    return occupancy([dorm_id]).get(dorm_id, Occupancy())


def list_dormitories(include_archived: bool = False) -> list[tuple[Dormitory, Occupancy]]:
    query = select(Dormitory).order_by(Dormitory.is_active.desc(), Dormitory.name)
    if not include_archived:
        query = query.where(Dormitory.is_active)
    dorms = list(db.session.scalars(query))
    counts = occupancy()
    return [(d, counts.get(d.id, Occupancy())) for d in dorms]


@dataclass
class BedRow:
    bed: DormBed
    stay: DormAssignment | None
    person: Employee | None


def bed_grid(dorm: Dormitory) -> list[BedRow]:
    """Every bed of the dormitory with who is in it and since when (one statement)."""
    rows = db.session.execute(
        select(DormBed, DormAssignment, Employee)
        .outerjoin(DormAssignment, (DormAssignment.bed_id == DormBed.id)
                   & DormAssignment.moved_out_on.is_(None))
        .outerjoin(Employee, Employee.id == DormAssignment.employee_id)
        .where(DormBed.dormitory_id == dorm.id)
        .order_by(DormBed.is_active.desc(), DormBed.room_no, DormBed.bed_no))
    return [BedRow(bed, stay, person) for bed, stay, person in rows]


def history(*, bed_id: int | None = None, employee_id: int | None = None, limit: int = 200
            ) -> list[tuple[DormAssignment, DormBed, Dormitory, Employee]]:
    """Stays of a bed or a person, newest first (one statement)."""
    query = (select(DormAssignment, DormBed, Dormitory, Employee)
             .join(DormBed, DormBed.id == DormAssignment.bed_id)
             .join(Dormitory, Dormitory.id == DormBed.dormitory_id)
             .join(Employee, Employee.id == DormAssignment.employee_id)
             .order_by(DormAssignment.moved_in_on.desc(), DormAssignment.id.desc()).limit(limit))
    if bed_id is not None:
        query = query.where(DormAssignment.bed_id == bed_id)
    if employee_id is not None:
        query = query.where(DormAssignment.employee_id == employee_id)
    return [tuple(row) for row in db.session.execute(query)]


def left_still_in_bed() -> list[tuple[DormAssignment, DormBed, Dormitory, Employee]]:
    """People who have left but whose stay is still open (e.g. left before the hook)."""
    query = (select(DormAssignment, DormBed, Dormitory, Employee)
             .join(DormBed, DormBed.id == DormAssignment.bed_id)
             .join(Dormitory, Dormitory.id == DormBed.dormitory_id)
             .join(Employee, Employee.id == DormAssignment.employee_id)
             .where(DormAssignment.moved_out_on.is_(None), Employee.status == "left")
             .order_by(Dormitory.name, DormBed.room_no, DormBed.bed_no))
    return [tuple(row) for row in db.session.execute(query)]


def free_beds(dorm: Dormitory | None = None) -> list[tuple[DormBed, Dormitory]]:
    """Active beds of active dormitories with nobody in them (for the move forms)."""
    taken = select(DormAssignment.bed_id).where(DormAssignment.moved_out_on.is_(None))
    query = (select(DormBed, Dormitory).join(Dormitory, Dormitory.id == DormBed.dormitory_id)
             .where(DormBed.is_active, Dormitory.is_active, DormBed.id.not_in(taken))
             .order_by(Dormitory.name, DormBed.room_no, DormBed.bed_no))
    if dorm is not None:
        query = query.where(Dormitory.id == dorm.id)
    return [tuple(row) for row in db.session.execute(query)]


def people_without_bed() -> list[Employee]:
    """Working people with no open stay (for the move-in form)."""
    housed = select(DormAssignment.employee_id).where(DormAssignment.moved_out_on.is_(None))
    return list(db.session.scalars(
        select(Employee).where(Employee.status.in_(LIVING_STATUSES),
                               Employee.id.not_in(housed)).order_by(Employee.employee_no)))
