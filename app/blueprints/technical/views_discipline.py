"""违纪 pages: the list (store-scoped), record one with its step shown first, the record
with 批准/驳回 in place, the approvers' list for HR, and 我的违纪 for the person."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import services as hr_services
from app.blueprints.store.models.feedback import ComplaintCase
from app.blueprints.technical import bp, discipline
from app.blueprints.technical.forms_discipline import DecisionForm, DisciplineForm
from app.blueprints.technical.models import DISCIPLINE_STATUSES, DISCIPLINE_STEPS
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee
from app.permissions import can_see_store, permission_required, store_scope
from app.validation import InputError, show_on_form


def _month_arg() -> date | None:
    raw = request.args.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        first = date(year, month, 1)
    except ValueError:
        return None
    return first if in_date_range(first) else None


def _filters() -> discipline.DisciplineFilters:
    category = request.args.get("category") or None
    step = request.args.get("step") or None
    status = request.args.get("status") or None
    return discipline.DisciplineFilters(
        # ``store_id``: the desk menu's link names the store the person is working in.
        store_id=request.args.get("store", type=int) or request.args.get("store_id", type=int),
        category=category if category in discipline.CATEGORIES else None,
        step=step if step in DISCIPLINE_STEPS else None,
        status=status if status in DISCIPLINE_STATUSES else None,
        month=_month_arg())


def _labels() -> dict:
    return {"category_label": discipline.category_label, "step_label": discipline.step_label,
            "discipline_status_label": discipline.status_label}


def _render_list(detail_endpoint: str):
    scope = store_scope(current_user)
    filters = _filters()
    rows = discipline.list_discipline(filters, scope)
    stores = [s for s in hr_services.stores() if scope is None or s.id in scope]
    return render_template(
        "technical/discipline.html", rows=rows, filters=filters, stores=stores,
        store_names={s.id: s.name for s in hr_services.stores()},
        categories=discipline.CATEGORIES, steps=DISCIPLINE_STEPS, statuses=DISCIPLINE_STATUSES,
        detail_endpoint=detail_endpoint, form=DecisionForm(formdata=None), **_labels())


@bp.route("/discipline", endpoint="discipline")
@permission_required("discipline.record")
def discipline_list():
    """违纪: records of the viewer's stores (head office: all), filtered."""
    return _render_list("technical.discipline_detail")


@bp.route("/discipline/review")
@permission_required("discipline.approve")
def discipline_review():
    """The approvers' list (the HR manager holds no discipline.record): every store."""
    return _render_list("technical.discipline_review_detail")


def _employee_choices() -> list[tuple[int, str]]:
    scope = store_scope(current_user)
    names = {s.id: s.name for s in hr_services.stores()}
    return [(e.id, f"{e.employee_no} {e.name}" + (f"（{names[e.store_id]}）"
                                                  if e.store_id in names else ""))
            for e in discipline.employees_to_record(scope, current_user)]


def _complaint(complaint_id: int | None) -> ComplaintCase | None:
    complaint = db.session.get(ComplaintCase, complaint_id) if complaint_id else None
    if complaint is None or not can_see_store(current_user, complaint.store_id):
        return None
    return complaint


