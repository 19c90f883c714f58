"""客户回访: the store manager's week — who to call (suggestions), the plan, each contact.
Phone-sized: the manager calls from this page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.service import bp
from app.blueprints.service import care as service
from app.blueprints.service.dates import monday_of, parse_day, zone
from app.blueprints.service.labels import (
    CARE_CHANNEL_LABELS,
    CARE_OUTCOME_LABELS,
    CARE_REASON_LABELS,
)
from app.blueprints.service.models_guests import CarePlanEntry
from app.blueprints.service.scope import visible_stores
from app.blueprints.store.customer_privacy import guests_with_visible_contact, mask_phone
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope


def _store_and_week(source):
    scope = store_scope(current_user)
    store_id = source.get("store_id", type=int)
    if store_id is not None:
        store = get_in_scope_or_404(Store, store_id)
    else:
        stores = visible_stores(scope)
        if not stores:
            abort(404)
        store = stores[0]
    raw = source.get("week")
    day = parse_day(raw)
    if raw and day is None:
        abort(400)
    return store, monday_of(day or today_for_store())


def _phones(store: Store, customers) -> dict[int, tuple[str, bool]]:
    """customer id -> (phone as the viewer may read it, full?) — customer_privacy's rule."""
    customers = {c.id: c for c in customers}
    visible = guests_with_visible_contact(current_user, customers.values())
    return {cid: (c.phone if cid in visible else mask_phone(c.phone), cid in visible)
            for cid, c in customers.items()}


@bp.route("/care")
@permission_required("care.manage")
def care():
    """``?store_id=`` (default: the first of the reader's stores), ``?week=`` any day of
    the week (default: this week)."""
    store, week = _store_and_week(request.args)
    today = today_for_store()
    suggested = service.suggestions(store.id, week, today)
    plan = service.week_plan(store.id, week)
    missing = [s for s in suggested if s.must]
    phones = _phones(store, [s.customer for s in suggested] + [row.customer for row in plan])
    return render_template(
        "service/care.html", store=store, week=week, week_end=week + timedelta(days=6),
        previous=week - timedelta(days=7), following=week + timedelta(days=7),
        suggested=suggested, plan=plan, missing=missing, phones=phones,
        done=sum(row.reached for row in plan), stores=visible_stores(store_scope(current_user)),
        reasons=CARE_REASON_LABELS, channels=CARE_CHANNEL_LABELS, outcomes=CARE_OUTCOME_LABELS,
        form=FlaskForm(), now=datetime.now(zone()).strftime("%Y-%m-%dT%H:%M"))


def _back(store_id: int, week, anchor: str = ""):
    return redirect(url_for("service.care", store_id=store_id, week=week.isoformat()) + anchor)


@bp.route("/care/plan", methods=["POST"])
@permission_required("care.manage")
def care_plan_add():
    if not FlaskForm().validate_on_submit():
        abort(400)
    store, week = _store_and_week(request.form)
    customer_id = request.form.get("customer_id", type=int)
    try:
        service.add_to_plan(store.id, week, customer_id, today_for_store(), actor=current_user)
    except service.CareError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已加入本周回访计划"), "success")
    return _back(store.id, week, "#plan")


@bp.route("/care/entries/<int:care_entry_id>/contacts", methods=["POST"])
@permission_required("care.manage")
def care_contact(care_entry_id: int):
    entry = get_in_scope_or_404(CarePlanEntry, care_entry_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    raw = request.form.get("contacted_at", "").strip()
    contacted_at = None
    if raw:
        try:
            contacted_at = datetime.fromisoformat(raw).replace(tzinfo=zone()).astimezone(UTC)
        except ValueError:
            flash(_("回访时间格式不对"), "danger")
            return _back(entry.store_id, entry.week, f"#entry-{entry.id}")
    try:
        service.record_contact(entry, channel=request.form.get("channel", ""),
                               outcome=request.form.get("outcome", ""),
                               note=request.form.get("note", ""), contacted_at=contacted_at,
                               actor=current_user)
    except service.CareError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
    else:
        db.session.commit()
        flash(_("回访已记录"), "success")
    return _back(entry.store_id, entry.week, f"#entry-{entry.id}")
