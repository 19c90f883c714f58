"""预订 pages: the greeter's list of a day, book / change, confirm, cancel, arrival."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.blueprints.store import bp
from app.blueprints.store import reservations as service
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import Customer, Reservation
from app.blueprints.store.views_customers import optional_int
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReservationForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    at = TimeField(_l("时间"), validators=[DataRequired()])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)],
                        description=_l("老客户按手机号自动关联客户档案"))
    name = StringField(_l("称呼"), validators=[Optional(), Length(max=64)])
    customer_id = HiddenField()
    party_size = IntegerField(_l("人数"), default=1, validators=[
        DataRequired(), NumberRange(min=1, max=service.MAX_PARTY)])
    service_item_ids = MultiCheckboxField(_l("项目"), coerce=int)
    requested_therapist_id = SelectField(_l("点钟技师"), coerce=optional_int)
    # Checked by the service, which names the field in the desk's words.
    gender_wish = SelectField(_l("技师性别"), choices=[SelectChoice("", _l("不限")),
                                                       SelectChoice("female", _l("女技师")),
                                                       SelectChoice("male", _l("男技师"))],
                              validate_choice=False,
                              description=_l("到店开单后，轮钟按客人的要求派技师"))
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])

    def __init__(self, store_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_item_ids.choices = [
            (item.id, f"{item.name} ¥{item.price}") for item in service.bookable_items()]
        self.requested_therapist_id.choices = [SelectChoice("", _l("不点钟（轮钟）"))] + [
            SelectChoice(str(e.id), f"{e.employee_no} {e.name}")
            for e in service.store_therapists(store_id)]

    def values(self) -> dict:
        return {
            "starts_at": service.local_to_utc(self.day.data, self.at.data),
            "name": self.name.data or "", "phone": self.phone.data or "",
            "customer_id": optional_int(self.customer_id.data),
            "party_size": self.party_size.data,
            "service_item_ids": list(self.service_item_ids.data or []),
            "requested_therapist_id": self.requested_therapist_id.data,
            "gender_wish": self.gender_wish.data or None,
            "note": self.note.data or "",
        }


class ActionForm(FlaskForm):
    """CSRF only: confirm, arrive."""


class CancelForm(FlaskForm):
    reason = StringField(_l("取消原因"), validators=[Optional(), Length(max=100)])


def _status(form) -> int:
    return 422 if any(f.errors for f in form) else 200


def _show_errors(form, fields: dict) -> None:
    """The service names starts_at; the form asks for a day and a time."""
    if "starts_at" in fields:
        fields = dict(fields)
        form.at.errors = [*form.at.errors, fields.pop("starts_at")]
    show_on_form(form, fields)


def _after_check_in(order) -> str:
    if "store.order_detail" in current_app.view_functions:
        return url_for("store.order_detail", store_id=order.store_id, order_id=order.id)
    return url_for("store.index", store_id=order.store_id)


@bp.route("/<int:store_id>/reservations")
@permission_required("reservation.manage")
def reservations(store_id: int):
    """The greeter's list of one business day (today unless ``?date=``)."""
    store = get_in_scope_or_404(Store, store_id)
    today = today_for_store()
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") \
            else today
    except ValueError:
        day = today
    rows = service.reservations_of_day(store.id, day)
    template = ("store/reservations_table.html" if request.headers.get("HX-Request")
                else "store/reservations.html")
    return render_template(
        template, store=store, stores=db.session.scalars(_visible_stores()).all(), day=day,
        today=today, rows=rows, previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1), action_form=ActionForm(), cancel_form=CancelForm(),
        to_local=service.to_local,
        expected=[row for row in rows if row.reservation.status in service.EXPECTED])


def _prefill_reservation(form: ReservationForm, customer: Customer | None) -> None:
    """The known guest's name, phone and favourite therapist; the next full hour."""
    if customer is not None:
        form.customer_id.data = str(customer.id)
        form.name.data, form.phone.data = customer.name, customer.phone
        if customer.favourite_therapist_id:
            form.requested_therapist_id.data = customer.favourite_therapist_id
    local_now = service.to_local(utcnow())
    form.day.data = local_now.date()
    form.at.data = (local_now + timedelta(hours=1)).replace(minute=0, second=0,
                                                           microsecond=0).time()


