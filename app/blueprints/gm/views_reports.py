"""月度经营分析报告 pages: the months with their status (a progress bar while one is
being built), a month's report (chain and every store; Excel; print), the store
manager's own part from the store desk, and "重新生成"."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.gm import bp
from app.blueprints.gm import report as service
from app.blueprints.gm.models import OperatingReport
from app.blueprints.gm.report_export import report_workbook, workbook_filename
from app.extensions import db
from app.inputs import parse_month
from app.models import Store
from app.permissions import permission_required, store_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_build(user) -> bool:
    """Who is offered "生成/重新生成": job.run holders (the general manager among them;
    every holder works at head office)."""
    return user.can("job.run")


def _forecast_methods() -> dict[str, str]:
    return {"seasonal": _("季节性移动平均"), "mean": _("近 3 个月平均"), "none": _("数据不足")}


def _report_or_404(month_text: str) -> OperatingReport:
    month = parse_month(month_text)
    if month is None:
        abort(404)
    report = service.report_for(month)
    if report is None:
        abort(404)
    return report


def _list_context():
    reports = list(db.session.scalars(
        select(OperatingReport).order_by(OperatingReport.month.desc()).limit(36)))
    jobs = service.jobs_of(reports)
    rows = [(r, *service.display_status(r, jobs)) for r in reports]
    building = any(status in ("queued", "running") for _r, status, _p, _m in rows)
    return {"rows": rows, "building": building, "labels": service.status_labels()}


@bp.route("/reports")
@permission_required("report.view")
def reports():
    if store_scope(current_user) is not None:
        # A store's reader sees their store's part only (the desk's page).
        return redirect(url_for("gm.report_store"))
    return render_template("gm/reports.html", can_build=may_build(current_user),
                           **_list_context())


# Building is starting a job: job.run (head-office roles only; the general manager
# holds it).  Rebuilding shows nothing of the report, so job.run alone is asked.
@bp.route("/reports", methods=["POST"])
@permission_required("job.run")
def report_build():
    month = parse_month(request.form.get("month"))
    if month is None:
        flash(_("请选择月份"), "danger")
        return redirect(url_for("gm.reports"))
    _report, record = service.request_report(month, current_user.id)
    db.session.commit()
    flash(_("%(month)s 的报告已开始生成", month=service.month_text(month)) if record
          else _("该月报告正在生成"), "success")
    return redirect(url_for("gm.reports"))


@bp.route("/reports/rows")
@permission_required("report.view")
def report_rows():
    """The list's rows alone, polled while a report is being built."""
    if store_scope(current_user) is not None:
        abort(404)
    return render_template("gm/report_rows.html", **_list_context())


@bp.route("/reports/<month>")
@permission_required("report.view")
def report(month: str):
    found = _report_or_404(month)
    if store_scope(current_user) is not None:
        return redirect(url_for("gm.report_store", month=month))
    return _render(found, found.content["stores"] if found.content else [], chain=True)


def _render(found: OperatingReport, parts: list[dict], chain: bool, store=None):
    jobs = service.jobs_of([found])
    status, percent, message = service.display_status(found, jobs)
    return render_template("gm/report.html", report=found, content=found.content,
                           parts=parts, chain=chain, status=status, percent=percent,
                           message=message, labels=service.status_labels(),
                           methods=_forecast_methods(), can_build=may_build(current_user)
                           and store_scope(current_user) is None, store=store)


@bp.route("/reports/<month>/rebuild", methods=["POST"])
@permission_required("job.run")
def report_rebuild(month: str):
    found = _report_or_404(month)
    _report, record = service.request_report(found.month, current_user.id)
    db.session.commit()
    flash(_("已开始重新生成") if record else _("该月报告正在生成"), "success")
    return redirect(url_for("gm.reports"))


@bp.route("/reports/<month>/export.xlsx")
@permission_required("report.view")
def report_export(month: str):
    found = _report_or_404(month)
    scope = store_scope(current_user)
    if not found.content:
        return redirect(url_for("gm.report", month=month))
    parts = [p for p in found.content["stores"] if scope is None or p["store_id"] in scope]
    data = report_workbook(found.content, parts, with_chain=scope is None)
    code = parts[0]["code"] if scope is not None and parts else None
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=workbook_filename(found.content["month"], code))


@bp.route("/reports/store")
@permission_required("report.view")
def report_store():
    """The store desk's 经营报告: one store's part of a month's report (default: the
    latest built), ``?store_id=`` within the reader's stores (another store: 404)."""
    scope = store_scope(current_user)
    store_id = request.args.get("store_id", type=int)
    stmt = select(Store).order_by(Store.code, Store.id)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    stores = list(db.session.scalars(stmt))
    if store_id is None:
        if not stores:
            abort(404)
        store_id = stores[0].id
    elif store_id not in {s.id for s in stores}:
        abort(404)
    month_arg = request.args.get("month")
    if month_arg:
        found = _report_or_404(month_arg)
    else:
        # The latest month with content (one being rebuilt keeps its last content).
        found = next((r for r in db.session.scalars(
            select(OperatingReport).order_by(OperatingReport.month.desc()).limit(3))
            if r.content), None)
    # The store's desk menu comes along (the page is one of the desk's, under 店务).
    store = next(s for s in stores if s.id == store_id)
    part = service.store_in(found, store_id) if found is not None else None
    if part is None:
        return render_template("gm/report_store_empty.html", stores=stores,
                               store_id=store_id, store=store)
    return _render(found, [part], chain=False, store=store)
