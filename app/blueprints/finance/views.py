"""财务部: landing page (the stores the department accounts for, by city), and the
daily closings (日结) of every store."""

from datetime import date, timedelta
from itertools import groupby

from flask import abort, render_template, request
from flask_login import current_user

from app.blueprints.finance import bp
from app.extensions import db
from app.permissions import permission_required, store_scope
from app.stores import list_stores


@bp.route("/")
@permission_required("finance.view")
def index():
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    by_city = [(city, list(group)) for city, group in groupby(stores, key=lambda s: s.city)]
    return render_template("finance/index.html", by_city=by_city, store_count=len(stores))


@bp.route("/closings")
@permission_required("finance.view")
def closings():
    """日结 of every store in scope, newest first (``?store_id=&date_from=&date_to=``)."""
    from app.blueprints.store import closing as closing_service
    from app.blueprints.store.days import today_for_store

    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    today = today_for_store()  # the company's business date, not the server's
    try:
        date_to = date.fromisoformat(request.args.get("date_to") or today.isoformat())
        date_from = date.fromisoformat(request.args.get("date_from")
                                       or (date_to - timedelta(days=6)).isoformat())
    except ValueError:
        abort(400)
    store_id = request.args.get("store_id", type=int)
    if store_id is not None and store_id not in {s.id for s in stores}:
        abort(404)
    error = None
    try:
        rows = closing_service.list_closings(store_scope(current_user), date_from, date_to,
                                             store_id=store_id)
    except closing_service.ClosingError as exc:
        rows, error = [], exc.message
    return render_template("finance/closings.html", rows=rows, stores=stores,
                           store_id=store_id, date_from=date_from, date_to=date_to,
                           error=error)


@bp.route("/closings/<int:business_day_id>/export.xlsx")
@permission_required("finance.view")
def closing_export(business_day_id: int):
    """One store's closing as Excel (the business day is resolved in scope centrally)."""
    from app.blueprints.store import closing as closing_service
    from app.blueprints.store.models import BusinessDay
    from app.blueprints.store.views_closing import send_closing_workbook
    from app.permissions import get_in_scope_or_404

    day = get_in_scope_or_404(BusinessDay, business_day_id)
    return send_closing_workbook(closing_service.closing_of(day))


@bp.route("/card-settlement")
@permission_required("card.settlement")
def card_settlement():
    """会员卡跨店结算: per (issuing store, spending store) over business days
    ``?date_from=&date_to=`` (default: last month): what each store owes the other."""
    from flask_babel import gettext as _

    from app.blueprints.store import cards as card_service
    from app.blueprints.store.days import today_for_store

    today = today_for_store()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    try:
        date_from = date.fromisoformat(request.args.get("date_from")
                                       or last_month_end.replace(day=1).isoformat())
        date_to = date.fromisoformat(request.args.get("date_to") or last_month_end.isoformat())
    except ValueError:
        abort(400)
    error = None
    if date_from > date_to:
        error, rows = _("开始日期不能晚于结束日期"), []
    else:
        rows = card_service.card_settlement(date_from, date_to, store_scope(current_user))
    return render_template("finance/card_settlement.html", rows=rows,
                           net=card_service.net_between_stores(rows), date_from=date_from,
                           date_to=date_to, error=error)
