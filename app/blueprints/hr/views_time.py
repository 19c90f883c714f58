"""考勤 pages: shifts, the week schedule (排班), punches (打卡机, 代打卡/补卡), leave and
overtime approvals, the monthly attendance sheet, and each person's 我的考勤 / 我的排班.

Thin: parse the input, check permission and scope, call app.blueprints.hr.time, commit.
Store pages take the store in the path (``store_id``: another store's id is 404 by the
central resolution); a person's own requests are checked to be theirs (else 404).
The front desk's menu gets these pages too (store.subnav.SUBNAV, appended below).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import bp
from app.blueprints.hr.forms_time import (
    ConfirmForm,
    ForemanPunchForm,
    KioskForm,
    LeaveForm,
    LockForm,
    NoteForm,
    OvertimeForm,
    OwnPinForm,
    PinForm,
    ReasonForm,
    ShiftForm,
)
from app.blueprints.hr.models.time import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    OvertimeRequest,
    ShiftTemplate,
)
from app.blueprints.hr.time import (
    CLOCK_KIND_LABELS,
    CLOCK_SOURCE_LABELS,
    LEAVE_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    WEEKDAYS,
    TimeError,
    aware,
    local_now,
    month_end,
    month_start,
    parse_month,
    tenant_zone,
)
from app.blueprints.hr.time import clocks as clock_service
from app.blueprints.hr.time import leave as leave_service
from app.blueprints.hr.time import schedules as schedule_service
from app.blueprints.hr.time import sheets as sheet_service
from app.blueprints.hr.time import shifts as shift_service
from app.blueprints.store.subnav import SUBNAV
from app.extensions import db
from app.models import Employee, Store
from app.models.people import EMPLOYED_STATUSES
from app.navigation import NavItem
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.security import verify_password
from app.validation import show_on_form

# The desk's menu (门店前台): the foreman and store manager find these beside the board.
SUBNAV.extend([
    NavItem(_l("排班"), "hr.time_schedule", "schedule.manage", "schedule"),
    NavItem(_l("打卡记录"), "hr.time_clocks", "attendance.view", "clocks"),
    NavItem(_l("打卡机"), "hr.time_kiosk", "attendance.kiosk", "kiosk"),
    NavItem(_l("请假加班"), "hr.time_leave", "leave.approve", "leave"),
    NavItem(_l("考勤表"), "hr.time_sheet", "attendance.view", "attendance"),
])

LABELS = {
    "kinds": CLOCK_KIND_LABELS,
    "sources": CLOCK_SOURCE_LABELS,
    "leave_kinds": LEAVE_KIND_LABELS,
    "statuses": REQUEST_STATUS_LABELS,
    "weekdays": WEEKDAYS,
}


# --------------------------------------------------------------------------- helpers


@bp.app_template_filter("hr_local")
def hr_local(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A stored moment in the tenant's time zone (SQLite's naive values are UTC)."""
    if moment is None:
        return ""
    return aware(moment).astimezone(tenant_zone()).strftime(fmt)


def _store(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _stores() -> list[Store]:
    scope = store_scope(current_user)
    query = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return list(db.session.scalars(query))


def _first_store_or_none() -> Store | None:
    stores = _stores()
    return stores[0] if stores else None


def _home(endpoint: str):
    store = _first_store_or_none()
    if store is None:
        flash(_("您还没有可查看的门店"), "warning")
        return redirect(url_for("main.me"))
    return redirect(url_for(endpoint, store_id=store.id, **request.args))


@bp.app_template_filter("hr_days")
def hr_days(days) -> str:
    """5.0 -> "5", 0.5 -> "0.5" (leave days, overtime hours)."""
    if days is None:
        return ""
    return f"{Decimal(days).normalize():f}"


def _flash_errors(fields: dict) -> None:
    for message in fields.values():
        flash(str(message), "danger")


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


def _today() -> date:
    return local_now().date()


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name) or request.form.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        flash(_("日期格式应为 2026-01-31"), "danger")
        return default


