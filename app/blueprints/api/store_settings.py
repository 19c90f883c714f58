"""/api/v1/store-settings: the company's front-desk settings (前台设置), the same as
the page (permission ``store.settings``); a bad value answers 422 naming it."""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.store import policy
from app.extensions import db
from app.permissions import permission_required

blp = Blueprint("api_store_settings", __name__, url_prefix="/store-settings",
                description="Front-desk settings (前台设置): 退钟时限, 提前下钟须填原因 …")


def _number(name: str, description: str) -> fields.Integer:
    _label, lowest, highest = policy.NUMBER_SETTINGS[name]
    return fields.Integer(strict=True, validate=validate.Range(min=lowest, max=highest),
                          metadata={"description": description})


class StoreSettingsSchema(Schema):
    return_window_minutes = _number("return_window_minutes",
                                    "退钟 allowed within this many minutes of 起钟 [10]")
    early_finish_reason_minutes = _number(
        "early_finish_reason_minutes",
        "下钟 more than this many minutes before the planned end needs a reason [10]")
    overrun_warning_minutes = _number("overrun_warning_minutes",
                                      "催钟: warn this many minutes before the end [5]")
    ready_notice_count = _number("ready_notice_count",
                                 "上点准备: waiting therapists shown as next [3]")
    reservation_hold_minutes = _number("reservation_hold_minutes",
                                       "a reservation holds its room this long before [15]")
    no_show_after_minutes = _number("no_show_after_minutes",
                                    "a reservation is released as no-show after [30]")
    tea_round_minutes = _number("tea_round_minutes", "续水 every this many minutes [15]")
    board_start_rule = fields.String(
        validate=validate.OneOf(tuple(policy.BOARD_START_RULES)),
        metadata={"description": "clock_in (按上牌顺序) / yesterday (按昨日收牌顺序)"})


@blp.route("", methods=["GET"])
@blp.response(200, StoreSettingsSchema)
@permission_required("store.settings")
def get_settings():
    """The current settings (defaults where the company has not set its own)."""
    return policy.editable_settings()


@blp.route("", methods=["PATCH"])
@blp.arguments(StoreSettingsSchema)
@blp.response(200, StoreSettingsSchema)
@permission_required("store.settings")
def update_settings(data):
    """Change the given settings (the others keep their value); audited."""
    saved = policy.save_store_policy(data, actor=current_user)
    db.session.commit()
    return policy.editable_settings(saved)
