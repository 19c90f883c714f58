"""Platform operators: log-in and the list of companies."""

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select

from app.blueprints.auth import services as auth_services
from app.blueprints.auth.forms import PlatformLoginForm
from app.blueprints.platform import bp
from app.extensions import db, limiter
from app.models import Tenant
from app.permissions import platform_admin_required, public


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
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
    return render_template("platform/index.html", tenants=tenants)
