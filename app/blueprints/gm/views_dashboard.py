"""经营驾驶舱 pages: the chain dashboard (gm.index), a store's month and a therapist's
month of the drill-down (chain → store → therapist → the order's own page)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.blueprints.finance.pnl import parse_month_arg
from app.blueprints.gm import bp
from app.blueprints.gm import dashboard as service
from app.blueprints.gm.dashboard_labels import (
    JOB_STATUS_LABELS,
    JOB_TYPE_LABELS,
    TARGET_LABELS,
)
from app.blueprints.gm.dashboard_store import store_month, therapist_jobs
from app.blueprints.store.days import today_for_store
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope


@bp.app_template_filter("pct")
def pct(value) -> str:
    """A percentage with 1 decimal ("42.5%"); "—" when there is nothing to divide."""
    return "—" if value is None else f"{value:.1f}%"


def trend_chart(trend) -> dict:
    """The 12-month chart's data (numbers for Chart.js; the page shows exact money)."""
    return {"labels": [f"{month:%Y-%m}" for month, _f in trend],
            "revenue": [float(f.revenue) for _m, f in trend],
            "guests": [f.guests for _m, f in trend],
            "utilisation": [None if f.utilisation is None else float(f.utilisation)
                            for _m, f in trend],
            "requested_rate": [None if f.requested_rate is None else float(f.requested_rate)
                               for _m, f in trend]}


def ranking_chart(rows) -> dict:
    return {"labels": [row.store.name for row in rows],
            "revenue": [str(row.month.revenue) for row in rows],
            "target": [str(next((t.target for t in row.targets if t.name == "revenue"), 0))
                       for row in rows]}


def _month_or_404(today):
    month = parse_month_arg(request.args.get("month"), today.replace(day=1))
    if month is None:
        abort(404)
    return month


@bp.route("/")
@permission_required("gm.dashboard")
def index():
    """经营驾驶舱: today and the month to date, per store and for the chain."""
    board = service.dashboard(store_scope(current_user), today_for_store())
    return render_template("gm/index.html", board=board, target_labels=TARGET_LABELS,
                           trend=trend_chart(board.trend),
                           ranking=ranking_chart(board.ranking))


@bp.route("/dashboard/stores/<int:store_id>")
@permission_required("gm.dashboard")
def dashboard_store(store_id: int):
    """One store's month: its days and its therapists."""
    store = get_in_scope_or_404(Store, store_id)
    today = today_for_store()
    month = _month_or_404(today)
    figures = store_month(store.id, month, today)
    return render_template("gm/dashboard_store.html", store=store, figures=figures,
                           previous=service.add_months(month, -1),
                           following=service.add_months(month, 1),
                           current=today.replace(day=1))


@bp.route("/dashboard/stores/<int:store_id>/therapists/<int:employee_id>")
@permission_required("gm.dashboard")
def dashboard_therapist(store_id: int, employee_id: int):
    """One therapist's jobs of the month in the store, each with its order."""
    store = get_in_scope_or_404(Store, store_id)
    person = get_in_scope_or_404(Employee, employee_id)
    today = today_for_store()
    month = _month_or_404(today)
    jobs = therapist_jobs(store.id, person.id, month, today)
    return render_template("gm/dashboard_therapist.html", store=store, person=person,
                           month=month, jobs=jobs, job_types=JOB_TYPE_LABELS,
                           job_statuses=JOB_STATUS_LABELS)
