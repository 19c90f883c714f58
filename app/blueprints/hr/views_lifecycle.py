"""入职 / 离职 on the HR blueprint: the overview, the checklist pages and their ticks.

Thin: the services in onboarding.py, offboarding.py and checklists.py do the
work.  The pages of each process are in views_onboarding.py and
views_offboarding.py, the templates' in views_checklist_templates.py; what they
share (lookups, labels, the two checklist pages) is here.

The checklist pages are shared by every owner department: HR, logistics (发放
/回收物品), the technical department (入职技师审核) and finance (结算).  They
need ``account.self`` plus any checklist permission (checklists.CHECKLIST_PERMISSIONS),
since finance holds no ``employee.view``; the person must be in the viewer's
stores (404 otherwise).  Ticking is decided by the item's owner department in
the service: another department's item answers 403 with the reason.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from app.blueprints.hr import bp, checklists, services
from app.blueprints.hr import offboarding as offboarding_services
from app.blueprints.hr import onboarding as onboarding_services
from app.blueprints.hr.forms_lifecycle import (
    OFFBOARDING_KIND_LABELS,
    ChargeForm,
    OffboardingRecordForm,
    ProbationReviewForm,
    ReasonForm,
    TickForm,
)
from app.blueprints.hr.models import (
    ChecklistItem,
    ChecklistTemplate,
    Offboarding,
    Onboarding,
)
from app.blueprints.hr.models.lifecycle import OWNER_DEPARTMENTS
from app.extensions import db
from app.models import Account, Employee, Tenant
from app.permissions import permission_required, store_scope

PROCESS_LABELS = {
    "open": _l("进行中"), "done": _l("已完成"), "cancelled": _l("已取消"),
    "requested": _l("待审批"), "approved": _l("已批准"), "completed": _l("已办结"),
    "rejected": _l("已驳回"),
}
ISSUED_LABELS = {"issued": _l("已领取"), "returned": _l("已归还"), "charged": _l("已扣款")}
REVIEW_LABELS = {"confirmed": _l("已转正"), "ended": _l("不予录用")}


def lifecycle_labels():
    return dict(department_labels=checklists.DEPARTMENT_LABELS,
                action_labels=checklists.ACTION_LABELS, process_labels=PROCESS_LABELS,
                issued_labels=ISSUED_LABELS, review_labels=REVIEW_LABELS,
                offboarding_kind_labels=OFFBOARDING_KIND_LABELS)


# --------------------------------------------------------------------------- helpers


def require_checklist_access() -> None:
    if not checklists.can_work_on_checklists(current_user):
        abort(403)


def visible_employee_or_404(employee_id: int) -> Employee:
    """The person with store and position loaded; 404 outside the viewer's stores."""
    employee = db.session.scalar(
        services.employee_query(scope=store_scope(current_user)).where(Employee.id == employee_id))
    if employee is None:
        abort(404)
    return employee


