"""服务技能评估 pages: the month's evaluations and the store ranking, a new evaluation
(store → employee of an evaluated position → a score per criterion), one evaluation,
and one employee's history with the trend."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.service import bp
from app.blueprints.service import evaluations as service
from app.blueprints.service.models_procedures import ServiceEvaluation
from app.blueprints.service.rubrics import MAX_SCORE, MIN_SCORE, criterion_label, rubric_for
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.inputs import parse_month
from app.models import Account, Employee, Position, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError


def _stores() -> list[Store]:
    scope = store_scope(current_user)
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt))


def _month_arg() -> date:
    raw = request.args.get("month", "")
    return parse_month(raw) or today_for_store().replace(day=1)


@bp.route("/evaluations")
@permission_required("evaluation.manage")
def evaluations():
    """The month's evaluations (one store or all) and the stores ranked by average."""
    month = _month_arg()
    store_id = request.args.get("store_id", type=int)
    stores = _stores()
    if store_id not in {s.id for s in stores}:
        store_id = None
    scope = store_scope(current_user)
    rows = list(db.session.scalars(service.evaluation_query(scope, store_id, month)))
    employees = {e.id: e for e in db.session.scalars(select(Employee).where(
        Employee.id.in_(sorted({r.employee_id for r in rows}) or [-1])))}
    evaluators = {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(sorted({r.evaluator_account_id for r in rows
                               if r.evaluator_account_id}) or [-1])))}
    first, _following = service.month_bounds(month)
    previous = (first.replace(day=1) - date.resolution).replace(day=1)
    following = _following
    return render_template(
        "service/evaluations.html", rows=rows, employees=employees, evaluators=evaluators,
        stores=stores, store_by_id={s.id: s for s in stores}, store_id=store_id, month=month,
        previous=previous, following=following, ranking=service.store_ranking(scope, month),
        positions=_position_names())


def _position_names() -> dict[str, str]:
    return {p.role: p.name for p in db.session.scalars(select(Position))}


@bp.route("/evaluations/new", methods=["GET", "POST"])
@permission_required("evaluation.manage")
def evaluation_new():
    """Choose the store, then the employee; score each criterion 1–5."""
    stores = _stores()
    store_id = request.values.get("store_id", type=int)
    if store_id is None and len(stores) == 1:
        store_id = stores[0].id
    if store_id not in {s.id for s in stores}:
        store_id = None
    employee_id = request.values.get("employee_id", type=int)
    eligible = service.eligible_employees(store_id) if store_id else []
    position_code = dict((e.id, code) for e, code in eligible).get(employee_id)
    errors: dict[str, str] = {}
    values = {"evaluated_on": today_for_store().isoformat(), "notes": "", "scores": {}}
    if request.method == "POST" and request.form.get("action") == "save":
        values = {"store_id": store_id, "employee_id": employee_id,
                  "evaluated_on": request.form.get("evaluated_on", ""),
                  "notes": request.form.get("notes", ""),
                  "scores": {c.code: request.form.get(f"score_{c.code}", "")
                             for c in rubric_for(position_code or "")}}
        try:
            evaluation = service.record_evaluation(values, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("已保存评估：%(total)s 分", total=evaluation.total), "success")
            return redirect(url_for("service.evaluation_detail", evaluation_id=evaluation.id))
    return render_template(
        "service/evaluation_form.html", stores=stores, store_id=store_id, eligible=eligible,
        employee_id=employee_id if position_code else None,
        criteria=rubric_for(position_code or ""), values=values, errors=errors,
        positions=_position_names(), low=MIN_SCORE, high=MAX_SCORE), 422 if errors else 200


@bp.route("/evaluations/<int:evaluation_id>")
@permission_required("evaluation.manage")
def evaluation_detail(evaluation_id: int):
    evaluation = get_in_scope_or_404(ServiceEvaluation, evaluation_id)
    evaluator = db.session.get(Account, evaluation.evaluator_account_id) \
        if evaluation.evaluator_account_id else None
    return render_template(
        "service/evaluation_detail.html", evaluation=evaluation,
        scores=service.scores_of(evaluation), label=criterion_label,
        employee=db.session.get(Employee, evaluation.employee_id),
        store=db.session.get(Store, evaluation.store_id), evaluator=evaluator,
        positions=_position_names())


@bp.route("/evaluations/employees/<int:employee_id>")
@permission_required("evaluation.manage")
def evaluation_history(employee_id: int):
    """One employee's evaluations, oldest first, with the change on the one before."""
    employee = get_in_scope_or_404(Employee, employee_id)
    history = service.employee_history(employee)
    return render_template(
        "service/evaluation_history.html", employee=employee, history=history,
        trend=service.trend(history),
        store=db.session.get(Store, employee.store_id) if employee.store_id else None,
        positions=_position_names())
