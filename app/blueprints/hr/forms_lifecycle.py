"""Forms of 入职 / 离职 and the checklist templates (choices filled in by the views)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.blueprints.hr.checklists import (
    ACCOUNT_AT_LABELS,
    ACTION_LABELS,
    DEPARTMENT_LABELS,
    KIND_ACTIONS,
    KIND_LABELS,
    MAX_PROBATION_MONTHS,
)
from app.blueprints.hr.forms import optional_int
from app.labels import STATUS_LABELS
from app.models.people import GENDERS

OFFBOARDING_KIND_LABELS = {"resignation": _l("主动离职"), "termination": _l("辞退")}


class CandidateForm(FlaskForm):
    """新员工入职: the short file of a candidate; onboarding starts when it is saved."""

    employee_no = StringField(_l("工号"), validators=[DataRequired(), Length(max=16)],
                              description=_l("默认也是登录用户名；技师的工号也是顾客点钟时报的号码"))
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    gender = SelectField(_l("性别"), choices=[SelectChoice(g, STATUS_LABELS[g]) for g in GENDERS])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)])
    position_id = SelectField(_l("岗位"), coerce=optional_int)
    store_id = SelectField(_l("门店"), coerce=optional_int,
                           description=_l("门店岗位必须选择门店；总部岗位可不选"))
    hire_date = DateField(_l("入职日期"), validators=[Optional()],
                          description=_l("不填则以完成入职（转入试用期）当天为入职日期"))

    def __init__(self, *args, stores=(), positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store_id.choices = [SelectChoice("", _l("总部（无门店）"))] + [
            SelectChoice(str(store.id), store.name) for store in stores]
        self.position_id.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(str(position.id), position.name) for position in positions]


class TickForm(FlaskForm):
    """Ticking a checklist item; which fields count depends on the item's action."""

    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    outcome = SelectField(_l("审核结果"), choices=[SelectChoice("", ""),
                                                  SelectChoice("pass", _l("通过")),
                                                  SelectChoice("fail", _l("不通过"))],
                          validators=[Optional()])
    settlement_amount = StringField(_l("结算金额"), validators=[Optional(), Length(max=20)])
    settlement_note = StringField(_l("结算说明"), validators=[Optional(), Length(max=255)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[Optional(), Length(max=2000)])


class ProbationReviewForm(FlaskForm):
    outcome = SelectField(_l("转正结论"), choices=[SelectChoice("confirm", _l("转正")),
                                                  SelectChoice("end", _l("不予录用（辞退）"))])
    note = TextAreaField(_l("考核意见"), validators=[Optional(), Length(max=2000)])
    last_day = DateField(_l("最后工作日（不予录用时）"), validators=[Optional()])


class OffboardingForm(FlaskForm):
    kind = SelectField(_l("离职类型"),
                       choices=[SelectChoice(k, v) for k, v in OFFBOARDING_KIND_LABELS.items()])
    last_day = DateField(_l("最后工作日"), validators=[InputRequired()],
                         description=_l("当天仍可上班；当天结束（当地时间 24:00）后自动停用账号"))
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=2000)])


class OffboardingRecordForm(FlaskForm):
    handover_note = TextAreaField(_l("工作交接"), validators=[Optional(), Length(max=5000)])
    exit_interview = TextAreaField(_l("离职面谈记录"), validators=[Optional(), Length(max=5000)])


class ChargeForm(FlaskForm):
    charge = StringField(_l("扣款金额"), validators=[DataRequired(), Length(max=20)])


class TemplateForm(FlaskForm):
    kind = SelectField(_l("类型"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    name = StringField(_l("模板名称"), validators=[DataRequired(), Length(max=64)])
    position_id = SelectField(_l("适用岗位"), coerce=optional_int)
    account_at = SelectField(_l("开通登录账号"),
                             choices=[SelectChoice(k, v) for k, v in ACCOUNT_AT_LABELS.items()])
    probation_months = IntegerField(_l("试用期（月）"), default=3, validators=[
        InputRequired(), NumberRange(0, MAX_PROBATION_MONTHS)])
    is_active = BooleanField(_l("启用"), default=True)

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.position_id.choices = [SelectChoice("", _l("默认（所有未单独设置的岗位）"))] + [
            SelectChoice(str(position.id), position.name) for position in positions]


class TemplateItemForm(FlaskForm):
    title = StringField(_l("事项"), validators=[DataRequired(), Length(max=120)])
    owner_department = SelectField(
        _l("负责部门"), choices=[SelectChoice(k, v) for k, v in DEPARTMENT_LABELS.items()])
    action = SelectField(_l("动作"))
    due_days = IntegerField(_l("期限（天）"), default=3, validators=[
        InputRequired(), NumberRange(-60, 180)])
    required = BooleanField(_l("必办"), default=True)
    detail = StringField(_l("发放物品（逗号分隔）"), validators=[Optional(), Length(max=255)])
    sort_order = IntegerField(_l("顺序"), validators=[Optional()])

    def __init__(self, *args, kind="onboarding", **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice(a, ACTION_LABELS[a]) for a in KIND_ACTIONS[kind]]
