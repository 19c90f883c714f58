"""The store form (门店资料)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.labels import STATUS_LABELS
from app.models.org import STORE_STATUSES


class StoreForm(FlaskForm):
    code = StringField(_l("门店编号"), validators=[DataRequired(), Length(max=32)],
                       description=_l("本企业内唯一，如 S01；字母、数字、- 和 _"))
    name = StringField(_l("门店名称"), validators=[DataRequired(), Length(max=120)])
    city = StringField(_l("城市"), validators=[DataRequired(), Length(max=64)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=255)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=32)])
    opens_at = TimeField(_l("开门时间"), validators=[DataRequired()], format="%H:%M")
    closes_at = TimeField(_l("打烊时间"), validators=[DataRequired()], format="%H:%M",
                          description=_l("可跨午夜，如 02:00"))
    status = SelectField(_l("状态"), choices=[SelectChoice(s, STATUS_LABELS[s])
                                                  for s in STORE_STATUSES])

    def values(self) -> dict:
        """The submitted values, named as the service takes them."""
        return {name: getattr(self, name).data for name in (
            "code", "name", "city", "address", "phone", "opens_at", "closes_at", "status")}
