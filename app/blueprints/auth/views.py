"""Log-in, log-out, password, API tokens and self-service sign-up."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select

from app import login_guard, sessions, totp
from app.audit import record_audit
from app.blueprints.auth import bp, services
from app.blueprints.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    SecuritySettingsForm,
    SignupForm,
    TokenForm,
)
from app.extensions import db, limiter
from app.models import ApiToken, Tenant
from app.permissions import permission_required, public
from app.security import safe_next_path
from app.tenancy import set_current_tenant, tenant_context
from app.tenants import SignupError, create_company
from app.validation import show_on_form


def _address() -> str:
    return request.remote_addr or ""


def refused_message(refused: login_guard.Refused) -> str:
    return _("登录失败次数过多，请 %(seconds)s 秒后再试", seconds=refused.retry_after)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET" and request.args.get("company"):
        form.company.data = request.args["company"]
    if form.validate_on_submit():
        username = form.username.data.strip()
        key = login_guard.account_key(form.company.data.lower(), username)
        try:
            login_guard.check(key, _address())
        except login_guard.Refused as refused:
            flash(refused_message(refused), "danger")
            return render_template("auth/login.html", form=form), 429
        account = services.authenticate(form.company.data, username, form.password.data)
        if account is not None:
            db.session.commit()
            set_current_tenant(account.tenant_id)
            return sessions.after_password(account, key, _safe_next() or url_for("main.index"),
                                           "auth.totp_setup")
        login_guard.record_failure(key, _address())
        # Commit the audit entry of a disabled account's attempt, if any.
        db.session.commit()
        flash(_("企业编号、用户名或密码不正确"), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of a log-in with TOTP (company accounts and operators)."""
    pending = sessions.pending_second_factor()
    user = services.load_session_user(pending["user"]) if pending else None
    if user is None:
        session.pop(sessions.PENDING, None)
        flash(_("请重新登录"), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            login_guard.check(pending["key"], _address())
        except login_guard.Refused as refused:
            flash(refused_message(refused), "danger")
            return render_template("auth/login_code.html", form=form), 429
        with _tenant_of(user):
            ok = totp.verify(user, form.code.data)
            if not ok and not user.is_platform_admin:
                record_audit("login.totp_failed", "account", user.id, actor=user)
        if ok:
            login_guard.record_success(pending["key"], _address())
            db.session.commit()
            sessions.log_in(user)
            if not user.is_platform_admin:
                set_current_tenant(user.tenant_id)
            return redirect(pending.get("next") or url_for("main.index"))
        login_guard.record_failure(pending["key"], _address())
        db.session.commit()
        form.code.errors.append(_("验证码不正确"))
    return render_template("auth/login_code.html", form=form)


def _tenant_of(user):
    from contextlib import nullcontext

    return nullcontext() if user.is_platform_admin else tenant_context(user.tenant_id)


def _safe_next() -> str | None:
    return safe_next_path(request.args.get("next"))


@bp.route("/logout", methods=["POST"])
@permission_required("account.self")
def logout():
    sessions.log_out(current_user._get_current_object())
    return redirect(url_for("auth.login"))


@bp.route("/account/totp", methods=["GET", "POST"])
@permission_required("account.self")
def totp_setup():
    """两步验证: enrol (QR code, secret, a first code), recovery codes, turn off."""
    return totp_page(current_user._get_current_object(), company_code=_company_code())


def _company_code() -> str:
    tenant = db.session.get(Tenant, current_user.tenant_id)
    return tenant.code if tenant else ""


def totp_page(user, company_code: str = ""):
    """The enrolment page, for a company account or an operator (platform views)."""
    form = CodeForm()
    codes = None
    action = request.form.get("action", "confirm")
    if form.validate_on_submit():
        try:
            if action == "renew":
                codes = totp.renew_recovery_codes(user, form.code.data)
            elif action == "disable":
                totp.disable(user, form.code.data)
            else:
                codes = totp.confirm_enrolment(user, form.code.data)
        except totp.TotpError as exc:
            show_on_form(form, exc.fields)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("两步验证已关闭") if action == "disable" else _("两步验证已设置"), "success")
            form = CodeForm(formdata=None)
    secret = uri = qr = None
    if not user.has_totp:
        secret = totp.begin_enrolment(user)
        db.session.commit()
        uri = totp.provisioning_uri(user, company_code)
        qr = totp.qr_svg(uri)
    return render_template("auth/totp.html", form=form, user=user, secret=secret, uri=uri, qr=qr,
                           codes=codes, required=totp.required_for(user))


@bp.route("/company/security", methods=["GET", "POST"])
@permission_required("security.manage")
def security_settings():
    """登录安全: the company's idle time-out (the absolute one is the deployment's)."""
    tenant = db.session.get(Tenant, current_user.tenant_id)
    current = sessions.security_settings(tenant)
    form = SecuritySettingsForm(data={"session_idle_minutes": current["session_idle_minutes"]})
    if form.validate_on_submit():
        try:
            sessions.save_security_settings(
                tenant, {"session_idle_minutes": form.session_idle_minutes.data})
        except sessions.SecurityError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("auth.security_settings"))
    return render_template("auth/security.html", form=form, settings=current)


@bp.route("/account/password", methods=["GET", "POST"])
@permission_required("account.self")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data, form.confirm_password.data)
        except services.AccountError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            # The session version moved on: keep this session, end the others.
            login_user(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已退出"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@permission_required("account.self")
def tokens():
    form = TokenForm()
    issued = None
    if form.validate_on_submit():
        try:
            if current_user.has_totp and not totp.verify(current_user, form.otp.data):
                raise services.AccountError("otp", _("验证码不正确"))
            issued = services.create_api_token(current_user, form.name.data)
        except services.AccountError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.account_id == current_user.id)
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=rows, issued=issued)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@permission_required("account.self")
def revoke_token(token_id: int):
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.account_id == current_user.id)
    )
    if row is None:
        abort(404)
    services.revoke_api_token(row)
    db.session.commit()
    flash(_("令牌已吊销"), "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            company = create_company(form.company.data, form.name.data, form.username.data,
                                     form.password.data, owner_name=form.owner_name.data)
        except SignupError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            sessions.log_in(company.owner)
            flash(_("企业已创建。欢迎使用沐足！请先设置两步验证。"), "success")
            return redirect(url_for("auth.totp_setup"))
    return render_template("auth/signup.html", form=form)
