"""Platform operators: log-in, companies (list, create, suspend), the RQ dashboard."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import login_guard, sessions
from app.blueprints.auth import services as auth_services
from app.blueprints.auth.forms import PlatformLoginForm, SignupForm
from app.blueprints.auth.views import refused_message, totp_page
from app.blueprints.platform import bp, services
from app.extensions import db
from app.permissions import platform_admin_required, public
from app.tenants import SignupError, create_company
from app.validation import show_on_form


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Operators log in with the same guard (app/login_guard.py) and must use TOTP."""
    form = PlatformLoginForm()
    if form.validate_on_submit():
        key = login_guard.account_key("@platform", form.username.data)
        address = request.remote_addr or ""
        try:
            login_guard.check(key, address)
        except login_guard.Refused as refused:
            flash(refused_message(refused), "danger")
            return render_template("platform/login.html", form=form), 429
        admin = auth_services.authenticate_platform_admin(form.username.data, form.password.data)
        if admin is not None:
            db.session.commit()
            return sessions.after_password(admin, key, url_for("platform.index"),
                                           "platform.totp_setup")
        login_guard.record_failure(key, address)
        flash(_("用户名或密码不正确"), "danger")
    return render_template("platform/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@platform_admin_required
def logout():
    sessions.log_out(current_user._get_current_object())
    return redirect(url_for("platform.login"))


@bp.route("/totp", methods=["GET", "POST"])
@platform_admin_required
def totp_setup():
    """两步验证 for an operator (required before anything else)."""
    return totp_page(current_user._get_current_object())


@bp.route("/")
@platform_admin_required
def index():
    return render_template("platform/index.html", companies=services.list_companies(),
                           redis_configured=bool(current_app.config.get("REDIS_URL")))


@bp.route("/companies/new", methods=["GET", "POST"])
@platform_admin_required
def company_new():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            company = create_company(form.company.data, form.name.data, form.username.data,
                                     form.password.data, owner_name=form.owner_name.data)
        except SignupError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("企业 %(code)s 已创建", code=company.tenant.code), "success")
            return redirect(url_for("platform.index"))
    return render_template("platform/company_form.html", form=form)


@bp.route("/companies/<int:tenant_id>/suspend", methods=["POST"])
@platform_admin_required
def company_suspend(tenant_id: int):
    tenant = services.set_company_status(tenant_id, "suspended") or abort(404)
    db.session.commit()
    flash(_("企业 %(code)s 已停用，其账号无法登录", code=tenant.code), "warning")
    return redirect(url_for("platform.index"))


@bp.route("/companies/<int:tenant_id>/reactivate", methods=["POST"])
@platform_admin_required
def company_reactivate(tenant_id: int):
    tenant = services.set_company_status(tenant_id, "active") or abort(404)
    db.session.commit()
    flash(_("企业 %(code)s 已恢复", code=tenant.code), "success")
    return redirect(url_for("platform.index"))


@bp.route("/rq")
@platform_admin_required
def rq():
    """The RQ dashboard, or a note that jobs run inline when there is no Redis."""
    if current_app.config.get("REDIS_URL"):
        return redirect(url_for("rq_dashboard.queues_overview"))
    return render_template("platform/rq_inline.html")
