"""经营目标 in a browser at phone width: the store manager's front page shows the month's
target with its bars sized (no inline style: the CSP holds), the GM's grid and inbox fit
a phone without scrolling sideways."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.blueprints.gm import targets
from app.blueprints.gm.models import StoreDayRollup, StoreTarget
from app.extensions import db
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code
from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser

STORE_ID = 1  # the demo's store roles work in store 1


def _a_target():
    with tenant_context(find_tenant_by_code("yuezu").id):
        month = targets.tenant_today().replace(day=1)
        db.session.add(StoreTarget(store_id=STORE_ID, month=month, revenue=Decimal("1"),
                                   guests=100000, card_sales=Decimal("0"), note="冲刺"))
        yesterday = targets.tenant_today() - timedelta(days=1)
        if yesterday >= month and not db.session.scalar(select(StoreDayRollup.id).where(
                StoreDayRollup.store_id == STORE_ID, StoreDayRollup.business_date == yesterday)):
            # A stored day of this month, so the revenue target of ¥1 is passed.
            db.session.add(StoreDayRollup(store_id=STORE_ID, business_date=yesterday,
                                          revenue=Decimal("10.00"), paid_cash=Decimal("10.00"),
                                          guests=1, orders=1))
        db.session.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "browser_targets", prepare=_a_target)


def test_the_month_target_on_a_phone(page, login, live_server, artifacts):
    login("store_manager")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/store/?store_id={STORE_ID}")
    card = page.locator("[data-testid=store-target-card]")
    assert card.is_visible() and "冲刺" in card.inner_text()
    bars = card.locator(".progress-bar")
    assert bars.count() == 2  # revenue and guests; card sales has no target
    # Each bar is as wide as its share (sized by muzu.js from data-percent); a revenue
    # target of ¥1 is passed by any day's takings: that bar is full.
    for name in ("revenue", "guests"):
        bar = card.locator(f"[data-measure={name}] .progress-bar")
        track = card.locator(f"[data-measure={name}] .progress").bounding_box()["width"]
        share = int(bar.get_attribute("data-percent")) / 100
        assert abs(bar.bounding_box()["width"] - track * share) < 1.5
    assert card.locator("[data-measure=revenue] .progress-bar").get_attribute(
        "data-percent") == "100"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "targets-store-card-390.png"), full_page=True)


def test_the_gm_grid_and_inbox_on_a_phone(page, login, live_server, artifacts):
    login("general_manager")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/gm/targets")
    assert page.locator("[data-testid=target-grid]").is_visible()
    assert page.locator(f"[data-progress-store='{STORE_ID}']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "targets-gm-grid-390.png"), full_page=True)
    page.goto(f"{live_server}/gm/inbox")
    assert page.locator("[data-testid=waiting-count]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "targets-gm-inbox-390.png"), full_page=True)
