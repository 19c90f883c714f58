"""入职 / 离职 pages on the HR blueprint (thin: the services in onboarding.py,
offboarding.py and checklists.py do the work).

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
    CandidateForm,
    ChargeForm,
    OffboardingForm,
    OffboardingRecordForm,
    ProbationReviewForm,
    ReasonForm,
    TemplateForm,
    TemplateItemForm,
    TickForm,
)
from app.blueprints.hr.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    IssuedItem,
    Offboarding,
    Onboarding,
)
from app.blueprints.hr.models.lifecycle import OWNER_DEPARTMENTS
from app.extensions import db
from app.models import Account, Employee, Position, Tenant
from app.permissions import can_see_store, permission_required, store_scope
from app.validation import show_on_form

PROCESS_LABELS = {
    "open": _l("进行中"), "done": _l("已完成"), "cancelled": _l("已取消"),
    "requested": _l("待审批"), "approved": _l("已批准"), "completed": _l("已办结"),
    "rejected": _l("已驳回"),
}
ISSUED_LABELS = {"issued": _l("已领取"), "returned": _l("已归还"), "charged": _l("已扣款")}
REVIEW_LABELS = {"confirmed": _l("已转正"), "ended": _l("不予录用")}


def _labels():
    return dict(department_labels=checklists.DEPARTMENT_LABELS,
                action_labels=checklists.ACTION_LABELS, process_labels=PROCESS_LABELS,
                issued_labels=ISSUED_LABELS, review_labels=REVIEW_LABELS,
                offboarding_kind_labels=OFFBOARDING_KIND_LABELS)


# --------------------------------------------------------------------------- helpers


def _require_checklist_access() -> None:
    if not checklists.can_work_on_checklists(current_user):
        abort(403)


def _visible_employee_or_404(employee_id: int) -> Employee:
    """The person with store and position loaded; 404 outside the viewer's stores."""
    employee = db.session.scalar(
        services.employee_query(scope=store_scope(current_user)).where(Employee.id == employee_id))
    if employee is None:
        abort(404)
    return employee


def _get(model, object_id: int):
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


def _visible_stores():
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
        today=checklists.tenant_today(), **_labels())


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
            "names": _account_names(i.done_by_account_id for i in items), **_labels()}


# --------------------------------------------------------------------------- onboarding


@bp.route("/onboarding/new", methods=["GET", "POST"])
@permission_required("employee.onboard")
def onboarding_new():
    """新员工入职: the candidate's short file, then the checklist at once."""
    form = CandidateForm(stores=_visible_stores(), positions=services.positions())
    if form.validate_on_submit():
        if form.store_id.data is not None and not can_see_store(current_user, form.store_id.data):
            form.store_id.errors = [*form.store_id.errors, _("没有这个门店")]
        else:
            try:
                employee = onboarding_services.create_candidate(
                    employee_no=form.employee_no.data, name=form.name.data,
                    position_id=form.position_id.data, store_id=form.store_id.data,
                    gender=form.gender.data, phone=form.phone.data or "",
                    hire_date=form.hire_date.data)
                result = onboarding_services.start_onboarding(employee, actor=current_user)
            except services.HrError as exc:
                db.session.rollback()
                show_on_form(form, exc.fields)
            else:
                db.session.commit()
                return _after_onboarding_step(result, _("已开始办理入职：%(name)s",
                                                        name=employee.name))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/onboarding_new.html", form=form), status


