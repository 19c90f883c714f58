"""The disinfection and cleaning log (消毒记录) and its gaps.  Plain functions, no
request, no commit.

The rule (documented for the store and the service department):
* A day has two rounds (periods), in the company's local time: 开店前 (before 12:00)
  and 午后 (12:00 to midnight).  A round counts for the period its time falls in.
* Each store says how many rounds a day each item needs (0, 1 or 2); a store that has
  not set it uses DEFAULT_ROUNDS: foot basins, towels and cups every round (2),
  linen/bathrobes and slippers once a day (1).  One round a day means the 开店前 round.
* A gap is a required item with no round in a period whose deadline has passed:
  开店前 is due by 12:00, 午后 by 18:00 (a day that is over is checked whole; today
  only its periods past their deadline).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from app.blueprints.service.models_inspections import (
    DISINFECTION_ITEMS,
    DISINFECTION_METHODS,
    DisinfectionRequirement,
    DisinfectionRound,
)
from app.extensions import db
from app.models import Room, Store, Tenant
from app.models.base import utcnow
from app.tenancy import current_tenant_id
from app.validation import InputError

DEFAULT_ROUNDS = {"basin": 2, "towel": 2, "cup": 2, "linen": 1, "slippers": 1}


@dataclass(frozen=True)
class Period:
    code: str
    starts: time
    due: time  # a required item missing at this hour is a gap


PERIODS = (Period("opening", time(0, 0), time(12, 0)),
           Period("afternoon", time(12, 0), time(18, 0)))


class DisinfectionError(InputError):
    """Bad disinfection input; ``fields`` names each field, nothing saved."""


def zone() -> ZoneInfo:
    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")


def local_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(zone())


def local_today(now: datetime | None = None) -> date:
    return local_now(now).date()


def period_of(moment: datetime) -> str:
    """The period (开店前 / 午后) a local time falls in."""
    if moment.tzinfo is None:  # SQLite reads the stamp back naive (it is UTC)
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone()).time()
    return PERIODS[0].code if local < PERIODS[1].starts else PERIODS[1].code


# -- Requirements ----------------------------------------------------------------------


def requirements(store_ids: list[int]) -> dict[int, dict[str, int]]:
    """store id -> item -> rounds a day (the defaults where a store has not set one)."""
    found = {store_id: dict(DEFAULT_ROUNDS) for store_id in store_ids}
    if store_ids:
        for row in db.session.scalars(select(DisinfectionRequirement)
                                      .where(DisinfectionRequirement.store_id.in_(store_ids))):
            found[row.store_id][row.item] = row.rounds_per_day
    return found


def set_requirements(store: Store, rounds: dict[str, object]) -> dict[str, int]:
    errors, clean = {}, {}
    for item in DISINFECTION_ITEMS:
        value = rounds.get(item, DEFAULT_ROUNDS.get(item, 0))
        try:
            number = int(str(value))
        except ValueError:
            number = -1
        if not 0 <= number <= len(PERIODS):
            errors[item] = _("每天 0 到 %(n)d 轮", n=len(PERIODS))
        clean[item] = number
    if errors:
        raise DisinfectionError(errors)
    existing = {row.item: row for row in db.session.scalars(
        select(DisinfectionRequirement).where(DisinfectionRequirement.store_id == store.id))}
    for item, number in clean.items():
        row = existing.get(item)
        if row is None:
            db.session.add(DisinfectionRequirement(store_id=store.id, item=item,
                                                   rounds_per_day=number))
        else:
            row.rounds_per_day = number
    db.session.flush()
    return clean


def required_periods(rounds_per_day: int) -> tuple[str, ...]:
    """Which periods an item needs: 2 → both, 1 → 开店前, 0 → none."""
    return tuple(p.code for p in PERIODS[:max(0, min(rounds_per_day, len(PERIODS)))])


# -- Recording a round -------------------------------------------------------------------


def record_round(*, store: Store, items: list[str], method: str, room_id: int | None = None,
                 done_at: datetime | None = None, by=None, note: str = "") -> DisinfectionRound:
    errors = {}
    items = [code for code in DISINFECTION_ITEMS if code in set(items or [])]
    unknown = set(items or []) - set(DISINFECTION_ITEMS)
    if not items or unknown:
        errors["items"] = _("请选择消毒的物品")
    if method not in DISINFECTION_METHODS:
        errors["method"] = _("请选择消毒方式")
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.tenant_id != store.tenant_id or room.store_id != store.id:
            errors["room_id"] = _("本店没有这个房间")
    # Stored in UTC: SQLite keeps a stamp's wall time and drops its offset.
    done_at = (done_at or utcnow()).astimezone(UTC)
    if done_at > utcnow() + timedelta(minutes=5):
        errors["done_at"] = _("消毒时间不能晚于现在")
    if len(note or "") > 255:
        errors["note"] = _("不能超过 %(n)d 个字符", n=255)
    if errors:
        raise DisinfectionError(errors)
    entry = DisinfectionRound(
        store_id=store.id, day=local_now(done_at).date(), done_at=done_at,
        items=",".join(items), method=method, room_id=room_id,
        account_id=getattr(by, "id", None),
        done_by_name=(getattr(by, "display_name", "") or getattr(by, "username", "") or "")
        if by is not None else "",
        note=(note or "").strip())
    db.session.add(entry)
    db.session.flush()
    return entry


# -- The log and its gaps -----------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    store_id: int
    day: date
    period: str
    item: str


@dataclass
class DayLog:
    store_id: int
    day: date
    rounds: list[DisinfectionRound] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def day_logs(store_ids: list[int], first: date, last: date,
             now: datetime | None = None) -> dict[tuple[int, date], DayLog]:
    """(store id, day) -> the rounds of that day and its gaps, for every day in
    ``first``..``last`` (two queries whatever the range)."""
    now_local = local_now(now)
    logs: dict[tuple[int, date], DayLog] = {}
    day = first
    while day <= last:
        for store_id in store_ids:
            logs[(store_id, day)] = DayLog(store_id, day)
        day += timedelta(days=1)
    if not store_ids:
        return logs
    done: dict[tuple[int, date], set[tuple[str, str]]] = defaultdict(set)
    for entry in db.session.scalars(
            select(DisinfectionRound)
            .where(DisinfectionRound.store_id.in_(store_ids), DisinfectionRound.day >= first,
                   DisinfectionRound.day <= last)
            .order_by(DisinfectionRound.done_at, DisinfectionRound.id)):
        log = logs.get((entry.store_id, entry.day))
        if log is None:
            continue
        log.rounds.append(entry)
        period = period_of(entry.done_at)
        for item in entry.item_codes:
            done[(entry.store_id, entry.day)].add((period, item))
    needs = requirements(store_ids)
    for (store_id, day), log in logs.items():
        for period in PERIODS:
            if not _past_due(day, period, now_local):
                continue
            for item in DISINFECTION_ITEMS:
                if period.code in required_periods(needs[store_id].get(item, 0)) and \
                        (period.code, item) not in done[(store_id, day)]:
                    log.gaps.append(Gap(store_id, day, period.code, item))
    return logs


def _past_due(day: date, period: Period, now_local: datetime) -> bool:
    deadline = datetime.combine(day, period.due, tzinfo=now_local.tzinfo)
    return deadline <= now_local


def gaps(store_ids: list[int], first: date, last: date,
         now: datetime | None = None) -> list[Gap]:
    found = []
    for log in day_logs(store_ids, first, last, now).values():
        found.extend(log.gaps)
    return sorted(found, key=lambda g: (g.day, g.store_id, g.period, g.item), reverse=False)
