"""奖惩 pages: the month's list per store, file a reward / fine / adjustment, decide, cancel."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import bp, rewards, services
from app.blueprints.hr.forms import NoteForm, RewardForm
from app.blueprints.hr.models import RewardPenalty
from app.blueprints.hr.models.payroll import REQUEST_STATUSES, REWARD_KINDS
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee
from app.permissions import can_see_store, permission_required, store_scope
from app.validation import show_on_form


def _month_arg() -> date:
    raw = request.args.get("month") or ""
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        month_start = date(year, month, 1)
    except ValueError:
        month_start = None
    if month_start is None or not in_date_range(month_start):
        return rewards.month_start(services.tenant_today())
    return month_start


def _visible_stores():
    scope = store_scope(current_user)
    return [store for store in services.stores() if scope is None or store.id in scope]


def _reward_form(**kwargs) -> RewardForm:
    return RewardForm(kinds=[(k, rewards.kind_label(k)) for k in REWARD_KINDS], **kwargs)


@bp.route("/rewards")
@permission_required("reward.manage")
def rewards_list():
    """奖惩: one month, optionally one store and status, with the approved totals."""
    month = _month_arg()
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    filters = rewards.RewardFilters(
        month=month, store_id=request.args.get("store", type=int),
        status=status if status in REQUEST_STATUSES else None,
        kind=kind if kind in REWARD_KINDS else None)
    rows = rewards.list_rewards(filters, store_scope(current_user))
    return render_template(
        "hr/rewards.html", rows=rows, filters=filters, month=month,
        totals=rewards.totals(rows), stores=_visible_stores(),
        store_names={s.id: s.name for s in services.stores()},
        kinds=REWARD_KINDS, statuses=REQUEST_STATUSES,
        kind_label=rewards.kind_label, status_label=rewards.status_label,
        note_form=NoteForm(formdata=None))


def _prefill_reward(form) -> None:
    """The employee the link names (if the viewer may see them), today's date."""
    employee_id = request.args.get("employee", type=int)
    employee = services.get_by_id(Employee, employee_id) if employee_id else None
    if employee is not None and can_see_store(current_user, employee.store_id):
        form.employee_no.data = employee.employee_no
    form.effective_on.data = form.effective_on.data or services.tenant_today()


@bp.route("/rewards/new", methods=["GET", "POST"])
@permission_required("reward.manage")
def reward_new():
    """登记奖惩 by employee number (a store manager: the people of their stores)."""
    form = _reward_form()
    if request.method == "GET":
        _prefill_reward(form)
    if form.validate_on_submit():
        number = form.employee_no.data.strip()
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if employee is None or not can_see_store(current_user, employee.store_id):
            form.employee_no.errors = [*form.employee_no.errors,
                                       _("没有工号为 %(no)s 的员工", no=number)]
        else:
            try:
                row = rewards.file_reward(employee, form.kind.data, form.amount.data,
                                          form.effective_on.data, form.reason.data,
                                          actor=current_user)
            except services.HrError as exc:
                db.session.rollback()
                show_on_form(form, {("employee_no" if k == "employee_id" else k): v
                                    for k, v in exc.fields.items()})
            else:
                db.session.commit()
                flash(_("已登记%(kind)s，等待审批", kind=rewards.kind_label(row.kind)), "success")
                return redirect(url_for("hr.rewards_list",
                                        month=row.effective_on.strftime("%Y-%m")))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("hr/reward_form.html", form=form), status


def _decide(reward_id: int, verb, done: str):
    row = services.get_by_id(RewardPenalty, reward_id)  # resolved centrally: tenant + store
    form = NoteForm()
    if form.validate_on_submit():
        try:
            verb(row, form)
        except services.HrError as exc:
            db.session.rollback()
            show_on_form(None, exc.fields)
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith(
        "/hr/") else url_for("hr.rewards_list", month=row.effective_on.strftime("%Y-%m")))


@bp.route("/rewards/<int:reward_id>/approve", methods=["POST"])
@permission_required("reward.approve")
def reward_approve(reward_id: int):
    return _decide(reward_id, lambda row, form: rewards.approve_reward(row, actor=current_user),
                   _("已批准，将计入该月工资"))


@bp.route("/rewards/<int:reward_id>/reject", methods=["POST"])
@permission_required("reward.approve")
def reward_reject(reward_id: int):
    return _decide(reward_id, lambda row, form: rewards.reject_reward(
        row, form.note.data or "", actor=current_user), _("已驳回"))


@bp.route("/rewards/<int:reward_id>/cancel", methods=["POST"])
@permission_required("reward.manage")
def reward_cancel(reward_id: int):
    return _decide(reward_id, lambda row, form: rewards.cancel_reward(row, actor=current_user),
                   _("已撤销"))
