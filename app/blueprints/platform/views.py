"""Platform operators: log-in, companies (list, create, suspend), the RQ dashboard."""

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from app.blueprints.auth import services as auth_services
from app.blueprints.auth.forms import PlatformLoginForm, SignupForm
from app.blueprints.platform import bp, services
from app.extensions import db, limiter
from app.permissions import platform_admin_required, public
from app.tenants import SignupError, create_company
from app.validation import show_on_form


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"], deduct_when=lambda r: r.status_code != 302)
@public
def login():
    form = PlatformLoginForm()
    if form.validate_on_submit():
        admin = auth_services.authenticate_platform_admin(form.username.data, form.password.data)
        if admin is not None:
            db.session.commit()
            session.clear()
            login_user(admin)
            return redirect(url_for("platform.index"))
        flash(_("用户名或密码不正确"), "danger")
    return render_template("platform/login.html", form=form)


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
