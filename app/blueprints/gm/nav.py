"""Head office's (总经理) tabs (templates/gm/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (e.g. every page of a
tab's area shares its prefix), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.navigation import DepartmentTab as Tab
from app.navigation import department_tabs

TABS: tuple[Tab, ...] = (
    Tab(_l("经营驾驶舱"), "gm.index", "gm.dashboard", "gm.index"),
    Tab(_l("门店"), "gm.stores", "org.view", "gm.store"),
    Tab(_l("经营目标"), "gm.targets", "target.manage", "gm.target"),
    Tab(_l("待我审批"), "gm.inbox", "gm.dashboard", "gm.inbox"),
    Tab(_l("经营分析报告"), "gm.reports", "report.view", "gm.report"),
)


def tabs_for(user) -> list[Tab]:
    return department_tabs(TABS, user)
