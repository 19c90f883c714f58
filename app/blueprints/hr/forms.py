"""Forms of the employee file and its login (choices are filled in by the view)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
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

    def __init__(self, *args, stores=(), positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.store_id.choices = [SelectChoice("", _l("总部（无门店）"))] + [
            SelectChoice(str(store.id), store.name) for store in stores]
        self.position_id.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(str(position.id), position.name) for position in positions]
        self.status.choices = [SelectChoice(code, STATUS_LABELS[code])
                               for code in EMPLOYEE_STATUSES]


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
