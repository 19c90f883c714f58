"""Log-in, sign-up and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional


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
    # Asked only of accounts with two-step verification on.
    otp = StringField(_l("两步验证码"), validators=[Optional(), Length(max=32)])


class CodeForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(), Length(max=32)],
                       description=_l("身份验证器 App 上的 6 位数字，或一个恢复码"))


class SecuritySettingsForm(FlaskForm):
    session_idle_minutes = StringField(
        _l("闲置自动退出（分钟）"), validators=[DataRequired()],
        description=_l("无操作超过此时间需重新登录；前台共用电脑建议不超过 480 分钟"))
