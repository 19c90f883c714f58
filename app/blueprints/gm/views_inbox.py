"""待我审批 of the general manager: everything waiting for this person in the one approval
flow (expenses and purchases above threshold, payroll runs, write-offs, level changes
…), decided in place with a note — the shared listing and decision of
app/approvals_inbox.py (finance's inbox shows the same)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.approvals_inbox import age_in_days, decide_from_page, inbox_for
from app.blueprints.gm import bp
from app.permissions import permission_required


@bp.route("/inbox")
@permission_required("gm.dashboard")
def inbox():
    return render_template("gm/inbox.html", inbox=inbox_for(current_user),
                           age_in_days=age_in_days)


@bp.route("/inbox/<string:kind>/<int:object_id>/decision", methods=["POST"])
@permission_required("gm.dashboard")
def inbox_decide(kind: str, object_id: int):
    """Decide one request here; the flow's rules hold (nobody decides their own)."""
    decide_from_page(kind, object_id, current_user, request.form.get("verdict", ""),
                     request.form.get("note", ""))
    return redirect(url_for("gm.inbox"))
