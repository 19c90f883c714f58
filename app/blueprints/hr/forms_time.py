"""Forms of the time-and-attendance pages (choices are filled in by the view)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.hr.models.time import LEAVE_KINDS
from app.blueprints.hr.time import CLOCK_KIND_LABELS, LEAVE_KIND_LABELS


class ConfirmForm(FlaskForm):
    """A button that posts (CSRF only)."""


class ShiftForm(FlaskForm):
    name = StringField(_l("班次名称"), validators=[DataRequired(), Length(max=32)],
                       description=_l("如 早班、晚班、通宵"))
    starts_at = TimeField(_l("上班时间"), validators=[DataRequired()])
    ends_at = TimeField(_l("下班时间"), validators=[DataRequired()],
                        description=_l("早于上班时间即为跨夜班，算在上班那一天"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=255)])


class NoteForm(FlaskForm):
    note = StringField(_l("备注"), validators=[Optional(), Length(max=255)])


class KioskForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[DataRequired(), Length(max=16)])
    pin = PasswordField(_l("打卡密码"), validators=[DataRequired(), Length(max=6)])
    # 上班/下班 comes from the button pressed (request.form["kind"]).


class ForemanPunchForm(FlaskForm):
    employee_id = SelectField(_l("员工"), coerce=int)
    kind = SelectField(_l("上班/下班"),
                       choices=[SelectChoice(k, v) for k, v in CLOCK_KIND_LABELS.items()])
    at = DateTimeLocalField(_l("打卡时间"), format="%Y-%m-%dT%H:%M",
                            validators=[DataRequired()],
                            description=_l("早于现在 15 分钟以上即为补卡"))
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=255)],
                         description=_l("代打卡、补卡都要写明原因，会记入审计日志"))

    def __init__(self, *args, employees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.employee_id.choices = [SelectChoice(e.id, f"{e.employee_no} {e.name}")
                                    for e in employees]


def _leave_kind_choices():
    return [SelectChoice(kind, LEAVE_KIND_LABELS[kind]) for kind in LEAVE_KINDS]


class LeaveForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[Optional(), Length(max=16)],
                              description=_l("代员工申请时填写"))
    kind = SelectField(_l("请假类型"), choices=_leave_kind_choices())
    starts_on = DateField(_l("开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结束日期"), validators=[Optional()])
    half_day = BooleanField(_l("半天"))
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=2000)])


class OvertimeForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[Optional(), Length(max=16)],
                              description=_l("代员工申请时填写"))
    work_date = DateField(_l("加班日期"), validators=[DataRequired()])
    hours = DecimalField(_l("加班时长（小时）"), places=2, validators=[DataRequired()])
    reason = StringField(_l("加班事由"), validators=[DataRequired(), Length(max=2000)])


class PinForm(FlaskForm):
    pin = PasswordField(_l("新打卡密码"), validators=[DataRequired(), Length(max=6)],
                        description=_l("4–6 位数字，在门店打卡机上与工号一起输入"))
    confirm = PasswordField(_l("再输入一次"), validators=[DataRequired(), Length(max=6)])


class OwnPinForm(PinForm):
    password = PasswordField(_l("登录密码"), validators=[DataRequired()],
                             description=_l("为安全起见，请输入您的登录密码"))


class LockForm(FlaskForm):
    month = HiddenField(validators=[DataRequired()])
    note = StringField(_l("审核备注"), validators=[Optional(), Length(max=255)])
