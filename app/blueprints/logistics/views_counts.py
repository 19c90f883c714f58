"""资产盘点 pages: the list (with the overdue flag and the by-hand opening), the
phone-sized counting page, closing, finance's review, the Excel export, settings.

Thin: the rules are in counting.py, reconciliation.py and settings.py.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.blueprints.logistics import bp, counting, reconciliation
from app.blueprints.logistics import count_views_data as data
from app.blueprints.logistics.jobs import start_open_counts
from app.blueprints.logistics.labels import ASSET_RESULT_LABELS, COUNT_STATUS_LABELS
from app.blueprints.logistics.models import COUNT_OPEN, COUNT_STATUSES, AssetCount
from app.blueprints.logistics.settings import (
    SETTINGS,
    logistics_settings,
    save_logistics_settings,
    tenant_today,
)
from app.extensions import db
from app.jobs.models import JobRecord
from app.models import Store
from app.permissions import permission_required, register_path_resolver, store_scope
from app.validation import InputError


def _resolve_line_id(view_args):
    """``line_id`` names an order line (the store's path object) except in a count's
    URLs, where it is a line of that count: another count's line is a 404."""
    from app.blueprints.logistics.models import AssetCountLine
    from app.permissions import PATH_OBJECTS, get_in_scope_or_404

    if "count_id" not in view_args:
        return get_in_scope_or_404(PATH_OBJECTS["line_id"], view_args["line_id"])
    count = get_in_scope_or_404(AssetCount, view_args["count_id"])
    line = db.session.get(AssetCountLine, view_args["line_id"])
    if line is None or line.count_id != count.id:
        abort(404)
    return line


register_path_resolver("line_id", _resolve_line_id)


def _check_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


def _stores(scope):
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt))


def _int_arg(name: str) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/counts")
@permission_required("logistics.view")
def counts():
    """资产盘点 list: store, period, status, figures, overdue badge."""
    scope = store_scope(current_user)
    period = None
    if request.args.get("period"):
        try:
            period = date.fromisoformat(request.args["period"] + "-01")
        except ValueError:
            period = None
    status = request.args.get("status") if request.args.get("status") in COUNT_STATUSES \
        else None
    filters = data.CountFilters(store_id=_int_arg("store_id"), period=period, status=status)
    rows = list(db.session.scalars(data.counts_query(filters, scope).limit(300)))
    today = tenant_today()
    overdue = reconciliation.overdue_counts(today, store_ids=scope)
    job = None
    job_id = _int_arg("job")
    if job_id is not None:
        job = db.session.get(JobRecord, job_id)
    return render_template(
        "logistics/counts.html", rows=rows, progress=data.with_progress(rows),
        overdue=overdue, overdue_ids={c.id for c in overdue}, filters=filters,
        stores=_stores(scope), statuses=COUNT_STATUS_LABELS, job=job,
        next_period=counting.period_for(today), label=counting.count_label,
        settings=logistics_settings(), form=FlaskForm())


@bp.route("/counts/open", methods=["POST"])
@permission_required("asset_count.close")
def count_open():
    """开始盘点 by hand (the job posts depreciation and opens a count per store); a
    store manager opens their own stores' counts only."""
    _check_csrf()
    scope = store_scope(current_user)
    record = start_open_counts(counting.period_for(tenant_today()),
                               sorted(scope) if scope is not None else None)
    db.session.commit()
    flash(_("已开始：正在为各门店计提折旧并生成盘点表"), "success")
    return redirect(url_for("logistics.counts", job=record.id))


@bp.route("/counts/progress")
@permission_required("logistics.view")
def count_job_progress():
    """The opening job's progress (htmx, every second); reloads the page when done."""
    job = db.session.get(JobRecord, _int_arg("job") or -1)
    if job is None or job.kind != counting.OPEN_JOB:
        abort(404)
    response = make_response(render_template("logistics/_count_job.html", job=job))
    if request.headers.get("HX-Request") and job.is_done:
        response.headers["HX-Refresh"] = "true"
    return response


@bp.route("/counts/store")
@permission_required("asset_count.count")
def store_count():
    """From the store desk: the store's open count, else the list of open ones."""
    scope = store_scope(current_user)
    store_id = _int_arg("store_id")
    stmt = select(AssetCount).where(AssetCount.status == COUNT_OPEN) \
        .order_by(AssetCount.period.desc())
    if scope is not None:
        stmt = stmt.where(AssetCount.store_id.in_(sorted(scope) or [-1]))
    if store_id is not None:
        stmt = stmt.where(AssetCount.store_id == store_id)
    found = list(db.session.scalars(stmt.limit(100)))
    if store_id is not None and found:
        return redirect(url_for("logistics.count_detail", count_id=found[0].id))
    stores = {s.id: s for s in _stores(scope)}
    return render_template("logistics/counts_store.html", counts=found, stores=stores,
                           label=counting.count_label, progress=data.with_progress(found))


def _page(count: AssetCount, template: str, status: int = 200, **extra):
    by_room, surplus, consumables = data.grouped_lines(count.id)
    done = counting.progress_of([count.id])[count.id]
    store = db.session.get(Store, count.store_id)
    return render_template(
        template, count=count, store=store, by_room=by_room, surplus=surplus,
        consumables=consumables, done=done, label=counting.count_label(count.period),
        results=ASSET_RESULT_LABELS, statuses=COUNT_STATUS_LABELS,
        overdue=count.id in reconciliation.overdue_ids(tenant_today(), {count.store_id}),
        form=FlaskForm(), **extra), status


