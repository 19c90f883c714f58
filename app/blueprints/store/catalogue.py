"""The catalogue (head office): service items, products, membership levels, store
price overrides and therapist qualifications.  Plain functions: add and flush,
never commit.

Rules chosen where the specs are silent:
* Nothing is deleted: an item or product is deactivated (``is_active``) and
  disappears from new orders; lines already sold keep their name and price.
* A membership level has no "inactive" state: set its discount to 1.000.
* A store price override is removed by clearing it (the head-office price then
  applies); the price of every sold line is kept on the line itself.
* Money: a non-negative amount with at most 2 decimals, below 1 000 000.
* A therapist's qualification for an item with an exam pass mark comes only from
  a passed 技术考核 (the technical department writes it); the grid and the API may
  remove it but not tick it.  Other items are ticked by hand, with the day and who.
* Every change of a price, commission or discount is written to the audit log
  (``catalogue.update``) — a price is what the cashier charges and what payroll
  pays commissions on.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.audit import record_audit
from app.blueprints.store.models import (
    MembershipLevel,
    Product,
    ServiceItem,
    StoreServicePrice,
    TherapistQualification,
)
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.extensions import db
from app.models import Employee, Position, Store, Tenant
from app.models.base import utcnow
from app.models.people import ON_STAFF_STATUSES
from app.tenancy import current_tenant_id
from app.validation import InputError

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999.99")


class CatalogueError(InputError):
    """Bad catalogue input; ``fields`` maps each field to its message."""


def parse_money(value, field: str, *, positive: bool = False, error=InputError) -> Decimal:
    """A money amount from a form, JSON or Python value: Decimal with 2 places.

    Refuses floats' surprises by going through ``str``; refuses more than 2
    decimals rather than rounding what the user typed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise error.on(field, _("请填写金额"))
    if isinstance(value, bool):
        raise error.on(field, _("金额格式不正确"))
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except InvalidOperation:
        raise error.on(field, _("金额格式不正确")) from None
    if not amount.is_finite():
        raise error.on(field, _("金额格式不正确"))
    if amount < 0 or (positive and amount == 0):
        raise error.on(field, _("金额必须大于 0") if positive else _("金额不能为负数"))
    # Before quantize: 1e309 is a finite Decimal that quantize cannot hold.
    if amount > MAX_MONEY:
        raise error.on(field, _("金额过大"))
    if amount != amount.quantize(CENT):
        raise error.on(field, _("金额最多两位小数"))
    return amount.quantize(CENT, ROUND_HALF_UP)


def _text(values: dict, errors: dict, field: str, limit: int, required: bool = True) -> None:
    if field not in values:
        return
    value = (values[field] or "").strip() if isinstance(values[field], str | type(None)) else None
    if value is None:
        errors[field] = _("格式不正确")
    elif required and not value:
        errors[field] = _("必填")
    elif len(value) > limit:
        errors[field] = _("不能超过 %(n)d 个字符", n=limit)
    else:
        values[field] = value


def _int(values: dict, errors: dict, field: str, low: int, high: int) -> None:
    if field not in values:
        return
    value = values[field]
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = _("请填写整数")
        return
    if not low <= number <= high:
        errors[field] = _("应在 %(low)d 到 %(high)d 之间", low=low, high=high)
    else:
        values[field] = number


def _money(values: dict, errors: dict, field: str) -> None:
    if field not in values:
        return
    try:
        values[field] = parse_money(values[field], field)
    except InputError as exc:
        errors[field] = exc.message


def _bool(values: dict, field: str) -> None:
    if field in values:
        value = values[field]
        values[field] = value if isinstance(value, bool) else str(value).lower() in (
            "1", "true", "on", "yes", "y")