def _week_arg() -> date:
    return schedule_service.week_start_of(_date_arg("week", _today()))


def _month_arg() -> date:
    return parse_month(request.args.get("month") or request.form.get("month"), _today())


def _own_employee() -> Employee | None:
    if not current_user.employee_id:
        return None
    return db.session.scalar(select(Employee).where(Employee.id == current_user.employee_id))


def _store_employees(store_id: int) -> list[Employee]:
    return list(db.session.scalars(
        select(Employee).where(Employee.store_id == store_id,
                               Employee.status.in_(EMPLOYED_STATUSES))
        .order_by(Employee.employee_no)))


def _employee_by_no(employee_no: str | None) -> Employee | None:
    """An employee by 工号 within the viewer's stores (head office: anyone)."""
    number = (employee_no or "").strip()
    if not number:
        return None
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == number))
    scope = store_scope(current_user)
    if employee is None or (scope is not None and employee.store_id not in scope):
        return None
    return employee


def _local_input(moment: datetime | None) -> datetime | None:
    """A datetime-local field's naive value is the tenant's local time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=tenant_zone()) if moment.tzinfo is None else moment


def _back(default: str):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


# --------------------------------------------------------------------------- shifts


@bp.route("/time/stores/<int:store_id>/shifts", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_shifts(store_id: int):
    """班次 of a store: list, add; each can be edited or deactivated."""
    store = _store(store_id)
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
    return render_template("hr/time/shifts.html", store=store, stores=_stores(), form=form,
                           shifts=shift_service.store_shifts(store.id),
                           confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_shift_edit(shift_id: int):
    shift = get_in_scope_or_404(ShiftTemplate, shift_id)
    store = _store(shift.store_id)
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
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已删除班次 %(name)s", name=name), "success")
    return redirect(url_for("hr.time_shifts", store_id=store_id))


# --------------------------------------------------------------------------- schedules


@bp.route("/time/schedule")
@permission_required("schedule.manage")
def time_schedule_home():
    return _home("hr.time_schedule")


def _render_grid(store: Store, week: date, status: int = 200):
    grid = schedule_service.week_grid(store.id, week)
    return render_template(
        "hr/time/schedule.html", store=store, stores=_stores(), grid=grid, week=week,
        prev_week=week - timedelta(days=7), next_week=week + timedelta(days=7),
        today=_today(), labels=LABELS, confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/stores/<int:store_id>/schedule", methods=["GET", "POST"])
@permission_required("schedule.manage")
def time_schedule(store_id: int):
    """排班 week grid: people × 7 days; 保存 keeps changed cells as drafts."""
    store = _store(store_id)
    week = _week_arg()
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
            _flash_errors(exc.fields)
            return _render_grid(store, week, 422)
        db.session.commit()
        flash(_("已保存 %(n)s 个格子（草稿，发布后员工才能看到）", n=len(changed))
              if changed else _("没有改动"), "success")
        return redirect(url_for("hr.time_schedule", store_id=store.id, week=week.isoformat()))
    return _render_grid(store, week)


@bp.route("/time/stores/<int:store_id>/schedule/publish", methods=["POST"])
@permission_required("schedule.manage")
def time_schedule_publish(store_id: int):
    store = _store(store_id)
    week = _week_arg()
    if ConfirmForm().validate_on_submit():
        try:
            count = schedule_service.publish_week(store.id, week, current_user)
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已发布本周排班 %(n)s 格，员工可在“我的排班”查看", n=count) if count
                  else _("本周没有待发布的排班"), "success" if count else "info")
    return redirect(url_for("hr.time_schedule", store_id=store.id, week=week.isoformat()))


@bp.route("/time/stores/<int:store_id>/schedule/copy", methods=["POST"])
@permission_required("schedule.manage")
def time_schedule_copy(store_id: int):
    """复制上周: last week's cells into this week's empty cells (drafts)."""
    store = _store(store_id)
    week = _week_arg()
    if ConfirmForm().validate_on_submit():
        try:
            result = schedule_service.copy_week(store.id, week - timedelta(days=7), week,
                                                current_user)
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
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


@bp.route("/time/my/schedule")
@permission_required("self.view")
def time_my_schedule():
    """我的排班: the person's published schedule, two weeks from the chosen Monday."""
    employee = _own_employee()
    week = _week_arg()
    entries = []
    if employee is not None:
        entries = schedule_service.published_schedule(employee.id, week,
                                                      week + timedelta(days=13))
    shifts = schedule_service.shift_names(e.shift_template_id for e in entries)
    by_day = {e.work_date: e for e in entries}
    days = [week + timedelta(days=n) for n in range(14)]
    return render_template("hr/time/my_schedule.html", employee=employee, days=days,
                           by_day=by_day, shifts=shifts, week=week, today=_today(),
                           prev_week=week - timedelta(days=14),
                           next_week=week + timedelta(days=14), zone=tenant_zone(),
                           labels=LABELS)


