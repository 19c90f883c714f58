"""Issue 10 §4: the store manager's 19 desk pages are grouped (前台 / 客户 / 人员 / 店务)
instead of one row of tabs that a 1366 px screen cut off."""

from __future__ import annotations

import re

from app.blueprints.store.subnav import SUBNAV, SUBNAV_GROUPS, grouped_subnav_for
from app.extensions import db
from app.models import Account

# Written out by hand on purpose: which page sits in which group of the menu.
EXPECTED_GROUPS = {
    "floor": ["store.index", "store.checkin", "store.board", "store.dispatch_log",
              "store.cashier", "store.orders", "store.reservations"],
    "guests": ["store.customers", "store.cards_index", "store.feedback", "store.complaints"],
    # 违纪 (issue 11): the desk's supervisors and managers record offences of their staff.
    "people": ["technical.discipline", "hr.time_schedule", "hr.time_clocks", "hr.time_kiosk",
               "hr.time_leave", "hr.time_sheet"],
    "office": ["store.closing", "store.refunds", "store.catalogue", "store.settings",
               "finance.expense_new", "gm.report_store"],
    # Issue 12: what a store asks of logistics; the cleaner reports repairs from here.
    "supplies": ["logistics.ticket_new", "logistics.store_count", "logistics.requisition_new",
                 "logistics.purchase_new"],
    # Issue 13: what the service department asks of a store (消毒记录, 整改, 复盘, 回访, 规范).
    "service": ["service.disinfection_record", "service.follow_ups",
                "service.satisfaction_reviews", "service.care", "service.my_sops"],
}


def test_every_desk_page_sits_in_one_known_group(app):
    assert {item.group for item in SUBNAV} <= set(SUBNAV_GROUPS)
    assert {key: [i.endpoint for i in SUBNAV if i.group == key] for key in SUBNAV_GROUPS} \
        == EXPECTED_GROUPS


def test_the_store_manager_gets_six_groups_of_at_most_seven(app, company_a, in_tenant):
    with in_tenant(company_a), app.test_request_context():
        manager = db.session.get(Account, company_a.accounts["store_manager"].id)
        groups = grouped_subnav_for(manager, company_a.store.id)
        assert [g.key for g in groups] == list(EXPECTED_GROUPS)
        shown = [item.endpoint for g in groups for item, _url in g.entries]
        may_open = [item.endpoint for item in SUBNAV if manager.can(item.permission)]
        assert len(shown) == len(set(shown)) and sorted(shown) == sorted(may_open)
        assert len(shown) >= 18
        assert all(len(g.entries) <= 7 for g in groups)
        # A cashier's menu keeps only the groups with a page they may open.
        cashier = db.session.get(Account, company_a.accounts["cashier"].id)
        for group in grouped_subnav_for(cashier, company_a.store.id):
            assert group.entries
            assert all(cashier.can(item.permission) for item, _url in group.entries)


def test_the_desk_page_shows_the_groups_and_the_current_groups_tabs(client, auth, company_a):
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/store/{company_a.store.id}/board").text
    menu = page[page.index('data-testid="store-subnav"'):page.index("</nav>",
                                                                      page.index("store-subnav"))]
    assert re.findall(r'data-subnav-group="(\w+)"', menu) == list(EXPECTED_GROUPS)
    assert len(re.findall(r'data-subnav="', menu)) >= 18
    # The board is a 前台 page: its group is marked and its pages are one click away.
    assert "前台 · 轮牌" in menu
    tabs = re.findall(r'data-subnav-tab="([\w.]+)"', menu)
    assert tabs == EXPECTED_GROUPS["floor"]