def _apply(obj, values: dict, action_type: str) -> None:
    """Set the changed attributes and audit price-relevant changes."""
    before = {k: _plain(getattr(obj, k)) for k in values}
    for name, value in values.items():
        setattr(obj, name, value)
    after = {k: _plain(getattr(obj, k)) for k in values}
    changed = [k for k in values if before[k] != after[k]]
    if changed and obj.id is not None:
        db.session.flush()
        record_audit("catalogue.update", action_type, obj.id,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _code_taken(model, code: str, obj) -> bool:
    stmt = select(model.id).where(model.code == code)
    if obj is not None and obj.id is not None:
        stmt = stmt.where(model.id != obj.id)
    return db.session.scalar(stmt.limit(1)) is not None


# --- service items ----------------------------------------------------------------------

SERVICE_ITEM_FIELDS = ("code", "name", "category", "duration_minutes", "price",
                       "commission_rotation", "commission_requested", "is_active")


def _clean_service_item(values: dict, item: ServiceItem | None) -> dict:
    unknown = set(values) - set(SERVICE_ITEM_FIELDS)
    if unknown:
        raise CatalogueError({name: _("不能修改此字段") for name in sorted(unknown)})
    values, errors = dict(values), {}
    _text(values, errors, "code", 32)
    _text(values, errors, "name", 64)
    if "category" in values and values["category"] not in SERVICE_CATEGORIES:
        errors["category"] = _("无效的类别")
    _int(values, errors, "duration_minutes", 5, 600)
    for field in ("price", "commission_rotation", "commission_requested"):
        _money(values, errors, field)
    _bool(values, "is_active")
    if item is not None and item.is_draft and values.get("is_active"):
        # A 新项目 draft goes on sale only through release_draft_item (发布).
        errors["is_active"] = _("新项目草稿须先定价，再点“发布”上架")
    price = values.get("price", item.price if item else None)
    for field in ("commission_rotation", "commission_requested"):
        commission = values.get(field, getattr(item, field, None) if item else None)
        if (field not in errors and "price" not in errors and isinstance(commission, Decimal)
                and isinstance(price, Decimal) and commission > price):
            errors[field] = _("提成不能高于售价")
    if "code" in values and "code" not in errors and _code_taken(ServiceItem, values["code"], item):
        errors["code"] = _("编号 %(code)s 已被使用", code=values["code"])
    if errors:
        raise CatalogueError(errors)
    return values


def create_service_item(**values) -> ServiceItem:
    """A new service item (服务项目); code, name and price are required."""
    missing = {f: _("必填") for f in ("code", "name", "price") if f not in values}
    if missing:
        raise CatalogueError(missing)
    item = ServiceItem(**_clean_service_item(values, None))
    db.session.add(item)
    db.session.flush()
    return item


def update_service_item(item: ServiceItem, **changes) -> ServiceItem:
    """Change an item; ``is_active=False`` takes it off new orders (never deleted)."""
    _apply(item, _clean_service_item(changes, item), "service_item")
    return item


def create_draft_service_item(*, code_stem: str, name: str, category: str,
                              duration_minutes: int, price: Decimal) -> ServiceItem:
    """A draft item (草稿) from an approved 新项目 proposal: inactive, so never offered
    at the desk, with no commissions until head office prices and releases it.  The
    code is ``code_stem``, or ``code_stem-2``… when taken."""
    code, n = code_stem, 1
    while _code_taken(ServiceItem, code, None):
        n += 1
        code = f"{code_stem}-{n}"
    item = ServiceItem(code=code, name=name[:64], category=category,
                       duration_minutes=duration_minutes, price=price,
                       commission_rotation=Decimal("0.00"),
                       commission_requested=Decimal("0.00"), is_active=False, is_draft=True)
    db.session.add(item)
    db.session.flush()
    record_audit("catalogue.update", "service_item", item.id, before=None,
                 after={"code": code, "name": item.name, "price": str(item.price),
                        "is_draft": True, "is_active": False})
    return item


def release_draft_item(item: ServiceItem) -> ServiceItem:
    """发布: a draft goes on sale (no longer a draft, active) once it has a price."""
    if not item.is_draft:
        raise CatalogueError.on("is_draft", _("该项目不是草稿"))
    if item.price is None or item.price <= 0:
        raise CatalogueError.on("price", _("发布前请先设置售价"))
    item.is_draft = False
    item.is_active = True
    db.session.flush()
    record_audit("catalogue.update", "service_item", item.id,
                 before={"is_draft": True, "is_active": False},
                 after={"is_draft": False, "is_active": True})
    return item


# --- products ---------------------------------------------------------------------------

PRODUCT_FIELDS = ("code", "name", "unit", "price", "is_active")


def _clean_product(values: dict, product: Product | None) -> dict:
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise CatalogueError({name: _("不能修改此字段") for name in sorted(unknown)})
    values, errors = dict(values), {}
    _text(values, errors, "code", 32)
    _text(values, errors, "name", 64)
    _text(values, errors, "unit", 8)
    _money(values, errors, "price")
    _bool(values, "is_active")
    if "code" in values and "code" not in errors and _code_taken(Product, values["code"], product):
        errors["code"] = _("编号 %(code)s 已被使用", code=values["code"])
    if errors:
        raise CatalogueError(errors)
    return values


def create_product(**values) -> Product:
    missing = {f: _("必填") for f in ("code", "name", "price") if f not in values}
    if missing:
        raise CatalogueError(missing)
    product = Product(**_clean_product(values, None))
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, **changes) -> Product:
    _apply(product, _clean_product(changes, product), "product")
    return product