@bp.route("/<int:store_id>/reservations/new", methods=["GET", "POST"])
@permission_required("reservation.manage")
def reservation_new(store_id: int):
    store = get_in_scope_or_404(Store, store_id)
    form = ReservationForm(store.id)
    customer = None
    customer_id = request.args.get("customer_id", type=int)
    if customer_id is not None:
        customer = get_in_scope_or_404(Customer, customer_id)
    if request.method == "GET":
        _prefill_reservation(form, customer)
    if form.validate_on_submit():
        try:
            reservation = service.create_reservation(store.id, **form.values(),
                                                     actor=current_user)
        except service.ReservationError as exc:
            db.session.rollback()
            _show_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已预订：%(name)s %(time)s", name=reservation.name,
                    time=service.to_local(reservation.starts_at).strftime("%m-%d %H:%M")),
                  "success")
            # The list is by business day: a booking after midnight, before the day's
            # start, is on the list of the day before.
            return redirect(url_for("store.reservations", store_id=store.id,
                                    date=today_for_store(reservation.starts_at).isoformat()))
    return render_template("store/reservation_form.html", form=form, store=store,
                           reservation=None, customer=customer), _status(form)


@bp.route("/reservations/<int:reservation_id>", methods=["GET", "POST"])
@permission_required("reservation.manage")
def reservation_edit(reservation_id: int):
    """A booking: change it while it is expected; confirm, cancel or check in."""
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    store = db.session.get(Store, reservation.store_id)
    form = ReservationForm(store.id, obj=reservation)
    if request.method == "GET":
        local = service.to_local(reservation.starts_at)
        form.day.data, form.at.data = local.date(), local.time()
        form.customer_id.data = str(reservation.customer_id or "")
    if form.validate_on_submit():
        try:
            service.update_reservation(reservation, **form.values())
        except service.ReservationError as exc:
            db.session.rollback()
            _show_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("预订已修改"), "success")
            # The list is by business day: a booking after midnight, before the day's
            # start, is on the list of the day before.
            return redirect(url_for("store.reservations", store_id=store.id,
                                    date=today_for_store(reservation.starts_at).isoformat()))
    return render_template("store/reservation_form.html", form=form, store=store,
                           reservation=reservation, row=service.reservation_row(reservation),
                           customer=None, action_form=ActionForm(), cancel_form=CancelForm(),
                           to_local=service.to_local), _status(form)


@bp.route("/reservations/<int:reservation_id>/confirm", methods=["POST"])
@permission_required("reservation.manage")
def reservation_confirm(reservation_id: int):
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    if ActionForm().validate_on_submit():
        try:
            service.confirm_reservation(reservation)
        except service.ReservationError as exc:
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("已确认 %(name)s 的预订", name=reservation.name), "success")
    return _back_to_list(reservation)


@bp.route("/reservations/<int:reservation_id>/cancel", methods=["POST"])
@permission_required("reservation.manage")
def reservation_cancel(reservation_id: int):
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_reservation(reservation, form.reason.data or "")
        except service.ReservationError as exc:
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("已取消 %(name)s 的预订", name=reservation.name), "success")
    return _back_to_list(reservation)


@bp.route("/reservations/<int:reservation_id>/arrive", methods=["POST"])
@permission_required("reservation.manage")
def reservation_arrive(reservation_id: int):
    """到店: open the order in the held room with the reserved items, then show it.

    Opening an order needs ``order.create`` as well (every role that books has it).
    """
    reservation = get_in_scope_or_404(Reservation, reservation_id)
    if not current_user.can("order.create"):
        abort(403)
    if not ActionForm().validate_on_submit():
        return _back_to_list(reservation)
    try:
        check_in = service.check_in_reservation(reservation, actor=current_user)
    except service.ReservationError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back_to_list(reservation)
    db.session.commit()
    flash(_("%(name)s 已到店，已开单", name=reservation.name), "success")
    if check_in.order.room_id is None:
        flash(_("暂无空闲房间，客人在休息区等候"), "warning")
    if check_in.skipped_items:
        flash(_("以下项目已停售，未加入消费单：%(items)s",
                items="、".join(check_in.skipped_items)), "warning")
    return redirect(_after_check_in(check_in.order))


def _back_to_list(reservation: Reservation):
    day = today_for_store(service.as_utc(reservation.starts_at))
    return redirect(url_for("store.reservations", store_id=reservation.store_id,
                            date=day.isoformat()))


def _visible_stores():
    scope = store_scope(current_user)
    query = select(Store).where(Store.status != "closed").order_by(Store.code, Store.id)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return query
