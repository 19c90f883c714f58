"""人力资源部: landing page, employee file (员工档案) and logins (thin: services do the work)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import bp, changes, pay_settings, services, visibility
from app.blueprints.hr import employees as employee_file
from app.blueprints.hr.forms import (
    ConfirmForm,
    CreateLoginForm,
    DisableLoginForm,
    EmployeeForm,
    LoginSettingsForm,
)
from app.blueprints.hr.views_shared import (
    employee_or_404,
    form_status,
    render_detail,
    visible_stores,
)
from app.extensions import db
from app.models import Account, Employee, Store, Tenant
from app.models.people import EMPLOYEE_STATUSES, ON_STAFF_STATUSES
from app.permissions import ROLES, can_see_store, permission_required, store_scope
from app.validation import show_on_form

PAGE_SIZE = 50


def _account_or_404(account_id: int) -> Account:
    account = services.get_by_id(Account, account_id)
    if account is None:
        abort(404)
    # Store-level managers of logins (none today) would see only their stores' logins.
    if store_scope(current_user) is not None and not any(
            can_see_store(current_user, store_id) for store_id in account.store_ids):
        abort(404)
    return account


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


@bp.route("/")
@permission_required("hr.view")
def index():
    """Headcount by store and status, recent hires, people without a login."""
    scope = store_scope(current_user)
    counts = services.headcount_by_store(scope)
    stores = visible_stores()
    rows = [(store, counts.get(store.id, {})) for store in stores]
    if scope is None:
        rows.insert(0, (None, counts.get(None, {})))
    totals = {status: sum(c.get(status, 0) for _s, c in rows) for status in EMPLOYEE_STATUSES}
    today = services.tenant_today()
    return render_template(
        "hr/index.html",
        rows=rows,
        totals=totals,
        statuses=EMPLOYEE_STATUSES,
        on_staff=services.on_staff_count,
        on_staff_statuses=ON_STAFF_STATUSES,
        recent=services.recent_hires(scope),
        without_login=services.employees_without_login(scope),
        health_alerts=employee_file.health_cert_alerts(today, scope),
        today=today,
        pending_changes=(changes.pending_changes(scope)
                         if current_user.can("employee.manage") else []),
        change_kind_label=changes.kind_label,
    )


@bp.route("/employees")
@permission_required("employee.view")
def employees():
    """员工列表: filters, search by name / number / phone tail, pages."""
    status = request.args.get("status") or None
    role = request.args.get("role") or None
    show_phone = visibility.PERSONAL in visibility.field_groups(current_user)
    filters = services.EmployeeFilters(
        store_id=_int_arg("store"),
        status=status if status in EMPLOYEE_STATUSES else None,
        position_id=_int_arg("position"),
        role=role if role in ROLES else None,
        search=(request.args.get("q") or "").strip() or None,
        search_phone=show_phone,
    )
    page = services.list_employees(filters, store_scope(current_user),
                                   page=max(1, request.args.get("page", 1, type=int)),
                                   page_size=PAGE_SIZE)
    with_login = services.employee_ids_with_login(e.id for e in page.items)
    return render_template(
        "hr/employees.html", page=page, filters=filters, with_login=with_login,
        show_phone=show_phone,
        stores=visible_stores(), positions=services.positions(), statuses=EMPLOYEE_STATUSES,
        today=services.tenant_today())


def _employee_form(employee: Employee | None = None, **kwargs) -> EmployeeForm:
    """The file form; a level or profile no longer in use still shows on whoever has it."""
    levels = [lv for lv in pay_settings.levels()
              if lv.is_active or (employee is not None and lv.id == employee.level_id)]
    profiles = [p for p in pay_settings.profiles()
                if p.is_active or (employee is not None and p.id == employee.pay_profile_id)]
    form = EmployeeForm(stores=visible_stores(), positions=services.positions(),
                        levels=levels, profiles=profiles, obj=employee, **kwargs)
    if employee is not None and not form.is_submitted():
        # Sensitive numbers are shown in full on the detail page only; here a blank
        # field keeps what is on file.
        for name in employee_file.SENSITIVE_FIELDS:
            getattr(form, name).data = ""
    return form


def _form_values(form: EmployeeForm, employee: Employee | None = None) -> dict:
    values = {name: getattr(form, name).data for name in employee_file.EDITABLE_FIELDS}
    if employee is not None:
        for name in employee_file.SENSITIVE_FIELDS:
            if name in values and not (values[name] or "").strip():
                del values[name]  # blank: keep what is on file
        # The page shows the status (and, on a staff file, the change-controlled
        # fields) disabled, so they are not posted: what is on file stays.  A posted
        # value is still checked by the service.
        locked = employee.status not in employee_file.SETUP_STATUSES
        for name in ("status", *(employee_file.CHANGE_CONTROLLED_FIELDS if locked else ())):
            if name not in request.form:
                values.pop(name, None)
    return values


def _check_store_in_scope(form: EmployeeForm) -> bool:
    if form.store_id.data is not None and not can_see_store(current_user, form.store_id.data):
        form.store_id.errors = [*form.store_id.errors, _("没有这个门店")]
        return False
    return True


@bp.route("/employees/new", methods=["GET", "POST"])
@permission_required("employee.manage")
def employee_new():
    form = _employee_form()
    if form.validate_on_submit() and _check_store_in_scope(form):
        try:
            employee = services.create_employee(**_form_values(form))
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建员工档案 %(name)s", name=employee.name), "success")
            return redirect(url_for("hr.employee_detail", employee_id=employee.id))
    return render_template("hr/employee_form.html", form=form, employee=None), form_status(form)


@bp.route("/employees/<int:employee_id>/edit", methods=["GET", "POST"])
@permission_required("employee.manage")
def employee_edit(employee_id: int):
    employee = employee_or_404(employee_id)
    form = _employee_form(employee)
    if form.validate_on_submit() and _check_store_in_scope(form):
        try:
            services.update_employee(employee, actor=current_user,
                                     **_form_values(form, employee))
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("hr.employee_detail", employee_id=employee.id))
    return render_template("hr/employee_form.html", form=form, employee=employee), form_status(form)


@bp.route("/employees/<int:employee_id>")
@permission_required("employee.view")
def employee_detail(employee_id: int):
    return render_detail(employee_or_404(employee_id))


@bp.route("/employees/<int:employee_id>/reveal", methods=["POST"])
@permission_required("employee.reveal_sensitive")
def employee_reveal(employee_id: int):
    """显示完整: the full ID-card or bank number on this response only, audited."""
    employee = employee_or_404(employee_id)
    field = request.form.get("field", "")
    if not ConfirmForm().validate_on_submit() or field not in visibility.SENSITIVE_NUMBERS:
        abort(400)
    value = visibility.reveal_sensitive(employee, field, current_user)
    db.session.commit()
    return render_detail(employee_or_404(employee_id), revealed={field: value})


@bp.route("/employees/<int:employee_id>/login", methods=["POST"])
@permission_required("account.manage")
def employee_login_create(employee_id: int):
    """开通账号: the initial password is shown on this response only."""
    employee = employee_or_404(employee_id)
    form = CreateLoginForm(stores=services.stores())
    if form.validate_on_submit():
        try:
            issued = services.create_login_for_employee(
                employee, form.username.data, role=form.role.data,
                store_ids=form.store_ids.data, actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            # The rollback expired the file: load it again with its store and position.
            employee = employee_or_404(employee_id)
        else:
            db.session.commit()
            return _render_issued(issued.account, issued.password, employee, created=True)
    return render_detail(employee, login_form=form, status=422)


def _render_issued(account: Account, password: str, employee: Employee | None, created: bool):
    tenant = db.session.get(Tenant, account.tenant_id)
    response = render_template("hr/login_issued.html", account=account, password=password,
                               employee=employee, created=created,
                               company_code=tenant.code if tenant else "")
    # The password is on this page only: keep it out of every cache.
    return response, 200, {"Cache-Control": "no-store"}


def _back_to(account: Account):
    if account.employee_id is not None:
        return redirect(url_for("hr.employee_detail", employee_id=account.employee_id))
    return redirect(url_for("hr.accounts"))


@bp.route("/accounts/<int:account_id>/disable", methods=["POST"])
@permission_required("account.manage")
def account_disable(account_id: int):
    account = _account_or_404(account_id)
    form = DisableLoginForm()
    if form.validate_on_submit():
        try:
            services.disable_login(account, reason=form.reason.data or "", actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(_("账号 %(username)s 已停用，其登录已全部退出", username=account.username),
                  "success")
    return _back_to(account)


@bp.route("/accounts/<int:account_id>/enable", methods=["POST"])
@permission_required("account.manage")
def account_enable(account_id: int):
    account = _account_or_404(account_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.enable_login(account, actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(_("账号 %(username)s 已启用", username=account.username), "success")
    return _back_to(account)


@bp.route("/accounts/<int:account_id>/reset-password", methods=["POST"])
@permission_required("account.manage")
def account_reset_password(account_id: int):
    account = _account_or_404(account_id)
    if ConfirmForm().validate_on_submit():
        try:
            password = services.reset_login_password(account, actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            employee = (services.get_by_id(Employee, account.employee_id)
                        if account.employee_id else None)
            return _render_issued(account, password, employee, created=False)
    return _back_to(account)


@bp.route("/accounts/<int:account_id>/settings", methods=["POST"])
@permission_required("account.manage")
def account_settings(account_id: int):
    """Change a login's role and stores (a role change ends its open sessions)."""
    account = _account_or_404(account_id)
    form = LoginSettingsForm(prefix=f"a{account.id}", stores=services.stores())
    if form.validate_on_submit():
        try:
            services.update_login(account, role=form.role.data, store_ids=form.store_ids.data,
                                  actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(_("账号 %(username)s 的角色与门店已保存", username=account.username), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return _back_to(account)


@bp.route("/accounts")
@permission_required("account.manage")
def accounts():
    """登录账号: every login of the company with role, stores, state, last login."""
    role = request.args.get("role") or None
    enabled_arg = request.args.get("enabled")
    enabled = {"1": True, "0": False}.get(enabled_arg or "")
    page = services.list_accounts(
        role=role if role in ROLES else None, enabled=enabled,
        search=request.args.get("q"), page=max(1, request.args.get("page", 1, type=int)),
        page_size=PAGE_SIZE)
    store_names = dict(db.session.execute(select(Store.id, Store.name)).all())
    return render_template("hr/accounts.html", page=page, store_names=store_names,
                           roles=ROLES, role=role, enabled=enabled_arg,
                           q=request.args.get("q", ""))


@bp.app_template_global("store_health_cert_alerts")
def store_health_cert_alerts(store) -> tuple[list, object]:
    """健康证 of one store expiring within 30 days or expired, for the store manager's page
    (templates/hr/_store_health_certs.html): (employees, today); nothing for those who
    may not see the employee file."""
    if store is None or not current_user.is_authenticated \
            or not current_user.can("employee.view") or not can_see_store(current_user, store.id):
        return [], None
    today = services.tenant_today()
    return employee_file.health_cert_alerts(today, store_scope(current_user),
                                            store_id=store.id), today
