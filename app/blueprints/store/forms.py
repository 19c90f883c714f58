"""Room forms: the room's details and its state (房态)."""

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


class RoomStatusForm(FlaskForm):
    status = SelectField(_l("房态"), choices=_choices(ROOM_STATUSES))