@bp.route("/discipline/new", methods=["GET", "POST"])
@permission_required("discipline.record")
def discipline_new():
    """登记违纪: 查看处理级别 shows the step (and asks the fine when it is one), 提交 records."""
    form = DisciplineForm(employees=_employee_choices(),
                          categories=[(c, discipline.category_label(c))
                                      for c in discipline.CATEGORIES])
    if request.method == "GET":
        complaint = _complaint(request.args.get("complaint_id", type=int))
        if complaint is not None:
            form.complaint_id.data = complaint.id
            form.employee_id.data = form.employee_id.data or complaint.therapist_id
            form.description.data = form.description.data or complaint.description
        form.occurred_on.data = form.occurred_on.data or hr_services.tenant_today()
    ladder, status = None, 200
    if form.validate_on_submit():
        employee = db.session.get(Employee, form.employee_id.data) if form.employee_id.data \
            else None
        allowed = {value for value, _label in form.employee_id.choices[1:]}
        if employee is None or employee.id not in allowed:
            form.employee_id.errors = [*form.employee_id.errors, _("请选择员工")]
        else:
            if form.category.data in discipline.CATEGORIES and form.occurred_on.data:
                ladder = discipline.next_step(employee, form.category.data,
                                              form.occurred_on.data)
            if "preview" not in request.form:
                try:
                    row = discipline.record_discipline(
                        employee, form.category.data, form.occurred_on.data,
                        form.description.data, current_user,
                        fine_amount=form.fine_amount.data,
                        effective_on=form.effective_on.data,
                        complaint_id=form.complaint_id.data)
                except InputError as exc:
                    db.session.rollback()
                    show_on_form(form, exc.fields)
                else:
                    db.session.commit()
                    flash(_("已登记违纪（%(step)s），等待审批",
                            step=discipline.step_label(row.step)), "success")
                    return redirect(url_for("technical.discipline_detail",
                                            discipline_id=row.id))
    if any(f.errors for f in form):
        status = 422
    complaint = _complaint(form.complaint_id.data)
    return render_template("technical/discipline_new.html", form=form, ladder=ladder,
                           complaint=complaint, **_labels()), status


def _render_detail(discipline_id: int, back_endpoint: str):
    row = discipline.load_record(discipline_id)  # tenant and store resolved centrally
    if row is None:
        abort(404)
    earlier, _days, _start = discipline.counted_records(row.employee_id, row.category,
                                                        row.occurred_on, exclude_id=row.id)
    complaint = _complaint(row.complaint_id)
    return render_template(
        "technical/discipline_detail.html", row=row, earlier=earlier, complaint=complaint,
        store_names={s.id: s.name for s in hr_services.stores()},
        window_days=discipline.technical_settings().escalation_window_days,
        back_endpoint=back_endpoint, form=DecisionForm(formdata=None), **_labels())


@bp.route("/discipline/<int:discipline_id>")
@permission_required("discipline.record")
def discipline_detail(discipline_id: int):
    return _render_detail(discipline_id, "technical.discipline")


@bp.route("/discipline/review/<int:discipline_id>")
@permission_required("discipline.approve")
def discipline_review_detail(discipline_id: int):
    return _render_detail(discipline_id, "technical.discipline_review")


def _act(discipline_id: int, verb, done: str):
    row = discipline.load_record(discipline_id)
    if row is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            verb(row, form.note.data or "")
        except InputError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(done, "success")
    else:
        show_on_form(None, {name: errors[0] for name, errors in form.errors.items()})
    endpoint = ("technical.discipline_detail" if current_user.can("discipline.record")
                else "technical.discipline_review_detail")
    return redirect(url_for(endpoint, discipline_id=discipline_id))


@bp.route("/discipline/<int:discipline_id>/approve", methods=["POST"])
@permission_required("discipline.approve")
def discipline_approve(discipline_id: int):
    return _act(discipline_id, lambda row, note: discipline.approve_discipline(
        row, current_user, note), _("已批准"))


@bp.route("/discipline/<int:discipline_id>/reject", methods=["POST"])
@permission_required("discipline.approve")
def discipline_reject(discipline_id: int):
    return _act(discipline_id, lambda row, note: discipline.reject_discipline(
        row, current_user, note), _("已驳回"))


@bp.route("/discipline/<int:discipline_id>/cancel", methods=["POST"])
@permission_required("discipline.record")
def discipline_cancel(discipline_id: int):
    return _act(discipline_id, lambda row, note: discipline.cancel_discipline(
        row, current_user), _("已撤销"))


@bp.route("/discipline/mine")
@permission_required("self.view")
def discipline_mine():
    """我的违纪: the person's own records and where each stands."""
    rows = discipline.my_records(current_user.employee_id)
    return render_template("technical/discipline_mine.html", rows=rows,
                           window_days=discipline.technical_settings().escalation_window_days,
                           **_labels())
