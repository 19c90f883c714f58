"""服务技能评估: the service manager scores a greeter, receptionist, cashier or cleaner
on their position's rubric (rubrics.py).  Plain functions: add and flush, never commit.

* Each criterion 1–5; the total is Σ score × weight / 5, out of 100, exact (Decimal,
  two places); the weights are kept on the scores, so a later rubric change leaves
  past totals as they were.
* Nobody evaluates themselves (app/duties.py), and nobody the owner's file but the owner.
* The employee is one of the store's employed staff in an evaluated position; the store
  one the evaluator may see; the day not in the future.
* The store ranking of a month is the average total of its evaluations that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics.fields import clean_text
from app.blueprints.service.models_procedures import ServiceEvaluation, ServiceEvaluationScore
from app.blueprints.service.rubrics import (
    EVALUATED_POSITIONS,
    MAX_SCORE,
    MIN_SCORE,
    rubric_for,
)
from app.blueprints.store.days import today_for_store
from app.duties import employee_refusal
from app.extensions import db
from app.models import Employee, Position, Store
from app.models.people import EMPLOYED_STATUSES
from app.permissions import store_scope
from app.validation import InputError

register_audit_actions({"evaluation.record": _l("服务技能评估")})

KIND = "service_evaluation"
CENT = Decimal("0.01")


class EvaluationError(InputError):
    """Bad evaluation input or a refused one (names the field)."""


def weighted_total(weights_and_scores) -> Decimal:
    """Σ score × weight / 5 for (weight, score) pairs: out of 100 when the weights sum
    to 100; exact, two places."""
    points = sum(Decimal(weight) * Decimal(score) for weight, score in weights_and_scores)
    return (points / MAX_SCORE).quantize(CENT)


def eligible_employees(store_id: int) -> list[tuple[Employee, str]]:
    """(employee, position code) of the store's employed staff in evaluated positions."""
    return list(db.session.execute(
        select(Employee, Position.role).join(Position, Position.id == Employee.position_id)
        .where(Employee.store_id == store_id, Employee.status.in_(EMPLOYED_STATUSES),
               Position.role.in_(EVALUATED_POSITIONS))
        .order_by(Employee.employee_no)).all())


