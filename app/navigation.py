"""The main navigation: each entry shows only to those whose role may open it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.approvals import KINDS


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    permission: str
    section: str  # blueprint name, to highlight the active entry


NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_l("总经理"), "gm.index", "gm.dashboard", "gm"),
    NavItem(_l("门店前台"), "store.index", "store.view", "store"),
    NavItem(_l("人力资源"), "hr.index", "hr.view", "hr"),
    NavItem(_l("财务"), "finance.index", "finance.view", "finance"),
    NavItem(_l("服务部"), "service.index", "service.view", "service"),
    NavItem(_l("技术部"), "technical.index", "technical.view", "technical"),
    NavItem(_l("后勤"), "logistics.index", "logistics.view", "logistics"),
    NavItem(_l("我的"), "main.me", "self.view", "me"),
    # Shown to those who decide some kind of request (app/approvals.py), not to everyone.
    NavItem(_l("待我审批"), "main.approvals_inbox", "account.self", "approvals"),
    NavItem(_l("后台任务"), "main.jobs", "job.view", "jobs"),
    NavItem(_l("审计日志"), "main.audit_log", "audit.view", "audit"),
    NavItem(_l("权限矩阵"), "main.permission_matrix", "permissions.view", "permissions"),
)


@dataclass(frozen=True)
class DepartmentTab:
    """A tab of a department's own pages (its ``nav.py`` lists them, its ``_nav.html``
    draws them).  A page is "in" the tab when its endpoint starts with ``prefix`` (every
    asset page is ``logistics.asset…``), so the tab stays lit on its sub-pages."""

    label: object
    endpoint: str
    permission: str
    prefix: str


def department_tabs(tabs: tuple[DepartmentTab, ...], user) -> list[DepartmentTab]:
    """The tabs whose page exists and that the person may open."""
    from flask import current_app

    return [tab for tab in tabs
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]


def navigation_for(user) -> list[NavItem]:
    """Entries the user may open, in org-chart order."""
    if user is None or not user.is_authenticated:
        return []
    if getattr(user, "is_platform_admin", False):
        return [NavItem(_l("平台管理"), "platform.index", "platform.admin", "platform")]
    return [item for item in NAVIGATION if user.can(item.permission)
            and (item.endpoint != "main.approvals_inbox" or decides_anything(user))]


def decides_anything(user) -> bool:
    return any(user.can(step.permission) for kind in KINDS.values() for step in kind.steps)
