"""The service department's (服务部) tabs (templates/service/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (e.g. every page of a
tab's area shares its prefix), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.navigation import DepartmentTab as Tab
from app.navigation import department_tabs

TABS: tuple[Tab, ...] = (
    Tab(_l("概览"), "service.index", "service.view", "service.index"),
    Tab(_l("服务规范"), "service.sops", "service.view", "service.sop"),
    Tab(_l("门店检查"), "service.inspections", "service.view", "service.inspection"),
    Tab(_l("卫生评比"), "service.ranking", "service.view", "service.ranking"),
    Tab(_l("技能评估"), "service.evaluations", "evaluation.manage", "service.evaluation"),
    Tab(_l("投诉"), "service.complaints", "complaint.manage", "service.complaint"),
    Tab(_l("满意度"), "service.satisfaction", "service.view", "service.satisfaction"),
    Tab(_l("消毒记录"), "service.disinfection", "disinfection.view", "service.disinfection"),
    Tab(_l("客户回访"), "service.care", "care.manage", "service.care"),
)


def tabs_for(user) -> list[Tab]:
    return department_tabs(TABS, user)
