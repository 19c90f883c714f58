"""Forms of the employee file and its login (choices are filled in by the view)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.labels import STATUS_LABELS
from app.models.people import EMPLOYEE_STATUSES, GENDERS
from app.permissions import ROLES, role_label


def optional_int(value):
    """``""`` (no store: head office) -> None; anything else -> int."""
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as checkboxes: easier than a multi-select on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(code, role_label(code)) for code in ROLES]


def yes_no(value):
    """A yes/no select (not a checkbox: a field left out of a POST keeps its value)."""
    return value in (True, "1", "true", "True", "y", "on")


class EmployeeForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[DataRequired(), Length(max=16)],
                              description=_l("技师的工号也是顾客点钟时报的号码"))
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    gender = SelectField(_l("性别"), choices=[SelectChoice(g, STATUS_LABELS[g]) for g in GENDERS])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)])
    position_id = SelectField(_l("岗位"), coerce=optional_int)
    store_id = SelectField(_l("门店"), coerce=optional_int,
                           description=_l("门店岗位必须选择门店；总部岗位可不选"))
    status = SelectField(_l("状态"), default="active")
    hire_date = DateField(_l("入职日期"), validators=[Optional()])
    birth_date = DateField(_l("出生日期"), validators=[Optional()],
                           description=_l("不填则按身份证号"))
    id_card_no = StringField(_l("身份证号"), validators=[Optional(), Length(max=32)],
                             render_kw={"autocomplete": "off"})
    emergency_contact = StringField(_l("紧急联系人"), validators=[Optional(), Length(max=64)])
    emergency_phone = StringField(_l("紧急联系人电话"), validators=[Optional(), Length(max=32)])
    health_cert_no = StringField(_l("健康证编号"), validators=[Optional(), Length(max=64)])
    health_cert_expires_on = DateField(_l("健康证有效期至"), validators=[Optional()],
                                       description=_l("过期后不能派钟"))
    bank_name = StringField(_l("开户银行"), validators=[Optional(), Length(max=64)])
    bank_account_no = StringField(_l("银行卡号"), validators=[Optional(), Length(max=32)],
                                  render_kw={"autocomplete": "off", "inputmode": "numeric"})
    level_id = SelectField(_l("技师等级"), coerce=optional_int)
    pay_profile_id = SelectField(_l("薪资方案"), coerce=optional_int)
    monthly_base_override = StringField(_l("单独月薪"), validators=[Optional()],
                                        description=_l("不填则按薪资方案的月薪"),
                                        render_kw={"inputmode": "decimal"})
    si_enrolled = SelectField(_l("缴纳社保"), coerce=yes_no, default=True,
                              choices=[SelectChoice("1", _l("是")), SelectChoice("", _l("否"))])
    si_base = StringField(_l("社保缴费基数"), validators=[Optional()],
                          description=_l("不填则按月薪"), render_kw={"inputmode": "decimal"})
    monthly_special_deduction = StringField(_l("专项附加扣除（每月）"), validators=[Optional()],
                                            render_kw={"inputmode": "decimal"})

    def __init__(self, *args, stores=(), positions=(), levels=(), profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store_id.choices = [SelectChoice("", _l("总部（无门店）"))] + [
            SelectChoice(str(store.id), store.name) for store in stores]
        self.position_id.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(str(position.id), position.name) for position in positions]
        self.status.choices = [SelectChoice(code, STATUS_LABELS[code])
                               for code in EMPLOYEE_STATUSES]
        self.level_id.choices = [SelectChoice("", _l("无"))] + [
            SelectChoice(str(level.id), level.name) for level in levels]
        self.pay_profile_id.choices = [SelectChoice("", _l("按岗位默认方案"))] + [
            SelectChoice(str(profile.id), profile.name) for profile in profiles]


class CreateLoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)],
                           description=_l("登录时与企业编号一起输入；字母、数字或 . _ -"))
    role = SelectField(_l("角色"))
    store_ids = MultiCheckboxField(_l("门店"), coerce=int,
                                   description=_l("门店岗位的账号只能看到所选门店"))

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.store_ids.choices = [SelectChoice(store.id, store.name) for store in stores]


class LoginSettingsForm(FlaskForm):
    role = SelectField(_l("角色"))
    store_ids = MultiCheckboxField(_l("门店"), coerce=int)

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.store_ids.choices = [SelectChoice(store.id, store.name) for store in stores]


class DisableLoginForm(FlaskForm):
    reason = StringField(_l("停用原因"), validators=[Optional(), Length(max=200)])


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token (enable, reset password)."""


class ChangeRequestForm(FlaskForm):
    """人事变动: one form for every kind; the service refuses fields of another kind."""

    kind = SelectField(_l("变动类型"))
    effective_on = DateField(_l("生效日期"), validators=[DataRequired()])
    new_store_id = SelectField(_l("调入门店"), coerce=optional_int)
    new_position_id = SelectField(_l("新岗位"), coerce=optional_int)
    new_level_id = SelectField(_l("新等级"), coerce=optional_int)
    new_pay_profile_id = SelectField(_l("新薪资方案"), coerce=optional_int)
    new_monthly_base = StringField(_l("新月薪"), validators=[Optional()],
                                   render_kw={"inputmode": "decimal"})
    new_bank_name = StringField(_l("新开户银行"), validators=[Optional(), Length(max=64)])
    new_bank_account_no = StringField(_l("新银行卡号"), validators=[Optional(), Length(max=32)],
                                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    new_si_enrolled = SelectField(_l("社保"), choices=[
        SelectChoice("", _l("不变")), SelectChoice("1", _l("参加")),
        SelectChoice("0", _l("不参加"))], default="", validate_choice=False)
    new_si_base = StringField(_l("新社保基数"), validators=[Optional()],
                              render_kw={"inputmode": "decimal"})
    new_monthly_special_deduction = StringField(_l("新专项附加扣除（月）"),
                                                validators=[Optional()],
                                                render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 2})

    def __init__(self, *args, kinds=(), stores=(), positions=(), levels=(), profiles=(),
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(code, label) for code, label in kinds]
        unchanged = _l("不变")
        self.new_store_id.choices = [SelectChoice("", unchanged)] + [
            SelectChoice(str(s.id), s.name) for s in stores]
        self.new_position_id.choices = [SelectChoice("", unchanged)] + [
            SelectChoice(str(p.id), p.name) for p in positions]
        self.new_level_id.choices = [SelectChoice("", unchanged)] + [
            SelectChoice(str(lv.id), lv.name) for lv in levels]
        self.new_pay_profile_id.choices = [SelectChoice("", unchanged)] + [
            SelectChoice(str(p.id), p.name) for p in profiles]

    def si_enrolled_value(self) -> bool | None:
        return {"1": True, "0": False}.get(self.new_si_enrolled.data or "")