@bp.route("/employees/<int:employee_id>/onboarding", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_start(employee_id: int):
    """开始入职 for an existing candidate's file."""
    employee = _visible_employee_or_404(employee_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    try:
        result = onboarding_services.start_onboarding(employee, actor=current_user)
    except services.HrError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
        return redirect(url_for("hr.employee_detail", employee_id=employee_id))
    db.session.commit()
    return _after_onboarding_step(result, _("已开始办理入职：%(name)s", name=employee.name))


def _after_onboarding_step(result: onboarding_services.OnboardingResult, message: str):
    """Redirect to the checklist, or show it with the new credentials (once)."""
    if result.issued is not None:
        flash(message, "success")
        return _no_store(_render_onboarding(result.onboarding, issued=result.issued))
    flash(message, "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=result.onboarding.id))


def _render_onboarding(onboarding: Onboarding, *, issued=None, status: int = 200):
    employee = _visible_employee_or_404(onboarding.employee_id)
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
        review_form=ProbationReviewForm(formdata=None), **_labels()), status


@bp.route("/onboarding/<int:onboarding_id>")
@permission_required("employee.view")
def onboarding_detail(onboarding_id: int):
    """One person's onboarding checklist, grouped by owner department."""
    return _render_onboarding(_get(Onboarding, onboarding_id))


@bp.route("/checklist-items/<int:checklist_item_id>/tick", methods=["POST"])
@permission_required("account.self")
def checklist_item_tick(checklist_item_id: int):
    """Tick an item as its owner department (403 for another department's item)."""
    _require_checklist_access()
    item = _get(ChecklistItem, checklist_item_id)
    _visible_employee_or_404(item.employee_id)
    form = TickForm()
    if not form.validate_on_submit():
        abort(400)
    onboarding_id, offboarding_id = item.onboarding_id, item.offboarding_id
    try:
        if onboarding_id:
            result = onboarding_services.tick_item(
                item, current_user, note=form.note.data or "", outcome=form.outcome.data or None,
                item_names=request.form.getlist("item_names") if item.action == "issue_items"
                else None)
        else:
            result = None
            offboarding_services.tick_item(
                item, current_user, note=form.note.data or "",
                settlement_amount=form.settlement_amount.data,
                settlement_note=form.settlement_note.data or "")
    except checklists.ChecklistForbidden as exc:
        db.session.rollback()
        return _refused(onboarding_id, offboarding_id, exc, 403)
    except services.HrError as exc:
        db.session.rollback()
        return _refused(onboarding_id, offboarding_id, exc, 422)
    db.session.commit()
    if result is not None:
        if result.completed:
            message = _("所有必办事项已完成，已转入试用期")
        else:
            message = _("已完成：%(title)s", title=item.title)
        return _after_onboarding_step(result, message)
    flash(_("已完成：%(title)s", title=item.title), "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


def _refused(onboarding_id, offboarding_id, exc, status):
    for message in exc.fields.values():
        flash(message, "danger")
    if onboarding_id:
        return _render_onboarding(_get(Onboarding, onboarding_id), status=status)
    return _render_offboarding(_get(Offboarding, offboarding_id), status=status)


@bp.route("/onboarding/<int:onboarding_id>/cancel", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_cancel(onboarding_id: int):
    onboarding = _get(Onboarding, onboarding_id)
    _visible_employee_or_404(onboarding.employee_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            onboarding_services.cancel_onboarding(onboarding, current_user,
                                                  reason=form.reason.data or "")
        except services.HrError as exc:
            db.session.rollback()
            return _refused(onboarding_id, None, exc, 422)
        db.session.commit()
        flash(_("已取消入职"), "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=onboarding_id))


@bp.route("/onboarding/<int:onboarding_id>/review", methods=["POST"])
@permission_required("employee.onboard")
def onboarding_review(onboarding_id: int):
    """转正: confirm (active) or end employment (a termination for the HR manager)."""
    onboarding = _get(Onboarding, onboarding_id)
    _visible_employee_or_404(onboarding.employee_id)
    form = ProbationReviewForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return _render_onboarding(onboarding, status=422)
    try:
        outcome = onboarding_services.review_probation(
            onboarding, form.outcome.data, current_user, note=form.note.data or "",
            last_day=form.last_day.data)
    except services.HrError as exc:
        db.session.rollback()
        return _refused(onboarding_id, None, exc, 422)
    db.session.commit()
    if isinstance(outcome, Offboarding):
        flash(_("已提交辞退申请，待人力资源经理审批"), "success")
        return redirect(url_for("hr.offboarding_detail", offboarding_id=outcome.id))
    flash(_("已转正"), "success")
    return redirect(url_for("hr.onboarding_detail", onboarding_id=onboarding_id))


@bp.route("/employees/<int:employee_id>/probation-review", methods=["POST"])
@permission_required("employee.onboard")
def employee_probation_review(employee_id: int):
    """转正 from the employee page (also for people on probation without an onboarding)."""
    employee = _visible_employee_or_404(employee_id)
    form = ProbationReviewForm()
    if form.validate_on_submit():
        try:
            outcome = onboarding_services.review_probation_of(
                employee, form.outcome.data, current_user, note=form.note.data or "",
                last_day=form.last_day.data)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            if isinstance(outcome, Offboarding):
                flash(_("已提交辞退申请，待人力资源经理审批"), "success")
                return redirect(url_for("hr.offboarding_detail", offboarding_id=outcome.id))
            flash(_("已转正"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("hr.employee_detail", employee_id=employee_id))


# --------------------------------------------------------------------------- offboarding


@bp.route("/employees/<int:employee_id>/offboarding/new", methods=["GET", "POST"])
@permission_required("employee.offboard")
def offboarding_new(employee_id: int):
    """离职申请: resignation or termination with the last working day."""
    employee = _visible_employee_or_404(employee_id)
    form = OffboardingForm()
    if form.validate_on_submit():
        try:
            offboarding = offboarding_services.request_offboarding(
                employee, kind=form.kind.data, last_day=form.last_day.data,
                reason=form.reason.data or "", actor=current_user)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            employee = _visible_employee_or_404(employee_id)
        else:
            db.session.commit()
            flash(_("已提交离职申请，待人力资源经理审批"), "success")
            return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/offboarding_new.html", form=form,
                           employee=employee), status


def _render_offboarding(offboarding: Offboarding, *, status: int = 200):
    employee = _visible_employee_or_404(offboarding.employee_id)
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
        record_form=OffboardingRecordForm(formdata=None, obj=offboarding), **_labels()), status


@bp.route("/offboarding/<int:offboarding_id>")
@permission_required("account.self")
def offboarding_detail(offboarding_id: int):
    """One person's offboarding: approval, checklist, items to return, settlement."""
    _require_checklist_access()
    return _render_offboarding(_get(Offboarding, offboarding_id))


def _offboarding_action(offboarding_id: int, verb, done_message: str):
    offboarding = _get(Offboarding, offboarding_id)
    _visible_employee_or_404(offboarding.employee_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        verb(offboarding, form.reason.data or "")
    except services.HrError as exc:
        db.session.rollback()
        return _refused(None, offboarding_id, exc, 422)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


@bp.route("/offboarding/<int:offboarding_id>/approve", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_approve(offboarding_id: int):
    """批准离职 (HR manager): the checklist starts; after the last day the job runs."""
    return _offboarding_action(
        offboarding_id,
        lambda off, _reason: offboarding_services.approve_offboarding(off, current_user),
        _("已批准离职"))


@bp.route("/offboarding/<int:offboarding_id>/reject", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_reject(offboarding_id: int):
    return _offboarding_action(
        offboarding_id,
        lambda off, reason: offboarding_services.reject_offboarding(off, current_user, reason),
        _("已驳回离职申请"))


@bp.route("/offboarding/<int:offboarding_id>/cancel", methods=["POST"])
@permission_required("employee.change_approve")
def offboarding_cancel(offboarding_id: int):
    return _offboarding_action(
        offboarding_id,
        lambda off, reason: offboarding_services.cancel_offboarding(off, current_user, reason),
        _("已撤销离职"))


@bp.route("/offboarding/<int:offboarding_id>/record", methods=["POST"])
@permission_required("employee.offboard")
def offboarding_record(offboarding_id: int):
    """工作交接 and 离职面谈 notes."""
    offboarding = _get(Offboarding, offboarding_id)
    _visible_employee_or_404(offboarding.employee_id)
    form = OffboardingRecordForm()
    if form.validate_on_submit():
        try:
            offboarding_services.update_record(offboarding,
                                               handover_note=form.handover_note.data or "",
                                               exit_interview=form.exit_interview.data or "")
        except services.HrError as exc:
            db.session.rollback()
            return _refused(None, offboarding_id, exc, 422)
        db.session.commit()
        flash(_("已保存"), "success")
    return redirect(url_for("hr.offboarding_detail", offboarding_id=offboarding_id))


def _issued_item_action(issued_item_id: int, verb, done_message: str, form):
    item = _get(IssuedItem, issued_item_id)
    _visible_employee_or_404(item.employee_id)
    back = request.form.get("next_offboarding", type=int)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    else:
        try:
            verb(item)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(done_message, "success")
    if back and services.get_by_id(Offboarding, back) is not None:
        return redirect(url_for("hr.offboarding_detail", offboarding_id=back))
    return redirect(url_for("hr.employee_detail", employee_id=item.employee_id))


@bp.route("/issued-items/<int:issued_item_id>/return", methods=["POST"])
@permission_required("items.issue")
def issued_item_return(issued_item_id: int):
    """后勤: the item came back."""
    return _issued_item_action(
        issued_item_id, lambda item: offboarding_services.return_issued_item(item, current_user),
        _("已登记归还"), ReasonForm())


@bp.route("/issued-items/<int:issued_item_id>/charge", methods=["POST"])
@permission_required("items.issue")
def issued_item_charge(issued_item_id: int):
    """后勤: not returned; the person is charged (deducted in the settlement)."""
    form = ChargeForm()
    return _issued_item_action(
        issued_item_id,
        lambda item: offboarding_services.charge_issued_item(item, form.charge.data,
                                                             current_user),
        _("已登记扣款"), form)


# --------------------------------------------------------------------------- templates


def _template_form(**kwargs) -> TemplateForm:
    return TemplateForm(positions=services.positions(), **kwargs)


@bp.route("/checklist-templates", methods=["GET", "POST"])
@permission_required("employee.manage")
def checklist_templates():
    """入离职清单模板: per position, tenant-editable; new template form."""
    form = _template_form()
    if form.validate_on_submit():
        try:
            template = checklists.create_template(
                kind=form.kind.data, name=form.name.data, position_id=form.position_id.data,
                account_at=form.account_at.data, probation_months=form.probation_months.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建模板，请添加事项"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/lifecycle/templates.html", templates=checklists.list_templates(),
                           form=form, **_labels(), kind_labels=checklists.KIND_LABELS,
                           account_at_labels=checklists.ACCOUNT_AT_LABELS), status


def _item_values(form: TemplateItemForm) -> dict:
    return dict(title=form.title.data, owner_department=form.owner_department.data,
                action=form.action.data, due_days=form.due_days.data,
                required=form.required.data, detail=form.detail.data or "")


def _render_template_page(template: ChecklistTemplate, form=None, item_form=None,
                          status: int = 200):
    items = checklists.template_items(template.id)
    form = form or _template_form(formdata=None, obj=template)
    item_form = item_form or TemplateItemForm(formdata=None, kind=template.kind)
    item_forms = {item.id: TemplateItemForm(formdata=None, obj=item, kind=template.kind,
                                            prefix=f"i{item.id}") for item in items}
    position = services.get_by_id(Position, template.position_id)
    return render_template("hr/lifecycle/template.html", template=template, items=items,
                           form=form, item_form=item_form, item_forms=item_forms,
                           position=position, kind_labels=checklists.KIND_LABELS,
                           **_labels()), status


@bp.route("/checklist-templates/<int:template_id>", methods=["GET", "POST"])
@permission_required("employee.manage")
def checklist_template(template_id: int):
    """Edit a template: name, position, when the login is made, probation; its items."""
    template = _get(ChecklistTemplate, template_id)
    if request.method == "GET":
        return _render_template_page(template)
    form = _template_form()
    form.kind.data = template.kind  # the kind of a template never changes
    if form.validate_on_submit():
        try:
            checklists.update_template(
                template, name=form.name.data, position_id=form.position_id.data,
                account_at=form.account_at.data, probation_months=form.probation_months.data,
                is_active=form.is_active.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            template = _get(ChecklistTemplate, template_id)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template_id))
    return _render_template_page(template, form=form, status=422)


@bp.route("/checklist-templates/<int:template_id>/items", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_add(template_id: int):
    template = _get(ChecklistTemplate, template_id)
    form = TemplateItemForm(kind=template.kind)
    if form.validate_on_submit():
        try:
            checklists.add_template_item(template, **_item_values(form),
                                         sort_order=form.sort_order.data)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
            template = _get(ChecklistTemplate, template_id)
        else:
            db.session.commit()
            flash(_("已添加事项"), "success")
            return redirect(url_for("hr.checklist_template", template_id=template_id))
    return _render_template_page(template, item_form=form, status=422)


@bp.route("/checklist-template-items/<int:template_item_id>", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_edit(template_item_id: int):
    item = _get(ChecklistTemplateItem, template_item_id)
    template = _get(ChecklistTemplate, item.template_id)
    form = TemplateItemForm(kind=template.kind, prefix=f"i{item.id}")
    if form.validate_on_submit():
        try:
            checklists.update_template_item(item, **_item_values(form),
                                            sort_order=form.sort_order.data or 0)
        except services.HrError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("hr.checklist_template", template_id=template.id))


@bp.route("/checklist-template-items/<int:template_item_id>/delete", methods=["POST"])
@permission_required("employee.manage")
def checklist_template_item_delete(template_item_id: int):
    item = _get(ChecklistTemplateItem, template_item_id)
    template_id = item.template_id
    if ReasonForm().validate_on_submit():
        checklists.delete_template_item(item)
        db.session.commit()
        flash(_("已删除事项（已开始的清单不受影响）"), "success")
    return redirect(url_for("hr.checklist_template", template_id=template_id))
