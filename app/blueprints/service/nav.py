"""The service department's (服务部) tabs (templates/service/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (e.g. every page of a
tab's area shares its prefix), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ServiceTab:
    label: object
    endpoint: str
    permission: str
    # Endpoints starting with this are pages of the tab.
    prefix: str


TABS: tuple[ServiceTab, ...] = (
    ServiceTab(_l("概览"), "service.index", "service.view", "service.index"),
    ServiceTab(_l("服务规范"), "service.sops", "service.view", "service.sop"),
    ServiceTab(_l("门店检查"), "service.inspections", "service.view", "service.inspection"),
    ServiceTab(_l("卫生评比"), "service.ranking", "service.view", "service.ranking"),
    ServiceTab(_l("技能评估"), "service.evaluations", "evaluation.manage", "service.evaluation"),
    ServiceTab(_l("投诉"), "service.complaints", "complaint.manage", "service.complaint"),
    ServiceTab(_l("满意度"), "service.satisfaction", "service.view", "service.satisfaction"),
    ServiceTab(_l("消毒记录"), "service.disinfection", "disinfection.view", "service.disinfection"),
    ServiceTab(_l("客户回访"), "service.care", "care.manage", "service.care"),
)


def tabs_for(user) -> list[ServiceTab]:
    return [tab for tab in TABS
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]
