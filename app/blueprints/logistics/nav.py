"""Logistics' tabs (templates/logistics/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (every asset page is
``logistics.asset…``), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class LogisticsTab:
    label: object
    endpoint: str
    permission: str
    # Endpoints starting with this are pages of the tab.
    prefix: str


TABS: tuple[LogisticsTab, ...] = (
    LogisticsTab(_l("概览"), "logistics.index", "logistics.view", "logistics.index"),
    LogisticsTab(_l("资产"), "logistics.assets", "logistics.view", "logistics.asset"),
    LogisticsTab(_l("资产盘点"), "logistics.counts", "logistics.view", "logistics.count"),
    LogisticsTab(_l("物料库存"), "logistics.stock", "logistics.view", "logistics.stock"),
    LogisticsTab(_l("领用"), "logistics.requisitions", "stock.requisition",
                 "logistics.requisition"),
    LogisticsTab(_l("采购"), "logistics.purchases", "logistics.view", "logistics.purchase"),
    LogisticsTab(_l("维修"), "logistics.tickets", "logistics.view", "logistics.ticket"),
    LogisticsTab(_l("员工物品"), "logistics.issued_items", "logistics.view", "logistics.issued"),
    LogisticsTab(_l("宿舍"), "logistics.dorms", "dorm.manage", "logistics.dorm"),
    LogisticsTab(_l("设置"), "logistics.settings", "asset.manage", "logistics.settings"),
)


def tabs_for(user) -> list[LogisticsTab]:
    return [tab for tab in TABS
            if tab.endpoint in current_app.view_functions and user.can(tab.permission)]
