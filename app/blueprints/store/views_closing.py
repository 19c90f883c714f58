"""日结 pages of the front desk: preview a business day, lock it, re-open it, export it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

from app.blueprints.store import bp
from app.blueprints.store import closing as service
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BusinessDay
from app.extensions import db
from app.models.org import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.stores import list_stores

RECENT_DAYS = 14


class LockDayForm(FlaskForm):
    business_date = DateField(_l("营业日"), validators=[DataRequired()])


class ReopenDayForm(FlaskForm):
    reason = StringField(_l("重新打开的原因"), validators=[DataRequired(), Length(max=255)])


def _day_of_store(store_id: int, business_day_id: int) -> tuple[Store, BusinessDay]:
    store = get_in_scope_or_404(Store, store_id)
    day = get_in_scope_or_404(BusinessDay, business_day_id)
    if day.store_id != store.id:
        abort(404)
    return store, day


def _flash_errors(fields: dict[str, str]) -> None:
    """The page redirects after a POST: its errors travel as flashed messages."""
    for message in fields.values():
        flash(message, "danger")


def _requested_date(today: date) -> date:
    raw = request.args.get("date")
    if not raw:
        return today
    try:
        wanted = date.fromisoformat(raw)
    except ValueError:
        flash(_("日期格式应为 YYYY-MM-DD"), "danger")
        return today
    if wanted > today:
        flash(_("不能查看尚未到来的营业日"), "warning")
        return today
    return wanted


@bp.route("/closing")
@permission_required("closing.run")
def closing():
    """日结 preview of one store's business day (``?store_id=&date=``, default: the
    first store in scope, today), like the room board's store picker."""
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    store_id = request.args.get("store_id", type=int)
    if store_id is None:
        if not stores:
            return render_template("store/closing.html", stores=[], store=None)
        store = stores[0]
    else:
        store = get_in_scope_or_404(Store, store_id)
    today = today_for_store()
    business_date = _requested_date(today)
    day = get_business_day(store.id, business_date, create=False)
    summary = service.closing_of(day) if day is not None else None
    recent = {d.business_date: d for d in db.session.scalars(
        select(BusinessDay).where(BusinessDay.store_id == store.id,
                                  BusinessDay.business_date > today - timedelta(days=RECENT_DAYS))
    )}
    recent_days = [(today - timedelta(days=n), recent.get(today - timedelta(days=n)))
                   for n in range(RECENT_DAYS)]
    return render_template(
        "store/closing.html", stores=stores, store=store, day=day, summary=summary,
        business_date=business_date, today=today, recent_days=recent_days,
        lock_form=LockDayForm(business_date=business_date), reopen_form=ReopenDayForm(),
        mismatch_labels=service.MISMATCH_LABELS)


@bp.route("/<int:store_id>/closing/lock", methods=["POST"])
@permission_required("closing.run")
def closing_lock(store_id: int):
    """日结: lock the day named in the form; its figures are kept as they are now."""
    store = get_in_scope_or_404(Store, store_id)
    form = LockDayForm()
    if not form.validate_on_submit():
        flash(_("请选择要日结的营业日"), "danger")
        return redirect(url_for("store.closing", store_id=store.id))
    try:
        day = service.lock_day(store.id, form.business_date.data, actor=current_user)
    except service.ClosingError as exc:
        db.session.rollback()
        _flash_errors(exc.fields)
    else:
        db.session.commit()
        flash(_("%(date)s 已日结", date=day.business_date.isoformat()), "success")
    return redirect(url_for("store.closing", store_id=store.id,
                            date=form.business_date.data.isoformat()))


@bp.route("/<int:store_id>/closing/<int:business_day_id>/reopen", methods=["POST"])
@permission_required("closing.reopen")
def closing_reopen(store_id: int, business_day_id: int):
    """反结: the store manager re-opens a locked day, with a reason (audited)."""
    store, day = _day_of_store(store_id, business_day_id)
    form = ReopenDayForm()
    try:
        if not form.validate_on_submit():
            raise service.ClosingError.on("reason", _("请填写重新打开的原因（最多 255 字）"))
        service.reopen_day(day, form.reason.data, actor=current_user)
    except service.ClosingError as exc:
        db.session.rollback()
        _flash_errors(exc.fields)
    else:
        db.session.commit()
        flash(_("%(date)s 已重新打开，改完后请重新日结", date=day.business_date.isoformat()),
              "warning")
    return redirect(url_for("store.closing", store_id=store.id,
                            date=day.business_date.isoformat()))


@bp.route("/<int:store_id>/closing/<int:business_day_id>/export.xlsx")
@permission_required("closing.run")
def closing_export(store_id: int, business_day_id: int):
    """The closing as an Excel file (the locked snapshot, or live figures)."""
    _store, day = _day_of_store(store_id, business_day_id)
    return send_closing_workbook(service.closing_of(day))


def send_closing_workbook(summary: dict):
    """Answer with the .xlsx of a closing (also used by finance)."""
    import io

    return send_file(io.BytesIO(service.closing_workbook(summary)), as_attachment=True,
                     download_name=service.workbook_filename(summary),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
