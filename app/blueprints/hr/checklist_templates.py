"""入职 / 离职清单模板: the templates and their items, and the defaults every company starts
with (installed by ``app.tenants.create_company`` through the step the hr blueprint
registers).  Plain functions: add/flush, audit, never commit."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_audit, register_audit_actions
from app.blueprints.hr.models import ChecklistTemplate, ChecklistTemplateItem
from app.blueprints.hr.models.lifecycle import ACCOUNT_AT, CHECKLIST_KINDS, OWNER_DEPARTMENTS
from app.blueprints.hr.services import HrError
from app.extensions import db
from app.models import Position, Tenant

register_audit_actions({
    "checklist.template_create": _l("新建入离职清单模板"),
    "checklist.template_update": _l("修改入离职清单模板"),
    "checklist.template_item_add": _l("清单模板添加事项"),
    "checklist.template_item_update": _l("修改清单模板事项"),
    "checklist.template_item_delete": _l("删除清单模板事项"),
})

# The actions an item of each kind may carry (the checklist pages offer them).
KIND_ACTIONS = {
    "onboarding": ("none", "create_account", "issue_items", "technical_review"),
    "offboarding": ("none", "return_items", "settlement"),
}
ISSUE_ITEMS_DEFAULT = "工服,储物柜钥匙,工牌"
MAX_PROBATION_MONTHS = 6  # 劳动合同法 第十九条: at most six months


@dataclass(frozen=True)
class DefaultItem:
    title: str
    owner_department: str = "hr"
    action: str = "none"
    due_days: int = 3
    required: bool = True
    detail: str = ""


_DOCUMENTS = (
    DefaultItem("身份证复印件", due_days=1),
    DefaultItem("健康证", due_days=3),
    DefaultItem("签订劳动合同", due_days=3),
    DefaultItem("银行卡信息", due_days=3),
)


_ACCOUNT = DefaultItem("创建登录账号", action="create_account", due_days=7)


_ISSUE = DefaultItem("发放工服、储物柜钥匙、工牌", owner_department="logistics",
                     action="issue_items", due_days=1, detail=ISSUE_ITEMS_DEFAULT)


# (kind, position role or None for the default, name, items)
DEFAULT_TEMPLATES = (
    ("onboarding", None, "默认入职清单", (
        *_DOCUMENTS, _ISSUE, DefaultItem("岗前培训", due_days=7), _ACCOUNT,
    )),
    ("onboarding", "therapist", "技师入职清单", (
        *_DOCUMENTS, _ISSUE,
        DefaultItem("岗前培训", owner_department="technical", due_days=7),
        DefaultItem("入职技师审核", owner_department="technical", action="technical_review",
                    due_days=7),
        DefaultItem("首次实操考核", owner_department="technical", due_days=14),
        _ACCOUNT,
    )),
    ("offboarding", None, "默认离职清单", (
        DefaultItem("归还物品", owner_department="logistics", action="return_items", due_days=0),
        DefaultItem("工作交接", due_days=0),
        DefaultItem("离职面谈", due_days=1),
        DefaultItem("结算", owner_department="finance", action="settlement", due_days=0),
        # Paid with the payroll run of the last day's month, about two weeks later.
        DefaultItem("最后工资（随最后工作日所在月的工资发放）", due_days=-15),
    )),
)


def template_for(kind: str, position_id: int | None) -> ChecklistTemplate | None:
    """The position's active template of ``kind``, else the company's default one."""
    rows = db.session.scalars(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.kind == kind, ChecklistTemplate.is_active.is_(True),
               (ChecklistTemplate.position_id == position_id)
               | ChecklistTemplate.position_id.is_(None))
        .order_by(ChecklistTemplate.id.desc())).all()
    own = [t for t in rows if t.position_id is not None]
    return own[0] if own else (rows[0] if rows else None)


def template_items(template_id: int) -> list[ChecklistTemplateItem]:
    return list(db.session.scalars(
        select(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id == template_id)
        .order_by(ChecklistTemplateItem.sort_order, ChecklistTemplateItem.id)))


def list_templates() -> list[tuple[ChecklistTemplate, Position | None, int]]:
    """Every template with its position and number of items (two statements)."""
    counts = dict(db.session.execute(
        select(ChecklistTemplateItem.template_id, func.count(ChecklistTemplateItem.id))
        .group_by(ChecklistTemplateItem.template_id)).all())
    rows = db.session.execute(
        select(ChecklistTemplate, Position)
        .outerjoin(Position, Position.id == ChecklistTemplate.position_id)
        .order_by(ChecklistTemplate.kind.desc(), ChecklistTemplate.is_active.desc(),
                  ChecklistTemplate.position_id.is_not(None), ChecklistTemplate.id)).all()
    return [(template, position, counts.get(template.id, 0)) for template, position in rows]


def install_default_templates() -> int:
    """Add the default templates the current company lacks (idempotent); returns how many.

    Run for every new company by ``app.tenants.create_company`` (registered by
    the hr blueprint, ``app.blueprints.hr``); the demo
    loader (or a shell) calls it for companies created before templates existed.
    """
    positions = {p.role: p.id for p in db.session.scalars(select(Position))}
    existing = {(kind, position_id) for kind, position_id in db.session.execute(
        select(ChecklistTemplate.kind, ChecklistTemplate.position_id))}
    created = 0
    for kind, role, name, items in DEFAULT_TEMPLATES:
        position_id = positions.get(role) if role else None
        if role and position_id is None:
            continue
        if (kind, position_id) in existing:
            continue
        template = ChecklistTemplate(kind=kind, name=name, position_id=position_id,
                                     account_at="probation", probation_months=3)
        db.session.add(template)
        db.session.flush()
        db.session.add_all(
            ChecklistTemplateItem(template_id=template.id, title=item.title,
                                  owner_department=item.owner_department, action=item.action,
                                  due_days=item.due_days, required=item.required,
                                  detail=item.detail, sort_order=(n + 1) * 10)
            for n, item in enumerate(items))
        created += 1
    db.session.flush()
    return created


def install_default_templates_everywhere() -> dict[str, int]:
    """:func:`install_default_templates` for every company (company code -> templates added)."""
    from app.tenancy import tenant_context

    tenants = db.session.execute(select(Tenant.id, Tenant.code).order_by(Tenant.id)).all()
    added = {}
    for tenant_id, code in tenants:
        with tenant_context(tenant_id):
            added[code] = install_default_templates()
    return added


def _clean_template(values: dict, template: ChecklistTemplate | None) -> dict:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    kind = template.kind if template is not None else values.get("kind")
    if kind not in CHECKLIST_KINDS:
        errors["kind"] = _("请选择入职或离职")
    cleaned["kind"] = kind
    name = (values.get("name") or "").strip()
    cleaned["name"] = name
    if not name:
        errors["name"] = _("请填写模板名称")
    elif len(name) > 64:
        errors["name"] = _("模板名称最多 64 个字")
    position_id = values.get("position_id")
    if position_id is not None and db.session.scalar(
            select(Position.id).where(Position.id == position_id)) is None:
        errors["position_id"] = _("没有这个岗位")
    if values.get("account_at") not in ACCOUNT_AT:
        errors["account_at"] = _("请选择开通账号的时间")
    months = values.get("probation_months")
    if not isinstance(months, int) or not 0 <= months <= MAX_PROBATION_MONTHS:
        errors["probation_months"] = _("试用期为 0–%(n)s 个月", n=MAX_PROBATION_MONTHS)
    if values.get("is_active") and kind in CHECKLIST_KINDS and "position_id" not in errors:
        clash = select(ChecklistTemplate.id).where(
            ChecklistTemplate.kind == kind, ChecklistTemplate.is_active.is_(True),
            ChecklistTemplate.position_id.is_(None) if position_id is None
            else ChecklistTemplate.position_id == position_id)
        if template is not None:
            clash = clash.where(ChecklistTemplate.id != template.id)
        if db.session.scalar(clash) is not None:
            errors["position_id"] = _("该岗位已有启用的同类模板，请先停用原模板")
    if errors:
        raise HrError(errors)
    return cleaned


TEMPLATE_FIELDS = ("name", "position_id", "account_at", "probation_months", "is_active")


def create_template(*, kind: str, name: str, position_id: int | None = None,
                    account_at: str = "probation", probation_months: int = 3,
                    is_active: bool = True) -> ChecklistTemplate:
    """A new (empty) checklist template; items are added one by one."""
    values = _clean_template(dict(kind=kind, name=name, position_id=position_id,
                                  account_at=account_at, probation_months=probation_months,
                                  is_active=is_active), None)
    template = ChecklistTemplate(**values)
    db.session.add(template)
    db.session.flush()
    record_audit("checklist.template_create", "checklist_template", template.id,
                 after={key: values[key] for key in ("kind", *TEMPLATE_FIELDS)})
    return template


def update_template(template: ChecklistTemplate, **changes) -> ChecklistTemplate:
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise HrError({name: _("不能修改此字段") for name in sorted(unknown)})
    current = {key: getattr(template, key) for key in TEMPLATE_FIELDS}
    values = _clean_template({**current, **changes}, template)
    before = {k: current[k] for k in TEMPLATE_FIELDS if current[k] != values[k]}
    for key in TEMPLATE_FIELDS:
        setattr(template, key, values[key])
    db.session.flush()
    if before:
        record_audit("checklist.template_update", "checklist_template", template.id,
                     before=before, after={k: values[k] for k in before})
    return template


ITEM_FIELDS = ("title", "owner_department", "action", "due_days", "required", "detail",
               "sort_order")


def _clean_item(template: ChecklistTemplate, values: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    title = (values.get("title") or "").strip()
    cleaned["title"] = title
    if not title:
        errors["title"] = _("请填写事项名称")
    elif len(title) > 120:
        errors["title"] = _("事项名称最多 120 个字")
    if values.get("owner_department") not in OWNER_DEPARTMENTS:
        errors["owner_department"] = _("请选择负责部门")
    if values.get("action") not in KIND_ACTIONS[template.kind]:
        errors["action"] = _("该清单不能使用这个动作")
    due_days = values.get("due_days")
    if not isinstance(due_days, int) or not -60 <= due_days <= 180:
        errors["due_days"] = _("期限为 -60–180 天")
    detail = (values.get("detail") or "").strip()
    if values.get("action") == "issue_items":
        names = [n.strip() for n in detail.replace("，", ",").split(",") if n.strip()]
        detail = ",".join(names)
        if not names:
            errors["detail"] = _("请列出要发放的物品，用逗号分隔")
    cleaned["detail"] = detail
    if len(detail) > 255:
        errors["detail"] = _("最多 255 个字")
    cleaned["required"] = bool(values.get("required"))
    cleaned["sort_order"] = int(values.get("sort_order") or 0)
    if errors:
        raise HrError(errors)
    return cleaned


def add_template_item(template: ChecklistTemplate, *, title: str, owner_department: str = "hr",
                      action: str = "none", due_days: int = 3, required: bool = True,
                      detail: str = "", sort_order: int | None = None) -> ChecklistTemplateItem:
    if sort_order is None:
        last = db.session.scalar(select(func.max(ChecklistTemplateItem.sort_order)).where(
            ChecklistTemplateItem.template_id == template.id))
        sort_order = (last or 0) + 10
    values = _clean_item(template, dict(
        title=title, owner_department=owner_department, action=action, due_days=due_days,
        required=required, detail=detail, sort_order=sort_order))
    item = ChecklistTemplateItem(template_id=template.id, **values)
    db.session.add(item)
    db.session.flush()
    record_audit("checklist.template_item_add", "checklist_template", template.id,
                 after={"item_id": item.id, **values})
    return item


def update_template_item(item: ChecklistTemplateItem, **changes) -> ChecklistTemplateItem:
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise HrError({name: _("不能修改此字段") for name in sorted(unknown)})
    template = db.session.get(ChecklistTemplate, item.template_id)
    current = {key: getattr(item, key) for key in ITEM_FIELDS}
    values = _clean_item(template, {**current, **changes})
    before = {k: current[k] for k in ITEM_FIELDS if current[k] != values[k]}
    for key in ITEM_FIELDS:
        setattr(item, key, values[key])
    db.session.flush()
    if before:
        record_audit("checklist.template_item_update", "checklist_template", template.id,
                     before={"item_id": item.id, **before},
                     after={"item_id": item.id, **{k: values[k] for k in before}})
    return item


def delete_template_item(item: ChecklistTemplateItem) -> None:
    """Remove an item from a template (running checklists keep their copies)."""
    record_audit("checklist.template_item_delete", "checklist_template", item.template_id,
                 before={"item_id": item.id, "title": item.title,
                         "owner_department": item.owner_department, "action": item.action})
    db.session.delete(item)
    db.session.flush()
