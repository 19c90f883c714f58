"""投诉 for the service manager: every case with its age, overdue ones first, owner,
kind and due date set in place (the case's handling stays on store.complaint_detail)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.service import bp
from app.blueprints.service import complaints as service
from app.blueprints.service.dates import parse_day
from app.blueprints.service.labels import COMPLAINT_KIND_LABELS
from app.blueprints.service.scope import visible_stores
from app.blueprints.store.days import today_for_store
from app.blueprints.store.feedback import (
    COMPLAINT_STATUSES,
    complaint_owners,
    complaint_status_label,
)
from app.blueprints.store.models import ComplaintCase
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@bp.route("/complaints")
@permission_required("complaint.manage")
def complaints():
    """``?store_id=`` one store; ``?status=`` (default: not closed, ``all``); ``?kind=``
    a kind or ``none`` (未分类)."""
    scope = store_scope(current_user)
    store_id = request.args.get("store_id", type=int)
    selected = get_in_scope_or_404(Store, store_id) if store_id is not None else None
    status = request.args.get("status", "unclosed")
    if status not in (*COMPLAINT_STATUSES, "unclosed", "all"):
        status = "unclosed"
    kind = request.args.get("kind") or None
    if kind not in (*service.COMPLAINT_KINDS, "none", None):
        kind = None
    today = today_for_store()
    rows, total = service.list_cases(scope, today, store_id=selected.id if selected else None,
                                     status=None if status == "all" else status, kind=kind)
    owners = {sid: complaint_owners(sid) for sid in {row.case.store_id for row in rows}}
    return render_template("service/complaints.html", rows=rows, total=total,
                           stores=visible_stores(scope), selected=selected, status=status,
                           kind=kind, statuses=COMPLAINT_STATUSES, kinds=COMPLAINT_KIND_LABELS,
                           status_label=complaint_status_label, owners=owners, today=today,
                           summary=service.summary(scope, today), form=FlaskForm(),
                           limit=service.LIST_LIMIT)


@bp.route("/complaints/<int:complaint_id>/assign", methods=["POST"])
@permission_required("complaint.manage")
def complaint_assign(complaint_id: int):
    """Owner, due date and kind of one case, from its row of the list."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    form = FlaskForm()
    back = request.form.get("next") or ""
    if not back.startswith("/service/"):
        back = url_for("service.complaints")
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后再试"), "danger")
        return redirect(back)
    owner = request.form.get("owner_account_id", "").strip()
    due = request.form.get("due_on", "").strip()
    errors = {}
    due_on = parse_day(due)
    if due and due_on is None:
        errors["due_on"] = _("日期格式不对")
    try:
        if errors:
            raise service.ComplaintFollowUpError(errors)
        service.assign(case, owner_account_id=int(owner) if owner.isdigit() else None,
                       due_on=due_on, kind=request.form.get("kind") or None,
                       actor=current_user)
    except service.ComplaintFollowUpError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(_("投诉 %(id)s：%(message)s", id=complaint_id, message=message), "danger")
    else:
        db.session.commit()
        flash(_("投诉 %(id)s 的负责人、期限和类别已保存", id=complaint_id), "success")
    return redirect(back + f"#case-{complaint_id}")
