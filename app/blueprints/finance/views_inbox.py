"""待我审核: what waits for this person in the one approval flow (asset counts, purchases,
expenses, payroll runs …), grouped by kind, decided in place — the shared listing and
decision of app/approvals_inbox.py (the GM's /gm/inbox and /approvals show the same)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.approvals_inbox import age_in_days, decide_from_page, inbox_for
from app.blueprints.finance import bp
from app.permissions import permission_required


@bp.route("/inbox")
@permission_required("finance.view")
def inbox():
    return render_template("finance/inbox.html", inbox=inbox_for(current_user),
                           age_in_days=age_in_days)


@bp.route("/inbox/<string:kind>/<int:object_id>/decision", methods=["POST"])
@permission_required("finance.view")
def inbox_decide(kind: str, object_id: int):
    """Decide one request from the inbox (the kind's own rules through the flow)."""
    decide_from_page(kind, object_id, current_user, request.form.get("verdict", ""),
                     request.form.get("note", ""))
    return redirect(url_for("finance.inbox"))
