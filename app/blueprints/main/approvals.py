"""待我审批: everything this person may decide now, every kind, decided in place.

Over app/approvals.py; a decision goes to the kind's own function (the same as
its own page and the API), so the effects and the rules are the kind's.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import approvals
from app.approvals_inbox import age_in_days, decide_from_page, inbox_for
from app.blueprints.main import bp
from app.extensions import db
from app.permissions import permission_required
from app.validation import InputError


@bp.route("/approvals")
@permission_required("account.self")
def approvals_inbox():
    # The same listing as finance's and the GM's inboxes (app/approvals_inbox.py).
    return render_template("main/approvals.html", inbox=inbox_for(current_user),
                           age_in_days=age_in_days,
                           settings=approvals.approval_settings()
                           if current_user.can("approvals.settings") else None,
                           thresholds=approvals.THRESHOLDS)


@bp.route("/approvals/<string:kind>/<int:object_id>/decision", methods=["POST"])
@permission_required("account.self")
def approvals_decide(kind: str, object_id: int):
    decide_from_page(kind, object_id, current_user, request.form.get("verdict", ""),
                     request.form.get("note", ""))
    return redirect(url_for("main.approvals_inbox"))


@bp.route("/approvals/settings", methods=["POST"])
@permission_required("approvals.settings")
def approvals_settings():
    # Every registered threshold has its input (threshold-<name>); empty keeps the default.
    thresholds = {name: request.form.get(f"threshold-{name}", "")
                  for name in approvals.THRESHOLDS}
    _commit_or_flash(lambda: approvals.save_approval_settings(
        current_user, one_person_office=request.form.get("one_person_office") == "on",
        thresholds=thresholds),
        _("审批设置已保存"))
    return redirect(url_for("main.approvals_inbox"))


def _commit_or_flash(action, done: str) -> None:
    """Run ``action``: commit and say ``done``, or roll back and show why not."""
    try:
        action()
    except InputError as error:
        db.session.rollback()
        for message in error.fields.values():
            flash(str(message), "danger")
    else:
        db.session.commit()
        flash(done, "success")
