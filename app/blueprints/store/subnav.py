"""The front desk's own menu (inside 门店前台), shown by templates/store/_subnav.html.

Each department of the desk appends its pages here; an entry shows when its
endpoint exists and the person holds its permission.

Nineteen pages do not fit one row (a 1366 px laptop cut the row off), so the
menu is grouped the way a store divides its day: 前台 (the floor: rooms,
check-in, the board, the till), 客户 (guests: files, cards, feedback,
complaints), 人员 (people: schedule, clocks, leave, the attendance sheet),
店务 (the manager's desk: 日结, refunds, prices, expenses) and 后勤 (repairs, the
asset count, requisitions, purchases).  Each group is one dropdown; the group
holding the current page is highlighted and names that page, so the row stays
five buttons wide on a phone too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Store
from app.navigation import NavItem
from app.permissions import store_scope

# The groups in the order they show; an entry names its group by key.
SUBNAV_GROUPS: dict[str, object] = {
    "floor": _l("前台"),
    "guests": _l("客户"),
    "people": _l("人员"),
    "office": _l("店务"),
    # Issue 12: what the store asks of logistics (repairs, the asset count, stock, buying).
    "supplies": _l("后勤"),
    # Issue 13: what the service department asks of a store (disinfection log, inspection
    # follow-ups, satisfaction reviews, the guest care plan) and the procedures to read.
    "service": _l("服务"),
}


@dataclass(frozen=True)
class SubnavItem(NavItem):
    """A desk menu entry and the group (a SUBNAV_GROUPS key) it sits in."""

    group: str = "floor"


SUBNAV: list[SubnavItem] = [
    SubnavItem(_l("房态"), "store.index", "store.view", "rooms", "floor"),
    SubnavItem(_l("开单"), "store.checkin", "order.create", "checkin", "floor"),
    SubnavItem(_l("轮牌"), "store.board", "dispatch.view_log", "board", "floor"),
    SubnavItem(_l("派钟记录"), "store.dispatch_log", "dispatch.view_log", "dispatch_log",
               "floor"),
    SubnavItem(_l("收银"), "store.cashier", "order.checkout", "cashier", "floor"),
    SubnavItem(_l("今日消费单"), "store.orders", "customer.view", "orders", "floor"),
    SubnavItem(_l("预订"), "store.reservations", "reservation.manage", "reservations", "floor"),
    SubnavItem(_l("客户"), "store.customers", "customer.view", "customers", "guests"),
    SubnavItem(_l("会员卡"), "store.cards_index", "card.sell", "cards", "guests"),
    SubnavItem(_l("评价"), "store.feedback", "feedback.record", "feedback", "guests"),
    SubnavItem(_l("投诉"), "store.complaints", "complaint.manage", "complaints", "guests"),
    SubnavItem(_l("违纪"), "technical.discipline", "discipline.record", "discipline", "people"),
    SubnavItem(_l("日结"), "store.closing", "closing.run", "closing", "office"),
    SubnavItem(_l("退款审批"), "store.refunds", "order.refund_approve", "refunds", "office"),
    SubnavItem(_l("价目表"), "store.catalogue", "catalogue.manage", "catalogue", "office"),
    SubnavItem(_l("前台设置"), "store.settings", "store.settings", "settings", "office"),
    SubnavItem(_l("费用报销"), "finance.expense_new", "expense.submit", "expense", "office"),
    # Logistics pages a store uses (they take ``?store_id=``); the cleaner reports repairs.
    SubnavItem(_l("报修"), "logistics.ticket_new", "maintenance.report", "repair", "supplies"),
    SubnavItem(_l("资产盘点"), "logistics.store_count", "asset_count.count", "asset_count",
               "supplies"),
    SubnavItem(_l("物料申领"), "logistics.requisition_new", "stock.requisition", "requisition",
               "supplies"),
    SubnavItem(_l("采购申请"), "logistics.purchase_new", "purchase.request", "purchase",
               "supplies"),
    SubnavItem(_l("消毒记录"), "service.disinfection_record", "disinfection.record",
               "disinfection", "service"),
    SubnavItem(_l("整改事项"), "service.follow_ups", "inspection.follow_up", "follow_ups",
               "service"),
    SubnavItem(_l("满意度复盘"), "service.satisfaction_reviews", "satisfaction.answer",
               "satisfaction", "service"),
    SubnavItem(_l("客户回访"), "service.care", "care.manage", "care", "service"),
    SubnavItem(_l("服务规范"), "service.my_sops", "self.view", "sops", "service"),
    SubnavItem(_l("经营报告"), "gm.report_store", "report.view", "report", "office"),
]


@dataclass
class SubnavGroup:
    """One dropdown of the menu: its label and the (entry, url) pairs the person may open."""

    key: str
    label: object
    entries: list[tuple[SubnavItem, str]]


def subnav_for(user, store_id: int | None = None) -> list[tuple[SubnavItem, str]]:
    """(entry, url) pairs for the person; pages of one store get ``store_id``
    (the page's store, else the first store the person works in)."""
    entries = []
    for item in SUBNAV:
        if item.endpoint not in current_app.view_functions or not user.can(item.permission):
            continue
        needs_store = any("store_id" in rule.arguments
                          for rule in current_app.url_map.iter_rules(item.endpoint))
        if needs_store:
            store_id = store_id or _first_store_id(user)
            if store_id is None:
                continue
            entries.append((item, url_for(item.endpoint, store_id=store_id)))
        else:
            entries.append((item, url_for(item.endpoint, store_id=store_id)
                            if store_id else url_for(item.endpoint)))
    return entries


def grouped_subnav_for(user, store_id: int | None = None) -> list[SubnavGroup]:
    """The person's entries by group, in SUBNAV_GROUPS order; empty groups left out."""
    groups = {key: SubnavGroup(key, label, []) for key, label in SUBNAV_GROUPS.items()}
    for item, url in subnav_for(user, store_id):
        groups[item.group].entries.append((item, url))
    return [group for group in groups.values() if group.entries]


def _first_store_id(user) -> int | None:
    scope = store_scope(user)
    query = select(Store.id).where(Store.status != "closed").order_by(Store.code).limit(1)
    if scope is not None:
        query = query.where(Store.id.in_(scope))
    return db.session.scalar(query)