# --------------------------------------------------------------------------- my attendance


def _render_mine(employee: Employee | None, *, leave_form=None, overtime_form=None,
                 pin_form=None, status: int = 200):
    today = _today()
    month = month_start(today)
    view = sheet_service.employee_month(employee.id, month) if employee else None
    punches = (clock_service.punches_on(today, employee_id=employee.id)
               if employee else [])
    requests = {"leave": [], "overtime": []}
    if employee is not None:
        requests["leave"] = list(db.session.scalars(leave_service.leave_query(
            None, employee_id=employee.id).limit(20)))
        requests["overtime"] = list(db.session.scalars(leave_service.overtime_query(
            None, employee_id=employee.id).limit(20)))
    return render_template(
        "hr/time/my_attendance.html", employee=employee, today=today, month=month,
        view=view, punches=punches, requests=requests, zone=tenant_zone(), labels=LABELS,
        leave_form=leave_form or LeaveForm(formdata=None),
        overtime_form=overtime_form or OvertimeForm(formdata=None),
        pin_form=pin_form or OwnPinForm(formdata=None),
        confirm=ConfirmForm(formdata=None)), status


@bp.route("/time/my/attendance")
@permission_required("self.view")
def time_my_attendance():
    """我的考勤: 上班/下班打卡, today's punches, this month, my leave and overtime."""
    return _render_mine(_own_employee())


@bp.route("/time/my/clock", methods=["POST"])
@permission_required("self.view")
def time_my_clock():
    if ConfirmForm().validate_on_submit():
        try:
            result = clock_service.clock_self(current_user, request.form.get("kind", ""))
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(result.message, "warning" if result.board == "refused" else "success")
    return redirect(url_for("hr.time_my_attendance"))


@bp.route("/time/my/pin", methods=["POST"])
@permission_required("self.view")
def time_my_pin():
    employee = _own_employee()
    form = OwnPinForm()
    if employee is None:
        abort(404)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors = [*form.password.errors, _("登录密码不正确")]
        elif form.pin.data != form.confirm.data:
            form.confirm.errors = [*form.confirm.errors, _("两次输入的密码不一致")]
        else:
            try:
                clock_service.set_clock_pin(employee, form.pin.data, current_user,
                                            by_self=True)
            except TimeError as exc:
                db.session.rollback()
                show_on_form(form, exc.fields)
            else:
                db.session.commit()
                flash(_("打卡密码已设置"), "success")
                return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(employee, pin_form=form, status=422)


@bp.route("/time/my/leave", methods=["POST"])
@permission_required("self.view")
def time_my_leave():
    employee = _own_employee()
    if employee is None:
        abort(404)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            leave = leave_service.request_leave(
                employee, form.kind.data, form.starts_on.data, form.ends_on.data,
                form.half_day.data, form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("请假申请已提交（%(days)s 天），等待%(who)s审批", days=hr_days(leave.days),
                    who=_("人力资源") if leave.needs_hr else _("店长")), "success")
            return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(_own_employee(), leave_form=form, status=422)


