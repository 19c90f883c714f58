"""The asset register (资产登记): register and edit an asset, change its status, write
it off (报废), list and total it.  Plain functions: add and flush, never commit.

Book values and schedules come from depreciation.py.  Rules chosen where the spec is
silent:

* The tag code is unique in the company; left blank, the next free code of the
  store is given (``<store code>-0001``, ``-0002``…).  Codes are kept upper-case so
  that a tag typed on the counting page finds its asset whatever the case.
* Once a month of an asset's depreciation has been posted, its cost, residual,
  useful life and purchase date are fixed: the posted entries were computed from them.
* A written-off asset is never edited, never changes status again and is never
  deleted; writing off needs a reason.  The monthly count's approval writes off
  through :func:`write_off` with its count line.
* "Book value now" is the value at the end of last month: the monthly job posts a
  month's depreciation after the month ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.audit import record_audit, register_audit_actions
from app.audit_display import register_audit_fields, register_audit_values
from app.blueprints.logistics import depreciation
from app.blueprints.logistics.labels import ASSET_CATEGORY_LABELS, ASSET_STATUS_LABELS
from app.blueprints.logistics.models import (
    ASSET_CATEGORIES,
    ASSET_IN_USE,
    ASSET_STATUSES,
    ASSET_WRITTEN_OFF,
    Asset,
    DepreciationEntry,
)
from app.blueprints.store.catalogue import parse_money
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee, Room, Store
from app.permissions import can_see_store
from app.validation import InputError

register_audit_actions({
    "asset.register": _l("登记资产"),
    "asset.update": _l("修改资产"),
    "asset.status": _l("变更资产状态"),
})  # "asset.write_off" (资产报损) is declared in app/audit.py
register_audit_fields({"tag_code": _l("资产编号"), "useful_life_months": _l("使用年限（月）"),
                       "residual_value": _l("残值"), "purchase_date": _l("购置日期"),
                       "custodian_employee_id": _l("保管人"), "written_off_on": _l("报废日期")})
register_audit_values("status", ASSET_STATUS_LABELS, "asset")
register_audit_values("category", ASSET_CATEGORY_LABELS, "asset")

OBJECT_TYPE = "asset"
FIELDS = ("tag_code", "name", "category", "store_id", "room_id", "location", "purchase_date",
          "cost", "residual_value", "useful_life_months", "custodian_employee_id", "note")
# Fixed once a month has been posted (the entries were computed from them).
FIGURES = ("purchase_date", "cost", "residual_value", "useful_life_months")
# Statuses set by hand; written off only through write_off().
SETTABLE_STATUSES = tuple(s for s in ASSET_STATUSES if s != ASSET_WRITTEN_OFF)
MAX_LIFE_MONTHS = 600
TAG_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,31}$")
TEXT_LIMITS = {"name": 64, "location": 64, "note": 2000}


class AssetError(InputError):
    """Bad asset input or a refused step; ``fields`` maps each field to its message."""


def category_label(code: str) -> str:
    return str(ASSET_CATEGORY_LABELS.get(code, code))


def status_label(code: str) -> str:
    return str(ASSET_STATUS_LABELS.get(code, code))


# -- tag codes ---------------------------------------------------------------------------

def suggest_tag_code(store: Store) -> str:
    """The store's next free tag code: ``<store code>-NNNN`` after its highest number."""
    prefix = f"{store.code.upper()}-"
    taken = db.session.scalars(select(Asset.tag_code).where(
        Asset.tag_code.like(f"{prefix}%"))).all()
    numbers = [int(tag[len(prefix):]) for tag in taken if tag[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _tag_taken(tag: str, asset_id: int | None) -> bool:
    query = select(Asset.id).where(Asset.tag_code == tag)
    if asset_id is not None:
        query = query.where(Asset.id != asset_id)
    return db.session.scalar(query.limit(1)) is not None


# -- cleaning ------------------------------------------------------------------------------

def _int_or_none(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError
    return int(str(value).strip())


def _date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _clean(values: dict, actor, asset: Asset | None, today: date) -> dict:
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name, limit in TEXT_LIMITS.items():
        value = values.get(name)
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[name] = _("格式不正确")
            continue
        value = value.strip()
        if name == "name" and not value:
            errors[name] = _("必填")
        elif len(value) > limit:
            errors[name] = _("不能超过 %(n)d 个字符", n=limit)
        else:
            cleaned[name] = value

    if values.get("category") not in ASSET_CATEGORIES:
        errors["category"] = _("请选择类别")
    else:
        cleaned["category"] = values["category"]

    store = None
    try:
        store_id = _int_or_none(values.get("store_id"))
    except (TypeError, ValueError):
        store_id = None
    if store_id is not None:
        store = db.session.get(Store, store_id)
    if store is None or not can_see_store(actor, store.id):
        errors["store_id"] = _("请选择门店")
    else:
        cleaned["store_id"] = store.id

    try:
        room_id = _int_or_none(values.get("room_id"))
    except (TypeError, ValueError):
        errors["room_id"] = _("请选择房间")
    else:
        cleaned["room_id"] = room_id
        if room_id is not None:
            room = db.session.get(Room, room_id)
            if room is None or (store is not None and room.store_id != store.id):
                errors["room_id"] = _("请选择该门店的房间")

    try:
        custodian_id = _int_or_none(values.get("custodian_employee_id"))
    except (TypeError, ValueError):
        errors["custodian_employee_id"] = _("请选择保管人")
    else:
        cleaned["custodian_employee_id"] = custodian_id
        if custodian_id is not None and db.session.get(Employee, custodian_id) is None:
            errors["custodian_employee_id"] = _("请选择本公司的员工")

    try:
        purchased = _date(values.get("purchase_date"))
    except (TypeError, ValueError):
        errors["purchase_date"] = _("请填写购置日期")
    else:
        if not in_date_range(purchased):
            errors["purchase_date"] = _("日期超出范围")
        elif purchased > today:
            errors["purchase_date"] = _("购置日期不能晚于今天")
        else:
            cleaned["purchase_date"] = purchased

    try:
        cleaned["cost"] = parse_money(values.get("cost"), "cost", error=AssetError)
    except AssetError as exc:
        errors.update(exc.fields)
    residual = values.get("residual_value")
    if residual is None or (isinstance(residual, str) and not residual.strip()):
        residual = "0"
    try:
        cleaned["residual_value"] = parse_money(residual, "residual_value", error=AssetError)
    except AssetError as exc:
        errors.update(exc.fields)
    else:
        if "cost" in cleaned and cleaned["residual_value"] > cleaned["cost"]:
            errors["residual_value"] = _("残值不能高于原值")

    try:
        life = _int_or_none(values.get("useful_life_months"))
    except (TypeError, ValueError):
        errors["useful_life_months"] = _("请填写整数")
    else:
        if life is None:
            errors["useful_life_months"] = _("必填")
        elif not 1 <= life <= MAX_LIFE_MONTHS:
            errors["useful_life_months"] = _("应在 %(low)d 到 %(high)d 之间", low=1,
                                             high=MAX_LIFE_MONTHS)
        else:
            cleaned["useful_life_months"] = life

    tag = values.get("tag_code")
    tag = "" if tag is None else tag
    if not isinstance(tag, str):
        errors["tag_code"] = _("格式不正确")
    else:
        tag = tag.strip().upper()
        if not tag and store is not None:
            tag = suggest_tag_code(store)
        if not tag:
            errors.setdefault("tag_code", _("必填"))
        elif not TAG_PATTERN.match(tag):
            errors["tag_code"] = _("只能用字母、数字、- 和 _，最多 32 位")
        elif _tag_taken(tag, asset.id if asset is not None else None):
            errors["tag_code"] = _("编号 %(tag)s 已被其他资产使用", tag=tag)
        else:
            cleaned["tag_code"] = tag

    if asset is not None and has_posted_depreciation(asset):
        for name in FIGURES:
            if name in cleaned and cleaned[name] != getattr(asset, name):
                errors[name] = _("已计提折旧，不能再改")
    if errors:
        raise AssetError(errors)
    return cleaned


def _snapshot(asset: Asset) -> dict:
    return {name: (str(value) if isinstance(value, Decimal | date) else value)
            for name in (*FIELDS, "status", "written_off_on")
            for value in (getattr(asset, name),)}


# -- verbs ---------------------------------------------------------------------------------

def register_asset(values: dict, actor, today: date) -> Asset:
    """登记资产 (status 在用)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise AssetError({name: _("不能填写此字段") for name in sorted(unknown)})
    asset = Asset(**_clean(values, actor, None, today), status=ASSET_IN_USE,
                  created_by_account_id=getattr(actor, "id", None))
    db.session.add(asset)
    db.session.flush()
    record_audit("asset.register", OBJECT_TYPE, asset.id, after=_snapshot(asset), actor=actor)
    return asset


def update_asset(asset: Asset, changes: dict, actor, today: date) -> Asset:
    """修改资产: ``changes`` names only what changes (the rest is kept)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise AssetError({name: _("不能修改此字段") for name in sorted(unknown)})
    if asset.status == ASSET_WRITTEN_OFF:
        raise AssetError.on("status", _("已报废的资产不能修改"))
    merged = {name: getattr(asset, name) for name in FIELDS} | changes
    cleaned = _clean(merged, actor, asset, today)
    before = _snapshot(asset)
    for name, value in cleaned.items():
        setattr(asset, name, value)
    db.session.flush()
    after = _snapshot(asset)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record_audit("asset.update", OBJECT_TYPE, asset.id,
                     before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed}, actor=actor)
    return asset


def set_status(asset: Asset, status: str, actor, note: str = "") -> Asset:
    """在用 / 损坏 / 维修中; 报废 goes through :func:`write_off`."""
    if status == ASSET_WRITTEN_OFF:
        raise AssetError.on("status", _("报废请使用“报废”操作并填写原因"))
    if status not in SETTABLE_STATUSES:
        raise AssetError.on("status", _("请选择状态"))
    if asset.status == ASSET_WRITTEN_OFF:
        raise AssetError.on("status", _("已报废的资产不能再变更状态"))
    note = (note or "").strip()
    if len(note) > 500:
        raise AssetError.on("note", _("不能超过 %(n)d 个字符", n=500))
    if status == asset.status:
        return asset
    before = asset.status
    asset.status = status
    db.session.flush()
    record_audit("asset.status", OBJECT_TYPE, asset.id, before={"status": before},
                 after={"status": status, "note": note}, actor=actor)
    return asset


def write_off(asset: Asset, actor, reason: str, on: date,
              count_line_id: int | None = None) -> Asset:
    """报废: kept with status 已报废 and the day; depreciates no more after that month."""
    reason = (reason or "").strip()
    if not reason:
        raise AssetError.on("reason", _("请填写报废原因"))
    if len(reason) > 500:
        raise AssetError.on("reason", _("不能超过 %(n)d 个字符", n=500))
    if asset.status == ASSET_WRITTEN_OFF:
        raise AssetError.on("status", _("这件资产已经报废"))
    if on < asset.purchase_date:
        raise AssetError.on("written_off_on", _("报废日期不能早于购置日期"))
    before = {"status": asset.status}
    asset.status = ASSET_WRITTEN_OFF
    asset.written_off_on = on
    if count_line_id is not None:
        asset.count_line_id = count_line_id
    db.session.flush()
    record_audit("asset.write_off", OBJECT_TYPE, asset.id, before=before,
                 after={"status": ASSET_WRITTEN_OFF, "written_off_on": on.isoformat(),
                        "reason": reason, "count_line_id": count_line_id,
                        "book_value": str(current_book_value(asset, on))}, actor=actor)
    return asset


# -- reading -------------------------------------------------------------------------------

def has_posted_depreciation(asset: Asset) -> bool:
    return db.session.scalar(select(DepreciationEntry.id).where(
        DepreciationEntry.asset_id == asset.id).limit(1)) is not None


def current_book_value(asset, today: date) -> Decimal:
    """Book value at the end of last month (the last month the job may have posted)."""
    return depreciation.asset_book_value(asset, depreciation.add_months(today, -1))


@dataclass
class ScheduleLine:
    period: date
    amount: Decimal
    book_value: Decimal
    posted: Decimal | None  # the amount posted for the month, if any
    stopped: bool  # after the write-off month: not depreciated


def schedule_of(asset: Asset) -> list[ScheduleLine]:
    """The asset's schedule, each month marked with what was posted for it."""
    posted = dict(db.session.execute(select(DepreciationEntry.period, DepreciationEntry.amount)
                                     .where(DepreciationEntry.asset_id == asset.id)).all())
    cutoff = depreciation.month_start(asset.written_off_on) if asset.written_off_on else None
    return [ScheduleLine(row.period, row.amount, row.book_value, posted.get(row.period),
                         cutoff is not None and row.period > cutoff)
            for row in depreciation.schedule(asset.cost, asset.residual_value,
                                             asset.useful_life_months, asset.purchase_date)]


def asset_query(scope: set[int] | None, *, store_id: int | None = None,
                category: str | None = None, status: str | None = None,
                room_id: int | None = None, text: str | None = None):
    """The register, filtered; newest store code and tag order."""
    query = select(Asset)
    if scope is not None:
        query = query.where(Asset.store_id.in_(sorted(scope) or [-1]))
    if store_id is not None:
        query = query.where(Asset.store_id == store_id)
    if category in ASSET_CATEGORIES:
        query = query.where(Asset.category == category)
    if status in ASSET_STATUSES:
        query = query.where(Asset.status == status)
    if room_id is not None:
        query = query.where(Asset.room_id == room_id)
    text = (text or "").strip()
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Asset.tag_code.ilike(pattern), Asset.name.ilike(pattern),
                                Asset.location.ilike(pattern), Asset.note.ilike(pattern)))
    return query.order_by(Asset.store_id, Asset.tag_code)


