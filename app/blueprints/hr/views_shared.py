"""人力资源部 pages: what the employee-file views share (lookups, the detail page, its forms)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app import duties
from app.blueprints.hr import changes, pay_settings, rewards, services, tax_opening, visibility
from app.blueprints.hr import employees as employee_file
from app.blueprints.hr.forms import (
    ChangeRequestForm,
    ConfirmForm,
    CreateLoginForm,
    DisableLoginForm,
    LoginSettingsForm,
    NoteForm,
    TaxOpeningForm,
)
from app.extensions import db
from app.models import Employee, Position
from app.permissions import store_scope


def visible_stores():
    scope = store_scope(current_user)
    return [store for store in services.stores() if scope is None or store.id in scope]


def employee_or_404(employee_id: int) -> Employee:
    """The employee with store and position loaded; 404 for another tenant or store."""
    employee = db.session.scalar(
        services.employee_query(scope=store_scope(current_user)).where(Employee.id == employee_id))
    if employee is None:
        abort(404)
    return employee


def form_status(form) -> int:
    """422 when the form comes back with errors, so scripts and tests can tell."""
    return 422 if any(f.errors for f in form) else 200


def render_detail(employee: Employee, login_form: CreateLoginForm | None = None, status=200,
                   change_form: ChangeRequestForm | None = None,
                   tax_form: TaxOpeningForm | None = None, revealed: dict | None = None):
    """The employee page with the field groups the viewer may read (hr.visibility);
    ``revealed`` holds a full number just asked for with "显示完整" (and audited)."""
    accounts = services.accounts_of_employee(employee)
    stores = services.stores()
    can_manage_logins = current_user.can("account.manage")
    if login_form is None and can_manage_logins and not accounts:
        position = services.get_by_id(Position, employee.position_id)
        login_form = CreateLoginForm(
            formdata=None, stores=stores, role=position.role if position else None,
            store_ids=[employee.store_id] if employee.store_id else [],
            username=employee.employee_no)
    settings_forms = {
        account.id: LoginSettingsForm(formdata=None, prefix=f"a{account.id}", stores=stores,
                                      role=account.role, store_ids=sorted(account.store_ids))
        for account in accounts
        # Only logins this person may manage get their buttons (app/duties.py).
        if duties.account_refusal(current_user, account, self_message="") is None
    } if can_manage_logins else {}
    groups = visibility.field_groups(current_user)
    show_personal = visibility.PERSONAL in groups
    show_pay = visibility.PAY in groups
    levels = {lv.id: lv for lv in pay_settings.levels()}
    profiles = {p.id: p for p in pay_settings.profiles()}
    positions = services.positions()
    profile, profile_source = (services.pay_profile_in_force(employee) if show_pay
                               else (None, ""))
    if change_form is None and current_user.can("employee.manage"):
        change_form = new_change_form(formdata=None)
    if tax_form is None and current_user.can("payroll.settings"):
        tax_form = TaxOpeningForm(formdata=None, year=services.tenant_today().year)
    today = services.tenant_today()
    response = render_template(
        "hr/employee_detail.html", employee=employee, accounts=accounts,
        login_form=login_form, settings_forms=settings_forms,
        disable_form=DisableLoginForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        store_names={store.id: store.name for store in stores},
        can_manage_logins=can_manage_logins,
        show_personal=show_personal, show_pay=show_pay,
        can_reveal=visibility.FULL in groups, revealed=revealed or {}, today=today,
        health_warning_days=employee_file.HEALTH_CERT_WARNING_DAYS,
        levels=levels, profiles=profiles,
        position_names={p.id: p.name for p in positions},
        profile=profile, profile_source=profile_source,
        monthly_base=employee_file.monthly_base_in_force(employee, profile),
        change_rows=changes.changes_of_employee(employee.id), change_form=change_form,
        change_kind_label=changes.kind_label, change_status_label=changes.status_label,
        note_form=NoteForm(formdata=None),
        tax_rows=(pay_settings.opening_balances(employee.id)
                  if current_user.can("payroll.view") or current_user.can("payroll.settings")
                  or current_user.can("employee.change_approve") else None),
        tax_form=tax_form,
        tax_requests=(tax_opening.requests_of_employee(employee.id)
                      if current_user.can("payroll.settings")
                      or current_user.can("employee.change_approve") else None),
        tax_status_label=tax_opening.status_label,
        reward_rows=(rewards.list_rewards(rewards.RewardFilters(employee_id=employee.id),
                                          store_scope(current_user), limit=20)
                     if current_user.can("reward.manage") else None),
        reward_kind_label=rewards.kind_label, reward_status_label=rewards.status_label)
    headers = {"Cache-Control": "no-store"} if show_personal or show_pay else {}
    return response, status, headers


def new_change_form(**kwargs) -> ChangeRequestForm:
    return ChangeRequestForm(
        kinds=list(changes.KIND_LABELS.items()), stores=services.stores(),
        positions=services.positions(), levels=pay_settings.levels(include_inactive=False),
        profiles=pay_settings.profiles(include_inactive=False), **kwargs)
