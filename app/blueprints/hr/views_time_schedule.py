"""排班 pages: a store's shift templates (班次) and its week schedule, published and copied."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    ConfirmForm,
    ShiftForm,
)
from app.blueprints.hr.models.time import ShiftTemplate
from app.blueprints.hr.time import TimeError
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import shifts as shift_service
from app.blueprints.hr.views_time import (
    LABELS,
    flash_errors,
    local_today,
    redirect_to_first_store,
    store_or_404,
    visible_stores,
    week_arg,
)
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required
from app.validation import show_on_form


@bp.route("/time/stores/<int:store_id>/shifts", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_shifts(store_id: int):
    """班次 of a store: list, add; each can be edited or deactivated."""
    store = store_or_404(store_id)
    form = ShiftForm()
    status = 200
    if form.validate_on_submit():
        try:
            shift = shift_service.create_shift(store.id, form.name.data, form.starts_at.data,
                                               form.ends_at.data)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("已新增班次 %(name)s", name=shift.name), "success")
            return redirect(url_for("hr.time_shifts", store_id=store.id))
    elif request.method == "POST":
        status = 422
    return render_template("hr/time/shifts.html", store=store, stores=visible_stores(), form=form,
                           shifts=shift_service.store_shifts(store.id),
                           confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_shift_edit(shift_id: int):
    shift = get_in_scope_or_404(ShiftTemplate, shift_id)
    store = store_or_404(shift.store_id)
    form = ShiftForm(obj=shift)
    status = 200
    if form.validate_on_submit():
        try:
            shift_service.update_shift(shift, form.name.data, form.starts_at.data,
                                       form.ends_at.data)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("已保存；已排好的班不受影响"), "success")
            return redirect(url_for("hr.time_shifts", store_id=store.id))
    elif request.method == "POST":
        status = 422
    return render_template("hr/time/shift_edit.html", store=store, shift=shift,
                           form=form), status


@bp.route("/time/shifts/<int:shift_id>/active", methods=["POST"])
@permission_required("schedule.manage")
def time_shift_active(shift_id: int):
    shift = get_in_scope_or_404(ShiftTemplate, shift_id)
    if ConfirmForm().validate_on_submit():
        shift_service.set_shift_active(shift, request.form.get("active") == "1")
        db.session.commit()
        flash(_("班次 %(name)s 已启用", name=shift.name) if shift.is_active
              else _("班次 %(name)s 已停用", name=shift.name), "success")
    return redirect(url_for("hr.time_shifts", store_id=shift.store_id))


@bp.route("/time/shifts/<int:shift_id>/delete", methods=["POST"])
@permission_required("schedule.manage")
def time_shift_delete(shift_id: int):
    shift = get_in_scope_or_404(ShiftTemplate, shift_id)
    store_id, name = shift.store_id, shift.name
    if ConfirmForm().validate_on_submit():
        try:
            shift_service.delete_shift(shift)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已删除班次 %(name)s", name=name), "success")
    return redirect(url_for("hr.time_shifts", store_id=store_id))


@bp.route("/time/schedule")
@permission_required("schedule.manage")
def time_schedule_home():
    return redirect_to_first_store("hr.time_schedule")


def _render_grid(store: Store, week: date, status: int = 200):
    grid = schedule_service.week_grid(store.id, week)
    return render_template(
        "hr/time/schedule.html", store=store, stores=visible_stores(), grid=grid, week=week,
        prev_week=week - timedelta(days=7), next_week=week + timedelta(days=7),
        today=local_today(), labels=LABELS, confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/stores/<int:store_id>/schedule", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_schedule(store_id: int):
    """排班 week grid: people × 7 days; 保存 keeps changed cells as drafts."""
    store = store_or_404(store_id)
    week = week_arg()
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        changes = []
        for key, value in request.form.items():
            if not key.startswith("cell-"):
                continue
            try:
                _prefix, employee_id, day = key.split("-", 2)
                changes.append(schedule_service.CellChange(int(employee_id),
                                                           date.fromisoformat(day), value))
            except ValueError:
                continue
        try:
            changed = schedule_service.save_cells(store.id, changes, current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
            return _render_grid(store, week, 422)
        db.session.commit()
        flash(_("已保存 %(n)s 个格子（草稿，发布后员工才能看到）", n=len(changed))
              if changed else _("没有改动"), "success")
        return redirect(url_for("hr.time_schedule", store_id=store.id, week=week.isoformat()))
    return _render_grid(store, week)


@bp.route("/time/stores/<int:store_id>/schedule/publish", methods=["POST"])
@permission_required("schedule.manage")
def time_schedule_publish(store_id: int):
    store = store_or_404(store_id)
    week = week_arg()
    if ConfirmForm().validate_on_submit():
        try:
            count = schedule_service.publish_week(store.id, week, current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已发布本周排班 %(n)s 格，员工可在“我的排班”查看", n=count) if count
                  else _("本周没有待发布的排班"), "success" if count else "info")
    return redirect(url_for("hr.time_schedule", store_id=store.id, week=week.isoformat()))


@bp.route("/time/stores/<int:store_id>/schedule/copy", methods=["POST"])
@permission_required("schedule.manage")
def time_schedule_copy(store_id: int):
    """复制上周: last week's cells into this week's empty cells (drafts)."""
    store = store_or_404(store_id)
    week = week_arg()
    if ConfirmForm().validate_on_submit():
        try:
            result = schedule_service.copy_week(store.id, week - timedelta(days=7), week,
                                                current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            counts = result.counts()
            flash(_("已从上周复制 %(copied)s 格（草稿）；跳过：已排 %(filled)s 格，"
                    "已离职或调走 %(left)s 格，班次停用 %(inactive)s 格，已锁定 %(locked)s 格",
                    copied=counts["copied"], filled=counts["filled"], left=counts["left"],
                    inactive=counts["inactive_shift"], locked=counts["locked"]), "success")
            skipped = [f"{e.name} {d:%m-%d}" for e, d in result.left + result.inactive_shift]
            if skipped:
                flash(_("未复制：%(cells)s", cells="、".join(skipped[:20])), "info")
    return redirect(url_for("hr.time_schedule", store_id=store.id, week=week.isoformat()))
