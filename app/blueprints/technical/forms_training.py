"""Forms of the 培训 pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class TrainingForm(FlaskForm):
    topic = StringField(_l("培训主题"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("类型"))
    store_id = SelectField(_l("举办门店"))
    partner_store_id = SelectField(_l("交流门店"), description=_l("技术交流时，来交流的门店"))
    trainer_employee_no = StringField(_l("讲师工号"), validators=[Optional(), Length(max=16)],
                                      description=_l("本公司员工任讲师时填工号"))
    trainer_name = StringField(_l("外部讲师姓名"), validators=[Optional(), Length(max=64)],
                               description=_l("请外部老师时填姓名"))
    service_item_id = SelectField(_l("培训项目"))
    starts_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    duration_minutes = IntegerField(_l("时长（分钟）"), default=120,
                                    validators=[DataRequired(), NumberRange(15, 1440)],
                                    render_kw={"inputmode": "numeric"})
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)],
                          render_kw={"rows": 2})
    complaint_id = HiddenField()

    def __init__(self, *args, kinds=(), stores=(), partner_stores=(),
                 head_office=False, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(code, label) for code, label in kinds]
        store_choices = [SelectChoice(str(s.id), s.name) for s in stores]
        self.store_id.choices = ([SelectChoice("", _l("总部"))] if head_office else []) \
            + store_choices
        self.partner_store_id.choices = [SelectChoice("", _l("无"))] + [
            SelectChoice(str(s.id), s.name) for s in partner_stores]
        self.service_item_id.choices = [SelectChoice("", _l("不限"))] + [
            SelectChoice(str(i.id), i.name) for i in items]


class CancelTrainingForm(FlaskForm):
    reason = StringField(_l("取消原因"), validators=[Optional(), Length(max=500)])


class AttendeesForm(FlaskForm):
    employee_ids = SelectMultipleField(_l("加入名单"), coerce=int, widget=ListWidget(
        prefix_label=False), option_widget=CheckboxInput(), validate_choice=False)


class RowForm(FlaskForm):
    """One roster row's buttons (出勤 / 缺席, 合格 / 不合格, 移出): CSRF only."""
