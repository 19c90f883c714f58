"""资产盘点 over the API: list and read counts with their lines, open the month's counts
(a job), scan a tag, set a line, add a surplus line, close (the reconciliation job),
approve or send back (the approval flow), export .xlsx, and the logistics settings.

The same functions as the pages (counting.py, reconciliation.py): 422 naming the
field, audit entries; a store role sees its stores' counts only (404 otherwise).
"""

from __future__ import annotations

import io

from flask import abort, send_file
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, page_schema, paginate
from app.blueprints.logistics import count_views_data as data
from app.blueprints.logistics import counting, reconciliation
from app.blueprints.logistics.jobs import start_open_counts
from app.blueprints.logistics.models import (
    ASSET_RESULTS,
    COUNT_LINE_KINDS,
    COUNT_STATUSES,
    AssetCount,
)
from app.blueprints.logistics.settings import (
    logistics_settings,
    save_logistics_settings,
    tenant_today,
)
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

blp = Blueprint("api_logistics_counts", __name__,
                description="Monthly asset counts (资产盘点) and logistics settings")

MONEY = {"as_string": True, "places": 2}


class AssetCountLineSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(COUNT_LINE_KINDS),
                         metadata={"description": "asset | surplus | consumable"})
    asset_id = fields.Integer(allow_none=True)
    stock_item_id = fields.Integer(allow_none=True)
    tag_code = fields.String()
    name = fields.String()
    result = fields.String(validate=validate.OneOf(ASSET_RESULTS),
                           metadata={"description": "expected | present | missing | damaged"})
    book_value = fields.Decimal(**MONEY)
    book_quantity = fields.Decimal(as_string=True, allow_none=True)
    counted_quantity = fields.Decimal(as_string=True, allow_none=True)
    unit_cost = fields.Decimal(**MONEY)
    variance_value = fields.Decimal(**MONEY)
    note = fields.String()
    counted_at = fields.DateTime(allow_none=True)


class AssetCountSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    period = fields.Date(metadata={"description": "first day of the month counted"})
    label = fields.String()
    status = fields.String(validate=validate.OneOf(COUNT_STATUSES),
                           metadata={"description": "open | reconciling | pending_review | "
                                                    "approved"})
    overdue = fields.Boolean()
    counted = fields.Integer(metadata={"description": "asset lines counted"})
    total = fields.Integer(metadata={"description": "asset lines"})
    missing_count = fields.Integer()
    missing_value = fields.Decimal(**MONEY)
    damaged_count = fields.Integer()
    damaged_value = fields.Decimal(**MONEY)
    surplus_count = fields.Integer()
    consumable_variance_value = fields.Decimal(**MONEY)
    total_variance_value = fields.Decimal(**MONEY)
    sent_back_count = fields.Integer()
    review_note = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(AssetCountLineSchema),
                        metadata={"description": "detail only"})


class AssetCountQuerySchema(PageArgsSchema):
    store_id = fields.Integer()
    period = fields.Date(metadata={"description": "any day of the month counted"})
    status = fields.String(validate=validate.OneOf(COUNT_STATUSES))


class CountScanSchema(Schema):
    tag_code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CountScanResultSchema(Schema):
    outcome = fields.String(validate=validate.OneOf(("marked", "already", "other_store",
                                                     "unknown")),
                            metadata={"description": "other_store/unknown: offer a surplus"})
    message = fields.String()
    line = fields.Nested(AssetCountLineSchema, allow_none=True)


class CountLinePatchSchema(Schema):
    result = fields.String(validate=validate.OneOf(ASSET_RESULTS))
    counted_quantity = fields.String(allow_none=True)
    note = fields.String(validate=validate.Length(max=255))


class CountSurplusSchema(Schema):
    name = fields.String(required=True)
    tag_code = fields.String(load_default="")
    note = fields.String(load_default="")


class CountCloseSchema(Schema):
    confirm_uncounted = fields.Boolean(load_default=False, metadata={
        "description": "true: asset lines not counted are taken as missing"})


class CountNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CountOpenStartedSchema(Schema):
    job_id = fields.Integer()
    period = fields.Date()


class LogisticsSettingsSchema(Schema):
    count_day = fields.Integer()
    count_hour = fields.Integer()
    overdue_day = fields.Integer()


CountPageSchema = page_schema(AssetCountSchema, "AssetCountPage")


def _out(counts: list[AssetCount], with_lines: bool = False) -> list[dict]:
    progress = counting.progress_of([c.id for c in counts])
    late = reconciliation.overdue_ids(tenant_today(), {c.store_id for c in counts})
    rows = []
    for c in counts:
        row = {k: getattr(c, k) for k in AssetCountSchema().fields if hasattr(c, k)}
        row.update(label=counting.count_label(c.period), overdue=c.id in late,
                   counted=progress[c.id].counted, total=progress[c.id].total)
        if with_lines:
            row["lines"] = reconciliation.lines_of(c.id)
        rows.append(row)
    return rows


def _count(count_id: int) -> AssetCount:
    return get_in_scope_or_404(AssetCount, count_id)


@blp.route("/asset-counts")
@blp.arguments(AssetCountQuerySchema, location="query")
@blp.response(200, CountPageSchema)
@permission_required("logistics.view")
def list_counts(args):
    """Counts of your stores, newest period first (filters: store, period, status)."""
    period = args.get("period")
    filters = data.CountFilters(store_id=args.get("store_id"),
                                period=period.replace(day=1) if period else None,
                                status=args.get("status"))
    page = paginate(data.counts_query(filters, store_scope(current_user)), args["page"],
                    args["page_size"])
    page["items"] = _out(list(page["items"]))
    return page


