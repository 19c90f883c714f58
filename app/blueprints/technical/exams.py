"""技术考核: each service item's rubric (评分标准) and pass mark, and the practical exams a
supervisor scores against it.  Plain functions: add and flush, audit, never commit.

Rules:
* A rubric is the item's *active* criteria, each with a weight > 0; a criterion is
  archived, never deleted (exams already scored name it; they keep a snapshot anyway).
* The pass mark is the item's ``exam_pass_score`` (0–100); None means the item needs no
  exam and the store ticks its therapists by hand on the qualification grid.
* An exam's score is the weighted mean of the active criteria's 0–100 scores, rounded
  to 0.01 (ROUND_HALF_UP); passed = score >= the pass mark at the time.
* **A pass grants the qualification** (技师项目资格) for the item, with the exam as its
  reason.  **A fail revokes nothing**: a therapist who already holds the item keeps it
  (a re-exam ordered by a complaint is a record for the assessment and the supervisor;
  taking the item away is the store's decision on its grid).
* Only a working therapist of a store the examiner may see is examined, and nobody
  examines themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from app import duties
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr.common import tenant_today
from app.blueprints.store.models import ComplaintCase, ServiceItem, TherapistQualification
from app.blueprints.technical.models import EXAM_KINDS, ExamCriterion, PracticalExam
from app.extensions import db
from app.inputs import in_date_range
from app.models import Employee, Position
from app.models.people import ON_STAFF_STATUSES
from app.permissions import can_see_store
from app.validation import InputError

register_audit_actions({
    "technical.rubric": _l("修改技术考核评分标准或合格线"),
    "technical.exam": _l("登记技术考核成绩"),
})

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_WEIGHT = Decimal("9999.99")

EXAM_KIND_LABELS = {
    "regular": _l("日常考核"),
    "qualification": _l("上岗考核"),
    "re_exam": _l("复考"),
}


class ExamError(InputError):
    """Bad rubric or exam input; ``fields`` names each field, nothing changed."""


def kind_label(kind: str) -> str:
    return str(EXAM_KIND_LABELS.get(kind, kind))


# --- numbers ------------------------------------------------------------------------------

def _decimal(value, field: str, low: Decimal, high: Decimal, *, above_low: bool = False,
             what: str | None = None) -> Decimal:
    """A number with at most 2 decimals in [low, high] (or (low, high]); else ExamError."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ExamError.on(field, _("请填写%(what)s", what=what or _("数值")))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ExamError.on(field, _("请填写数字")) from None
    if not number.is_finite():
        raise ExamError.on(field, _("请填写数字"))
    if number > high or number < low or (above_low and number == low):
        if above_low:
            raise ExamError.on(field, _("应大于 %(low)s，不超过 %(high)s", low=low, high=high))
        raise ExamError.on(field, _("应在 %(low)s 到 %(high)s 之间", low=low, high=high))
    if number != number.quantize(CENT):
        raise ExamError.on(field, _("最多两位小数"))
    return number.quantize(CENT)


def parse_score(value, field: str) -> Decimal:
    """A criterion's score or a pass mark: 0–100, at most 2 decimals."""
    return _decimal(value, field, Decimal("0"), HUNDRED, what=_("分数"))


def parse_weight(value, field: str) -> Decimal:
    return _decimal(value, field, Decimal("0"), MAX_WEIGHT, above_low=True, what=_("权重"))


def exam_score(scored) -> Decimal:
    """The weighted mean of ``scored`` — pairs (weight, score 0–100) — rounded to 0.01
    half up: Σ wᵢ·sᵢ / Σ wᵢ.  No weight at all is an error (an empty rubric)."""
    pairs = [(Decimal(str(w)), Decimal(str(s))) for w, s in scored]
    total = sum((w for w, _s in pairs), Decimal("0"))
    if total <= 0:
        raise ValueError("a score needs criteria with positive weights")
    return (sum((w * s for w, s in pairs), Decimal("0")) / total).quantize(CENT, ROUND_HALF_UP)