@bp.route("/time/my/overtime", methods=["POST"])
@permission_required("self.view")
def time_my_overtime():
    employee = _own_employee()
    if employee is None:
        abort(404)
    form = OvertimeForm()
    if form.validate_on_submit():
        try:
            leave_service.request_overtime(employee, form.work_date.data, form.hours.data,
                                           form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("加班申请已提交，等待审批"), "success")
            return redirect(url_for("hr.time_my_attendance"))
    return _render_mine(_own_employee(), overtime_form=form, status=422)


def _mine_or_404(model, object_id: int):
    obj = get_in_scope_or_404(model, object_id)
    if obj.employee_id != current_user.employee_id or current_user.employee_id is None:
        abort(404)
    return obj


@bp.route("/time/my/leave/<int:leave_id>/cancel", methods=["POST"])
@permission_required("self.view")
def time_my_leave_cancel(leave_id: int):
    leave = _mine_or_404(LeaveRequest, leave_id)
    if ConfirmForm().validate_on_submit():
        _decide(lambda: leave_service.cancel_leave(leave, current_user), _("已取消请假"))
    return redirect(url_for("hr.time_my_attendance"))


@bp.route("/time/my/overtime/<int:overtime_id>/cancel", methods=["POST"])
@permission_required("self.view")
def time_my_overtime_cancel(overtime_id: int):
    overtime = _mine_or_404(OvertimeRequest, overtime_id)
    if ConfirmForm().validate_on_submit():
        _decide(lambda: leave_service.cancel_overtime(overtime, current_user),
                _("已取消加班申请"))
    return redirect(url_for("hr.time_my_attendance"))


# --------------------------------------------------------------------------- kiosk


@bp.route("/time/stores/<int:store_id>/kiosk", methods=["GET", "POST"])
@permission_required("attendance.kiosk")
def time_kiosk(store_id: int):
    """打卡机: the store's shared clock page (工号 + 打卡密码 → 上班/下班)."""
    store = _store(store_id)
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


# --------------------------------------------------------------------------- store punches


@bp.route("/time/clocks")
@permission_required("attendance.view")
def time_clocks_home():
    return _home("hr.time_clocks")


def _render_clocks(store: Store, day: date, form: ForemanPunchForm | None = None,
                   status: int = 200):
    employees = _store_employees(store.id)
    if form is None:
        form = ForemanPunchForm(formdata=None, employees=employees,
                                at=local_now().replace(second=0, microsecond=0,
                                                       tzinfo=None))
    records = clock_service.punches_on(day, store_id=store.id)
    return render_template("hr/time/clocks.html", store=store, stores=_stores(), day=day,
                           records=records, form=form, void_form=ReasonForm(formdata=None),
                           zone=tenant_zone(), labels=LABELS, today=_today()), status


@bp.route("/time/stores/<int:store_id>/clocks")
@permission_required("attendance.view")
def time_clocks(store_id: int):
    """打卡记录 of a store's day, with 代打卡/补卡 and 作废."""
    store = _store(store_id)
    return _render_clocks(store, _date_arg("date", _today()))