class NoteForm(FlaskForm):
    """Approve / reject / cancel: an optional note (the reason of a rejection)."""

    note = StringField(_l("备注"), validators=[Optional(), Length(max=500)])


class TaxOpeningForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[DataRequired()])
    cumulative_taxable = StringField(_l("累计应税收入"), validators=[DataRequired()],
                                     render_kw={"inputmode": "decimal"})
    cumulative_tax = StringField(_l("累计已扣个税"), validators=[DataRequired()],
                                 render_kw={"inputmode": "decimal"})


class RewardForm(FlaskForm):
    employee_no = StringField(_l("员工工号"), validators=[DataRequired(), Length(max=16)])
    kind = SelectField(_l("类型"))
    amount = StringField(_l("金额"), validators=[DataRequired()],
                         description=_l("奖励、罚款填正数；工资调整正数补发、负数扣回"),
                         render_kw={"inputmode": "decimal"})
    effective_on = DateField(_l("生效日期"), validators=[DataRequired()],
                             description=_l("计入该日期所在月份的工资"))
    reason = TextAreaField(_l("事由"), validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 2})

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(code, label) for code, label in kinds]


class LevelForm(FlaskForm):
    name = StringField(_l("等级名称"), validators=[DataRequired(), Length(max=32)])
    commission_multiplier = StringField(_l("提成系数"), validators=[DataRequired()],
                                        description=_l("每个钟的提成 × 此系数，如 1.2"),
                                        render_kw={"inputmode": "decimal"})
    rank = IntegerField(_l("排序（越大越高）"), default=0)
    assessment_threshold = StringField(
        _l("技能评定分数线"),
        description=_l("评定得分达到此线可晋升到本级（0–100）；留空则不参与评定"),
        render_kw={"inputmode": "decimal"})
    is_active = SelectField(_l("状态"), coerce=yes_no, default=True,
                            choices=[SelectChoice("1", _l("启用")),
                                     SelectChoice("", _l("停用"))])


class PayProfileForm(FlaskForm):
    name = StringField(_l("方案名称"), validators=[DataRequired(), Length(max=64)])
    position_id = SelectField(_l("默认岗位"), coerce=optional_int,
                              description=_l("该岗位员工未单独指定方案时按此方案"))
    monthly_base = StringField(_l("月薪"), validators=[DataRequired()],
                               render_kw={"inputmode": "decimal"})
    overtime_eligible = SelectField(_l("计加班费"), coerce=yes_no, default=True,
                                    choices=[SelectChoice("1", _l("是")),
                                             SelectChoice("", _l("否"))])
    commission = SelectField(_l("计钟提成"), coerce=yes_no, default=False,
                             choices=[SelectChoice("1", _l("是")), SelectChoice("", _l("否"))])
    card_sale_rate = StringField(_l("售卡提成比例"), default="0",
                                 description=_l("0.05 表示 5%"),
                                 render_kw={"inputmode": "decimal"})
    meal_allowance_per_day = StringField(_l("餐补（每出勤日）"), default="0.00",
                                         render_kw={"inputmode": "decimal"})
    full_attendance_bonus = StringField(_l("全勤奖"), default="0.00",
                                        render_kw={"inputmode": "decimal"})
    is_active = SelectField(_l("状态"), coerce=yes_no, default=True,
                            choices=[SelectChoice("1", _l("启用")),
                                     SelectChoice("", _l("停用"))])

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.position_id.choices = [SelectChoice("", _l("无（单独指定）"))] + [
            SelectChoice(str(p.id), p.name) for p in positions]


class PayrollPolicyForm(FlaskForm):
    """Every key of PayrollPolicy as text (validated by PayrollPolicy.from_settings)."""

    pay_days_per_month = StringField(_l("月计薪天数"))
    hours_per_day = StringField(_l("每日工时"))
    late_grace_minutes = StringField(_l("迟到宽限（分钟）"))
    late_deduction = StringField(_l("每次迟到扣款"))
    late_half_day_minutes = StringField(_l("迟到/早退超过此分钟数按旷工半天"))
    sick_pay_ratio = StringField(_l("病假工资比例"))
    pension_rate = StringField(_l("养老保险个人比例"))
    medical_rate = StringField(_l("医疗保险个人比例"))
    unemployment_rate = StringField(_l("失业保险个人比例"))
    housing_fund_rate = StringField(_l("住房公积金个人比例"))
    si_base_min = StringField(_l("社保缴费基数下限"), description=_l("不填表示不限"))
    si_base_max = StringField(_l("社保缴费基数上限"), description=_l("不填表示不限"))
    leave_hr_approval_days = StringField(_l("请假超过此天数需人事审批"))
