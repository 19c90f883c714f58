"""技术投诉 pages: the complaint cases with their investigation state, one case's
investigation (attribute, find, decide, correct, tell the guest, conclude), and the
conclusion's panel on the desk's complaint page."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.blueprints.hr import services as hr_services
from app.blueprints.store import feedback as desk
from app.blueprints.store.models import BusinessDay, ComplaintCase, Customer, Feedback, Order
from app.blueprints.store.orders import order_number
from app.blueprints.technical import bp
from app.blueprints.technical import investigations as service
from app.blueprints.technical.models import CORRECTIVE_ACTIONS
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form

PAGE_SIZE = 50
JOB_TYPE_LABELS = {"rotation": _l("轮钟"), "requested": _l("点钟")}
# Follow-up pages other parts of the department add (each takes ?complaint_id=&employee_id=).
FOLLOW_UP_PAGES = (
    ("technical.exam_new", _l("安排复考")),
    ("technical.training_new", _l("安排培训")),
    ("technical.discipline_new", _l("登记违纪")),
)


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _substantiated(value):
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


class InvestigationForm(FlaskForm):
    therapist_id = SelectField(_l("归属技师"), coerce=_optional_int, validate_choice=False)
    substantiated = SelectField(_l("投诉是否属实"), choices=[
        SelectChoice("", _l("尚未判定")), SelectChoice("yes", _l("属实")),
        SelectChoice("no", _l("不属实"))])
    findings = TextAreaField(_l("调查结果"), validators=[Length(max=2000)])
    corrective_action = SelectField(_l("纠正措施"), choices=[
        SelectChoice(code, service.action_label(code)) for code in CORRECTIVE_ACTIONS])
    corrective_note = TextAreaField(_l("纠正措施说明"), validators=[Length(max=2000)])
    guest_feedback = TextAreaField(_l("给客人的反馈"), validators=[Length(max=2000)],
                                   description=_l("向客人说明调查结果和改进措施；保存时记录反馈时间"))

    def __init__(self, therapists, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist_id.choices = [SelectChoice("", _l("不归属任何技师"))] + [
            SelectChoice(str(e.id), f"{e.employee_no} {e.name}") for e in therapists]


class CsrfForm(FlaskForm):
    """Carries the CSRF token of the reopen button."""


def _month_arg() -> date | None:
    raw = request.args.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        first = date(year, month, 1)
    except ValueError:
        return None
    return first if in_date_range(first) else None


@bp.route("/investigations")
@permission_required("technical.view")
def investigations():
    """技术投诉: the complaint cases of the viewer's stores and where each investigation is.

    Filters: ``store_id``, ``state`` (pending 待调查 / open 调查中 / concluded 已结论),
    ``month`` (YYYY-MM, the complaint's month in the company's time zone).
    """
    store_id = request.args.get("store_id", type=int)
    selected = get_in_scope_or_404(Store, store_id) if store_id is not None else None
    state = request.args.get("state") or None
    if state not in service.STATES:
        state = None
    month = _month_arg()
    page = max(1, request.args.get("page", 1, type=int))
    scope = store_scope(current_user)
    rows, total = service.list_cases(scope, store_id=selected.id if selected else None,
                                     state=state, month=month, page=page, page_size=PAGE_SIZE)
    stores = [s for s in hr_services.stores() if scope is None or s.id in scope]
    return render_template("technical/investigations.html", rows=rows, total=total,
                           stores=stores, selected=selected, state=state, month=month,
                           states=service.STATES, state_label=service.state_label,
                           action_label=service.action_label, page=page, page_size=PAGE_SIZE)


def _follow_up_links(case: ComplaintCase, investigation) -> list[tuple[str, str]]:
    """(label, url) of the follow-up pages that exist and the viewer may open."""
    if investigation is None:
        return []
    employee_id = investigation.therapist_id
    links = []
    for endpoint, label in FOLLOW_UP_PAGES:
        view = current_app.view_functions.get(endpoint)
        if view is None:
            continue
        permission = getattr(view, "required_permission", None)
        if permission and not current_user.can(permission):
            continue
        args = {"complaint_id": case.id}
        if employee_id is not None:
            args["employee_id"] = employee_id
        links.append((str(label), url_for(endpoint, **args)))
    return links


def _page_link(endpoint: str, **args) -> str | None:
    return url_for(endpoint, **args) if endpoint in current_app.view_functions else None


def _render_detail(case: ComplaintCase, form: InvestigationForm | None, jobs, status=200):
    investigation = service.investigation_of(case.id)
    feedback = db.session.get(Feedback, case.feedback_id) if case.feedback_id else None
    order = db.session.get(Order, case.order_id) if case.order_id else None
    number = None
    if order is not None:
        number = order_number(order, db.session.get(BusinessDay, order.business_day_id))
    customer = db.session.get(Customer, case.customer_id) if case.customer_id else None
    follow = service.follow_ups(case.id)
    people_ids = {row.employee_id for row in (*follow.exams, *follow.discipline)}
    people_ids |= {case.therapist_id, investigation.therapist_id if investigation else None}
    people_ids.discard(None)
    people = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(sorted(people_ids) or [-1])))}
    return render_template(
        "technical/investigation_detail.html", case=case, investigation=investigation,
        state=service.state_of(investigation), store=db.session.get(Store, case.store_id),
        feedback=feedback, number=number, customer=customer, jobs=jobs, form=form,
        people=people, follow=follow, links=_follow_up_links(case, investigation),
        page_link=_page_link, reopen_form=CsrfForm(formdata=None),
        may_reopen=current_user.can(service.REOPEN_PERMISSION),
        conclusion_errors=service.conclusion_errors(investigation) if investigation else {},
        state_label=service.state_label, action_label=service.action_label,
        desk_status=desk.complaint_status_label, job_type_labels=JOB_TYPE_LABELS), status


def _form_for(case: ComplaintCase, jobs, formdata=None) -> InvestigationForm:
    investigation = service.investigation_of(case.id)
    therapists = service.candidate_therapists(case, jobs)
    if investigation is None:
        data = {"therapist_id": case.therapist_id, "substantiated": "",
                "corrective_action": "none"}
    else:
        data = {"therapist_id": investigation.therapist_id,
                "substantiated": {True: "yes", False: "no"}.get(investigation.substantiated, ""),
                "findings": investigation.findings,
                "corrective_action": investigation.corrective_action,
                "corrective_note": investigation.corrective_note,
                "guest_feedback": investigation.guest_feedback}
    if formdata is None:
        return InvestigationForm(therapists, formdata=None, data=data)
    return InvestigationForm(therapists)


@bp.route("/investigations/<int:complaint_id>")
@permission_required("technical.view")
def investigation_detail(complaint_id: int):
    """One complaint: the case as the desk recorded it, the order's jobs and therapists,
    the investigation (its form for those who investigate) and its follow-ups."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    jobs = service.order_jobs(case)
    form = _form_for(case, jobs) if current_user.can("therapist.assess") else None
    return _render_detail(case, form, jobs)