# --- membership levels ------------------------------------------------------------------

LEVEL_FIELDS = ("name", "discount", "discount_products", "sort_order")


def _clean_level(values: dict, level: MembershipLevel | None) -> dict:
    unknown = set(values) - set(LEVEL_FIELDS)
    if unknown:
        raise CatalogueError({name: _("不能修改此字段") for name in sorted(unknown)})
    values, errors = dict(values), {}
    _text(values, errors, "name", 32)
    if "discount" in values:
        try:
            discount = Decimal(str(values["discount"]).strip())
            if not discount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["discount"] = _("折扣格式不正确，例如 0.88")
        else:
            if not Decimal("0.100") <= discount <= Decimal("1.000"):
                errors["discount"] = _("折扣应在 0.10 到 1.00 之间（0.88 即八八折）")
            elif discount != discount.quantize(Decimal("0.001")):
                errors["discount"] = _("折扣最多三位小数")
            else:
                values["discount"] = discount.quantize(Decimal("0.001"))
    _bool(values, "discount_products")
    _int(values, errors, "sort_order", 0, 999)
    if "name" in values and "name" not in errors:
        stmt = select(MembershipLevel.id).where(MembershipLevel.name == values["name"])
        if level is not None and level.id is not None:
            stmt = stmt.where(MembershipLevel.id != level.id)
        if db.session.scalar(stmt.limit(1)) is not None:
            errors["name"] = _("等级 %(name)s 已存在", name=values["name"])
    if errors:
        raise CatalogueError(errors)
    return values


def create_membership_level(**values) -> MembershipLevel:
    missing = {f: _("必填") for f in ("name", "discount") if f not in values}
    if missing:
        raise CatalogueError(missing)
    level = MembershipLevel(**_clean_level(values, None))
    db.session.add(level)
    db.session.flush()
    return level


def update_membership_level(level: MembershipLevel, **changes) -> MembershipLevel:
    _apply(level, _clean_level(changes, level), "membership_level")
    return level


# --- store prices -----------------------------------------------------------------------

def store_prices(store_id: int) -> dict[int, Decimal]:
    """service item id -> the store's own price (only items that have one)."""
    return dict(db.session.execute(
        select(StoreServicePrice.service_item_id, StoreServicePrice.price)
        .where(StoreServicePrice.store_id == store_id)).all())


def set_store_price(store: Store, item: ServiceItem, price) -> StoreServicePrice | None:
    """Give ``store`` its own price for ``item``; ``None``/"" clears it (head-office price)."""
    override = db.session.scalar(select(StoreServicePrice).where(
        StoreServicePrice.store_id == store.id, StoreServicePrice.service_item_id == item.id))
    before = str(override.price) if override else None
    if price is None or (isinstance(price, str) and not price.strip()):
        if override is not None:
            db.session.delete(override)
            override = None
    else:
        amount = parse_money(price, f"price_{item.id}", error=CatalogueError)
        if override is None:
            override = StoreServicePrice(store_id=store.id, service_item_id=item.id, price=amount)
            db.session.add(override)
        else:
            override.price = amount
    after = str(override.price) if override else None
    if before != after:
        db.session.flush()
        record_audit("catalogue.update", "store_price", item.id,
                     before={"store_id": store.id, "price": before},
                     after={"store_id": store.id, "price": after})
    return override


