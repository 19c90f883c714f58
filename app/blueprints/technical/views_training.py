"""培训 pages: the sessions (planned, then held or cancelled), a session's list with
attendance and pre-job results (phone-sized buttons), new therapists waiting for
their pre-job training."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import checklists
from app.blueprints.hr import services as hr_services
from app.blueprints.hr.common import get_by_id
from app.blueprints.store.models import ServiceItem
from app.blueprints.technical import bp, training
from app.blueprints.technical.forms_training import (
    AttendeesForm,
    CancelTrainingForm,
    RowForm,
    TrainingForm,
)
from app.blueprints.technical.models import TRAINING_KINDS, TrainingSession
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee
from app.permissions import permission_required, store_scope
from app.validation import show_on_form


def _visible_stores():
    scope = store_scope(current_user)
    return [s for s in hr_services.stores() if scope is None or s.id in scope]


def _month_arg() -> date | None:
    raw = request.args.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        month_start = date(year, month, 1)
    except ValueError:
        return None
    return month_start if in_date_range(month_start) else None


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(ids)))
    return {employee_id: name for employee_id, name in rows}


def _page_labels() -> dict:
    return {"kind_label": training.kind_label, "training_status_label": training.status_label,
            "store_names": {s.id: s.name for s in hr_services.stores()},
            "zone": checklists.tenant_zone()}


@bp.route("/trainings")
@permission_required("technical.view")
def trainings():
    """培训: planned sessions, held/cancelled ones of the month, new therapists waiting."""
    scope = store_scope(current_user)
    kind = request.args.get("kind") or None
    month = _month_arg()
    filters = training.TrainingFilters(
        store_id=request.args.get("store", type=int),
        kind=kind if kind in TRAINING_KINDS else None, month=month)
    planned, past = training.list_trainings(filters, scope)
    sessions = planned + past
    waiting = training.waiting_for_pre_job(scope)
    return render_template(
        "technical/trainings.html", planned=planned, past=past, filters=filters,
        month=month.strftime("%Y-%m") if month else "", kinds=TRAINING_KINDS,
        stores=_visible_stores(), counts=training.roster_counts([s.id for s in sessions]),
        trainers=_names(s.trainer_employee_id for s in sessions), waiting=waiting,
        waiting_sessions=training.planned_pre_job_of([e.id for e, _item in waiting]),
        **_page_labels())


def _form() -> TrainingForm:
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.is_active.is_(True))
                               .order_by(ServiceItem.code)).all()
    # A store-level supervisor hosts in their stores; any store may come to exchange.
    return TrainingForm(kinds=[(k, training.kind_label(k)) for k in TRAINING_KINDS],
                        stores=_visible_stores(), partner_stores=hr_services.stores(),
                        head_office=store_scope(current_user) is None, items=items)


def _values(form: TrainingForm) -> tuple[dict, dict]:
    """The form as the rules' fields, and the form's own errors (a 工号 not found)."""
    errors = {}
    trainer_id = None
    number = (form.trainer_employee_no.data or "").strip()
    if number:
        trainer = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if trainer is None:
            errors["trainer_employee_no"] = _("没有工号为 %(no)s 的员工", no=number)
        else:
            trainer_id = trainer.id
    values = {"topic": form.topic.data, "kind": form.kind.data,
              "store_id": form.store_id.data or None,
              "partner_store_id": form.partner_store_id.data or None,
              "trainer_employee_id": trainer_id, "trainer_name": form.trainer_name.data,
              "service_item_id": form.service_item_id.data or None,
              "starts_at": form.starts_at.data, "duration_minutes": form.duration_minutes.data,
              "notes": form.notes.data, "complaint_id": form.complaint_id.data or None}
    return values, errors


def _show(form, fields: dict) -> None:
    renamed = {"trainer_employee_id": "trainer_employee_no"}
    show_on_form(form, {renamed.get(k, k): v for k, v in fields.items()})


@bp.route("/trainings/new", methods=["GET", "POST"])
@permission_required("training.manage")
def training_new():
    """安排培训 (from the waiting list: pre-job, the person's store, them on the list)."""
    form = _form()
    attendees = [i for i in request.values.getlist("employee", type=int)]
    if request.method == "GET":
        if request.args.get("kind") in TRAINING_KINDS:
            form.kind.data = request.args["kind"]
        if request.args.get("store"):
            form.store_id.data = request.args["store"]
        if request.args.get("complaint", type=int):
            form.complaint_id.data = str(request.args.get("complaint", type=int))
        form.duration_minutes.data = 120
    if form.validate_on_submit():
        values, errors = _values(form)
        try:
            if errors:
                raise training.TrainingError(errors)
            session = training.plan_training(current_user, **values)
            if attendees:
                training.add_attendees(session, attendees, current_user)
        except training.TrainingError as exc:
            db.session.rollback()
            _show(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已安排培训“%(topic)s”", topic=session.topic), "success")
            return redirect(url_for("technical.training_detail", training_id=session.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("technical/training_form.html", form=form, session=None,
                           attendees=_names(attendees), **_page_labels()), status


@bp.route("/trainings/<int:training_id>/edit", methods=["GET", "POST"])
@permission_required("training.manage")
def training_edit(training_id: int):
    """Change a planned session."""
    session = get_by_id(TrainingSession, training_id)  # resolved centrally: tenant + store
    if session.status != "planned":
        flash(_("该培训%(status)s，不能修改", status=training.status_label(session.status)),
              "warning")
        return redirect(url_for("technical.training_detail", training_id=training_id))
    form = _form()
    if request.method == "GET":
        for name in ("topic", "kind", "trainer_name", "duration_minutes", "notes"):
            getattr(form, name).data = getattr(session, name)
        for name in ("store_id", "partner_store_id", "service_item_id", "complaint_id"):
            value = getattr(session, name)
            getattr(form, name).data = str(value) if value is not None else ""
        local = training.aware(session.starts_at).astimezone(checklists.tenant_zone())
        form.starts_at.data = local.replace(tzinfo=None)
        if session.trainer_employee_id:
            trainer = get_by_id(Employee, session.trainer_employee_id)
            form.trainer_employee_no.data = trainer.employee_no if trainer else ""
    if form.validate_on_submit():
        values, errors = _values(form)
        try:
            if errors:
                raise training.TrainingError(errors)
            training.edit_training(session, current_user, **values)
        except training.TrainingError as exc:
            db.session.rollback()
            _show(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("technical.training_detail", training_id=training_id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("technical/training_form.html", form=form, session=session,
                           attendees={}, **_page_labels()), status


@bp.route("/trainings/<int:training_id>")
@permission_required("technical.view")
def training_detail(training_id: int):
    """One session: what, who teaches, the list with attendance (and pre-job results)."""
    session = get_by_id(TrainingSession, training_id)
    rows = training.roster(session)
    manage = current_user.can("training.manage")
    eligible = training.eligible_people(session) if manage and session.status == "planned" \
        else []
    attendees_form = AttendeesForm()
    attendees_form.employee_ids.choices = [
        (e.id, f"{e.employee_no} {e.name}") for e in eligible]
    item = get_by_id(ServiceItem, session.service_item_id) if session.service_item_id else None
    return render_template(
        "technical/training_detail.html", session=session, rows=rows, manage=manage,
        eligible=eligible, attendees_form=attendees_form, row_form=RowForm(),
        cancel_form=CancelTrainingForm(), item=item,
        trainer=_names([session.trainer_employee_id]).get(session.trainer_employee_id),
        **_page_labels())


def _back(training_id: int):
    return redirect(url_for("technical.training_detail", training_id=training_id))


def _run(training_id: int, verb, done: str | None):
    session = get_by_id(TrainingSession, training_id)
    try:
        result = verb(session)
    except training.TrainingError as exc:
        db.session.rollback()
        show_on_form(None, exc.fields)
        return _back(training_id)
    db.session.commit()
    if done:
        flash(done, "success")
    if isinstance(result, training.AttendanceResult):
        if result.ticked:
            flash(_("已勾选入职清单的“岗前培训”：%(names)s",
                    names="、".join(e.name for e in result.ticked)), "success")
        if result.not_ticked:
            flash(_("%(names)s 的“岗前培训”入职事项需由技术督导勾选",
                    names="、".join(e.name for e in result.not_ticked)), "warning")
    return _back(training_id)


@bp.route("/trainings/<int:training_id>/cancel", methods=["POST"])
@permission_required("training.manage")
def training_cancel(training_id: int):
    form = CancelTrainingForm()
    if not form.validate_on_submit():
        return _back(training_id)
    return _run(training_id, lambda s: training.cancel_training(s, current_user,
                                                                form.reason.data or ""),
                _("培训已取消"))


@bp.route("/trainings/<int:training_id>/held", methods=["POST"])
@permission_required("training.manage")
def training_held(training_id: int):
    if not RowForm().validate_on_submit():
        return _back(training_id)
    return _run(training_id, lambda s: training.mark_held(s, current_user),
                _("已标记为已举行"))


@bp.route("/trainings/<int:training_id>/attendees", methods=["POST"])
@permission_required("training.manage")
def training_attendees_add(training_id: int):
    form = AttendeesForm()
    if not form.validate_on_submit():
        return _back(training_id)
    return _run(training_id, lambda s: training.add_attendees(s, form.employee_ids.data,
                                                              current_user),
                _("已加入名单"))


@bp.route("/trainings/<int:training_id>/remove", methods=["POST"])
@permission_required("training.manage")
def training_attendee_remove(training_id: int):
    if not RowForm().validate_on_submit():
        return _back(training_id)
    return _run(training_id, lambda s: training.remove_attendee(
        s, request.form.get("employee_id", type=int), current_user), _("已移出名单"))


def _choice(name: str) -> bool | None:
    value = request.form.get(name)
    return {"1": True, "0": False}.get(value)


@bp.route("/trainings/<int:training_id>/attendance", methods=["POST"])
@permission_required("training.manage")
def training_attendance(training_id: int):
    """One row's button: 出勤 / 缺席, or 合格 / 不合格 (a result means they came)."""
    if not RowForm().validate_on_submit():
        return _back(training_id)
    employee_id = request.form.get("employee_id", type=int)

    def record(session):
        current = training.attendance_of(session, employee_id)
        attended, passed = _choice("attended"), _choice("passed")
        entry = {"employee_id": employee_id,
                 "attended": attended if attended is not None else (
                     True if passed is not None else getattr(current, "attended", None)),
                 "passed": passed if passed is not None else getattr(current, "passed", None)}
        if entry["attended"] is False:
            entry["passed"] = None
        return training.record_attendance(session, [entry], current_user)

    return _run(training_id, record, None)
