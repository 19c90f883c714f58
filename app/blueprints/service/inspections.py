"""Inspections (检查): checklist templates, scoring a store, follow-up actions (整改)
and the monthly hygiene ranking (卫生评比).  Plain functions, no request, no commit.

Rules chosen:
* A template's items are fixed once an inspection used it: "changing" it makes a new
  version (same name, version + 1) and archives the old one; an unused template is
  edited in place.  Templates are archived, never deleted.
* Total = sum of the item points; percentage = total / sum of the items' maxima × 100,
  rounded to two decimals (half up).
* A follow-up action is overdue when it is not done and its due date is before today
  (the company's local date): due today is not yet late.
* The ranking of a month: each store's hygiene inspections dated in that month
  (1st to last day, local dates), average of their percentages, highest first;
  ties by store code.  Stores without a hygiene inspection that month are not ranked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.service.models_inspections import (
    KIND_HYGIENE,
    TEMPLATE_ACTIVE,
    TEMPLATE_ARCHIVED,
    TEMPLATE_KINDS,
    FollowUpAction,
    Inspection,
    InspectionScore,
    InspectionTemplate,
    InspectionTemplateItem,
)
from app.extensions import db
from app.models import Employee, Store
from app.models.base import utcnow
from app.validation import InputError

register_audit_actions({
    "inspection.create": _l("门店检查"),
    "inspection_template.save": _l("保存检查模板"),
    "inspection_template.archive": _l("停用检查模板"),
    "inspection_follow_up.done": _l("完成整改"),
})

MAX_ITEMS = 100
MAX_POINTS = 100


class InspectionError(InputError):
    """Bad inspection input; ``fields`` names each field, nothing saved."""


@dataclass(frozen=True)
class ItemInput:
    text: str
    max_points: int


# -- Templates ------------------------------------------------------------------------


def template_items(template_id: int) -> list[InspectionTemplateItem]:
    return list(db.session.scalars(
        select(InspectionTemplateItem).where(InspectionTemplateItem.template_id == template_id)
        .order_by(InspectionTemplateItem.position, InspectionTemplateItem.id)))


def template_used(template_id: int) -> bool:
    return db.session.scalar(select(Inspection.id).where(Inspection.template_id == template_id)
                             .limit(1)) is not None


def parse_items(text: str) -> list[ItemInput]:
    """Lines ``检查内容 | 分值`` (分值 defaults to 10) as typed on the template form."""
    items = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        body, _sep, points = line.rpartition("|") if "|" in line else (line, "", "10")
        body = body.strip()
        try:
            value = int(points.strip())
        except ValueError:
            raise InspectionError({"items": _("第 %(n)d 行的分值不是整数", n=number)}) from None
        items.append(ItemInput(body, value))
    return items


def _check_template(kind: str, name: str, items: list[ItemInput]) -> None:
    errors = {}
    if kind not in TEMPLATE_KINDS:
        errors["kind"] = _("无效的检查类别")
    if not name:
        errors["name"] = _("必填")
    elif len(name) > 64:
        errors["name"] = _("不能超过 %(n)d 个字符", n=64)
    if not items:
        errors["items"] = _("至少一项检查内容")
    elif len(items) > MAX_ITEMS:
        errors["items"] = _("最多 %(n)d 项", n=MAX_ITEMS)
    else:
        for item in items:
            if not item.text or len(item.text) > 255:
                errors["items"] = _("每项检查内容必填，且不超过 255 个字符")
                break
            if not 1 <= item.max_points <= MAX_POINTS:
                errors["items"] = _("分值应在 1 到 %(n)d 之间", n=MAX_POINTS)
                break
    if errors:
        raise InspectionError(errors)


def create_template(*, kind: str, name: str, items: list[ItemInput]) -> InspectionTemplate:
    name = (name or "").strip()
    _check_template(kind, name, items)
    latest = db.session.scalar(select(func.max(InspectionTemplate.version))
                               .where(InspectionTemplate.name == name))
    if latest:
        raise InspectionError({"name": _("已有同名模板，请修改原模板")})
    template = InspectionTemplate(kind=kind, name=name, version=1, status=TEMPLATE_ACTIVE)
    db.session.add(template)
    db.session.flush()
    _add_items(template, items)
    record_audit("inspection_template.save", "inspection_template", template.id,
                 after={"name": name, "version": 1, "items": len(items)})
    return template


def revise_template(template: InspectionTemplate, *, kind: str, name: str | None = None,
                    items: list[ItemInput]) -> InspectionTemplate:
    """Change a template: in place while unused, else a new version (the old archived)."""
    if template.status != TEMPLATE_ACTIVE:
        raise InspectionError({"status": _("已停用的模板不能修改")})
    name = template.name if name is None else name.strip()
    _check_template(kind, name, items)
    if not template_used(template.id):
        template.kind, template.name = kind, name
        for old in template_items(template.id):
            db.session.delete(old)
        db.session.flush()
        _add_items(template, items)
        result = template
    else:
        template.status = TEMPLATE_ARCHIVED
        result = InspectionTemplate(kind=kind, name=template.name,
                                    version=template.version + 1, status=TEMPLATE_ACTIVE)
        db.session.add(result)
        db.session.flush()
        _add_items(result, items)
    record_audit("inspection_template.save", "inspection_template", result.id,
                 after={"name": result.name, "version": result.version, "items": len(items)})
    return result


def archive_template(template: InspectionTemplate) -> InspectionTemplate:
    if template.status == TEMPLATE_ARCHIVED:
        raise InspectionError({"status": _("模板已停用")})
    template.status = TEMPLATE_ARCHIVED
    db.session.flush()
    record_audit("inspection_template.archive", "inspection_template", template.id)
    return template


def _add_items(template: InspectionTemplate, items: list[ItemInput]) -> None:
    for position, item in enumerate(items):
        db.session.add(InspectionTemplateItem(template_id=template.id, position=position,
                                              text=item.text, max_points=item.max_points))
    db.session.flush()


# -- Inspections ----------------------------------------------------------------------


def percentage(total: int, maximum: int) -> Decimal:
    if maximum <= 0:
        return Decimal("0.00")
    return (Decimal(total) * 100 / Decimal(maximum)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def record_inspection(*, store: Store, template: InspectionTemplate, inspected_on: date,
                      scores: dict[int, int], notes: dict[int, str] | None = None,
                      overall: str = "", inspector=None) -> Inspection:
    """Score ``store`` on ``template``: ``scores`` maps each template item id to its points
    (every item must be scored, 0 up to its maximum)."""
    if template.status != TEMPLATE_ACTIVE:
        raise InspectionError({"template_id": _("模板已停用")})
    if not isinstance(inspected_on, date):
        raise InspectionError({"inspected_on": _("无效的日期")})
    items = template_items(template.id)
    notes = notes or {}
    errors = {}
    for item in items:
        points = scores.get(item.id)
        if points is None or isinstance(points, bool) or not isinstance(points, int):
            errors[f"score_{item.id}"] = _("请为“%(t)s”打分", t=item.text)
        elif not 0 <= points <= item.max_points:
            errors[f"score_{item.id}"] = _("分值应在 0 到 %(n)d 之间", n=item.max_points)
        elif len(notes.get(item.id) or "") > 255:
            errors[f"note_{item.id}"] = _("不能超过 %(n)d 个字符", n=255)
    if len(overall or "") > 4000:
        errors["notes"] = _("不能超过 %(n)d 个字符", n=4000)
    if errors:
        raise InspectionError(errors)
    total = sum(scores[item.id] for item in items)
    maximum = sum(item.max_points for item in items)
    inspection = Inspection(
        store_id=store.id, template_id=template.id, kind=template.kind,
        inspected_on=inspected_on, total_points=total, max_points=maximum,
        percentage=percentage(total, maximum), notes=(overall or "").strip(),
        inspector_account_id=getattr(inspector, "id", None),
        inspector_name=_name_of(inspector))
    db.session.add(inspection)
    db.session.flush()
    for item in items:
        db.session.add(InspectionScore(
            inspection_id=inspection.id, template_item_id=item.id, position=item.position,
            text=item.text, max_points=item.max_points, points=scores[item.id],
            note=(notes.get(item.id) or "").strip()))
    db.session.flush()
    record_audit("inspection.create", "inspection", inspection.id,
                 after={"store_id": store.id, "total": total, "max": maximum})
    return inspection


def scores_of(inspection_id: int) -> list[InspectionScore]:
    return list(db.session.scalars(
        select(InspectionScore).where(InspectionScore.inspection_id == inspection_id)
        .order_by(InspectionScore.position, InspectionScore.id)))


def _name_of(account) -> str:
    if account is None:
        return ""
    return getattr(account, "display_name", "") or getattr(account, "username", "") or ""


# -- Follow-up actions ----------------------------------------------------------------


def add_follow_up(inspection: Inspection, *, what: str, owner_employee_id: int | None,
                  due_on: date | None) -> FollowUpAction:
    """整改: ``owner`` must be an employee of the inspected store."""
    what = (what or "").strip()
    errors = {}
    if not what:
        errors["what"] = _("必填")
    elif len(what) > 255:
        errors["what"] = _("不能超过 %(n)d 个字符", n=255)
    owner = db.session.get(Employee, owner_employee_id) if owner_employee_id else None
    if owner is None or owner.tenant_id != inspection.tenant_id \
            or owner.store_id != inspection.store_id:
        errors["owner_employee_id"] = _("请选择本店的员工")
    if not isinstance(due_on, date):
        errors["due_on"] = _("请填写整改期限")
    elif due_on < inspection.inspected_on:
        errors["due_on"] = _("整改期限不能早于检查日期")
    if errors:
        raise InspectionError(errors)
    action = FollowUpAction(inspection_id=inspection.id, store_id=inspection.store_id,
                            what=what, owner_employee_id=owner.id, due_on=due_on)
    db.session.add(action)
    db.session.flush()
    return action


def complete_follow_up(action: FollowUpAction, *, note: str, by=None,
                       at: datetime | None = None) -> FollowUpAction:
    note = (note or "").strip()
    if action.done_at is not None:
        raise InspectionError({"status": _("该整改已完成")})
    if not note:
        raise InspectionError({"note": _("请写明整改情况")})
    if len(note) > 255:
        raise InspectionError({"note": _("不能超过 %(n)d 个字符", n=255)})
    action.done_at = at or utcnow()
    action.done_note = note
    action.done_by_name = _name_of(by)
    db.session.flush()
    record_audit("inspection_follow_up.done", "inspection_follow_up", action.id,
                 after={"note": note})
    return action


def is_overdue(action: FollowUpAction, today: date) -> bool:
    return action.done_at is None and action.due_on < today


@dataclass
class FollowUpRow:
    action: FollowUpAction
    owner_name: str
    store_name: str
    inspected_on: date
    overdue: bool


def follow_ups(store_ids: set[int] | None, today: date, *, open_only: bool = False,
               inspection_id: int | None = None) -> list[FollowUpRow]:
    """Follow-up actions with their owner and store; open ones first, by due date."""
    stmt = (select(FollowUpAction, Employee.name, Store.name, Inspection.inspected_on)
            .join(Employee, Employee.id == FollowUpAction.owner_employee_id)
            .join(Store, Store.id == FollowUpAction.store_id)
            .join(Inspection, Inspection.id == FollowUpAction.inspection_id)
            .order_by(FollowUpAction.done_at.is_not(None), FollowUpAction.due_on,
                      FollowUpAction.id))
    if store_ids is not None:
        stmt = stmt.where(FollowUpAction.store_id.in_(sorted(store_ids) or [-1]))
    if open_only:
        stmt = stmt.where(FollowUpAction.done_at.is_(None))
    if inspection_id is not None:
        stmt = stmt.where(FollowUpAction.inspection_id == inspection_id)
    return [FollowUpRow(action, owner, store, on, is_overdue(action, today))
            for action, owner, store, on in db.session.execute(stmt.limit(500))]


def overdue_counts(store_ids: set[int] | None, today: date) -> dict[int, int]:
    """store id -> follow-up actions past their due date and not done."""
    stmt = (select(FollowUpAction.store_id, func.count(FollowUpAction.id))
            .where(FollowUpAction.done_at.is_(None), FollowUpAction.due_on < today)
            .group_by(FollowUpAction.store_id))
    if store_ids is not None:
        stmt = stmt.where(FollowUpAction.store_id.in_(sorted(store_ids) or [-1]))
    return {store_id: int(n) for store_id, n in db.session.execute(stmt)}


# -- Lists and the ranking --------------------------------------------------------------


@dataclass
class InspectionRow:
    inspection: Inspection
    store_name: str
    template_name: str
    template_version: int
    open_actions: int = 0
    overdue_actions: int = 0


def list_inspections(store_ids: set[int] | None, today: date, *, store_id: int | None = None,
                     month: date | None = None, limit: int = 200) -> list[InspectionRow]:
    stmt = (select(Inspection, Store.name, InspectionTemplate.name, InspectionTemplate.version)
            .join(Store, Store.id == Inspection.store_id)
            .join(InspectionTemplate, InspectionTemplate.id == Inspection.template_id)
            .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()))
    if store_ids is not None:
        stmt = stmt.where(Inspection.store_id.in_(sorted(store_ids) or [-1]))
    if store_id is not None:
        stmt = stmt.where(Inspection.store_id == store_id)
    if month is not None:
        start, end = month_bounds(month)
        stmt = stmt.where(Inspection.inspected_on >= start, Inspection.inspected_on < end)
    rows = [InspectionRow(i, s, t, v) for i, s, t, v in db.session.execute(stmt.limit(limit))]
    if rows:
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for inspection_id, due_on in db.session.execute(
                select(FollowUpAction.inspection_id, FollowUpAction.due_on)
                .where(FollowUpAction.done_at.is_(None),
                       FollowUpAction.inspection_id.in_([r.inspection.id for r in rows]))):
            counts[inspection_id][0] += 1
            counts[inspection_id][1] += due_on < today
        for row in rows:
            row.open_actions, row.overdue_actions = counts.get(row.inspection.id, (0, 0))
    return rows


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


@dataclass(frozen=True)
class RankingRow:
    rank: int
    store_id: int
    store_code: str
    store_name: str
    inspections: int
    average: Decimal


def hygiene_ranking(month: date, store_ids: set[int] | None = None) -> list[RankingRow]:
    """卫生评比: stores by the average percentage of their hygiene inspections in ``month``."""
    start, end = month_bounds(month)
    stmt = (select(Store.id, Store.code, Store.name, func.count(Inspection.id),
                   func.sum(Inspection.percentage))
            .join(Store, Store.id == Inspection.store_id)
            .where(Inspection.kind == KIND_HYGIENE, Inspection.inspected_on >= start,
                   Inspection.inspected_on < end)
            .group_by(Store.id, Store.code, Store.name))
    if store_ids is not None:
        stmt = stmt.where(Inspection.store_id.in_(sorted(store_ids) or [-1]))
    found = []
    for store_id, code, name, count, total in db.session.execute(stmt):
        average = (Decimal(str(total)) / int(count)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        found.append((average, code, store_id, name, int(count)))
    found.sort(key=lambda r: (-r[0], r[1]))
    ranked = []
    for position, (average, code, store_id, name, count) in enumerate(found, start=1):
        # Equal averages share a rank (1, 1, 3 …).
        rank = ranked[-1].rank if ranked and ranked[-1].average == average else position
        ranked.append(RankingRow(rank, store_id, code, name, count, average))
    return ranked
