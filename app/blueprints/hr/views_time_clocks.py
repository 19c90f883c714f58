"""打卡 pages: a store's kiosk (打卡机), its punches (代打卡/补卡, void) and clock PINs."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    ForemanPunchForm,
    KioskForm,
    PinForm,
    ReasonForm,
)
from app.blueprints.hr.models.time import ClockRecord
from app.blueprints.hr.time import (
    TimeError,
    aware,
    local_now,
    tenant_zone,
)
from app.blueprints.hr.time import clocks as clock_service
from app.blueprints.hr.views_time import (
    LABELS,
    date_arg,
    flash_errors,
    local_input,
    local_today,
    redirect_to_first_store,
    store_employees,
    store_or_404,
    visible_stores,
)
from app.extensions import db
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required
from app.validation import show_on_form


@bp.route("/time/stores/<int:store_id>/kiosk", methods=["GET", "POST"])
@permission_required("attendance.kiosk")
def time_kiosk(store_id: int):
    """打卡机: the store's shared clock page (工号 + 打卡密码 → 上班/下班)."""
    store = store_or_404(store_id)
    form = KioskForm()
    result, error, status = None, None, 200
    if form.validate_on_submit():
        try:
            result = clock_service.clock_kiosk(store.id, form.employee_no.data, form.pin.data,
                                               request.form.get("kind", ""), current_user)
        except clock_service.PinLockedError as exc:
            db.session.rollback()
            error, status = exc.message, 429
        except TimeError as exc:
            db.session.rollback()
            error, status = exc.message, 422
        else:
            db.session.commit()
        form = KioskForm(formdata=None)  # ready for the next person
    elif request.method == "POST":
        error, status = _("请输入工号和打卡密码"), 422
    return render_template("hr/time/kiosk.html", store=store, form=form, result=result,
                           error=error, now=local_now(), labels=LABELS), status


@bp.route("/time/clocks")
@permission_required("attendance.view")
def time_clocks_home():
    return redirect_to_first_store("hr.time_clocks")


def _render_clocks(store: Store, day: date, form: ForemanPunchForm | None = None,
                   status: int = 200):
    employees = store_employees(store.id)
    if form is None:
        form = ForemanPunchForm(formdata=None, employees=employees,
                                at=local_now().replace(second=0, microsecond=0,
                                                       tzinfo=None))
    records = clock_service.punches_on(day, store_id=store.id)
    return render_template("hr/time/clocks.html", store=store, stores=visible_stores(), day=day,
                           records=records, form=form, void_form=ReasonForm(formdata=None),
                           zone=tenant_zone(), labels=LABELS, today=local_today()), status


@bp.route("/time/stores/<int:store_id>/clocks")
@permission_required("attendance.view")
def time_clocks(store_id: int):
    """打卡记录 of a store's day, with 代打卡/补卡 and 作废."""
    store = store_or_404(store_id)
    return _render_clocks(store, date_arg("date", local_today()))


@bp.route("/time/stores/<int:store_id>/clocks/record", methods=["POST"])
@permission_required("attendance.record")
def time_clock_record(store_id: int):
    store = store_or_404(store_id)
    employees = store_employees(store.id)
    form = ForemanPunchForm(employees=employees)
    if form.validate_on_submit():
        employee = next((e for e in employees if e.id == form.employee_id.data), None)
        try:
            if employee is None:
                raise TimeError.on("employee_id", _("不是本店员工"))
            record = clock_service.record_punch(employee, form.kind.data,
                                                local_input(form.at.data), form.reason.data,
                                                current_user, store_id=store.id)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已为 %(name)s %(what)s", name=employee.name,
                    what=_("补卡") if record.source == "correction" else _("代打卡")),
                  "success")
            day = aware(record.at).astimezone(tenant_zone()).date()
            return redirect(url_for("hr.time_clocks", store_id=store.id, date=day.isoformat()))
    day = form.at.data.date() if form.at.data else local_today()
    return _render_clocks(store_or_404(store_id), day, form=form, status=422)


@bp.route("/time/clocks/<int:clock_id>/void", methods=["POST"])
@permission_required("attendance.record")
def time_clock_void(clock_id: int):
    record = get_in_scope_or_404(ClockRecord, clock_id)
    form = ReasonForm()
    day = aware(record.at).astimezone(tenant_zone()).date()
    if form.validate_on_submit():
        try:
            clock_service.void_punch(record, form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已作废该打卡记录（保留备查）"), "success")
    else:
        flash(_("请填写作废原因"), "danger")
    if record.store_id is None:
        return redirect(url_for("hr.time_sheet_home"))
    return redirect(url_for("hr.time_clocks", store_id=record.store_id, date=day.isoformat()))


@bp.route("/time/employees/<int:employee_id>/clock-pin", methods=["GET", "POST"])
@permission_required("employee.manage")
def time_employee_pin(employee_id: int):
    """HR sets (or resets) a person's 打卡密码 for the store's clock page."""
    employee = get_in_scope_or_404(Employee, employee_id)
    form = PinForm()
    status = 200
    if form.validate_on_submit():
        if form.pin.data != form.confirm.data:
            form.confirm.errors = [*form.confirm.errors, _("两次输入的密码不一致")]
            status = 422
        else:
            try:
                clock_service.set_clock_pin(employee, form.pin.data, current_user)
            except TimeError as exc:
                db.session.rollback()
                show_on_form(form, exc.fields)
                status = 422
            else:
                db.session.commit()
                flash(_("已为 %(name)s 设置打卡密码", name=employee.name), "success")
                return redirect(url_for("hr.time_employee_pin", employee_id=employee.id))
    elif request.method == "POST":
        status = 422
    return render_template("hr/time/employee_pin.html", employee=employee, form=form), status
