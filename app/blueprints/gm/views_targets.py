"""经营目标 page: the month's grid (store × revenue, guests, card sales, note) saved all or
nothing, copy last month; and the store manager's card of their store's month target
(templates/gm/_store_target_card.html, on the store's front page)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.gm import bp
from app.blueprints.gm import targets as service
from app.extensions import db
from app.permissions import can_see_store, permission_required, store_scope
from app.stores import list_stores
from app.validation import InputError

FIELDS = (*service.MEASURES, "note")


class CsrfForm(FlaskForm):
    """Only the CSRF token: the grid's fields are read from the request."""


def parse_month_arg(value: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _month(today: date) -> date:
    month = request.values.get("month")
    if month:
        parsed = parse_month_arg(month)
        if parsed is None:
            abort(400)
        return parsed
    return today.replace(day=1)


def _stores():
    return db.session.scalars(list_stores(store_scope(current_user))).all()


@bp.route("/targets")
@permission_required("target.manage")
def targets():
    """The month's targets of every store, editable while the month has not ended."""
    today = service.tenant_today()
    return _page(_month(today), today, _stores(), CsrfForm(), {}, {})


@bp.route("/targets", methods=["POST"], endpoint="target_save")
@permission_required("target.manage")
def target_save():
    """Save the whole grid or none of it (the page again with each bad field marked)."""
    today = service.tenant_today()
    month, stores = _month(today), _stores()
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    rows, typed = [], {}
    for store in stores:
        names = {field: f"t-{store.id}-{field}" for field in FIELDS}
        if not any(name in request.form for name in names.values()):
            continue
        row = {"store_id": store.id}
        for field, name in names.items():
            typed[name] = row[field] = request.form.get(name, "")
        rows.append(row)
    try:
        changed = service.save_targets(month, rows, current_user, [s.id for s in stores],
                                       today=today)
    except InputError as exc:
        db.session.rollback()
        errors = {_grid_name(rows, key): message for key, message in exc.fields.items()}
        flash(_("有 %(n)d 处填写有误，未保存", n=len(errors)), "danger")
        return _page(month, today, stores, form, errors, typed)
    db.session.commit()
    flash(_("经营目标已保存（%(n)d 家门店有修改）", n=changed), "success")
    return redirect(url_for("gm.targets", month=month.strftime("%Y-%m")))


@bp.route("/targets/copy", methods=["POST"])
@permission_required("target.manage")
def target_copy():
    """Give the stores without a target this month last month's."""
    today = service.tenant_today()
    month = _month(today)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        added = service.copy_previous_month(month, current_user, [s.id for s in _stores()],
                                            today=today)
    except InputError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(str(message), "danger")
        return redirect(url_for("gm.targets", month=month.strftime("%Y-%m")))
    db.session.commit()
    flash(_("已从上月复制 %(n)d 家门店的目标", n=added) if added
          else _("上月没有可复制的目标（或各店本月已有目标）"), "success" if added else "info")
    return redirect(url_for("gm.targets", month=month.strftime("%Y-%m")))


def _page(month, today, stores, form, errors: dict[str, str], typed: dict[str, str]):
    ids = [s.id for s in stores]
    current = service.targets_for(month, ids)
    # The month to date of the stores with a target (a month begun: before, nothing to show).
    progress = service.target_progress(month, ids, today, only_with_target=True) \
        if month <= today and current else []
    return render_template(
        "gm/targets.html", month=month, stores=stores, current=current, typed=typed,
        progress=progress, store_names={s.id: s.name for s in stores},
        errors=errors, form=form, may_edit=service.may_edit_month(month, today),
        previous=service.previous_month(month), following=service.next_month(month),
        month_error=errors.get("month")), 422 if errors else 200


def _grid_name(rows: list[dict], key: str) -> str:
    """``targets.<i>.revenue`` -> the grid input's name."""
    parts = key.split(".")
    if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
        return f"t-{rows[int(parts[1])]['store_id']}-{parts[2]}"
    return key


@bp.app_template_global("store_target_card")
def store_target_card(store):
    """This month's target of ``store`` with the month to date, for the store's front page:
    for the people of the store (a store role holding report.view or store.view), not for
    head office (they have the dashboard).  None when there is nothing to show; one
    statement when the store has no target."""
    if store is None or not current_user.is_authenticated:
        return None
    if store_scope(current_user) is None or not can_see_store(current_user, store.id):
        return None
    if not (current_user.can("report.view") or current_user.can("store.view")):
        return None
    today = service.tenant_today()
    found = service.target_progress(today.replace(day=1), [store.id], today,
                                    only_with_target=True)
    return found[0] if found else None