@bp.route("/time/stores/<int:store_id>/clocks/record", methods=["POST"])
@permission_required("attendance.record")
def time_clock_record(store_id: int):
    store = _store(store_id)
    employees = _store_employees(store.id)
    form = ForemanPunchForm(employees=employees)
    if form.validate_on_submit():
        employee = next((e for e in employees if e.id == form.employee_id.data), None)
        try:
            if employee is None:
                raise TimeError.on("employee_id", _("不是本店员工"))
            record = clock_service.record_punch(employee, form.kind.data,
                                                _local_input(form.at.data), form.reason.data,
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
    day = form.at.data.date() if form.at.data else _today()
    return _render_clocks(_store(store_id), day, form=form, status=422)


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
            _flash_errors(exc.fields)
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


# --------------------------------------------------------------------------- leave / overtime


def _decide(verb, done: str) -> bool:
    try:
        verb()
    except TimeError as exc:
        db.session.rollback()
        _flash_errors(exc.fields)
        return False
    db.session.commit()
    flash(done, "success")
    return True


@bp.route("/time/leave")
@permission_required("leave.approve")
def time_leave():
    """请假与加班 of the stores in scope: pending first; approve, reject, file for someone."""
    scope = store_scope(current_user)
    store_id = request.args.get("store_id", type=int)
    store = _store(store_id) if store_id else None
    status = request.args.get("status", "pending")
    status = status if status in REQUEST_STATUS_LABELS else None
    leave = list(db.session.scalars(leave_service.leave_query(
        scope, store_id=store_id, status=status).limit(200)))
    overtime = list(db.session.scalars(leave_service.overtime_query(
        scope, store_id=store_id, status=status).limit(200)))
    ids = {r.employee_id for r in leave + overtime}
    people = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(ids or [-1])))}
    return render_template(
        "hr/time/leave.html", leave=leave, overtime=overtime, people=people, store=store,
        stores=_stores(), status=status, labels=LABELS,
        can_decide_leave=lambda r: leave_service.can_decide_leave(current_user, r),
        can_decide_overtime=lambda r: leave_service.can_decide_overtime(current_user, r),
        hr_days=leave_service.hr_approval_days(), note_form=NoteForm(formdata=None),
        leave_form=LeaveForm(formdata=None), overtime_form=OvertimeForm(formdata=None))


@bp.route("/time/leave/new", methods=["POST"])
@permission_required("leave.approve")
def time_leave_new():
    """代员工请假 (by 工号)."""
    form = LeaveForm()
    if form.validate_on_submit():
        employee = _employee_by_no(form.employee_no.data)
        try:
            if employee is None:
                raise TimeError.on("employee_no", _("没有这个工号"))
            leave = leave_service.request_leave(
                employee, form.kind.data, form.starts_on.data, form.ends_on.data,
                form.half_day.data, form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 提交请假 %(days)s 天", name=employee.name,
                    days=hr_days(leave.days)),
                  "success")
    else:
        _form_errors(form)
    return _back(url_for("hr.time_leave"))


