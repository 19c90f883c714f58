"""财务部: the landing page (today's takings, what waits for me), the daily closings
(日结) of every store by month and by day, and the card settlement between stores."""

from datetime import date, timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.finance import bp
from app.extensions import db
from app.models import Store
from app.permissions import permission_required, store_scope
from app.stores import list_stores


@bp.route("/")
@permission_required("finance.view")
def index():
    """The department's desk: today's takings of every store, what waits for me, links."""
    from app import approvals
    from app.blueprints.finance.takings import takings_for
    from app.blueprints.store.days import today_for_store

    takings = takings_for(today_for_store(), store_scope(current_user))
    waiting = approvals.waiting_for(current_user)
    from app.blueprints.logistics.reconciliation import overdue_count_cards

    # specs/asset-count.md: counts still open on the 5th are flagged here and on /gm/.
    return render_template("finance/index.html", takings=takings, waiting_count=len(waiting),
                           overdue_counts=overdue_count_cards(store_scope(current_user)))


@bp.route("/closings")
@permission_required("finance.view")
def closings():
    """日结 of a month (``?month=YYYY-MM``): a row per store with the month's totals, or
    (``&store_id=``) that store's days; the per-day list is ``closing_days``."""
    from app.blueprints.finance.closings_month import closings_month
    from app.blueprints.finance.pnl import month_end, parse_month_arg, previous_month
    from app.blueprints.store.days import today_for_store

    if request.args.get("date_from") or request.args.get("date_to"):
        return redirect(url_for("finance.closing_days", **request.args))
    month = parse_month_arg(request.args.get("month"), today_for_store().replace(day=1))
    if month is None:
        abort(400)
    scope = store_scope(current_user)
    store = None
    store_id = request.args.get("store_id", type=int)
    if store_id is not None:
        if scope is not None and store_id not in scope:
            abort(404)
        store = db.session.get(Store, store_id)
        if store is None:
            abort(404)
    result = closings_month(month, scope, store=store)
    if store is None:
        labels = [row.store.name for row in result.rows]
    else:
        labels = [row.day.business_date.strftime("%m-%d") for row in result.rows]
    chart = {"labels": labels, "revenue": [str(row.revenue) for row in result.rows],
             "received": [str(row.money_received) for row in result.rows]}
    return render_template("finance/closings.html", result=result, chart=chart,
                           previous=previous_month(month), following=month_end(month))


@bp.route("/closings/days")
@permission_required("finance.view")
def closing_days():
    """日结 of every store in scope, day by day (``?store_id=&date_from=&date_to=``)."""
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
    return render_template("finance/closing_days.html", rows=rows, stores=stores,
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
