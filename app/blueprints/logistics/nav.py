"""Logistics' tabs (templates/logistics/_nav.html).

An entry shows when its endpoint exists and the person holds its permission; a page
is "in" a tab when its endpoint starts with the tab's prefix (every asset page is
``logistics.asset…``), so the tab stays lit on a page's sub-pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.navigation import DepartmentTab as Tab
from app.navigation import department_tabs

TABS: tuple[Tab, ...] = (
    Tab(_l("概览"), "logistics.index", "logistics.view", "logistics.index"),
    Tab(_l("资产"), "logistics.assets", "logistics.view", "logistics.asset"),
    Tab(_l("资产盘点"), "logistics.counts", "logistics.view", "logistics.count"),
    Tab(_l("物料库存"), "logistics.stock", "logistics.view", "logistics.stock"),
    Tab(_l("领用"), "logistics.requisitions", "stock.requisition",
        "logistics.requisition"),
    Tab(_l("采购"), "logistics.purchases", "logistics.view", "logistics.purchase"),
    Tab(_l("维修"), "logistics.tickets", "logistics.view", "logistics.ticket"),
    Tab(_l("员工物品"), "logistics.issued_items", "logistics.view", "logistics.issued"),
    Tab(_l("宿舍"), "logistics.dorms", "dorm.manage", "logistics.dorm"),
    Tab(_l("设置"), "logistics.settings", "asset.manage", "logistics.settings"),
)


def tabs_for(user) -> list[Tab]:
    return department_tabs(TABS, user)
