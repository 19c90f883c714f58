"""Log-in, log-out, password, API tokens and self-service sign-up."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app.blueprints.auth import bp, services
from app.blueprints.auth.forms import ChangePasswordForm, LoginForm, SignupForm, TokenForm
from app.extensions import db, limiter
from app.models import ApiToken
from app.permissions import permission_required, public
from app.tenancy import set_current_tenant
from app.tenants import SignupError, create_company
from app.validation import show_on_form


def _login_account_key() -> str:
    company = (request.form.get("company") or "").strip().lower()
    username = (request.form.get("username") or "").strip()
    return f"login-account:{company}:{username}"


def _failed(response) -> bool:
    # Only failed attempts count: a successful log-in redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_account_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed)
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET" and request.args.get("company"):
        form.company.data = request.args["company"]
    if form.validate_on_submit():
        account = services.authenticate(
            form.company.data, form.username.data.strip(), form.password.data
        )
        if account is not None:
            db.session.commit()
            _new_session()
            login_user(account)
            set_current_tenant(account.tenant_id)
            return redirect(_safe_next() or url_for("main.index"))
        # Commit the audit entry of a disabled account's attempt, if any.
        db.session.commit()
        flash(_("企业编号、用户名或密码不正确"), "danger")
    return render_template("auth/login.html", form=form)


def _new_session() -> None:
    """Start a clean session at log-in and log-out (no fixation), keeping the
    language the person chose."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def _safe_next() -> str | None:
    target = request.args.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else None


@bp.route("/logout", methods=["POST"])
@permission_required("account.self")
def logout():
    logout_user()
    _new_session()
    return redirect(url_for("auth.login"))


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
            _new_session()
            login_user(company.owner)
            flash(_("企业已创建。欢迎使用沐足！"), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/signup.html", form=form)
