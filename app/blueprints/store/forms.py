"""Room forms (the room's details and its state, 房态) and the 前台设置 form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from app.blueprints.store.services import MAX_BEDS
from app.labels import STATUS_LABELS
from app.models.org import ROOM_STATUSES, ROOM_TYPES


def _choices(codes):
    return [SelectChoice(code, STATUS_LABELS[code]) for code in codes]


class RoomForm(FlaskForm):
    number = StringField(_l("房号"), validators=[DataRequired(), Length(max=16)])
    type = SelectField(_l("房型"), choices=_choices(ROOM_TYPES))
    beds = IntegerField(_l("床位数"), default=1,
                        validators=[DataRequired(), NumberRange(min=1, max=MAX_BEDS)])
    status = SelectField(_l("房态"), choices=_choices(ROOM_STATUSES))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("number", "type", "beds", "status")}


class StorePolicyForm(FlaskForm):
    """前台设置: the desk's minutes and counts (checked by policy.save_store_policy)."""

    return_window_minutes = StringField(_l("退钟时限（起钟后分钟）"))
    early_finish_reason_minutes = StringField(_l("提前下钟超过此分钟数须填原因"))
    overrun_warning_minutes = StringField(_l("催钟提前（分钟）"))
    ready_notice_count = StringField(_l("上点准备显示人数"))
    reservation_hold_minutes = StringField(_l("预订提前留房（分钟）"))
    no_show_after_minutes = StringField(_l("预订过时未到释放（分钟）"))
    tea_round_minutes = StringField(_l("续水间隔（分钟）"))
    board_start_rule = SelectField(_l("开工排位"), choices=[
        SelectChoice("clock_in", _l("按上牌顺序")),
        SelectChoice("yesterday", _l("按昨日收牌顺序"))])


class RoomStatusForm(FlaskForm):
    status = SelectField(_l("房态"), choices=_choices(ROOM_STATUSES))