# --- rubric -------------------------------------------------------------------------------

def criteria_of(service_item_id: int, *, archived: bool = False) -> list[ExamCriterion]:
    """The item's rubric in order: active criteria (and the archived ones after them)."""
    query = select(ExamCriterion).where(ExamCriterion.service_item_id == service_item_id)
    if not archived:
        query = query.where(ExamCriterion.is_active)
    return list(db.session.scalars(query.order_by(
        ExamCriterion.is_active.desc(), ExamCriterion.sort_order, ExamCriterion.id)))


def criteria_by_item(item_ids) -> dict[int, list[ExamCriterion]]:
    """Active criteria of several items in one query (the rubric list)."""
    found: dict[int, list[ExamCriterion]] = {i: [] for i in item_ids}
    if not found:
        return found
    for row in db.session.scalars(select(ExamCriterion).where(
            ExamCriterion.service_item_id.in_(list(found)), ExamCriterion.is_active)
            .order_by(ExamCriterion.sort_order, ExamCriterion.id)):
        found[row.service_item_id].append(row)
    return found


def _criterion_plain(row: ExamCriterion) -> dict:
    return {"name": row.name, "weight": str(row.weight), "sort_order": row.sort_order,
            "description": row.description, "is_active": row.is_active}


def _name(value, field: str) -> str:
    name = (value or "").strip() if isinstance(value, str | type(None)) else None
    if not name:
        raise ExamError.on(field, _("请填写评分项名称"))
    if len(name) > 64:
        raise ExamError.on(field, _("不能超过 %(n)d 个字符", n=64))
    return name


def _description(value, field: str) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        raise ExamError.on(field, _("格式不正确"))
    if len(text) > 500:
        raise ExamError.on(field, _("不能超过 %(n)d 个字符", n=500))
    return text


def _sort_order(value, field: str, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(str(value).strip())
    except ValueError:
        raise ExamError.on(field, _("请填写整数")) from None
    if not 0 <= number <= 999:
        raise ExamError.on(field, _("应在 %(low)d 到 %(high)d 之间", low=0, high=999))
    return number


def add_criterion(item: ServiceItem, name, weight, *, description="", sort_order=None,
                  actor=None) -> ExamCriterion:
    """A new line of the item's rubric (at the end unless ``sort_order``)."""
    values = {"name": _name(name, "name"), "weight": parse_weight(weight, "weight"),
              "description": _description(description, "description")}
    last = max((c.sort_order for c in criteria_of(item.id, archived=True)), default=0)
    values["sort_order"] = _sort_order(sort_order, "sort_order", last + 1)
    row = ExamCriterion(service_item_id=item.id, **values)
    db.session.add(row)
    db.session.flush()
    record_audit("technical.rubric", "exam_criterion", row.id, before=None,
                 after={"service_item_id": item.id, **_criterion_plain(row)}, actor=actor)
    return row


def update_criterion(row: ExamCriterion, *, actor=None, **changes) -> ExamCriterion:
    """Rename, reweight, reorder, describe, archive (``is_active=False``) or restore."""
    clean = {}
    for field, value in changes.items():
        if field == "name":
            clean[field] = _name(value, field)
        elif field == "weight":
            clean[field] = parse_weight(value, field)
        elif field == "description":
            clean[field] = _description(value, field)
        elif field == "sort_order":
            clean[field] = _sort_order(value, field, row.sort_order)
        elif field == "is_active":
            clean[field] = bool(value)
        else:
            raise ExamError.on(field, _("不能修改此字段"))
    before = _criterion_plain(row)
    for field, value in clean.items():
        setattr(row, field, value)
    after = _criterion_plain(row)
    changed = [k for k in after if before[k] != after[k]]
    if changed:
        db.session.flush()
        record_audit("technical.rubric", "exam_criterion", row.id,
                     before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed}, actor=actor)
    return row


