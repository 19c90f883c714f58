"""The chain's store register (门店): open, edit, close, list, and its API schemas.

The organisation's, like ``app/models/org.py``: the general manager opens and
edits stores (``gm``), every department lists them.  Plain functions, no commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import case, func, select

from app.audit import record_audit
from app.extensions import db
from app.models.org import STORE_STATUSES, Room, Store
from app.models.people import ON_STAFF_STATUSES, Employee
from app.validation import InputError

STORE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# Fields a caller may set; ``tenant_id`` and ``id`` are never taken from input.
STORE_FIELDS = ("code", "name", "city", "address", "phone", "opens_at", "closes_at", "status")
_LIMITS = {"code": 32, "name": 120, "city": 64, "address": 255, "phone": 32}


class StoreError(InputError):
    """Bad store input; ``fields`` maps each field to its (Chinese) message."""


@dataclass(frozen=True)
class StoreSummary:
    """One line of the chain overview: a store and what it holds."""

    store: Store
    room_count: int
    beds: int
    rooms_out_of_order: int
    headcount: int


def create_store(*, code: str, name: str, city: str, address: str = "", phone: str = "",
                 opens_at: time = time(11, 0), closes_at: time = time(2, 0),
                 status: str = "open") -> Store:
    """Open a store (开店) of the current tenant; the store code is unique per company."""
    values = _clean({"code": code, "name": name, "city": city, "address": address,
                     "phone": phone, "opens_at": opens_at, "closes_at": closes_at,
                     "status": status})
    _check(values, store=None)
    store = Store(**values)
    db.session.add(store)
    db.session.flush()
    record_audit("store.create", "store", store.id, after=_snapshot(store))
    return store


def update_store(store: Store, **changes) -> Store:
    """Change a store's details; closing a store is ``status="closed"`` (nothing is deleted)."""
    unknown = set(changes) - set(STORE_FIELDS)
    if unknown:
        raise StoreError({name: _("不能修改此字段") for name in sorted(unknown)})
    values = _clean(changes)
    merged = {name: getattr(store, name) for name in STORE_FIELDS} | values
    _check(merged, store=store)
    before = _snapshot(store)
    for name, value in values.items():
        setattr(store, name, value)
    after = _snapshot(store)
    if after != before:
        db.session.flush()
        changed = [k for k in after if after[k] != before[k]]
        record_audit("store.update", "store", store.id,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return store


def list_stores_with_headcount(store_ids: set[int] | None = None) -> list[StoreSummary]:
    """Every store (or those in ``store_ids``) with rooms, beds and on-staff headcount.

    One statement whatever the number of stores: rooms and employees are
    counted in grouped subqueries joined to the stores (no query per store).
    """
    rooms = (
        select(
            Room.store_id.label("store_id"),
            func.count(Room.id).label("room_count"),
            func.coalesce(func.sum(Room.beds), 0).label("beds"),
            func.coalesce(func.sum(case((Room.status == "out_of_order", 1), else_=0)), 0)
            .label("out_of_order"),
        )
        .group_by(Room.store_id)
        .subquery()
    )
    staff = (
        select(Employee.store_id.label("store_id"), func.count(Employee.id).label("headcount"))
        .where(Employee.status.in_(ON_STAFF_STATUSES), Employee.store_id.is_not(None))
        .group_by(Employee.store_id)
        .subquery()
    )
    stmt = (
        select(
            Store,
            func.coalesce(rooms.c.room_count, 0),
            func.coalesce(rooms.c.beds, 0),
            func.coalesce(rooms.c.out_of_order, 0),
            func.coalesce(staff.c.headcount, 0),
        )
        .outerjoin(rooms, rooms.c.store_id == Store.id)
        .outerjoin(staff, staff.c.store_id == Store.id)
        .order_by(Store.city, Store.code)
    )
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(store_ids))
    return [
        StoreSummary(store, int(room_count), int(beds), int(out_of_order), int(headcount))
        for store, room_count, beds, out_of_order, headcount in db.session.execute(stmt)
    ]


def list_stores(store_ids: set[int] | None = None):
    """A ``select`` of the stores (all, or those in ``store_ids``), by city and code."""
    stmt = select(Store).order_by(Store.city, Store.code)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(store_ids))
    return stmt


def _clean(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if value is None and name in ("address", "phone"):
            value = ""
        cleaned[name] = value
    return cleaned


def _check(values: dict, store: Store | None) -> None:
    errors: dict[str, str] = {}
    for name in ("code", "name", "city"):
        if not values.get(name):
            errors[name] = _("必填")
    for name, limit in _LIMITS.items():
        value = values.get(name)
        if name not in errors and value is not None and len(value) > limit:
            errors[name] = _("不能超过 %(n)d 个字符", n=limit)
    code = values.get("code")
    if "code" not in errors and not STORE_CODE_RE.match(code):
        errors["code"] = _("只能使用字母、数字、- 和 _")
    for name in ("opens_at", "closes_at"):
        if not isinstance(values.get(name), time):
            errors[name] = _("请填写时间，如 11:00")
    if values.get("status") not in STORE_STATUSES:
        errors["status"] = _("无效的状态")
    if "code" not in errors and _code_taken(code, store):
        errors["code"] = _("门店编号 %(code)s 已被本企业其他门店使用", code=code)
    if errors:
        raise StoreError(errors)


def _code_taken(code: str, store: Store | None) -> bool:
    # Case-insensitive, so "s01" and "S01" cannot both exist; scoped to the
    # current tenant by app.tenancy like every ORM statement.
    stmt = select(Store.id).where(func.lower(Store.code) == code.lower())
    if store is not None and store.id is not None:
        stmt = stmt.where(Store.id != store.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _snapshot(store: Store) -> dict:
    return {
        "code": store.code, "name": store.name, "city": store.city,
        "address": store.address or "", "phone": store.phone or "",
        "opens_at": f"{store.opens_at:%H:%M}" if store.opens_at else None,
        "closes_at": f"{store.closes_at:%H:%M}" if store.closes_at else None,
        "status": store.status,
    }


# API schemas (times as "HH:MM").
class StoreSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, metadata={"description": "门店编号, unique per company"})
    name = fields.String(required=True)
    city = fields.String(required=True)
    address = fields.String()
    phone = fields.String()
    opens_at = fields.Time(format="%H:%M", metadata={"example": "11:00"})
    closes_at = fields.Time(format="%H:%M", metadata={"example": "02:00",
                                                      "description": "may be past midnight"})
    status = fields.String(validate=validate.OneOf(STORE_STATUSES))
    opening_hours = fields.String(dump_only=True)


class StorePatchSchema(StoreSchema):
    """Every field optional: only what is sent changes."""

    code = fields.String()
    name = fields.String()
    city = fields.String()
