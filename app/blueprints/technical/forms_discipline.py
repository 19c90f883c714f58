"""违纪 forms: record one, decide one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DisciplineForm(FlaskForm):
    """登记违纪; the step is computed (查看处理级别) before the fine amount is asked."""

    # Required-ness is the rule's (discipline.record_discipline names each field).
    employee_id = SelectField(_l("员工"), coerce=_optional_int, validate_choice=False)
    category = SelectField(_l("违纪类别"), validate_choice=False)
    occurred_on = DateField(_l("违纪日期"), validators=[Optional()])
    description = TextAreaField(_l("违纪经过"), validators=[Optional(), Length(max=1000)],
                                render_kw={"rows": 3})
    fine_amount = StringField(_l("罚款金额（元）"), validators=[Optional()],
                              description=_l("与本人商定的金额；批准后计入生效月份的工资"),
                              render_kw={"inputmode": "decimal"})
    effective_on = DateField(_l("罚款生效日期"), validators=[Optional()],
                             description=_l("不填：按批准当天所在月份计入工资"))
    complaint_id = HiddenField(filters=[_optional_int])

    def __init__(self, *args, employees=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.employee_id.choices = [("", _l("请选择员工")), *employees]
        self.category.choices = [("", _l("请选择类别")), *categories]


class DecisionForm(FlaskForm):
    """批准 / 驳回 / 撤销: the note (a rejection's reason)."""

    note = StringField(_l("审批意见"), validators=[Optional(), Length(max=500)])