@bp.route("/counts/<int:count_id>")
@permission_required("asset_count.count")
def count_detail(count_id: int):
    """The counting page (phone-sized): tag input, lines by room, consumables, surplus."""
    count = db.get_or_404(AssetCount, count_id)
    return _page(count, "logistics/count_detail.html",
                 surplus_tag=request.args.get("surplus_tag", "")[:32])


def _back(count_id: int, anchor: str = "", **args):
    return redirect(url_for("logistics.count_detail", count_id=count_id, **args) + anchor)


@bp.route("/counts/<int:count_id>/scan", methods=["POST"])
@permission_required("asset_count.count")
def count_scan(count_id: int):
    _check_csrf()
    count = db.get_or_404(AssetCount, count_id)
    try:
        found = counting.scan(count, request.form.get("tag_code", ""), current_user)
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(count_id)
    db.session.commit()
    if found.outcome in ("marked", "already"):
        flash(found.message, "success")
        return _back(count_id)
    flash(found.message, "warning")
    return _back(count_id, "#surplus", surplus_tag=found.tag_code)


@bp.route("/counts/<int:count_id>/lines/<int:line_id>", methods=["POST"])
@permission_required("asset_count.count")
def count_line(count_id: int, line_id: int):
    """在位 / 缺失 / 损坏 buttons, a consumable's quantity, a note."""
    _check_csrf()
    count = db.get_or_404(AssetCount, count_id)
    line = counting.line_of(count, line_id)
    if line is None:
        abort(404)
    try:
        if "result" in request.form:
            counting.mark_line(count, line, request.form["result"], current_user,
                               request.form.get("note"))
        elif "counted_quantity" in request.form:
            counting.set_counted_quantity(count, line, request.form["counted_quantity"],
                                          current_user)
        elif "note" in request.form:
            counting.set_note(count, line, request.form["note"])
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(count_id)
    db.session.commit()
    return _back(count_id, f"#line-{line_id}")


@bp.route("/counts/<int:count_id>/surplus", methods=["POST"])
@permission_required("asset_count.count")
def count_surplus(count_id: int):
    _check_csrf()
    count = db.get_or_404(AssetCount, count_id)
    try:
        counting.add_surplus(count, request.form.get("name", ""), current_user,
                             request.form.get("tag_code", ""), request.form.get("note", ""))
    except InputError as exc:
        db.session.rollback()
        return _page(count, "logistics/count_detail.html", 422,
                     errors={k: str(v) for k, v in exc.fields.items()},
                     surplus_form=request.form, surplus_tag=request.form.get("tag_code", ""))
    db.session.commit()
    flash(_("已登记盘盈"), "success")
    return _back(count_id, "#surplus")


@bp.route("/counts/<int:count_id>/close", methods=["POST"])
@permission_required("asset_count.close")
def count_close(count_id: int):
    """结束盘点: queues the reconciliation; uncounted assets need the confirmation box."""
    _check_csrf()
    count = db.get_or_404(AssetCount, count_id)
    try:
        counting.close_count(count, current_user,
                             confirm_uncounted=request.form.get("confirm_uncounted") == "1")
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(count_id, "#close")
    db.session.commit()
    flash(_("已结束盘点，正在核对，核对后交财务审核"), "success")
    return _back(count_id)


# --------------------------------------------------------------------------- review


@bp.route("/counts/<int:count_id>/review", methods=["GET", "POST"])
@permission_required("asset_count.review")
def count_review(count_id: int):
    """财务审核: the figures and the lines with a variance; approve or send back."""
    count = db.get_or_404(AssetCount, count_id)
    if request.method == "POST":
        _check_csrf()
        verdict = request.form.get("verdict")
        try:
            if verdict == "approve":
                reconciliation.approve(count, current_user, request.form.get("note", ""))
                message = _("已审核通过，盘点结果已过账")
            elif verdict == "send_back":
                reconciliation.send_back(count, current_user, request.form.get("note", ""))
                message = _("已退回门店重新盘点")
            else:
                abort(400)
        except InputError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("logistics.count_review", count_id=count_id))
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("logistics.count_review", count_id=count_id))
    return _page(count, "logistics/count_review.html")


def _xlsx(count: AssetCount):
    store = db.session.get(Store, count.store_id)
    response = make_response(data.export_count(count, store.name))
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="asset-count-{store.code}-{count.period:%Y-%m}.xlsx"')
    return response


@bp.route("/counts/<int:count_id>/export.xlsx")
@permission_required("logistics.view")
def count_export(count_id: int):
    return _xlsx(db.get_or_404(AssetCount, count_id))


@bp.route("/counts/<int:count_id>/review/export.xlsx")
@permission_required("asset_count.review")
def count_review_export(count_id: int):
    return _xlsx(db.get_or_404(AssetCount, count_id))


# --------------------------------------------------------------------------- settings


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("asset.manage")
def settings():
    """后勤设置: when the monthly count opens and when it is overdue."""
    values = logistics_settings().as_dict()
    errors: dict = {}
    status = 200
    if request.method == "POST":
        _check_csrf()
        posted = {name: request.form.get(name, "") for name in SETTINGS}
        try:
            save_logistics_settings(posted, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()}
            values.update(posted)
            status = 422
        else:
            db.session.commit()
            flash(_("设置已保存"), "success")
            return redirect(url_for("logistics.settings"))
    return render_template("logistics/settings.html", settings=SETTINGS, values=values,
                           errors=errors, form=FlaskForm()), status
