"""班次: a store's shift templates (早班 10:00–18:00, 晚班 16:00–24:00, 通宵 …).

Rules:
* A shift whose end is not after its start crosses midnight and belongs to the day it
  starts: 晚班 16:00–00:00 ends at midnight of the next day, 通宵 22:00–06:00 ends at 6 the
  next morning.  Start and end may not be equal.
* Schedule entries copy the shift's times when they are made, so editing a template
  changes only cells set (or copied) afterwards.
* A template in use is never deleted, only deactivated (it then no longer appears for
  new cells; old cells keep it); an unused one may be deleted.  Names are unique per store.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.hr.models.time import ScheduleEntry, ShiftTemplate
from app.blueprints.hr.time import TimeError, at_local
from app.extensions import db


def shift_window(starts_at: time, ends_at: time, work_date: date, zone: ZoneInfo
                 ) -> tuple[datetime, datetime]:
    """Aware start and end of a shift worked on ``work_date`` (the day it starts)."""
    start = at_local(work_date, starts_at, zone)
    end_day = work_date + timedelta(days=1) if ends_at <= starts_at else work_date
    return start, at_local(end_day, ends_at, zone)


def store_shifts(store_id: int, *, active_only: bool = False) -> list[ShiftTemplate]:
    query = select(ShiftTemplate).where(ShiftTemplate.store_id == store_id)
    if active_only:
        query = query.where(ShiftTemplate.is_active.is_(True))
    return list(db.session.scalars(query.order_by(ShiftTemplate.starts_at, ShiftTemplate.id)))


def _clean(store_id: int, name: str, starts_at, ends_at, shift_id: int | None = None) -> str:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写班次名称")
    elif len(name) > 32:
        errors["name"] = _("班次名称最多 32 个字")
    if not isinstance(starts_at, time):
        errors["starts_at"] = _("请填写上班时间")
    if not isinstance(ends_at, time):
        errors["ends_at"] = _("请填写下班时间")
    elif isinstance(starts_at, time) and starts_at == ends_at:
        errors["ends_at"] = _("下班时间不能与上班时间相同")
    if "name" not in errors:
        clash = db.session.scalar(select(ShiftTemplate.id).where(
            ShiftTemplate.store_id == store_id, ShiftTemplate.name == name,
            ShiftTemplate.id != (shift_id or -1)))
        if clash is not None:
            errors["name"] = _("本店已有同名班次")
    if errors:
        raise TimeError(errors)
    return name


def create_shift(store_id: int, name: str, starts_at: time, ends_at: time) -> ShiftTemplate:
    """A new shift template of the store (times are local, minutes only)."""
    name = _clean(store_id, name, starts_at, ends_at)
    shift = ShiftTemplate(store_id=store_id, name=name, starts_at=starts_at.replace(second=0),
                          ends_at=ends_at.replace(second=0), is_active=True)
    db.session.add(shift)
    db.session.flush()
    return shift


def update_shift(shift: ShiftTemplate, name: str, starts_at: time, ends_at: time
                 ) -> ShiftTemplate:
    """Rename or re-time a template; cells already set keep their copied times."""
    shift.name = _clean(shift.store_id, name, starts_at, ends_at, shift.id)
    shift.starts_at = starts_at.replace(second=0)
    shift.ends_at = ends_at.replace(second=0)
    db.session.flush()
    return shift


def set_shift_active(shift: ShiftTemplate, active: bool) -> ShiftTemplate:
    shift.is_active = bool(active)
    db.session.flush()
    return shift


def shift_in_use(shift: ShiftTemplate) -> bool:
    return db.session.scalar(select(ScheduleEntry.id).where(
        ScheduleEntry.shift_template_id == shift.id).limit(1)) is not None


def delete_shift(shift: ShiftTemplate) -> None:
    """Delete a template no schedule ever used; a used one can only be deactivated."""
    if shift_in_use(shift):
        raise TimeError.on("shift", _("该班次已用于排班，不能删除，请停用"))
    db.session.delete(shift)
    db.session.flush()
