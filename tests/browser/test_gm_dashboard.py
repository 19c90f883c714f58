"""经营驾驶舱 in the browser: the general manager, on a phone (390×844), opens the
dashboard of the demo company; both charts draw the demo's figures (a Chart.js chart
with data on each canvas) within the phone's width; a tap on a store, a therapist and an
order number reaches the order's own page.

The demo here is what ``flask demo load`` builds, shortened: 40 days of yuezu's
front-desk history and the head office's steps (the rollups of that history)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser


def _prepare():
    from app.demo.head_office import load_head_office
    from app.demo.history import load_history

    load_history("yuezu", days=40, customers=300)
    load_head_office("yuezu")


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "gm_dashboard", prepare=_prepare)


def _chart_points(page, testid: str) -> int:
    """Non-zero data points of the Chart.js chart on the canvas (-1: no chart drawn)."""
    return page.evaluate(
        """(testid) => {
          const canvas = document.querySelector(`canvas[data-testid=${testid}]`);
          const chart = window.Chart && window.Chart.getChart(canvas);
          if (!chart) return -1;
          return chart.data.datasets.reduce(
            (n, set) => n + set.data.filter((v) => v !== null && Number(v) !== 0).length, 0);
        }""", testid)


def test_the_gm_reads_the_dashboard_on_a_phone_and_drills_to_an_order(browser,
                                                                      dashboard_server,
                                                                      artifacts):
    live_server = dashboard_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", "general_manager")
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")
    page.goto(f"{live_server}/gm/")
    expect(page.locator("h1")).to_have_text("经营驾驶舱")
    expect(page.locator("[data-chain=revenue]")).to_contain_text("¥")
    page.wait_for_function("() => window.Chart && document.querySelectorAll("
                           "'canvas[data-testid]').length === 2")
    for chart in ("ranking-chart", "trend-chart"):
        drawn = page.locator(f"canvas[data-testid={chart}]")
        assert _chart_points(page, chart) > 0, (chart, drawn.get_attribute("data-chart")
                                                or drawn.get_attribute("data-finance-chart"))
    # Phone-sized: the page itself does not scroll sideways (the wide table does, inside).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("canvas[data-testid=trend-chart]").bounding_box()["width"] <= 390
    page.screenshot(path=str(artifacts / "gm-dashboard-phone.png"), full_page=True)

    # Drill-down: the first store → its busiest therapist this month → an order.
    page.locator("[data-testid=store-figures] tbody a[data-testid=store-link]").first.click()
    expect(page.locator("[data-testid=store-days]")).to_be_visible()
    page.locator("a[data-testid=therapist-link]").first.click()
    expect(page.locator("[data-testid=therapist-jobs]")).to_be_visible()
    order = page.locator("a[data-testid=order-link]").first
    number = order.inner_text().strip()
    order.click()
    expect(page).to_have_url(re.compile(r"/store/\d+/orders/\d+$"))
    expect(page.locator("body")).to_contain_text(number)
    context.close()