def archive_criterion(row: ExamCriterion, actor=None) -> ExamCriterion:
    """Take a criterion off the rubric; exams already scored keep it in their snapshot."""
    return update_criterion(row, is_active=False, actor=actor)


def reorder_criteria(item: ServiceItem, criterion_ids: list[int], actor=None) -> None:
    """Put the item's criteria in this order (the others keep theirs, after them)."""
    rows = {c.id: c for c in criteria_of(item.id, archived=True)}
    unknown = [i for i in criterion_ids if i not in rows]
    if unknown:
        raise ExamError.on("criteria", _("不是该项目的评分项"))
    for position, criterion_id in enumerate(criterion_ids, start=1):
        update_criterion(rows[criterion_id], sort_order=position, actor=actor)


def parse_pass_score(value, field: str = "pass_score") -> Decimal | None:
    """A pass mark 0–100, or None for an empty value (the item needs no exam)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_score(value, field)


def set_pass_score(item: ServiceItem, value, actor=None) -> Decimal | None:
    """Set (0–100) or clear (None/"") the item's pass mark; audited."""
    new = parse_pass_score(value)
    old = item.exam_pass_score
    if old != new:
        item.exam_pass_score = new
        db.session.flush()
        record_audit("technical.rubric", "service_item", item.id,
                     before={"exam_pass_score": None if old is None else str(old)},
                     after={"exam_pass_score": None if new is None else str(new)}, actor=actor)
    return new


def save_rubric(item: ServiceItem, pass_score, criteria: list[dict], actor=None) -> None:
    """Replace the item's rubric as a whole (the rubric page and the API's PUT).

    ``criteria``: each ``{"id"?, "name", "weight", "description"?, "sort_order"?,
    "is_active"?}``; a row with an id changes that criterion, one without adds one.  An
    active criterion not named is archived.  Everything is checked first: an error names
    its field (``criteria.<n>.weight``…) and nothing is written.
    """
    errors: dict[str, str] = {}
    try:
        parse_pass_score(pass_score)
    except ExamError as exc:
        errors.update(exc.fields)
    existing = {c.id: c for c in criteria_of(item.id, archived=True)}
    plans: list[tuple[ExamCriterion | None, dict]] = []
    seen: set[int] = set()
    for n, raw in enumerate(criteria):
        prefix = f"criteria.{n}."
        if not isinstance(raw, dict):
            errors[f"criteria.{n}"] = _("格式不正确")
            continue
        row = None
        if raw.get("id") not in (None, ""):
            try:
                row = existing.get(int(raw["id"]))
            except (TypeError, ValueError):
                row = None
            if row is None or row.id in seen:
                errors[prefix + "id"] = _("不是该项目的评分项")
                continue
            seen.add(row.id)
        values = {}
        for field, check in (("name", _name), ("weight", parse_weight),
                             ("description", _description)):
            if field in raw or row is None:
                try:
                    values[field] = check(raw.get(field), prefix + field)
                except ExamError as exc:
                    errors.update(exc.fields)
        if "sort_order" in raw:
            try:
                values["sort_order"] = _sort_order(raw["sort_order"], prefix + "sort_order",
                                                   row.sort_order if row else n + 1)
            except ExamError as exc:
                errors.update(exc.fields)
        values["is_active"] = bool(raw.get("is_active", True))
        plans.append((row, values))
    if errors:
        raise ExamError(errors)
    set_pass_score(item, pass_score, actor=actor)
    for row, values in plans:
        if row is None:
            active = values.pop("is_active")
            new = add_criterion(item, values["name"], values["weight"],
                                description=values.get("description", ""),
                                sort_order=values.get("sort_order"), actor=actor)
            if not active:
                archive_criterion(new, actor=actor)
        else:
            update_criterion(row, actor=actor, **values)
    for row in existing.values():
        if row.id not in seen and row.is_active:
            archive_criterion(row, actor=actor)


# --- exams --------------------------------------------------------------------------------

