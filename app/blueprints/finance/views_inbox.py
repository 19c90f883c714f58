"""待我审核: what waits for this person in the one approval flow (asset counts, purchases,
expenses, payroll runs …), grouped by kind, decided in place."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import approvals
from app.blueprints.finance import bp
from app.extensions import db
from app.models import Store
from app.permissions import permission_required
from app.validation import InputError


def inbox_groups(actor) -> list[tuple[str, list[approvals.Waiting]]]:
    """``waiting_for(actor)`` grouped by kind, oldest first within each."""
    groups: dict[str, list] = {}
    for item in approvals.waiting_for(actor):
        groups.setdefault(item.kind_label, []).append(item)
    return list(groups.items())


def age_in_days(when: datetime | None) -> int | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (datetime.now(UTC) - when).days


@bp.route("/inbox")
@permission_required("finance.view")
def inbox():
    groups = inbox_groups(current_user)
    store_ids = {item.store_id for _label, items in groups for item in items}
    stores = {s.id: s for s in db.session.scalars(
        select(Store).where(Store.id.in_([i for i in store_ids if i is not None] or [-1])))}
    return render_template("finance/inbox.html", groups=groups, stores=stores,
                           age_in_days=age_in_days,
                           count=sum(len(items) for _label, items in groups))


@bp.route("/inbox/<string:kind>/<int:object_id>/decision", methods=["POST"])
@permission_required("finance.view")
def inbox_decide(kind: str, object_id: int):
    """Decide one request from the inbox (the kind's own rules through the flow)."""
    verdict = request.form.get("verdict", "")
    try:
        approvals.decide_by_name(kind, object_id, current_user, verdict,
                                 request.form.get("note", ""))
    except InputError as error:
        db.session.rollback()
        for message in error.fields.values():
            flash(str(message), "danger")
    else:
        db.session.commit()
        flash(_("已批准") if verdict == approvals.APPROVED else _("已驳回"), "success")
    return redirect(url_for("finance.inbox"))