# --- therapist qualifications -----------------------------------------------------------

def therapists_of_store(store_id: int) -> list[Employee]:
    """The store's therapists still working (the qualification grid's rows)."""
    return list(db.session.scalars(
        select(Employee).join(Position, Position.id == Employee.position_id)
        .where(Employee.store_id == store_id, Position.role == "therapist",
               Employee.status.in_(ON_STAFF_STATUSES))
        .order_by(Employee.employee_no, Employee.id)))


def qualifications_of(therapist_ids: list[int]) -> set[tuple[int, int]]:
    """(employee id, service item id) pairs held by these therapists."""
    if not therapist_ids:
        return set()
    pairs = db.session.execute(
        select(TherapistQualification.employee_id, TherapistQualification.service_item_id)
        .where(TherapistQualification.employee_id.in_(therapist_ids))).all()
    return {(employee_id, item_id) for employee_id, item_id in pairs}


def exam_pass_mark_text(pass_score: Decimal) -> str:
    """80.00 -> "80", 85.50 -> "85.5" (a pass mark as people say it)."""
    return format(pass_score.normalize(), "f")


def _refuse_exam_items(pairs, field: str) -> None:
    """A manual grant of an item that has an exam pass mark is refused: its grants come
    only from a passed 技术考核 (the technical department writes those rows)."""
    item_ids = sorted({item_id for _employee, item_id in pairs})
    if not item_ids:
        return
    refused = db.session.execute(
        select(ServiceItem.name, ServiceItem.exam_pass_score)
        .where(ServiceItem.id.in_(item_ids), ServiceItem.exam_pass_score.is_not(None))
        .order_by(ServiceItem.code, ServiceItem.id).limit(1)).first()
    if refused is not None:
        raise CatalogueError.on(field, _(
            "“%(item)s”须通过技术考核，合格线 %(score)s 分，不能手工授予资格",
            item=refused.name, score=exam_pass_mark_text(refused.exam_pass_score)))


def _tenant_today() -> date:
    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo((tenant.timezone if tenant else None) or "Asia/Shanghai")
    return utcnow().astimezone(zone).date()


def set_store_qualifications(store_id: int, ticked: set[tuple[int, int]], actor=None,
                             field: str = "qualifications") -> tuple[int, int]:
    """Make the store's therapists hold exactly the ``ticked`` (employee, item) pairs.

    Returns (added, removed).  A qualification is a permission to be dispatched,
    not a record payroll needs (the job keeps its therapist), so an unticked box
    removes the row.  A box ticked by hand records the day and who ticked it; an
    item with an exam pass mark (``exam_pass_score``) cannot be ticked by hand — it
    is granted only by passing its 技术考核 — but may be taken away.
    """
    therapists = {t.id for t in therapists_of_store(store_id)}
    items = set(db.session.scalars(select(ServiceItem.id)))
    bad = {pair for pair in ticked if pair[0] not in therapists or pair[1] not in items}
    if bad:
        raise CatalogueError.on(field, _("包含不属于本店的技师或不存在的项目"))
    current = qualifications_of(sorted(therapists))
    add, remove = ticked - current, current - ticked
    _refuse_exam_items(add, field)
    today = _tenant_today() if add else None
    for employee_id, item_id in sorted(add):
        db.session.add(TherapistQualification(
            employee_id=employee_id, service_item_id=item_id, granted_on=today,
            granted_by_account_id=getattr(actor, "id", None)))
    for employee_id, item_id in sorted(remove):
        db.session.execute(delete(TherapistQualification).where(
            TherapistQualification.employee_id == employee_id,
            TherapistQualification.service_item_id == item_id))
    db.session.flush()
    if add or remove:
        record_audit("catalogue.update", "qualifications", store_id,
                     before=None, after={"added": sorted(map(list, add)),
                                         "removed": sorted(map(list, remove))}, actor=actor)
    return len(add), len(remove)