def is_therapist(employee: Employee) -> bool:
    """A working employee whose position's role is therapist (技师)."""
    if employee.status not in ON_STAFF_STATUSES or employee.position_id is None:
        return False
    return db.session.scalar(select(Position.role).where(
        Position.id == employee.position_id)) == "therapist"


def _scores(criteria: list[ExamCriterion], scores) -> list[dict]:
    """Each active criterion's score (a snapshot row), or ExamError naming every bad one."""
    if not isinstance(scores, dict):
        raise ExamError.on("scores", _("请为每个评分项打分"))
    given = {}
    errors = {}
    for key, value in scores.items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            errors[f"scores.{key}"] = _("不是该项目的评分项")
    active = {c.id for c in criteria}
    for criterion_id in sorted(set(given) - active):
        errors[f"scores.{criterion_id}"] = _("不是该项目现行的评分项")
    rows = []
    for criterion in criteria:
        field = f"scores.{criterion.id}"
        value = given.get(criterion.id)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[field] = _("请为“%(name)s”打分（0–100）", name=criterion.name)
            continue
        try:
            score = parse_score(value, field)
        except ExamError as exc:
            errors[field] = exc.fields[field]
            continue
        rows.append({"criterion_id": criterion.id, "name": criterion.name,
                     "weight": str(criterion.weight), "score": str(score)})
    if errors:
        raise ExamError(errors)
    return rows


def exam_refusal(actor, employee: Employee, item: ServiceItem | None) -> dict[str, str]:
    """Why this exam may not be recorded (field -> message), empty when it may."""
    errors = {}
    if actor is not None and not can_see_store(actor, employee.store_id):
        errors["employee_id"] = _("没有这个技师")
    elif not is_therapist(employee):
        errors["employee_id"] = _("%(name)s 不是在职技师，不能参加技术考核", name=employee.name)
    else:
        refusal = duties.employee_refusal(actor, employee.id, field="employee_id",
                                          self_message=_("不能给自己考核"))
        if refusal is not None:
            errors[refusal[0]] = refusal[1]
    if item is None:
        errors["service_item_id"] = _("没有这个服务项目")
    elif item.exam_pass_score is None:
        errors["service_item_id"] = _("“%(item)s”没有设置考核合格线，不能考核", item=item.name)
    elif not criteria_of(item.id):
        errors["service_item_id"] = _("“%(item)s”还没有评分标准，不能考核", item=item.name)
    return errors


def _examined_on(value) -> date:
    if value is None or value == "":
        return tenant_today()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ExamError.on("examined_on", _("日期格式不正确")) from None
    if not in_date_range(value):
        raise ExamError.on("examined_on", _("日期超出范围"))
    if value > tenant_today():
        raise ExamError.on("examined_on", _("考核日期不能晚于今天"))
    return value