@bp.route("/time/overtime/new", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_new():
    form = OvertimeForm()
    if form.validate_on_submit():
        employee = _employee_by_no(form.employee_no.data)
        try:
            if employee is None:
                raise TimeError.on("employee_no", _("没有这个工号"))
            leave_service.request_overtime(employee, form.work_date.data, form.hours.data,
                                           form.reason.data, current_user)
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 提交加班申请", name=employee.name), "success")
    else:
        _form_errors(form)
    return _back(url_for("hr.time_leave"))


def _decide_leave(leave_id: int, action, done: str):
    leave = get_in_scope_or_404(LeaveRequest, leave_id)
    form = NoteForm()
    if form.validate_on_submit():
        _decide(lambda: action(leave, current_user, form.note.data or ""), done)
    return _back(url_for("hr.time_leave"))


def _decide_overtime(overtime_id: int, action, done: str):
    overtime = get_in_scope_or_404(OvertimeRequest, overtime_id)
    form = NoteForm()
    if form.validate_on_submit():
        _decide(lambda: action(overtime, current_user, form.note.data or ""), done)
    return _back(url_for("hr.time_leave"))


@bp.route("/time/leave/<int:leave_id>/approve", methods=["POST"])
@permission_required("leave.approve")
def time_leave_approve(leave_id: int):
    """批准 (above the HR threshold only holders of leave.approve_long)."""
    return _decide_leave(leave_id, leave_service.approve_leave, _("已批准请假"))


@bp.route("/time/leave/<int:leave_id>/reject", methods=["POST"])
@permission_required("leave.approve")
def time_leave_reject(leave_id: int):
    return _decide_leave(leave_id, leave_service.reject_leave, _("已驳回请假"))


@bp.route("/time/leave/<int:leave_id>/cancel", methods=["POST"])
@permission_required("leave.approve")
def time_leave_cancel(leave_id: int):
    return _decide_leave(leave_id, leave_service.cancel_leave, _("已取消请假"))


@bp.route("/time/overtime/<int:overtime_id>/approve", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_approve(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.approve_overtime, _("已批准加班"))


@bp.route("/time/overtime/<int:overtime_id>/reject", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_reject(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.reject_overtime, _("已驳回加班"))


@bp.route("/time/overtime/<int:overtime_id>/cancel", methods=["POST"])
@permission_required("leave.approve")
def time_overtime_cancel(overtime_id: int):
    return _decide_overtime(overtime_id, leave_service.cancel_overtime, _("已取消加班"))


# --------------------------------------------------------------------------- sheets


@bp.route("/time/attendance")
@permission_required("attendance.view")
def time_sheet_home():
    return _home("hr.time_sheet")


@bp.route("/time/stores/<int:store_id>/attendance")
@permission_required("attendance.view")
def time_sheet(store_id: int):
    """月度考勤表: each person's scheduled days, A, PL, SL, UL, AB, LATE and overtime."""
    store = _store(store_id)
    month = _month_arg()
    view = sheet_service.sheet_view(store.id, month)
    return render_template(
        "hr/time/sheet.html", store=store, stores=_stores(), view=view, month=month,
        prev_month=month_start(month - timedelta(days=1)),
        next_month=month_end(month) + timedelta(days=1),
        lock_form=LockForm(formdata=None, month=month.isoformat()),
        unlock_form=ReasonForm(formdata=None), can_unlock=current_user.role in
        sheet_service.UNLOCK_ROLES)


@bp.route("/time/stores/<int:store_id>/attendance/employees/<int:employee_id>")
@permission_required("attendance.view")
def time_sheet_employee(store_id: int, employee_id: int):
    """The sheet's day-by-day detail of one person."""
    store = _store(store_id)
    employee = get_in_scope_or_404(Employee, employee_id)
    month = _month_arg()
    view = sheet_service.employee_month(employee.id, month)
    sheet = sheet_service.get_sheet(store.id, month)
    return render_template("hr/time/sheet_employee.html", store=store, employee=employee,
                           month=month, view=view, zone=tenant_zone(), labels=LABELS,
                           shifts_by_day={s.work_date: s for s in
                                          (view.inputs.shifts if view.inputs else ())},
                           locked=sheet is not None and sheet.status == "locked")


@bp.route("/time/stores/<int:store_id>/attendance/lock", methods=["POST"])
@permission_required("attendance.lock")
def time_sheet_lock(store_id: int):
    store = _store(store_id)
    form = LockForm()
    month = _month_arg()
    if form.validate_on_submit():
        try:
            sheet_service.lock_sheet(store.id, month, current_user, form.note.data or "")
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("%(store)s %(month)s 考勤表已锁定", store=store.name,
                    month=month.strftime("%Y-%m")), "success")
    return redirect(url_for("hr.time_sheet", store_id=store.id, month=month.strftime("%Y-%m")))


@bp.route("/time/sheets/<int:sheet_id>")
@permission_required("attendance.view")
def time_sheet_by_id(sheet_id: int):
    sheet = get_in_scope_or_404(AttendanceSheet, sheet_id)
    return redirect(url_for("hr.time_sheet", store_id=sheet.store_id,
                            month=sheet.month.strftime("%Y-%m")))


@bp.route("/time/sheets/<int:sheet_id>/unlock", methods=["POST"])
@permission_required("attendance.lock")
def time_sheet_unlock(sheet_id: int):
    sheet = get_in_scope_or_404(AttendanceSheet, sheet_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            sheet_service.unlock_sheet(sheet, current_user, form.reason.data)
        except TimeError as exc:
            db.session.rollback()
            _flash_errors(exc.fields)
        else:
            db.session.commit()
            flash(_("考勤表已解锁"), "success")
    else:
        flash(_("请填写解锁原因"), "danger")
    return redirect(url_for("hr.time_sheet", store_id=sheet.store_id,
                            month=sheet.month.strftime("%Y-%m")))
