"""待我审批: everything this person may decide now, every kind, decided in place.

Over app/approvals.py; a decision goes to the kind's own function (the same as
its own page and the API), so the effects and the rules are the kind's.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import approvals
from app.blueprints.main import bp
from app.extensions import db
from app.permissions import permission_required
from app.validation import InputError


@bp.route("/approvals")
@permission_required("account.self")
def approvals_inbox():
    waiting = approvals.waiting_for(current_user)
    by_kind: dict[str, list] = {}
    for item in waiting:
        by_kind.setdefault(item.kind_label, []).append(item)
    return render_template("main/approvals.html", waiting=waiting, by_kind=by_kind,
                           settings=approvals.approval_settings()
                           if current_user.can("approvals.settings") else None,
                           thresholds=approvals.THRESHOLDS)


@bp.route("/approvals/<string:kind>/<int:object_id>/decision", methods=["POST"])
@permission_required("account.self")
def approvals_decide(kind: str, object_id: int):
    verdict = request.form.get("verdict", "")
    note = request.form.get("note", "")
    _commit_or_flash(lambda: approvals.decide_by_name(kind, object_id, current_user, verdict,
                                                      note),
                     _("已批准") if verdict == approvals.APPROVED else _("已驳回"))
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
