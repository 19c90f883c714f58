"""Head office's (总经理) tabs (templates/gm/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (e.g. every page of a
tab's area shares its prefix), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class GmTab:
    label: object
    endpoint: str
    permission: str
    # Endpoints starting with this are pages of the tab.
    prefix: str


TABS: tuple[GmTab, ...] = (
    GmTab(_l("经营驾驶舱"), "gm.index", "gm.dashboard", "gm.index"),
    GmTab(_l("门店"), "gm.stores", "org.view", "gm.store"),
    GmTab(_l("经营目标"), "gm.targets", "target.manage", "gm.target"),
    GmTab(_l("待我审批"), "gm.inbox", "gm.dashboard", "gm.inbox"),
    GmTab(_l("经营分析报告"), "gm.reports", "report.view", "gm.report"),
)


def tabs_for(user) -> list[GmTab]:
    return [tab for tab in TABS
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]
