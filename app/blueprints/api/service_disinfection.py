"""消毒记录 over the API: record a round, read the log of a store's days with its gaps.

Over app/blueprints/service/disinfection.py (the rule is there: two periods a day,
开店前 due by 12:00 and 午后 by 18:00; each item's rounds per day per store).  The
same permissions as the pages: ``disinfection.record`` writes, ``disinfection.view``
reads.
"""

from datetime import timedelta

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.api.service_common import store_of_body
from app.blueprints.service import disinfection as rules
from app.blueprints.service.models_inspections import DISINFECTION_ITEMS, DISINFECTION_METHODS
from app.extensions import db
from app.permissions import permission_required

blp = Blueprint("api_service_disinfection", __name__, url_prefix="/service",
                description="The disinfection and cleaning log (消毒记录) and its gaps")

ITEM_HELP = "basin 足浴盆 / towel 毛巾 / linen 床单浴袍 / cup 茶杯 / slippers 拖鞋"
METHOD_HELP = ("steam 高温蒸汽 / uv 紫外线 / chlorine 含氯消毒液浸泡 / ozone 臭氧 / "
               "dishwasher 洗碗机高温 / other 其他")
PERIOD_CODES = tuple(p.code for p in rules.PERIODS)


class DisinfectionRoundSchema(Schema):
    id = fields.Integer(dump_only=True)
    store_id = fields.Integer(required=True)
    day = fields.Date(dump_only=True)
    done_at = fields.DateTime(dump_only=True)
    items = fields.List(fields.String(validate=validate.OneOf(DISINFECTION_ITEMS)),
                        required=True, validate=validate.Length(min=1),
                        metadata={"description": ITEM_HELP})
    method = fields.String(required=True, validate=validate.OneOf(DISINFECTION_METHODS),
                           metadata={"description": METHOD_HELP})
    room_id = fields.Integer(load_default=None, allow_none=True)
    done_by_name = fields.String(dump_only=True)
    note = fields.String(load_default="", validate=validate.Length(max=255))


class DisinfectionGapSchema(Schema):
    period = fields.String(validate=validate.OneOf(PERIOD_CODES),
                           metadata={"description": "opening 开店前 / afternoon 午后"})
    item = fields.String(validate=validate.OneOf(DISINFECTION_ITEMS))


class DisinfectionDaySchema(Schema):
    store_id = fields.Integer()
    day = fields.Date()
    rounds = fields.List(fields.Nested(DisinfectionRoundSchema))
    gaps = fields.List(fields.Nested(DisinfectionGapSchema))


class DisinfectionLogArgsSchema(Schema):
    store_id = fields.Integer(required=True)
    day = fields.Date(metadata={"description": "the last day shown (default today)"})
    days = fields.Integer(load_default=7, validate=validate.Range(1, 31))


def _dump_round(entry):
    return {"id": entry.id, "store_id": entry.store_id, "day": entry.day,
            "done_at": entry.done_at, "items": entry.item_codes, "method": entry.method,
            "room_id": entry.room_id, "done_by_name": entry.done_by_name, "note": entry.note}


@blp.route("/disinfection-rounds", methods=["POST"])
@blp.arguments(DisinfectionRoundSchema)
@blp.response(201, DisinfectionRoundSchema)
@permission_required("disinfection.record")
def record_round(data):
    """One round (now): which items, how, optionally the room."""
    entry = rules.record_round(store=store_of_body(data["store_id"]), items=data["items"],
                               method=data["method"], room_id=data.get("room_id"),
                               by=current_user, note=data["note"])
    db.session.commit()
    return _dump_round(entry)


@blp.route("/disinfection-log")
@blp.arguments(DisinfectionLogArgsSchema, location="query")
@blp.response(200, DisinfectionDaySchema(many=True))
@permission_required("disinfection.view")
def disinfection_log(args):
    """The store's days, newest first, each with its rounds and gaps."""
    store = store_of_body(args["store_id"])
    last = min(args.get("day") or rules.local_today(), rules.local_today())
    first = last - timedelta(days=args["days"] - 1)
    logs = rules.day_logs([store.id], first, last)
    return [{"store_id": log.store_id, "day": log.day,
             "rounds": [_dump_round(r) for r in log.rounds],
             "gaps": [{"period": g.period, "item": g.item} for g in log.gaps]}
            for log in sorted(logs.values(), key=lambda log: log.day, reverse=True)]
