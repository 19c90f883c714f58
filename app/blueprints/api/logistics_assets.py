"""The asset register over the API: list, register, read, edit, change status, write off,
the depreciation schedule and the QR label.

Over app/blueprints/logistics/assets.py (the rules are there).  ``logistics.view``
reads (store roles: their stores' assets only; another store's id is a 404);
``asset.manage`` registers, edits, changes status and writes off.
"""

from flask import Response
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.logistics import assets as service
from app.blueprints.logistics.asset_labels import label_svg
from app.blueprints.logistics.models import ASSET_CATEGORIES, ASSET_STATUSES, Asset
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.permissions import permission_required, store_scope

blp = Blueprint("api_logistics_assets", __name__, url_prefix="/assets",
                description="The asset register (资产登记), depreciation and QR labels")

CATEGORY_HELP = ("furniture 家具 / bath_equipment 足浴设备 / appliance 电器 / hvac 空调 / "
                 "av 影音 / linen_equipment 布草设备 / fixture 装修 / other 其他")
STATUS_HELP = "in_use 在用 / damaged 损坏 / under_repair 维修中 / written_off 已报废"


class AssetSchema(Schema):
    id = fields.Integer()
    tag_code = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(ASSET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    category_label = fields.Function(lambda a: service.category_label(a.category))
    store_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    location = fields.String()
    purchase_date = fields.Date()
    cost = Money()
    residual_value = Money()
    useful_life_months = fields.Integer()
    status = fields.String(validate=validate.OneOf(ASSET_STATUSES),
                           metadata={"description": STATUS_HELP})
    status_label = fields.Function(lambda a: service.status_label(a.status))
    custodian_employee_id = fields.Integer(allow_none=True)
    note = fields.String()
    written_off_on = fields.Date(allow_none=True)
    book_value = fields.Function(
        lambda a: str(service.current_book_value(a, today_for_store())),
        metadata={"description": "at the end of last month, decimal string"})
    created_at = fields.DateTime()


class AssetWriteSchema(Schema):
    """What a caller may send; the rules (service) check it and name the field."""
    tag_code = fields.String(validate=validate.Length(max=32),
                             metadata={"description": "blank: the store's next code"})
    name = fields.String(validate=validate.Length(max=64))
    category = fields.String(validate=validate.OneOf(ASSET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    store_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    location = fields.String(validate=validate.Length(max=64))
    purchase_date = fields.Date()
    cost = fields.Decimal(as_string=True)
    residual_value = fields.Decimal(as_string=True)
    useful_life_months = fields.Integer(strict=True, validate=validate.Range(min=1, max=600))
    custodian_employee_id = fields.Integer(allow_none=True)
    note = fields.String(validate=validate.Length(max=2000))


class AssetCreateSchema(AssetWriteSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(ASSET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    store_id = fields.Integer(required=True)
    purchase_date = fields.Date(required=True)
    cost = fields.Decimal(as_string=True, required=True)
    useful_life_months = fields.Integer(required=True, strict=True,
                                        validate=validate.Range(min=1, max=600))


class AssetQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    room_id = fields.Integer()
    category = fields.String(validate=validate.OneOf(ASSET_CATEGORIES),
                             metadata={"description": CATEGORY_HELP})
    status = fields.String(validate=validate.OneOf(ASSET_STATUSES),
                           metadata={"description": STATUS_HELP})
    q = fields.String(validate=validate.Length(max=64),
                      metadata={"description": "text in the tag, name, location or note"})


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(service.SETTABLE_STATUSES),
                           metadata={"description": "in_use | damaged | under_repair"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class WriteOffSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    written_off_on = fields.Date(metadata={"description": "default: today"})


class ScheduleRowSchema(Schema):
    period = fields.String(metadata={"description": "YYYY-MM"})
    amount = Money()
    book_value = Money()
    posted = fields.Boolean(metadata={"description": "a depreciation entry was posted"})
    posted_amount = Money(allow_none=True)
    stopped = fields.Boolean(metadata={"description": "after the write-off month"})


class ScheduleSchema(Schema):
    asset_id = fields.Integer()
    book_value = Money()
    rows = fields.List(fields.Nested(ScheduleRowSchema))


AssetPageSchema = page_schema(AssetSchema, "AssetPage")


@blp.route("")
@blp.arguments(AssetQueryArgsSchema, location="query")
@blp.response(200, AssetPageSchema)
@permission_required("logistics.view")
def list_assets(args):
    """The register of your stores (head office: all), by store and tag."""
    query = service.asset_query(store_scope(current_user), store_id=args.get("store_id"),
                                category=args.get("category"), status=args.get("status"),
                                room_id=args.get("room_id"), text=args.get("q"))
    return paginate(query, args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(AssetCreateSchema)
@blp.response(201, AssetSchema)
@permission_required("asset.manage")
def create_asset(data):
    """Register an asset (status ``in_use``); a blank ``tag_code`` gets the next code."""
    asset = service.register_asset(data, current_user, today_for_store())
    db.session.commit()
    return asset


@blp.route("/<int:asset_id>")
@blp.response(200, AssetSchema)
@permission_required("logistics.view")
def get_asset(asset_id: int):
    return db.session.get(Asset, asset_id)


@blp.route("/<int:asset_id>", methods=["PATCH"])
@blp.arguments(AssetWriteSchema)
@blp.response(200, AssetSchema)
@permission_required("asset.manage")
def update_asset(data, asset_id: int):
    """Change what is sent; figures are fixed once a month's depreciation is posted."""
    asset = service.update_asset(db.session.get(Asset, asset_id), data, current_user,
                                 today_for_store())
    db.session.commit()
    return asset


@blp.route("/<int:asset_id>/status", methods=["POST"])
@blp.arguments(StatusChangeSchema)
@blp.response(200, AssetSchema)
@permission_required("asset.manage")
def change_status(data, asset_id: int):
    """在用 / 损坏 / 维修中 (write off through ``/write-off``)."""
    asset = service.set_status(db.session.get(Asset, asset_id), data["status"], current_user,
                               data["note"])
    db.session.commit()
    return asset


@blp.route("/<int:asset_id>/write-off", methods=["POST"])
@blp.arguments(WriteOffSchema)
@blp.response(200, AssetSchema)
@permission_required("asset.manage")
def write_off_asset(data, asset_id: int):
    """报废 with a reason: kept as ``written_off``, audited, depreciates no more."""
    asset = service.write_off(db.session.get(Asset, asset_id), current_user, data["reason"],
                              data.get("written_off_on") or today_for_store())
    db.session.commit()
    return asset


@blp.route("/<int:asset_id>/depreciation")
@blp.response(200, ScheduleSchema)
@permission_required("logistics.view")
def get_depreciation(asset_id: int):
    """The month-by-month schedule, each month marked when posted."""
    asset = db.session.get(Asset, asset_id)
    rows = [{"period": row.period.strftime("%Y-%m"), "amount": row.amount,
             "book_value": row.book_value, "posted": row.posted is not None,
             "posted_amount": row.posted, "stopped": row.stopped}
            for row in service.schedule_of(asset)]
    return {"asset_id": asset.id, "rows": rows,
            "book_value": service.current_book_value(asset, today_for_store())}


@blp.route("/<int:asset_id>/label.svg")
@blp.response(200, content_type="image/svg+xml")
@permission_required("logistics.view")
def get_label(asset_id: int):
    """The tag's QR code (SVG)."""
    return Response(label_svg(db.session.get(Asset, asset_id).tag_code),
                    mimetype="image/svg+xml")