@dataclass
class Totals:
    count: int = 0
    cost: Decimal = Decimal("0.00")
    book_value: Decimal = Decimal("0.00")
    by_status: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, cost: Decimal, book: Decimal) -> None:
        self.count += 1
        self.cost += cost
        self.book_value += book
        self.by_status[status] = self.by_status.get(status, 0) + 1


@dataclass
class RegisterTotals:
    """Assets not written off: per store, per (store, category), and the whole."""
    stores: dict[int, Totals] = field(default_factory=dict)
    categories: dict[tuple[int, str], Totals] = field(default_factory=dict)
    all: Totals = field(default_factory=Totals)


def register_totals(scope: set[int] | None, today: date, query=None) -> RegisterTotals:
    """Count, cost and book value in one statement (book values are computed here:
    they are a pure function of each row's figures)."""
    base = query if query is not None else asset_query(scope)
    figures = base.order_by(None).with_only_columns(
        Asset.store_id, Asset.category, Asset.status, Asset.cost, Asset.residual_value,
        Asset.useful_life_months, Asset.purchase_date, Asset.written_off_on
    ).where(Asset.status != ASSET_WRITTEN_OFF)
    totals = RegisterTotals()
    for row in db.session.execute(figures):
        book = current_book_value(row, today)
        totals.stores.setdefault(row.store_id, Totals()).add(row.status, row.cost, book)
        totals.categories.setdefault((row.store_id, row.category), Totals()).add(
            row.status, row.cost, book)
        totals.all.add(row.status, row.cost, book)
    return totals
