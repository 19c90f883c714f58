"""前台设置: the company's front-desk minutes and counts (tenant.policies["store"]),
the page behind ``store.settings``; the API's twin is /api/v1/store-settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.store import bp, policy
from app.blueprints.store.forms import StorePolicyForm
from app.extensions import db
from app.permissions import permission_required
from app.validation import show_on_form


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("store.settings")
def settings():
    """Every store of the company uses these settings; saving is audited."""
    current = policy.editable_settings()
    form = StorePolicyForm(data={name: str(value) if name in policy.NUMBER_SETTINGS else value
                                 for name, value in current.items()})
    if form.validate_on_submit():
        try:
            policy.save_store_policy({name: getattr(form, name).data
                                      for name in policy.SETTING_NAMES}, actor=current_user)
        except policy.StorePolicyError as error:
            db.session.rollback()
            show_on_form(form, error.fields)
        else:
            db.session.commit()
            flash(_("前台设置已保存"), "success")
            return redirect(url_for("store.settings"))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("store/settings.html", form=form,
                           names=policy.SETTING_NAMES), status
