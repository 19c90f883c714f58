"""Log-in, sign-up and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    company = StringField(_l("企业编号"), validators=[DataRequired(), Length(max=32)])
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)])


class PlatformLoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("再次输入新密码"), validators=[DataRequired()])


class SignupForm(FlaskForm):
    company = StringField(_l("企业编号"), validators=[DataRequired()],
                          description=_l("登录时输入，如 yuezu；小写字母、数字"))
    name = StringField(_l("企业名称"), validators=[DataRequired()])
    owner_name = StringField(_l("您的姓名"), validators=[Length(max=64)])
    username = StringField(_l("管理员用户名"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)],
                       description=_l("例如：收银机 1 号"))
