"""The front desk's own menu (inside 门店前台), shown by templates/store/_subnav.html.

Each department of the desk appends its pages here; an entry shows when its
endpoint exists and the person holds its permission.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.navigation import NavItem

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
]


def subnav_for(user) -> list[NavItem]:
    return [item for item in SUBNAV
            if item.endpoint in current_app.view_functions and user.can(item.permission)]