@bp.route("/investigations/<int:complaint_id>/save", methods=["POST"])
@permission_required("therapist.assess")
def investigation_save(complaint_id: int):
    """保存 (opens the investigation on first save) or 保存并结论 (``action=conclude``)."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    jobs = service.order_jobs(case)
    form = _form_for(case, jobs, formdata=request.form)
    concluding = request.form.get("action") == "conclude"
    if form.validate_on_submit():
        try:
            service.update_investigation(
                case, current_user, therapist_id=form.therapist_id.data,
                substantiated=_substantiated(form.substantiated.data),
                findings=form.findings.data or "",
                corrective_action=form.corrective_action.data,
                corrective_note=form.corrective_note.data or "",
                guest_feedback=form.guest_feedback.data or "")
            if concluding:
                service.conclude_investigation(case, current_user)
        except service.InvestigationError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("调查已结论") if concluding else _("调查已保存"), "success")
            return redirect(url_for("technical.investigation_detail", complaint_id=case.id))
    return _render_detail(case, form, jobs, 422)


@bp.route("/investigations/<int:complaint_id>/reopen", methods=["POST"])
@permission_required(service.REOPEN_PERMISSION)
def investigation_reopen(complaint_id: int):
    """The director reopens a concluded investigation."""
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        service.reopen_investigation(case, current_user)
    except service.InvestigationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("调查已重新打开"), "success")
    return redirect(url_for("technical.investigation_detail", complaint_id=case.id))


def complaint_panel(case: ComplaintCase):
    """The technical conclusion on the desk's complaint page (app/blueprints/store/feedback.py
    ``register_complaint_panel``): nothing while no investigation is open."""
    investigation = service.investigation_of(case.id)
    if investigation is None:
        return None
    therapist = (db.session.get(Employee, investigation.therapist_id)
                 if investigation.therapist_id else None)
    return Markup(render_template(
        "technical/_complaint_panel.html", case=case, investigation=investigation,
        therapist=therapist, state_label=service.state_label,
        action_label=service.action_label))