def get_or_404(model, object_id: int):
    obj = services.get_by_id(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _account_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {a.id: a.display_name or a.username for a in db.session.scalars(
        select(Account).where(Account.id.in_(ids)))}


def _grouped(items: list[ChecklistItem]) -> OrderedDict:
    groups: OrderedDict = OrderedDict((d, []) for d in OWNER_DEPARTMENTS)
    for item in items:
        groups.setdefault(item.owner_department, []).append(item)
    return OrderedDict((d, rows) for d, rows in groups.items() if rows)


def _tickable(items: list[ChecklistItem], employee: Employee) -> set[int]:
    return {i.id for i in items if i.done_at is None
            and checklists.may_tick(current_user, i, employee.store_id)}


def _company_code() -> str:
    tenant = db.session.get(Tenant, current_user.tenant_id)
    return tenant.code if tenant else ""


def _no_store(response_tuple):
    """The credentials are on this response only: keep it out of every cache."""
    body, status = response_tuple
    return body, status, {"Cache-Control": "no-store"}


def visible_stores():
    scope = store_scope(current_user)
    return [store for store in services.stores() if scope is None or store.id in scope]


# --------------------------------------------------------------------------- overview


@bp.route("/lifecycle")
@permission_required("employee.view")
def lifecycle():
    """入离职: onboardings in progress, probation reviews due, offboardings open."""
    scope = store_scope(current_user)
    return render_template(
        "hr/lifecycle/index.html",
        onboardings=onboarding_services.open_onboardings(scope),
        reviews=onboarding_services.due_probation_reviews(scope),
        offboardings=offboarding_services.open_offboardings(scope),
        today=checklists.tenant_today(), **lifecycle_labels())


@bp.app_template_global("hr_lifecycle_summary")
def lifecycle_summary() -> dict:
    """For the HR landing page: due 转正 reviews and what is in progress."""
    scope = store_scope(current_user)
    return {"reviews": onboarding_services.due_probation_reviews(scope),
            "onboardings": len(onboarding_services.open_onboardings(scope)),
            "offboardings": offboarding_services.open_offboardings(scope),
            "today": checklists.tenant_today()}


@bp.app_template_global("hr_open_checklist_items")
def open_checklist_items(department: str, limit: int = 50) -> list[tuple]:
    """My department's open items (logistics / technical pages), by due date.

    Items of running processes only: an open onboarding, an approved or completed
    offboarding.  Rows are (item, employee, onboarding_id, offboarding_id).
    """
    query = (
        select(ChecklistItem, Employee)
        .join(Employee, Employee.id == ChecklistItem.employee_id)
        .outerjoin(Onboarding, Onboarding.id == ChecklistItem.onboarding_id)
        .outerjoin(Offboarding, Offboarding.id == ChecklistItem.offboarding_id)
        .where(ChecklistItem.owner_department == department, ChecklistItem.done_at.is_(None),
               or_(Onboarding.status == "open",
                   Offboarding.status.in_(("approved", "completed"))))
        .order_by(ChecklistItem.due_on, ChecklistItem.id).limit(limit))
    scope = store_scope(current_user)
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return list(db.session.execute(query))


@bp.app_template_global("hr_lifecycle_history")
def lifecycle_history(employee_id: int) -> dict:
    """入离职记录 of one person: every onboarding and offboarding with its checklist,
    and the items issued to them (four statements)."""
    onboardings = list(db.session.scalars(
        select(Onboarding).where(Onboarding.employee_id == employee_id)
        .order_by(Onboarding.id)))
    offboardings = list(db.session.scalars(
        select(Offboarding).where(Offboarding.employee_id == employee_id)
        .order_by(Offboarding.id)))
    items = list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.employee_id == employee_id)
        .order_by(ChecklistItem.sort_order, ChecklistItem.id)))
    issued = offboarding_services.issued_items_of(employee_id)
    by_onboarding: dict[int, list] = {}
    by_offboarding: dict[int, list] = {}
    for item in items:
        if item.onboarding_id:
            by_onboarding.setdefault(item.onboarding_id, []).append(item)
        elif item.offboarding_id:
            by_offboarding.setdefault(item.offboarding_id, []).append(item)
    return {"onboardings": onboardings, "offboardings": offboardings, "issued": issued,
            "by_onboarding": by_onboarding, "by_offboarding": by_offboarding,
            "names": _account_names(i.done_by_account_id for i in items), **lifecycle_labels()}


# --------------------------------------------------------------------------- onboarding