@blp.route("/asset-counts/open", methods=["POST"])
@blp.response(202, CountOpenStartedSchema)
@permission_required("asset_count.close")
def open_counts():
    """Queue the opening of last month's counts (your stores; depreciation first)."""
    scope = store_scope(current_user)
    period = counting.period_for(tenant_today())
    record = start_open_counts(period, sorted(scope) if scope is not None else None)
    db.session.commit()
    return {"job_id": record.id, "period": period}


@blp.route("/asset-counts/<int:count_id>")
@blp.response(200, AssetCountSchema)
@permission_required("logistics.view")
def get_count(count_id: int):
    """One count with its figures and every line."""
    return _out([_count(count_id)], with_lines=True)[0]


@blp.route("/asset-counts/<int:count_id>/scan", methods=["POST"])
@blp.arguments(CountScanSchema)
@blp.response(200, CountScanResultSchema)
@permission_required("asset_count.count")
def scan(data_in, count_id: int):
    """A tag typed or scanned: its line present; another store's or unknown tag: nothing
    marked (``outcome`` says so: offer a surplus line)."""
    found = counting.scan(_count(count_id), data_in["tag_code"], current_user)
    db.session.commit()
    return {"outcome": found.outcome, "message": found.message, "line": found.line}


@blp.route("/asset-counts/<int:count_id>/lines/<int:line_id>", methods=["PATCH"])
@blp.arguments(CountLinePatchSchema)
@blp.response(200, AssetCountLineSchema)
@permission_required("asset_count.count")
def patch_line(data_in, count_id: int, line_id: int):
    """Set an asset line's result, a consumable's counted quantity, or a note."""
    count = _count(count_id)
    line = counting.line_of(count, line_id)
    if line is None:
        abort(404)
    if not data_in:
        raise InputError.on("result", "请提供 result、counted_quantity 或 note")
    if "result" in data_in:
        counting.mark_line(count, line, data_in["result"], current_user, data_in.get("note"))
    elif "counted_quantity" in data_in:
        counting.set_counted_quantity(count, line, data_in["counted_quantity"], current_user)
        if "note" in data_in:
            counting.set_note(count, line, data_in["note"])
    else:
        counting.set_note(count, line, data_in["note"])
    db.session.commit()
    return line


@blp.route("/asset-counts/<int:count_id>/surplus", methods=["POST"])
@blp.arguments(CountSurplusSchema)
@blp.response(201, AssetCountLineSchema)
@permission_required("asset_count.count")
def add_surplus(data_in, count_id: int):
    """盘盈: an asset found that is not in the register."""
    line = counting.add_surplus(_count(count_id), data_in["name"], current_user,
                                data_in["tag_code"], data_in["note"])
    db.session.commit()
    return line


@blp.route("/asset-counts/<int:count_id>/close", methods=["POST"])
@blp.arguments(CountCloseSchema)
@blp.response(202, AssetCountSchema)
@permission_required("asset_count.close")
def close(data_in, count_id: int):
    """结束盘点: queues the reconciliation (422 on ``confirm_uncounted`` while assets are
    uncounted and it is not true)."""
    count = _count(count_id)
    counting.close_count(count, current_user, confirm_uncounted=data_in["confirm_uncounted"])
    db.session.commit()
    db.session.refresh(count)
    return _out([count])[0]


@blp.route("/asset-counts/<int:count_id>/approve", methods=["POST"])
@blp.arguments(CountNoteSchema)
@blp.response(200, AssetCountSchema)
@permission_required("asset_count.review")
def approve(data_in, count_id: int):
    """Finance approves: write-offs, damage tickets and stock adjustments, once."""
    count = reconciliation.approve(_count(count_id), current_user, data_in["note"])
    db.session.commit()
    return _out([count])[0]


@blp.route("/asset-counts/<int:count_id>/send-back", methods=["POST"])
@blp.arguments(CountNoteSchema)
@blp.response(200, AssetCountSchema)
@permission_required("asset_count.review")
def send_back(data_in, count_id: int):
    """Finance sends it back to the store (the note is required)."""
    count = reconciliation.send_back(_count(count_id), current_user, data_in["note"])
    db.session.commit()
    return _out([count])[0]


@blp.route("/asset-counts/<int:count_id>/export.xlsx")
@blp.doc(responses={"200": {"description": "the count's figures and lines as .xlsx"}})
@permission_required("logistics.view")
def export_xlsx(count_id: int):
    count = _count(count_id)
    store = db.session.get(Store, count.store_id)
    return send_file(io.BytesIO(data.export_count(count, store.name)), as_attachment=True,
                     download_name=f"asset-count-{store.code}-{count.period:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@blp.route("/logistics-settings")
@blp.response(200, LogisticsSettingsSchema)
@permission_required("asset.manage")
def get_settings():
    """When the monthly count opens (company local time) and when it is overdue."""
    return logistics_settings().as_dict()


@blp.route("/logistics-settings", methods=["PATCH"])
@blp.arguments(LogisticsSettingsSchema)
@blp.response(200, LogisticsSettingsSchema)
@permission_required("asset.manage")
def patch_settings(data_in):
    """Set the keys sent (others keep theirs); a bad value is a 422 naming it."""
    settings = save_logistics_settings(data_in, current_user)
    db.session.commit()
    return settings.as_dict()
