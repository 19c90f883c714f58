"""入职 / 离职清单: what each position's checklist holds, who owns and ticks each item.

specs/hr-lifecycle.md.  The templates are in checklist_templates.py (importable
from here too).  Every company starts with three templates (installed by
``app.tenants.create_company`` through the step the hr blueprint registers;
:func:`install_default_templates` adds them to an existing company): a default
onboarding checklist, one for therapists (with the technical department's
入职技师审核 and 首次实操考核) and a default offboarding checklist.  HR edits them
(``employee.manage``); a checklist copies its template's items when it starts,
so editing a template never rewrites a running or finished checklist.

Rules chosen where the spec is silent:
* A position uses its own active template, else the company's default
  (position None) of that kind; one active template per kind and position.
* Who may tick an item is decided by its owner department only:
  人力资源部 ``employee.onboard`` (onboarding) / ``employee.offboard``
  (offboarding), 后勤部 ``items.issue``, 技术部 ``therapist.assess``, 门店
  ``leave.approve`` (the store manager), 财务部 ``payroll.review``.  Store-level
  people (a store's technical supervisor) tick only for people of their stores.
* Onboarding items are due ``due_days`` after the onboarding starts; offboarding
  items ``due_days`` before the last working day (negative: after it, e.g. the
  final pay is due about two weeks after the last day, with the month's payroll).
* The probation period ends the day before the same date ``probation_months``
  later (hired 3 March, 3 months: the last day of probation is 2 June); 0 months
  means no probation (straight to ``active``).
* Template items may be deleted (they are settings; checklists hold copies);
  templates are deactivated, never deleted.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.hr.checklist_templates import template_items
from app.blueprints.hr.models import ChecklistItem, ChecklistTemplate
from app.blueprints.hr.services import HrError
from app.extensions import db
from app.models import Tenant
from app.models.base import utcnow
from app.permissions import can_see_store
from app.tenancy import current_tenant_id

DEPARTMENT_LABELS = {
    "hr": _l("人力资源部"),
    "logistics": _l("后勤部"),
    "technical": _l("技术部"),
    "store": _l("门店"),
    "finance": _l("财务部"),
}
ACTION_LABELS = {
    "none": _l("勾选即完成"),
    "create_account": _l("开通登录账号"),
    "issue_items": _l("发放物品"),
    "return_items": _l("回收物品"),
    "technical_review": _l("入职技师审核"),
    "settlement": _l("离职结算"),
}
KIND_LABELS = {"onboarding": _l("入职"), "offboarding": _l("离职")}
ACCOUNT_AT_LABELS = {"start": _l("开始入职时开通"),
                     "probation": _l("必办事项完成（转入试用期）时开通")}
# Which actions make sense on which checklist.
# Who ticks: the permission each owner department holds (hr depends on the kind).
DEPARTMENT_PERMISSIONS = {
    "logistics": "items.issue",
    "technical": "therapist.assess",
    "store": "leave.approve",
    "finance": "payroll.review",
}
HR_PERMISSIONS = {"onboarding": "employee.onboard", "offboarding": "employee.offboard"}
# Every permission that lets someone work on some checklist (to open the pages).
CHECKLIST_PERMISSIONS = ("employee.view", *HR_PERMISSIONS.values(),
                         *DEPARTMENT_PERMISSIONS.values())


class ChecklistForbidden(HrError):
    """The actor's department does not own this item (the view answers 403)."""


# --------------------------------------------------------------------------- time


def tenant_zone() -> ZoneInfo:
    tenant = db.session.get(Tenant, current_tenant_id())
    return ZoneInfo(tenant.timezone if tenant is not None else "Asia/Shanghai")


def tenant_today(now: datetime | None = None) -> date:
    """The company's local calendar date (Tenant.timezone) at ``now``."""
    return (now or utcnow()).astimezone(tenant_zone()).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def probation_end(hire_date: date, months: int) -> date | None:
    """The last day of probation, or None without one."""
    if months <= 0:
        return None
    return add_months(hire_date, months) - timedelta(days=1)


# --------------------------------------------------------------------------- who ticks


def tick_permission(item: ChecklistItem) -> str:
    if item.owner_department == "hr":
        return HR_PERMISSIONS["offboarding" if item.offboarding_id else "onboarding"]
    return DEPARTMENT_PERMISSIONS.get(item.owner_department, "employee.manage")


def may_tick(actor, item: ChecklistItem, employee_store_id: int | None) -> bool:
    """Whether ``actor`` belongs to the item's owner department (and sees the person's store)."""
    if actor is None:  # the system (jobs, demo)
        return True
    return actor.can(tick_permission(item)) and can_see_store(actor, employee_store_id)


def check_may_tick(actor, item: ChecklistItem, employee_store_id: int | None) -> None:
    if not may_tick(actor, item, employee_store_id):
        raise ChecklistForbidden({"checklist_item": _(
            "“%(title)s”由%(department)s办理，您不能勾选",
            title=item.title, department=DEPARTMENT_LABELS.get(item.owner_department,
                                                              item.owner_department))})


def can_work_on_checklists(actor) -> bool:
    """Whether the checklist pages are any of the actor's business."""
    return any(actor.can(permission) for permission in CHECKLIST_PERMISSIONS)


def mark_done(item: ChecklistItem, actor, note: str = "") -> None:
    item.done_at = utcnow()
    item.done_by_account_id = getattr(actor, "id", None)
    item.note = (note or "").strip()[:255]


def copy_items(template: ChecklistTemplate | None, *, employee_id: int,
               onboarding_id: int | None = None, offboarding_id: int | None = None,
               start: date, due_sign: int = 1) -> list[ChecklistItem]:
    """A person's checklist from a template; due = start + sign × due_days."""
    items = []
    if template is not None:
        for source in template_items(template.id):
            items.append(ChecklistItem(
                employee_id=employee_id, onboarding_id=onboarding_id,
                offboarding_id=offboarding_id, title=source.title,
                owner_department=source.owner_department, action=source.action,
                detail=source.detail, required=source.required, sort_order=source.sort_order,
                due_on=start + timedelta(days=due_sign * source.due_days)))
    db.session.add_all(items)
    db.session.flush()
    return items


# Importable from here as before the module was split (views, forms, tests).
from app.blueprints.hr.checklist_templates import (  # noqa: E402,F401
    DEFAULT_TEMPLATES,
    ISSUE_ITEMS_DEFAULT,
    KIND_ACTIONS,
    MAX_PROBATION_MONTHS,
    add_template_item,
    create_template,
    delete_template_item,
    install_default_templates,
    install_default_templates_everywhere,
    list_templates,
    template_for,
    update_template,
    update_template_item,
)
