"""What the count pages and the API read: lists with figures, a count's lines grouped
by room, and the Excel file of a count's results (no HTTP here)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.blueprints.logistics.counting import count_label, progress_of
from app.blueprints.logistics.labels import (
    ASSET_RESULT_LABELS,
    COUNT_LINE_KIND_LABELS,
    COUNT_STATUS_LABELS,
)
from app.blueprints.logistics.models import (
    LINE_ASSET,
    LINE_CONSUMABLE,
    LINE_SURPLUS,
    Asset,
    AssetCount,
    AssetCountLine,
)
from app.extensions import db
from app.models import Room, Store


@dataclass
class CountFilters:
    store_id: int | None = None
    period: date | None = None
    status: str | None = None


def counts_query(filters: CountFilters, scope: set[int] | None):
    stmt = (select(AssetCount).options(joinedload(AssetCount.store))
            .join(Store, Store.id == AssetCount.store_id)
            .order_by(AssetCount.period.desc(), Store.code, AssetCount.id))
    if scope is not None:
        stmt = stmt.where(AssetCount.store_id.in_(sorted(scope) or [-1]))
    if filters.store_id is not None:
        stmt = stmt.where(AssetCount.store_id == filters.store_id)
    if filters.period is not None:
        stmt = stmt.where(AssetCount.period == filters.period)
    if filters.status:
        stmt = stmt.where(AssetCount.status == filters.status)
    return stmt


@dataclass
class LineView:
    line: AssetCountLine
    room: str

    @property
    def variance_quantity(self) -> Decimal | None:
        line = self.line
        if line.kind != LINE_CONSUMABLE or line.counted_quantity is None:
            return None
        return Decimal(line.counted_quantity) - Decimal(line.book_quantity or 0)


def grouped_lines(count_id: int) -> tuple[OrderedDict, list[LineView], list[LineView]]:
    """Asset lines by room (or place), the surplus lines, the consumable lines."""
    rows = db.session.execute(
        select(AssetCountLine, Room.number, Asset.location)
        .outerjoin(Asset, Asset.id == AssetCountLine.asset_id)
        .outerjoin(Room, Room.id == Asset.room_id)
        .where(AssetCountLine.count_id == count_id)
        .order_by(Room.number.nulls_last(), Asset.location, AssetCountLine.tag_code,
                  AssetCountLine.id)).all()
    by_room: OrderedDict[str, list[LineView]] = OrderedDict()
    surplus, consumables = [], []
    for line, room_number, location in rows:
        room = _("%(n)s 号房", n=room_number) if room_number else (location or _("公共区域"))
        view = LineView(line, room)
        if line.kind == LINE_ASSET:
            by_room.setdefault(room, []).append(view)
        elif line.kind == LINE_SURPLUS:
            surplus.append(view)
        else:
            consumables.append(view)
    return by_room, surplus, consumables


def export_count(count: AssetCount, store_name: str) -> bytes:
    """The count's results as .xlsx: figures, then one row per line."""
    from openpyxl import Workbook

    from app.spreadsheets import exact_decimals

    book = Workbook()
    sheet = book.active
    sheet.title = _("盘点结果")
    sheet.append([store_name, count_label(count.period),
                  str(COUNT_STATUS_LABELS.get(count.status, count.status))])
    sheet.append([_("缺失"), count.missing_count, _("缺失金额"), count.missing_value])
    sheet.append([_("损坏"), count.damaged_count, _("损坏资产账面价值"), count.damaged_value])
    sheet.append([_("盘盈"), count.surplus_count, _("物料差异金额"),
                  count.consumable_variance_value])
    sheet.append([_("差异合计"), count.total_variance_value])
    sheet.append([])
    sheet.append([_("类别"), _("标签"), _("名称"), _("位置"), _("结果"), _("账面价值"),
                  _("账面数量"), _("实盘数量"), _("单价"), _("差异金额"), _("备注")])
    by_room, surplus, consumables = grouped_lines(count.id)
    for view in [v for views in by_room.values() for v in views] + surplus + consumables:
        line = view.line
        result = ("" if line.kind == LINE_CONSUMABLE
                  else str(ASSET_RESULT_LABELS.get(line.result, line.result)))
        sheet.append([str(COUNT_LINE_KIND_LABELS.get(line.kind, line.kind)), line.tag_code,
                      line.name, view.room if line.kind == LINE_ASSET else "", result,
                      line.book_value if line.kind == LINE_ASSET else None,
                      line.book_quantity, line.counted_quantity,
                      line.unit_cost if line.kind == LINE_CONSUMABLE else None,
                      line.variance_value, line.note])
        for cell in sheet[sheet.max_row][6:8]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    for letter, width in zip("ABCDEFGHIJK", (8, 14, 18, 12, 8, 12, 10, 10, 10, 12, 24),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    exact_decimals(sheet)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def with_progress(counts: list[AssetCount]) -> dict:
    return progress_of([c.id for c in counts])
