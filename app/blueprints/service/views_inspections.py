"""门店检查 pages: the inspections, checklist templates, scoring a store, follow-up
actions (整改; the store completes them on service.follow_ups) and the 卫生评比."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.service import bp
from app.blueprints.service import disinfection as disinfection_rules
from app.blueprints.service import inspections as rules
from app.blueprints.service.desk import chosen_store, parse_day, parse_month, visible_stores
from app.blueprints.service.disinfection import local_today as tenant_today
from app.blueprints.service.labels import (
    DISINFECTION_ITEM_LABELS,
    DISINFECTION_METHOD_LABELS,
    PERIOD_LABELS,
    TEMPLATE_KIND_LABELS,
    TEMPLATE_STATUS_LABELS,
)
from app.blueprints.service.models_inspections import (
    TEMPLATE_ACTIVE,
    TEMPLATE_KINDS,
    FollowUpAction,
    Inspection,
    InspectionTemplate,
)
from app.extensions import db
from app.models import Employee, Room, Store
from app.permissions import (
    get_in_scope_or_404,
    permission_required,
    register_path_object,
    store_scope,
)
from app.tenancy import current_tenant_id

register_path_object("inspection_template_id", InspectionTemplate)
register_path_object("inspection_id", Inspection)
register_path_object("follow_up_id", FollowUpAction)


def _labels() -> dict:
    return {"kind_labels": TEMPLATE_KIND_LABELS, "template_status_labels": TEMPLATE_STATUS_LABELS,
            "item_labels": DISINFECTION_ITEM_LABELS, "method_labels": DISINFECTION_METHOD_LABELS,
            "period_labels": PERIOD_LABELS}


@bp.route("/inspections")
@permission_required("service.view")
def inspections():
    """Inspections, newest first, with open and overdue follow-ups; per-store overdue counts."""
    today = tenant_today()
    scope = store_scope(current_user)
    stores = visible_stores()
    store_id = request.args.get("store_id", type=int)
    month = parse_month(request.args.get("month"), today) if request.args.get("month") else None
    rows = rules.list_inspections(scope, today, store_id=store_id, month=month)
    overdue = rules.overdue_counts(scope, today)
    templates = list(db.session.scalars(
        select(InspectionTemplate).where(InspectionTemplate.status == TEMPLATE_ACTIVE)
        .order_by(InspectionTemplate.kind, InspectionTemplate.name)))
    return render_template("service/inspections.html", rows=rows, stores=stores,
                           store_id=store_id, month=month, overdue=overdue,
                           templates=templates, today=today, **_labels())


@bp.route("/inspections/templates")
@permission_required("service.view")
def inspection_templates():
    templates = list(db.session.scalars(
        select(InspectionTemplate).order_by(InspectionTemplate.status, InspectionTemplate.kind,
                                            InspectionTemplate.name,
                                            InspectionTemplate.version.desc())))
    items = {t.id: rules.template_items(t.id) for t in templates}
    return render_template("service/inspection_templates.html", templates=templates,
                           items=items, **_labels())


def _template_form(template: InspectionTemplate | None):
    errors, values = {}, {}
    if request.method == "POST":
        values = {"kind": request.form.get("kind", ""), "name": request.form.get("name", ""),
                  "items": request.form.get("items", "")}
        try:
            items = rules.parse_items(values["items"])
            if template is None:
                saved = rules.create_template(kind=values["kind"], name=values["name"],
                                              items=items)
            else:
                saved = rules.revise_template(template, kind=values["kind"], items=items)
        except rules.InspectionError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("检查模板“%(name)s”（第 %(v)d 版）已保存", name=saved.name, v=saved.version),
                  "success")
            return redirect(url_for("service.inspection_templates"))
    elif template is not None:
        values = {"kind": template.kind, "name": template.name,
                  "items": "\n".join(f"{i.text} | {i.max_points}"
                                     for i in rules.template_items(template.id))}
    used = template is not None and rules.template_used(template.id)
    return render_template("service/inspection_template_form.html", template=template,
                           values=values, errors=errors, kinds=TEMPLATE_KINDS, used=used,
                           **_labels()), (422 if errors else 200)


@bp.route("/inspections/templates/new", methods=["GET", "POST"])
@permission_required("inspection.manage")
def inspection_template_new():
    return _template_form(None)


@bp.route("/inspections/templates/<int:inspection_template_id>/edit", methods=["GET", "POST"])
@permission_required("inspection.manage")
def inspection_template_edit(inspection_template_id: int):
    template = get_in_scope_or_404(InspectionTemplate, inspection_template_id)
    if template.status != TEMPLATE_ACTIVE:
        abort(404)
    return _template_form(template)


@bp.route("/inspections/templates/<int:inspection_template_id>/archive", methods=["POST"])
@permission_required("inspection.manage")
def inspection_template_archive(inspection_template_id: int):
    template = get_in_scope_or_404(InspectionTemplate, inspection_template_id)
    try:
        rules.archive_template(template)
    except rules.InspectionError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("模板已停用"), "success")
    return redirect(url_for("service.inspection_templates"))


@bp.route("/inspections/new", methods=["GET", "POST"])
@permission_required("inspection.manage")
def inspection_new():
    """Score a store on a template (?template_id=&store_id=)."""
    stores = visible_stores()
    template_id = request.values.get("template_id", type=int)
    template = db.session.get(InspectionTemplate, template_id) if template_id else None
    if template is None or template.tenant_id != current_tenant_id() \
            or template.status != TEMPLATE_ACTIVE:
        templates = list(db.session.scalars(
            select(InspectionTemplate).where(InspectionTemplate.status == TEMPLATE_ACTIVE)
            .order_by(InspectionTemplate.kind, InspectionTemplate.name)))
        return render_template("service/inspection_pick.html", templates=templates,
                               **_labels())
    items = rules.template_items(template.id)
    errors, values = {}, {"store_id": request.values.get("store_id", type=int),
                          "inspected_on": tenant_today().isoformat()}
    if request.method == "POST":
        values = dict(request.form)
        store = next((s for s in stores if s.id == request.form.get("store_id", type=int)),
                     None)
        on = parse_day(request.form.get("inspected_on"))
        scores, notes = {}, {}
        for item in items:
            raw = (request.form.get(f"score_{item.id}") or "").strip()
            scores[item.id] = int(raw) if raw.lstrip("-").isdigit() else None
            notes[item.id] = request.form.get(f"note_{item.id}", "")
        if store is None:
            errors["store_id"] = _("请选择门店")
        if on is None:
            errors["inspected_on"] = _("无效的日期")
        if not errors:
            try:
                inspection = rules.record_inspection(
                    store=store, template=template, inspected_on=on, scores=scores,
                    notes=notes, overall=request.form.get("notes", ""), inspector=current_user)
            except rules.InspectionError as exc:
                db.session.rollback()
                errors = exc.fields
            else:
                db.session.commit()
                flash(_("检查已保存：%(p)s%%", p=inspection.percentage), "success")
                return redirect(url_for("service.inspection_detail",
                                        inspection_id=inspection.id))
    return render_template("service/inspection_form.html", template=template, items=items,
                           stores=stores, values=values, errors=errors,
                           **_labels()), (422 if errors else 200)


def _day_log(store_id: int, day: date):
    logs = disinfection_rules.day_logs([store_id], day, day)
    return logs[(store_id, day)]


@bp.route("/inspections/<int:inspection_id>")
@permission_required("service.view")
def inspection_detail(inspection_id: int):
    inspection = get_in_scope_or_404(Inspection, inspection_id)
    return _detail(inspection)


def _detail(inspection: Inspection, errors: dict | None = None, values: dict | None = None):
    today = tenant_today()
    store = db.session.get(Store, inspection.store_id)
    template = db.session.get(InspectionTemplate, inspection.template_id)
    owners = list(db.session.scalars(
        select(Employee).where(Employee.store_id == inspection.store_id,
                               Employee.status == "active").order_by(Employee.name)))
    log = _day_log(inspection.store_id, inspection.inspected_on)
    rooms = {r.id: r.number for r in db.session.scalars(
        select(Room).where(Room.store_id == inspection.store_id))}
    return render_template(
        "service/inspection_detail.html", inspection=inspection, store=store,
        template=template, scores=rules.scores_of(inspection.id),
        actions=rules.follow_ups(None, today, inspection_id=inspection.id), owners=owners,
        log=log, rooms=rooms, errors=errors or {}, values=values or {},
        default_due=(inspection.inspected_on + timedelta(days=7)).isoformat(),
        **_labels()), (422 if errors else 200)


@bp.route("/inspections/<int:inspection_id>/follow-ups", methods=["POST"])
@permission_required("inspection.manage")
def follow_up_add(inspection_id: int):
    inspection = get_in_scope_or_404(Inspection, inspection_id)
    try:
        rules.add_follow_up(inspection, what=request.form.get("what", ""),
                            owner_employee_id=request.form.get("owner_employee_id", type=int),
                            due_on=parse_day(request.form.get("due_on")))
    except rules.InspectionError as exc:
        db.session.rollback()
        return _detail(inspection, exc.fields, dict(request.form))
    db.session.commit()
    flash(_("整改项已添加"), "success")
    return redirect(url_for("service.inspection_detail", inspection_id=inspection.id))


@bp.route("/follow-ups")
@permission_required("inspection.follow_up")
def follow_ups():
    """The store's desk: its follow-up actions (overdue flagged) and disinfection gaps."""
    stores = visible_stores()
    store = chosen_store(stores)
    today = tenant_today()
    rows = rules.follow_ups({store.id}, today) if store else []
    gaps = []
    if store is not None and current_user.can("disinfection.view"):
        gaps = disinfection_rules.gaps([store.id], today - timedelta(days=6), today)
    return render_template("service/follow_ups.html", stores=stores, store=store, rows=rows,
                           gaps=list(reversed(gaps)), today=today, **_labels())


@bp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@permission_required("inspection.follow_up")
def follow_up_done(follow_up_id: int):
    action = get_in_scope_or_404(FollowUpAction, follow_up_id)
    try:
        rules.complete_follow_up(action, note=request.form.get("note", ""), by=current_user)
    except rules.InspectionError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("整改已完成"), "success")
    return redirect(url_for("service.follow_ups", store_id=action.store_id))


@bp.route("/ranking")
@permission_required("service.view")
def ranking():
    """卫生评比: stores by their hygiene inspections' average percentage of the month."""
    today = tenant_today()
    month = parse_month(request.args.get("month"), today)
    rows = rules.hygiene_ranking(month, store_scope(current_user))
    previous = (month - timedelta(days=1)).replace(day=1)
    following = rules.month_bounds(month)[1]
    chart = {"labels": [r.store_name for r in rows],
             "datasets": [{"label": _("卫生检查平均得分率（%）"),
                           "data": [str(r.average) for r in rows]}]}
    return render_template("service/ranking.html", rows=rows, month=month, previous=previous,
                           following=following if following <= today else None, chart=chart)
