"""资产清查: opening the month's counts and counting (specs/asset-count.md).

Rules chosen where the spec is silent (documented on the pages too):

* The count opened in month M is for period M−1 (the month just ended): it posts
  that month's depreciation and copies each asset's book value at its end.
* Opening is idempotent: one count per store and period, one line per asset and per
  stocked item in a count, one depreciation entry per asset and month (unique keys);
  a rerun adds only what is missing (an asset registered since, a new count).
  Lines are added only to counts still open.
* A consumable line's book quantity is refreshed to the store's quantity on hand at
  the moment its counted quantity is entered, so the desk's sales between the
  opening and the counting are not a variance.
* Closing with asset lines not yet counted needs an explicit confirmation; they are
  then taken as missing.  A consumable line left without a counted quantity is taken
  as counted at its book quantity (no variance).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, bindparam, func, insert, literal, null, select, update

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics import depreciation
from app.blueprints.logistics.models import (
    ASSET_WRITTEN_OFF,
    COUNT_OPEN,
    COUNT_RECONCILING,
    LINE_ASSET,
    LINE_CONSUMABLE,
    LINE_SURPLUS,
    RESULT_DAMAGED,
    RESULT_EXPECTED,
    RESULT_MISSING,
    RESULT_PRESENT,
    Asset,
    AssetCount,
    AssetCountLine,
    DepreciationEntry,
    StockItem,
    StoreStock,
)
from app.blueprints.logistics.stock import clean_quantity
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({
    "asset_count.open": _l("开始资产盘点"),
    "asset_count.close": _l("结束资产盘点"),
})

OPEN_JOB = "logistics.open_asset_counts"
MONTHLY_JOB = "logistics.asset_count_monthly"
RECONCILE_JOB = "logistics.reconcile_count"
COUNTED_RESULTS = (RESULT_PRESENT, RESULT_MISSING, RESULT_DAMAGED)


class CountError(InputError):
    """A count refused the change (names the field); nothing changed."""


def count_label(period: date) -> str:
    return _("%(y)s年%(m)s月资产清查", y=period.year, m=period.month)


def period_for(today: date) -> date:
    """The period a count opened on ``today`` is for: the month just ended."""
    return depreciation.month_start(today.replace(day=1) - timedelta(days=1))


def period_end(period: date) -> date:
    return depreciation.add_months(period, 1) - timedelta(days=1)


# --------------------------------------------------------------------------- opening


@dataclass
class OpenSummary:
    stores: int = 0
    counts_opened: int = 0
    lines_added: int = 0
    depreciation_posted: int = 0
    depreciation_amount: Decimal = Decimal("0.00")

    def as_dict(self) -> dict:
        return {"stores": self.stores, "counts_opened": self.counts_opened,
                "lines_added": self.lines_added,
                "depreciation_posted": self.depreciation_posted,
                "depreciation_amount": str(self.depreciation_amount)}


def open_counts(period: date, store_ids: list[int] | None = None, job=None,
                progress=None) -> OpenSummary:
    """Post ``period``'s depreciation and open its count in every open store (or the
    given ones).  Bulk statements: a few per store whatever its number of assets.
    ``job`` is the JobRecord id that opened it (None: by hand).  The caller commits."""
    period = depreciation.month_start(period)
    tenant_id = current_tenant_id()
    stmt = select(Store.id).where(Store.status == "open").order_by(Store.code, Store.id)
    if store_ids is not None:
        stmt = stmt.where(Store.id.in_(list(store_ids) or [-1]))
    stores = list(db.session.scalars(stmt))
    summary = OpenSummary(stores=len(stores))
    for done, store_id in enumerate(stores, start=1):
        _open_store(store_id, period, tenant_id, job, summary)
        if progress is not None:
            progress(done, len(stores))
    if summary.counts_opened:
        record_audit("asset_count.open", "asset_count", "",
                     after={"period": period.isoformat(), **summary.as_dict()})
    db.session.flush()
    return summary


def _open_store(store_id: int, period: date, tenant_id: int, job, summary: OpenSummary):
    assets = db.session.execute(
        select(Asset.id, Asset.tag_code, Asset.name, Asset.cost, Asset.residual_value,
               Asset.useful_life_months, Asset.purchase_date, Asset.written_off_on)
        .where(Asset.store_id == store_id, Asset.status != ASSET_WRITTEN_OFF)
        .order_by(Asset.id)).all()
    _post_depreciation(store_id, period, tenant_id, assets, summary)
    count = db.session.scalar(select(AssetCount).where(AssetCount.store_id == store_id,
                                                       AssetCount.period == period))
    if count is None:
        count = AssetCount(store_id=store_id, period=period, status=COUNT_OPEN,
                           opened_by_job_id=str(job) if job is not None else None)
        db.session.add(count)
        db.session.flush()
        summary.counts_opened += 1
    if count.status != COUNT_OPEN:
        return
    have_assets = set(db.session.scalars(select(AssetCountLine.asset_id).where(
        AssetCountLine.count_id == count.id, AssetCountLine.asset_id.is_not(None))))
    have_items = set(db.session.scalars(select(AssetCountLine.stock_item_id).where(
        AssetCountLine.count_id == count.id, AssetCountLine.stock_item_id.is_not(None))))
    rows = [{"tenant_id": tenant_id, "count_id": count.id, "kind": LINE_ASSET,
             "asset_id": a.id, "stock_item_id": None, "tag_code": a.tag_code, "name": a.name,
             "result": RESULT_EXPECTED, "book_value": depreciation.asset_book_value(a, period),
             "book_quantity": None, "unit_cost": Decimal("0.00")}
            for a in assets if a.id not in have_assets]
    stocks = db.session.execute(
        select(StoreStock.stock_item_id, StoreStock.quantity, StockItem.name,
               StockItem.unit_cost)
        .join(StockItem, StockItem.id == StoreStock.stock_item_id)
        .where(StoreStock.store_id == store_id, StockItem.is_active.is_(True))
        .order_by(StockItem.code)).all()
    rows += [{"tenant_id": tenant_id, "count_id": count.id, "kind": LINE_CONSUMABLE,
              "asset_id": None, "stock_item_id": s.stock_item_id, "tag_code": "",
              "name": s.name, "result": RESULT_EXPECTED, "book_value": Decimal("0.00"),
              "book_quantity": s.quantity, "unit_cost": s.unit_cost}
             for s in stocks if s.stock_item_id not in have_items]
    if rows:
        _bulk(AssetCountLine, rows)
        summary.lines_added += len(rows)


def _bulk(model, rows: list[dict]) -> None:
    """Insert ``rows`` (every row the same keys, tenant_id included) in few statements.

    PostgreSQL: ONE ``INSERT … SELECT … FROM unnest(arrays)``: each varying column is
    a single array parameter, so neither psycopg nor SQLAlchemy handles a parameter
    per row (that costs more than the database's work at 17,000 lines).  Elsewhere:
    batched multi-row inserts (RETURNING makes SQLAlchemy use "insertmanyvalues")."""
    if db.session.get_bind().dialect.name != "postgresql":
        list(db.session.scalars(insert(model).returning(model.id)
                                .execution_options(render_nulls=True), rows))
        return
    table = model.__table__
    keys = list(rows[0])
    same = {k for k in keys if all(r[k] == rows[0][k] for r in rows)}
    varying = [k for k in keys if k not in same] or keys  # one row: every column an array
    constant = {k: rows[0][k] for k in keys if k not in varying}
    arrays = [bindparam(f"u_{k}", [r[k] for r in rows], type_=ARRAY(table.c[k].type))
              for k in varying]
    source = func.unnest(*arrays).table_valued(*varying).render_derived(name="u")
    columns = [literal(v, table.c[k].type).label(k) if v is not None else null().label(k)
               for k, v in constant.items()] + [source.c[k] for k in varying]
    db.session.execute(table.insert().from_select(list(constant) + varying,
                                                  select(*columns).select_from(source)))


def _post_depreciation(store_id, period, tenant_id, assets, summary: OpenSummary) -> None:
    posted = set(db.session.scalars(select(DepreciationEntry.asset_id).where(
        DepreciationEntry.store_id == store_id, DepreciationEntry.period == period)))
    rows = []
    for a in assets:
        if a.id in posted:
            continue
        amount = depreciation.asset_amount_for_month(a, period)
        if amount <= 0:
            continue
        rows.append({"tenant_id": tenant_id, "asset_id": a.id, "store_id": store_id,
                     "period": period, "amount": amount,
                     "book_value": depreciation.asset_book_value(a, period)})
    if rows:
        _bulk(DepreciationEntry, rows)
        summary.depreciation_posted += len(rows)
        summary.depreciation_amount += sum((r["amount"] for r in rows), Decimal("0.00"))


# --------------------------------------------------------------------------- counting


def require_open(count: AssetCount) -> None:
    if count.status != COUNT_OPEN:
        raise CountError.on("status", _("这次盘点已结束，不能再修改"))


def line_of(count: AssetCount, line_id: int) -> AssetCountLine | None:
    line = db.session.get(AssetCountLine, line_id)
    return line if line is not None and line.count_id == count.id else None


def _stamp(line: AssetCountLine, actor) -> None:
    line.counted_by_account_id = getattr(actor, "id", None)
    line.counted_at = utcnow()


def mark_line(count: AssetCount, line: AssetCountLine, result: str, actor,
              note: str | None = None) -> AssetCountLine:
    """在位 / 缺失 / 损坏 for an asset line (未盘 puts it back)."""
    require_open(count)
    if line.kind == LINE_CONSUMABLE:
        raise CountError.on("result", _("物料请填写盘点数量"))
    if result not in (*COUNTED_RESULTS, RESULT_EXPECTED):
        raise CountError.on("result", _("盘点结果只能是在位、缺失或损坏"))
    if line.kind == LINE_SURPLUS and result != RESULT_PRESENT:
        raise CountError.on("result", _("盘盈的资产只能是在位"))
    line.result = result
    if note is not None:
        set_note(count, line, note)
    _stamp(line, actor)
    db.session.flush()
    return line


def set_note(count: AssetCount, line: AssetCountLine, note: str) -> None:
    require_open(count)
    note = (note or "").strip()
    if len(note) > 255:
        raise CountError.on("note", _("备注最多 255 个字"))
    line.note = note


def set_counted_quantity(count: AssetCount, line: AssetCountLine, raw, actor
                         ) -> AssetCountLine:
    """A consumable's counted quantity; the book quantity becomes the store's on-hand
    now (sales since the opening are not a variance)."""
    require_open(count)
    if line.kind != LINE_CONSUMABLE:
        raise CountError.on("counted_quantity", _("只有物料可以填写数量"))
    if raw is None or str(raw).strip() == "":
        line.counted_quantity = None
    else:
        try:
            line.counted_quantity = clean_quantity(raw, "counted_quantity", allow_zero=True)
        except InputError as exc:
            raise CountError(exc.fields) from None
        on_hand = db.session.scalar(select(StoreStock.quantity).where(
            StoreStock.store_id == count.store_id,
            StoreStock.stock_item_id == line.stock_item_id))
        line.book_quantity = on_hand if on_hand is not None else Decimal("0")
    _stamp(line, actor)
    db.session.flush()
    return line


@dataclass
class ScanResult:
    outcome: str  # marked | already | other_store | unknown
    line: AssetCountLine | None
    tag_code: str
    message: str


def scan(count: AssetCount, tag_code: str, actor) -> ScanResult:
    """A tag typed or scanned: its line is marked present.  A tag of another store's
    asset or an unknown tag marks nothing; the page offers a surplus line."""
    require_open(count)
    tag = (tag_code or "").strip()
    if not tag:
        raise CountError.on("tag_code", _("请输入或扫描资产标签"))
    line = db.session.scalar(select(AssetCountLine).where(
        AssetCountLine.count_id == count.id, AssetCountLine.kind != LINE_CONSUMABLE,
        func.upper(AssetCountLine.tag_code) == tag.upper()).limit(1))
    if line is not None:
        if line.result == RESULT_PRESENT:
            return ScanResult("already", line, tag, _("%(name)s 已经盘过（在位）",
                                                      name=line.name))
        mark_line(count, line, RESULT_PRESENT, actor)
        return ScanResult("marked", line, tag, _("%(name)s：在位", name=line.name))
    other = db.session.scalar(select(Asset).where(func.upper(Asset.tag_code) == tag.upper()))
    if other is not None and other.store_id != count.store_id:
        return ScanResult("other_store", None, tag, _(
            "标签 %(tag)s 是其他门店的资产（%(name)s），如确在本店请登记为盘盈",
            tag=tag, name=other.name))
    return ScanResult("unknown", None, tag, _(
        "没有找到标签 %(tag)s，如是未登记的资产请登记为盘盈", tag=tag))


def add_surplus(count: AssetCount, name: str, actor, tag_code: str = "", note: str = ""
                ) -> AssetCountLine:
    """盘盈: an asset found that is not in this store's register."""
    require_open(count)
    name, tag_code, note = (name or "").strip(), (tag_code or "").strip(), (note or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写物品名称")
    elif len(name) > 64:
        errors["name"] = _("名称最多 64 个字")
    if len(tag_code) > 32:
        errors["tag_code"] = _("标签最多 32 个字符")
    if len(note) > 255:
        errors["note"] = _("备注最多 255 个字")
    if tag_code and not errors and db.session.scalar(select(AssetCountLine.id).where(
            AssetCountLine.count_id == count.id,
            func.upper(AssetCountLine.tag_code) == tag_code.upper()).limit(1)):
        errors["tag_code"] = _("这个标签已在本次盘点中")
    if errors:
        raise CountError(errors)
    line = AssetCountLine(count_id=count.id, kind=LINE_SURPLUS, name=name, tag_code=tag_code,
                          note=note, result=RESULT_PRESENT)
    _stamp(line, actor)
    db.session.add(line)
    db.session.flush()
    return line


@dataclass
class Progress:
    counted: int
    total: int


def progress_of(count_ids: list[int]) -> dict[int, Progress]:
    """已盘 x / y of asset lines, for many counts in one query."""
    rows = db.session.execute(
        select(AssetCountLine.count_id, func.count(),
               func.count().filter(AssetCountLine.result != RESULT_EXPECTED))
        .where(AssetCountLine.count_id.in_(count_ids or [-1]),
               AssetCountLine.kind == LINE_ASSET)
        .group_by(AssetCountLine.count_id))
    found = {count_id: Progress(counted, total) for count_id, total, counted in rows}
    return {i: found.get(i, Progress(0, 0)) for i in count_ids}


# --------------------------------------------------------------------------- closing


def uncounted(count: AssetCount) -> int:
    return db.session.scalar(select(func.count()).select_from(AssetCountLine).where(
        AssetCountLine.count_id == count.id, AssetCountLine.kind == LINE_ASSET,
        AssetCountLine.result == RESULT_EXPECTED)) or 0


def close_count(count: AssetCount, actor, confirm_uncounted: bool = False):
    """结束盘点: the count goes to reconciling and the reconciliation job is queued
    (dispatched after the caller commits).  Uncounted asset lines need
    ``confirm_uncounted``; they are then marked missing."""
    from app.jobs import enqueue

    locked = db.session.execute(select(AssetCount).where(AssetCount.id == count.id)
                                .with_for_update().execution_options(populate_existing=True)
                                ).scalar_one()
    require_open(locked)
    left = uncounted(locked)
    if left and not confirm_uncounted:
        raise CountError.on("confirm_uncounted", _(
            "还有 %(n)s 件资产未盘点；确认结束将按缺失处理", n=left))
    if left:
        db.session.execute(
            update(AssetCountLine)
            .where(AssetCountLine.count_id == locked.id, AssetCountLine.kind == LINE_ASSET,
                   AssetCountLine.result == RESULT_EXPECTED)
            .values(result=RESULT_MISSING, note=_("结束盘点时未盘到"),
                    counted_by_account_id=getattr(actor, "id", None), counted_at=utcnow())
            .execution_options(synchronize_session=False))
    locked.status = COUNT_RECONCILING
    locked.closed_at = utcnow()
    locked.closed_by_account_id = getattr(actor, "id", None)
    record_audit("asset_count.close", "asset_count", locked.id,
                 after={"uncounted_as_missing": left}, actor=actor)
    db.session.flush()
    return enqueue(RECONCILE_JOB, count_id=locked.id)