def after_onboarding_step(result: onboarding_services.OnboardingResult, message: str):
    """Redirect to the checklist, or show it with the new credentials (once)."""
    if result.issued is not None:
        flash(message, "success")
        return _no_store(render_onboarding(result.onboarding, issued=result.issued))
    flash(message, "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=result.onboarding.id))


def render_onboarding(onboarding: Onboarding, *, issued=None, status: int = 200):
    employee = visible_employee_or_404(onboarding.employee_id)
    items = onboarding_services.items_of(onboarding)
    template = services.get_by_id(ChecklistTemplate, onboarding.template_id)
    required = [i for i in items if i.required and i.action != "create_account"]
    names = _account_names([i.done_by_account_id for i in items]
                           + [onboarding.started_by_account_id,
                              onboarding.reviewed_by_account_id])
    return render_template(
        "hr/lifecycle/onboarding.html", onboarding=onboarding, employee=employee,
        template=template, groups=_grouped(items), tickable=_tickable(items, employee),
        required_done=sum(1 for i in required if i.done_at), required_total=len(required),
        issued_items=offboarding_services.issued_items_of(employee.id),
        accounts=services.accounts_of_employee(employee), names=names, issued=issued,
        company_code=_company_code() if issued else "", today=checklists.tenant_today(),
        tick_form=TickForm(formdata=None), reason_form=ReasonForm(formdata=None),
        review_form=ProbationReviewForm(formdata=None), **lifecycle_labels()), status


@bp.route("/checklist-items/<int:checklist_item_id>/tick", methods=["POST"])
@permission_required("account.self")
def checklist_item_tick(checklist_item_id: int):
    """Tick an item as its owner department (403 for another department's item)."""
    require_checklist_access()
    item = get_or_404(ChecklistItem, checklist_item_id)
    visible_employee_or_404(item.employee_id)
    form = TickForm()
    if not form.validate_on_submit():
        abort(400)
    onboarding_id, offboarding_id = item.onboarding_id, item.offboarding_id
    try:
        result = _tick(item, form)
    except checklists.ChecklistForbidden as exc:
        db.session.rollback()
        return render_refused(onboarding_id, offboarding_id, exc, 403)
    except services.HrError as exc:
        db.session.rollback()
        return render_refused(onboarding_id, offboarding_id, exc, 422)
    db.session.commit()
    if result is not None:
        if result.completed:
            message = _("所有必办事项已完成，已转入试用期")
        else:
            message = _("已完成：%(title)s", title=item.title)
        return after_onboarding_step(result, message)
    flash(_("已完成：%(title)s", title=item.title), "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


def _tick(item: ChecklistItem, form: TickForm):
    """Tick through the onboarding or offboarding service; the onboarding's result, or None."""
    if item.onboarding_id:
        return onboarding_services.tick_item(
            item, current_user, note=form.note.data or "", outcome=form.outcome.data or None,
            item_names=request.form.getlist("item_names") if item.action == "issue_items"
            else None)
    offboarding_services.tick_item(
        item, current_user, note=form.note.data or "",
        settlement_amount=form.settlement_amount.data,
        settlement_note=form.settlement_note.data or "")
    return None


def render_refused(onboarding_id, offboarding_id, exc, status):
    for message in exc.fields.values():
        flash(message, "danger")
    if onboarding_id:
        return render_onboarding(get_or_404(Onboarding, onboarding_id), status=status)
    return render_offboarding(get_or_404(Offboarding, offboarding_id), status=status)


# --------------------------------------------------------------------------- offboarding


def render_offboarding(offboarding: Offboarding, *, status: int = 200):
    employee = visible_employee_or_404(offboarding.employee_id)
    items = offboarding_services.items_of(offboarding)
    names = _account_names([i.done_by_account_id for i in items]
                           + [offboarding.requested_by_account_id,
                              offboarding.approved_by_account_id])
    tick_form = TickForm(formdata=None,
                         settlement_amount=str(offboarding_services.suggested_settlement(
                             offboarding)))
    return render_template(
        "hr/lifecycle/offboarding.html", offboarding=offboarding, employee=employee,
        groups=_grouped(items), tickable=_tickable(items, employee),
        issued_items=offboarding_services.issued_items_of(employee.id),
        charges=offboarding_services.charges_total(employee.id), names=names,
        accounts=services.accounts_of_employee(employee), today=checklists.tenant_today(),
        last_day_over=offboarding_services.last_day_over(offboarding),
        tick_form=tick_form, reason_form=ReasonForm(formdata=None),
        charge_form=ChargeForm(formdata=None),
        record_form=OffboardingRecordForm(formdata=None, obj=offboarding),
        **lifecycle_labels()), status
