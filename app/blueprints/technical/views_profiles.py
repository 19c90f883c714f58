"""技师档案 pages: the list of therapists (search, store filter) and one therapist's file
with the period's figures and the 12-month trend (app/blueprints/technical/profiles.py)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.blueprints.hr.common import Page, stores, tenant_today
from app.blueprints.hr.employee_lists import EmployeeFilters, employee_query
from app.blueprints.technical import bp, profiles
from app.extensions import db
from app.models import Employee
from app.permissions import permission_required, store_scope

PAGE_SIZE = 50


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# The tab's endpoint is ``technical.profiles`` (nav.py); the function has another name
# so as not to shadow the profiles module.
@bp.route("/profiles", endpoint="profiles")
@permission_required("technical.view")
def profiles_list():
    """技师档案: therapists in the viewer's stores, by 工号 or name, one store or all."""
    scope = store_scope(current_user)
    visible_stores = [s for s in stores() if scope is None or s.id in scope]
    store_id = _int_arg("store_id")
    if store_id is not None and all(s.id != store_id for s in visible_stores):
        store_id = None
    search = request.args.get("q", "").strip()[:32]
    query = (employee_query(EmployeeFilters(role="therapist", store_id=store_id, search=search,
                                            search_phone=False), scope)
             .where(Employee.status != "left")
             .options(joinedload(Employee.level)))
    page_no = max(1, _int_arg("page") or 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(PAGE_SIZE).offset((page_no - 1) * PAGE_SIZE)).all()
    page = Page(list(items), page_no, PAGE_SIZE, total or 0)
    month = profiles.resolve_period("this_month")
    figures = profiles.month_jobs_of([e.id for e in page.items], month.start, month.end)
    return render_template("technical/profiles.html", page=page, stores=visible_stores,
                           store_id=store_id, q=search, figures=figures,
                           empty=profiles.JobFigures())


@bp.route("/profiles/<int:employee_id>")
@permission_required("technical.view")
def profile(employee_id: int):
    """One therapist's 技师档案 (store scope: another store's therapist is a 404)."""
    employee = profiles.therapist_in_scope(employee_id, store_scope(current_user))
    if employee is None:
        abort(404)
    today = tenant_today()
    error = None
    try:
        period = profiles.resolve_period(request.args.get("period"), request.args.get("start"),
                                         request.args.get("end"), today)
    except profiles.ProfileError as exc:
        error = exc
        period = profiles.resolve_period("this_month", today=today)
    data = profiles.therapist_profile(employee, period, today)
    return render_template(
        "technical/profile.html", p=data, error=error,
        period_keys=profiles.PERIOD_KEYS, period_labels=profiles.PERIOD_LABELS,
        custom_start=request.args.get("start", "") if error else period.start.isoformat(),
        custom_end=request.args.get("end", "") if error else period.end.isoformat(),
        labels=profiles)