def _int(value, name: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = _("格式不正确")
        return None


def _day(value, errors: dict) -> date:
    today = today_for_store()
    if value in (None, ""):
        return today
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            errors["evaluated_on"] = _("日期格式不正确")
            return today
    if day > today:
        errors["evaluated_on"] = _("评估日期不能晚于今天")
    return day


def record_evaluation(values: dict, actor) -> ServiceEvaluation:
    """Score ``employee_id`` of ``store_id``: ``scores`` maps each criterion code of the
    position's rubric to 1–5; ``notes`` and ``evaluated_on`` (default today) optional."""
    errors: dict[str, str] = {}
    store_id = _int(values.get("store_id"), "store_id", errors)
    store = db.session.get(Store, store_id) if store_id else None
    scope = store_scope(actor)
    if store is None or (scope is not None and store.id not in scope):
        errors.setdefault("store_id", _("请选择门店"))
        store = None
    employee_id = _int(values.get("employee_id"), "employee_id", errors)
    position_code = None
    if store is not None and employee_id is not None:
        position_code = dict((e.id, code) for e, code in eligible_employees(store.id)) \
            .get(employee_id)
    if position_code is None:
        errors.setdefault("employee_id",
                          _("请选择本店的迎宾、接待、收银或卫生员"))
    else:
        refusal = employee_refusal(actor, employee_id, field="employee_id",
                                   self_message=_("不能评估自己"))
        if refusal is not None:
            errors[refusal[0]] = refusal[1]
    day = _day(values.get("evaluated_on"), errors)
    notes = clean_text(values, "notes", errors, 2000)
    scores = values.get("scores")
    if not isinstance(scores, dict):
        errors["scores"] = _("请为每一项评分")
        scores = {}
    pairs = []
    for criterion in rubric_for(position_code or ""):
        name = f"scores.{criterion.code}"
        score = _int(scores.get(criterion.code), name, errors)
        if score is None:
            errors.setdefault(name, _("请为“%(label)s”评分", label=criterion.label))
        elif not MIN_SCORE <= score <= MAX_SCORE:
            errors[name] = _("评分为 %(low)d–%(high)d 分", low=MIN_SCORE, high=MAX_SCORE)
        else:
            pairs.append((criterion, score))
    if position_code is not None:
        unknown = sorted(set(scores) - {c.code for c in rubric_for(position_code)})
        if unknown:
            errors[f"scores.{unknown[0]}"] = _("评分标准里没有这一项")
    if errors:
        raise EvaluationError(errors)
    evaluation = ServiceEvaluation(
        store_id=store.id, employee_id=employee_id, position_code=position_code,
        evaluated_on=day, notes=notes, evaluator_account_id=getattr(actor, "id", None),
        total=weighted_total((c.weight, s) for c, s in pairs))
    db.session.add(evaluation)
    db.session.flush()
    db.session.add_all(ServiceEvaluationScore(evaluation_id=evaluation.id, criterion=c.code,
                                              weight=c.weight, score=s) for c, s in pairs)
    db.session.flush()
    record_audit("evaluation.record", KIND, evaluation.id,
                 after={"employee_id": employee_id, "total": str(evaluation.total),
                        "evaluated_on": day.isoformat()}, actor=actor)
    return evaluation


def scores_of(evaluation: ServiceEvaluation) -> list[ServiceEvaluationScore]:
    """The scores in the rubric's order (criteria no longer in the rubric last)."""
    order = {c.code: n for n, c in enumerate(rubric_for(evaluation.position_code))}
    rows = db.session.scalars(select(ServiceEvaluationScore).where(
        ServiceEvaluationScore.evaluation_id == evaluation.id))
    return sorted(rows, key=lambda s: (order.get(s.criterion, len(order)), s.criterion))


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of ``month`` and of the next."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def evaluation_query(scope: set[int] | None, store_id: int | None = None,
                     month: date | None = None, employee_id: int | None = None):
    """Evaluations in the reader's stores, the newest first."""
    stmt = select(ServiceEvaluation)
    if scope is not None:
        stmt = stmt.where(ServiceEvaluation.store_id.in_(sorted(scope) or [-1]))
    if store_id:
        stmt = stmt.where(ServiceEvaluation.store_id == store_id)
    if employee_id:
        stmt = stmt.where(ServiceEvaluation.employee_id == employee_id)
    if month is not None:
        first, following = month_bounds(month)
        stmt = stmt.where(ServiceEvaluation.evaluated_on >= first,
                          ServiceEvaluation.evaluated_on < following)
    return stmt.order_by(ServiceEvaluation.evaluated_on.desc(), ServiceEvaluation.id.desc())


@dataclass
class StoreAverage:
    store: Store
    count: int
    average: Decimal
    rank: int = 0


def store_ranking(scope: set[int] | None, month: date) -> list[StoreAverage]:
    """Stores by their average total in ``month``, best first; ties share a rank.

    Averaged in Python from the totals: SQLite's AVG is a float."""
    totals: dict[int, list[Decimal]] = {}
    for store_id, total in db.session.execute(
            evaluation_query(scope, month=month)
            .with_only_columns(ServiceEvaluation.store_id, ServiceEvaluation.total)
            .order_by(None)):
        totals.setdefault(store_id, []).append(Decimal(total))
    stores = {s.id: s for s in db.session.scalars(select(Store).where(
        Store.id.in_(sorted(totals) or [-1])))}
    rows = sorted((StoreAverage(stores[sid], len(values),
                                (sum(values) / len(values)).quantize(CENT))
                   for sid, values in totals.items()),
                  key=lambda row: (-row.average, row.store.code))
    for n, row in enumerate(rows):
        row.rank = rows[n - 1].rank if n and rows[n - 1].average == row.average else n + 1
    return rows


@dataclass
class HistoryRow:
    evaluation: ServiceEvaluation
    # Against the evaluation before (None for the first).
    change: Decimal | None


def employee_history(employee: Employee) -> list[HistoryRow]:
    """The employee's evaluations, oldest first, each with its change on the one before."""
    rows = list(db.session.scalars(select(ServiceEvaluation)
                                   .where(ServiceEvaluation.employee_id == employee.id)
                                   .order_by(ServiceEvaluation.evaluated_on,
                                             ServiceEvaluation.id)))
    history, before = [], None
    for evaluation in rows:
        history.append(HistoryRow(evaluation, None if before is None
                                  else evaluation.total - before))
        before = evaluation.total
    return history


def trend(history: list[HistoryRow]) -> str:
    """up / down / flat: the last total against the first (one evaluation: flat)."""
    if len(history) < 2:
        return "flat"
    change = history[-1].evaluation.total - history[0].evaluation.total
    return "up" if change > 0 else "down" if change < 0 else "flat"
