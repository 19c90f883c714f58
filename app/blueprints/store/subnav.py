"""The front desk's own menu (inside 门店前台), shown by templates/store/_subnav.html.

Each department of the desk appends its pages here; an entry shows when its
endpoint exists and the person holds its permission.
"""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Store
from app.navigation import NavItem
from app.permissions import store_scope

SUBNAV: list[NavItem] = [
    NavItem(_l("房态"), "store.index", "store.view", "rooms"),
    NavItem(_l("开单"), "store.checkin", "order.create", "checkin"),
    NavItem(_l("轮牌"), "store.board", "dispatch.view_log", "board"),
    NavItem(_l("派钟记录"), "store.dispatch_log", "dispatch.view_log", "dispatch_log"),
    NavItem(_l("今日消费单"), "store.orders", "customer.view", "orders"),
    NavItem(_l("日结"), "store.closing", "closing.run", "closing"),
    NavItem(_l("客户"), "store.customers", "customer.view", "customers"),
    NavItem(_l("预订"), "store.reservations", "reservation.manage", "reservations"),
    NavItem(_l("评价"), "store.feedback", "feedback.record", "feedback"),
    NavItem(_l("投诉"), "store.complaints", "complaint.manage", "complaints"),
    NavItem(_l("收银"), "store.cashier", "order.checkout", "cashier"),
    NavItem(_l("会员卡"), "store.cards_index", "card.sell", "cards"),
    NavItem(_l("退款审批"), "store.refunds", "order.refund_approve", "refunds"),
    NavItem(_l("价目表"), "store.catalogue", "catalogue.manage", "catalogue"),
    NavItem(_l("前台设置"), "store.settings", "store.settings", "settings"),
]


def subnav_for(user, store_id: int | None = None) -> list[tuple[NavItem, str]]:
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


def _first_store_id(user) -> int | None:
    scope = store_scope(user)
    query = select(Store.id).where(Store.status != "closed").order_by(Store.code).limit(1)
    if scope is not None:
        query = query.where(Store.id.in_(scope))
    return db.session.scalar(query)