def record_exam(employee: Employee, service_item: ServiceItem | None, scores, *,
                kind: str = "regular", note: str = "", examined_on=None, actor=None,
                complaint_id: int | None = None) -> PracticalExam:
    """技术考核: score ``employee`` on ``service_item`` (``scores``: criterion id -> 0–100).

    Every active criterion must be scored (an error names ``scores.<criterion_id>``); the
    criteria are kept on the exam as scored.  ``passed`` = score >= the item's pass mark.
    A pass grants the qualification for the item (a new row, or the exam recorded as the
    reason of the one held).  A fail does **not** revoke a qualification the therapist
    already holds: taking an item away stays the store's decision on its grid.
    Nothing is written when any input is refused.
    """
    errors = exam_refusal(actor, employee, service_item)
    if kind not in EXAM_KINDS:
        errors["kind"] = _("无效的考核类型")
    note = note if isinstance(note, str) else None
    if note is None or len(note.strip()) > 1000:
        errors["note"] = _("不能超过 %(n)d 个字符", n=1000)
    try:
        examined_on = _examined_on(examined_on)
    except ExamError as exc:
        errors.update(exc.fields)
    if complaint_id is not None:
        complaint = db.session.get(ComplaintCase, complaint_id)
        if complaint is None or (actor is not None and not can_see_store(actor,
                                                                         complaint.store_id)):
            errors["complaint_id"] = _("没有这个投诉")
    snapshot = []
    if "service_item_id" not in errors:
        try:
            snapshot = _scores(criteria_of(service_item.id), scores)
        except ExamError as exc:
            errors.update(exc.fields)
    if errors:
        raise ExamError(errors)
    score = exam_score((row["weight"], row["score"]) for row in snapshot)
    pass_score = service_item.exam_pass_score
    exam = PracticalExam(
        employee_id=employee.id, service_item_id=service_item.id, store_id=employee.store_id,
        kind=kind, examined_on=examined_on, examiner_account_id=getattr(actor, "id", None),
        scores=snapshot, score=score, pass_score=pass_score, passed=score >= pass_score,
        note=note.strip(), complaint_id=complaint_id)
    db.session.add(exam)
    db.session.flush()
    granted = _grant(exam, actor) if exam.passed else None
    record_audit("technical.exam", "practical_exam", exam.id, before=None, after={
        "employee_id": employee.id, "service_item_id": service_item.id, "kind": kind,
        "score": str(score), "pass_score": str(pass_score), "passed": exam.passed,
        "qualification": granted}, actor=actor)
    return exam


def _grant(exam: PracticalExam, actor) -> str:
    """Give the therapist the item on a passed exam; "granted" or "renewed"."""
    row = db.session.scalar(select(TherapistQualification).where(
        TherapistQualification.employee_id == exam.employee_id,
        TherapistQualification.service_item_id == exam.service_item_id))
    outcome = "renewed"
    if row is None:
        row = TherapistQualification(employee_id=exam.employee_id,
                                     service_item_id=exam.service_item_id)
        db.session.add(row)
        outcome = "granted"
    row.exam_id = exam.id
    row.granted_on = exam.examined_on
    row.granted_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    return outcome


def holds_qualification(employee_id: int, service_item_id: int) -> bool:
    return db.session.scalar(select(TherapistQualification.id).where(
        TherapistQualification.employee_id == employee_id,
        TherapistQualification.service_item_id == service_item_id).limit(1)) is not None


# --- lists --------------------------------------------------------------------------------

@dataclass
class ExamFilters:
    store_id: int | None = None
    employee_id: int | None = None
    service_item_id: int | None = None
    passed: bool | None = None


def exam_query(filters: ExamFilters | None = None, scope: set[int] | None = None) -> Select:
    """Exams newest first, with their therapist loaded; ``scope``: the viewer's stores."""
    from sqlalchemy.orm import selectinload

    filters = filters or ExamFilters()
    query = select(PracticalExam).options(selectinload(PracticalExam.employee))
    if scope is not None:
        query = query.where(PracticalExam.store_id.in_(sorted(scope)))
    if filters.store_id is not None:
        query = query.where(PracticalExam.store_id == filters.store_id)
    if filters.employee_id is not None:
        query = query.where(PracticalExam.employee_id == filters.employee_id)
    if filters.service_item_id is not None:
        query = query.where(PracticalExam.service_item_id == filters.service_item_id)
    if filters.passed is not None:
        query = query.where(PracticalExam.passed.is_(filters.passed))
    return query.order_by(PracticalExam.examined_on.desc(), PracticalExam.id.desc())


def exam_summaries(exam_ids) -> dict[int, tuple[Decimal, date]]:
    """exam id -> (score, examined_on): what the store's qualification grid shows as the
    reason of a grant (registered into app/blueprints/store/catalogue.py)."""
    ids = sorted(set(exam_ids))
    if not ids:
        return {}
    return {row.id: (row.score, row.examined_on) for row in db.session.execute(
        select(PracticalExam.id, PracticalExam.score, PracticalExam.examined_on)
        .where(PracticalExam.id.in_(ids)))}