# The technical department registers a reader here (store never imports technical):
# exam ids -> {exam id: (score, examined_on)}, for the grid's "why" of an exam grant.
_EXAM_READERS: list = []


def register_exam_reader(reader) -> None:
    """Called by the technical blueprint when it is registered."""
    if reader not in _EXAM_READERS:
        _EXAM_READERS.append(reader)


def qualification_reasons(therapist_ids: list[int]) -> dict[tuple[int, int], str]:
    """(employee id, item id) -> why the therapist holds it, for the grid:
    "考核 92.50 分 · 2026-11-03", "手工授予 · 2026-11-03" or "原有资格" (before reasons
    were kept).  Two queries (the rows, then the exams through the technical hook)."""
    if not therapist_ids:
        return {}
    rows = db.session.execute(select(
        TherapistQualification.employee_id, TherapistQualification.service_item_id,
        TherapistQualification.exam_id, TherapistQualification.granted_on)
        .where(TherapistQualification.employee_id.in_(therapist_ids))).all()
    exam_ids = [row.exam_id for row in rows if row.exam_id is not None]
    exams: dict = {}
    for reader in _EXAM_READERS if exam_ids else ():
        exams.update(reader(exam_ids))
    reasons = {}
    for row in rows:
        pair = (row.employee_id, row.service_item_id)
        if row.exam_id is not None and row.exam_id in exams:
            score, examined_on = exams[row.exam_id]
            reasons[pair] = _("考核 %(score)s 分 · %(day)s", score=score,
                              day=examined_on.isoformat())
        elif row.exam_id is not None:
            reasons[pair] = _("考核通过 · %(day)s", day=row.granted_on.isoformat()
                              if row.granted_on else "")
        elif row.granted_on is not None:
            reasons[pair] = _("手工授予 · %(day)s", day=row.granted_on.isoformat())
        else:
            reasons[pair] = _("原有资格")
    return reasons


def therapist_qualifications(employee_id: int) -> list[ServiceItem]:
    """The service items one therapist may be dispatched for (active or not)."""
    return list(db.session.scalars(
        select(ServiceItem).join(TherapistQualification,
                                 TherapistQualification.service_item_id == ServiceItem.id)
        .where(TherapistQualification.employee_id == employee_id)
        .order_by(ServiceItem.category, ServiceItem.code, ServiceItem.id)))


def set_therapist_qualifications(employee: Employee, service_item_ids,
                                 actor=None) -> tuple[int, int]:
    """Make one therapist hold exactly these items (the API's replace of one row of the
    store's grid); the store's other therapists keep theirs.  Returns (added, removed);
    audited like the grid, through :func:`set_store_qualifications`.

    Only a working therapist of a store may be qualified; an unknown item id is refused
    and nothing changes.  An inactive item may be kept or given (the grid keeps ticks on
    items it no longer shows); an item with an exam pass mark may be kept or removed,
    never given (only its passed exam gives it).
    """
    wanted = set(service_item_ids)
    if employee.store_id is None or employee.id not in {
            t.id for t in therapists_of_store(employee.store_id)}:
        raise CatalogueError.on("employee_id", _("不是门店在职技师，不能设置项目资格"))
    known = set(db.session.scalars(select(ServiceItem.id).where(ServiceItem.id.in_(wanted))))
    unknown = sorted(wanted - known)
    if unknown:
        raise CatalogueError.on("service_item_ids", _(
            "没有这些服务项目：%(ids)s", ids="、".join(map(str, unknown))))
    therapists = [t.id for t in therapists_of_store(employee.store_id)]
    others = {pair for pair in qualifications_of(therapists) if pair[0] != employee.id}
    return set_store_qualifications(employee.store_id,
                                    others | {(employee.id, item) for item in wanted},
                                    actor=actor, field="service_item_ids")
