"""评价 and 投诉 pages: rate each therapist of an order, the complaint cases."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.store import bp
from app.blueprints.store import feedback as service
from app.blueprints.store.customers import find_by_phone
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    ComplaintCase,
    Customer,
    Feedback,
    Order,
    ServiceJob,
)
from app.blueprints.store.orders import order_number
from app.blueprints.store.reservations import store_therapists
from app.blueprints.store.views_customers import first_visible_store, optional_int
from app.extensions import db
from app.models import Room, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form

PAGE_SIZE = 50


class CsrfForm(FlaskForm):
    """The rating form is built from the order's jobs; this carries its CSRF token."""


class ComplaintForm(FlaskForm):
    description = TextAreaField(_l("投诉内容"), validators=[DataRequired(), Length(max=2000)])
    therapist_id = SelectField(_l("涉及技师"), coerce=optional_int)
    phone = StringField(_l("客人手机号"), validators=[Optional(), Length(max=32)],
                        description=_l("有客户档案时自动关联"))

    def __init__(self, store_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist_id.choices = [SelectChoice("", _l("不涉及技师"))] + [
            SelectChoice(str(e.id), f"{e.employee_no} {e.name}")
            for e in store_therapists(store_id)]


class ComplaintUpdateForm(FlaskForm):
    status = SelectField(_l("状态"))
    owner_account_id = SelectField(_l("负责人"), coerce=optional_int)
    resolution = TextAreaField(_l("处理结果"), validators=[Length(max=2000)])
    reply_to_guest = TextAreaField(_l("给客人的答复"), validators=[Length(max=2000)])
    guest_confirmed = BooleanField(_l("客人已确认答复"))

    def __init__(self, case: ComplaintCase, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = (case.status, *service.COMPLAINT_TRANSITIONS[case.status])
        self.status.choices = [SelectChoice(code, service.complaint_status_label(code))
                               for code in codes]
        self.owner_account_id.choices = [SelectChoice("", _l("未指派"))] + [
            SelectChoice(str(a.id), a.display_name or a.username)
            for a in service.complaint_owners(case.store_id)]


def _status(form) -> int:
    return 422 if any(f.errors for f in form) else 200


# --------------------------------------------------------------------------- 评价


@bp.route("/<int:store_id>/feedback")
@permission_required("feedback.record")
def feedback(store_id: int):
    """Today's orders whose services ended, with how many therapists are rated."""
    store = get_in_scope_or_404(Store, store_id)
    business_date = today_for_store()
    rows = db.session.execute(
        select(Order, BusinessDay, Room.number, Customer.name)
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .outerjoin(Room, Room.id == Order.room_id)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(Order.store_id == store.id, BusinessDay.business_date == business_date,
               Order.status != "cancelled")
        .order_by(Order.seq.desc())).all()
    order_ids = [order.id for order, *_rest in rows] or [-1]
    finished = dict(db.session.execute(
        select(ServiceJob.order_id, func.count(ServiceJob.id))
        .where(ServiceJob.order_id.in_(order_ids), ServiceJob.status == "finished")
        .group_by(ServiceJob.order_id)).all())
    rated = dict(db.session.execute(
        select(Feedback.order_id, func.count(Feedback.id))
        .where(Feedback.order_id.in_(order_ids)).group_by(Feedback.order_id)).all())
    return render_template("store/feedback.html", store=store, rows=rows, finished=finished,
                           rated=rated, order_number=order_number,
                           business_date=business_date)


@bp.route("/orders/<int:order_id>/feedback", methods=["GET", "POST"])
@permission_required("feedback.record")
def order_feedback(order_id: int):
    """评价 of one order: per therapist a rating 1–5, a comment, and 投诉 if the guest complains."""
    order = get_in_scope_or_404(Order, order_id)
    store = db.session.get(Store, order.store_id)
    day = db.session.get(BusinessDay, order.business_day_id)
    jobs = service.ratable_jobs(order)
    form = CsrfForm()
    errors: dict[int, dict[str, str]] = {}
    if form.validate_on_submit():
        recorded, opened, errors = _record_order_feedback(order, jobs)
        if errors:
            db.session.rollback()
            jobs = service.ratable_jobs(order)
        elif recorded:
            db.session.commit()
            flash(_("已记录 %(n)s 条评价", n=recorded), "success")
            if opened:
                flash(_("已生成 %(n)s 个投诉，店长将跟进", n=opened), "warning")
            return redirect(url_for("store.feedback", store_id=store.id))
        else:
            flash(_("请至少为一位技师打分"), "warning")
    return render_template("store/feedback_order.html", store=store, order=order,
                           number=order_number(order, day), jobs=jobs, form=form,
                           errors=errors, values=request.form), 422 if errors else 200


def _record_order_feedback(order: Order, jobs) -> tuple[int, int, dict[int, dict[str, str]]]:
    """Record the posted rating of each job not yet rated: (recorded, complaints opened,
    job id -> field errors)."""
    recorded, opened, errors = 0, 0, {}
    for item in jobs:
        if item.feedback is not None:
            continue
        prefix = f"job-{item.job.id}-"
        raw = request.form.get(prefix + "rating", "").strip()
        complaint = bool(request.form.get(prefix + "complaint"))
        if not raw and not complaint:
            continue  # not rated now: the guest left before, or later
        try:
            _fb, case = service.record_feedback(
                order, item.job.id, rating=int(raw) if raw.isdigit() else raw or None,
                comment=request.form.get(prefix + "comment", ""), complaint=complaint,
                complaint_text=request.form.get(prefix + "complaint_text", ""),
                actor=current_user)
        except service.FeedbackError as exc:
            errors[item.job.id] = exc.fields
            continue
        recorded += 1
        opened += case is not None
    return recorded, opened, errors


# --------------------------------------------------------------------------- 投诉


@bp.route("/complaints")
@permission_required("complaint.manage")
def complaints():
    """Complaint cases of the viewer's stores (head office: every store), newest first.

    ``?store_id=`` narrows to one store; ``?status=`` (default: not yet closed).
    """
    store_id = request.args.get("store_id", type=int)
    selected = get_in_scope_or_404(Store, store_id) if store_id is not None else None
    status = request.args.get("status", "unclosed")
    if status not in (*service.COMPLAINT_STATUSES, "unclosed", "all"):
        status = "unclosed"
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = service.list_complaints(
        store_scope(current_user), status=None if status == "all" else status,
        store_id=selected.id if selected else None, page=page, page_size=PAGE_SIZE)
    return render_template("store/complaints.html", selected=selected,
                           store=selected or first_visible_store(), rows=rows, total=total,
                           status=status, page=page, page_size=PAGE_SIZE,
                           statuses=service.COMPLAINT_STATUSES,
                           label=service.complaint_status_label)


@bp.route("/<int:store_id>/complaints/new", methods=["GET", "POST"])
@permission_required("feedback.record")
def complaint_new(store_id: int):
    """A guest complains at the desk or by phone, with no rating."""
    store = get_in_scope_or_404(Store, store_id)
    form = ComplaintForm(store.id)
    if form.validate_on_submit():
        customer = find_by_phone(form.phone.data) if form.phone.data else None
        try:
            case = service.open_complaint(store.id, form.description.data,
                                          therapist_id=form.therapist_id.data,
                                          customer_id=customer.id if customer else None)
        except service.FeedbackError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("投诉已登记（编号 %(id)s）", id=case.id), "success")
            if current_user.can("complaint.manage"):
                return redirect(url_for("store.complaint_detail", complaint_id=case.id))
            return redirect(url_for("store.feedback", store_id=store.id))
    return render_template("store/complaint_form.html", form=form, store=store), _status(form)


@bp.route("/complaints/<int:complaint_id>", methods=["GET", "POST"])
@permission_required("complaint.manage")
def complaint_detail(complaint_id: int):
    case = get_in_scope_or_404(ComplaintCase, complaint_id)
    form = ComplaintUpdateForm(case, obj=case)
    if form.validate_on_submit():
        try:
            service.update_complaint(
                case, status=form.status.data, owner_account_id=form.owner_account_id.data,
                resolution=form.resolution.data, reply_to_guest=form.reply_to_guest.data,
                guest_confirmed=form.guest_confirmed.data)
        except service.FeedbackError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("投诉处理已保存"), "success")
            return redirect(url_for("store.complaint_detail", complaint_id=case.id))
    feedback_entry = db.session.get(Feedback, case.feedback_id) if case.feedback_id else None
    order = db.session.get(Order, case.order_id) if case.order_id else None
    number = None
    if order is not None:
        number = order_number(order, db.session.get(BusinessDay, order.business_day_id))
    return render_template("store/complaint_detail.html",
                           store=db.session.get(Store, case.store_id),
                           row=service.complaint_row(case), case=case, form=form,
                           feedback=feedback_entry, order=order, number=number,
                           confirmed_at=service.shown_guest_confirmed_at(case),
                           closed_at=service.shown_closed_at(case),
                           panels=service.complaint_panels(case),
                           label=service.complaint_status_label), _status(form)
