"""The cleaner keeps the disinfection log on a phone (390 px): the page fits, the item
and method tiles are big enough for a thumb, a round is saved and shows in today's log;
the service manager's 卫生评比 chart draws from the demo's inspections."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser


def _prepare():
    from app.demo.head_office import load_head_office

    load_head_office("yuezu")


@pytest.fixture(scope="module")
def service_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "service_inspect", prepare=_prepare)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_cleaner_records_a_round_on_a_phone(page, service_server, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, service_server, "cleaner")
    page.goto(f"{service_server}/service/disinfection/record")
    assert _fits(page)
    towel = page.locator("label[data-item=towel]")
    box = towel.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 140  # a thumb's target
    save = page.locator("[data-action=save-round]")
    assert save.bounding_box()["height"] >= 48
    towel.click()
    page.locator("label[data-item=cup]").click()
    page.locator("label[data-method=uv]").click()
    save.click()
    page.wait_for_selector(".alert-success")
    log = page.locator("[data-testid=today-log]")
    assert "毛巾、茶杯" in log.inner_text() and "紫外线" in log.inner_text()
    assert _fits(page)
    page.screenshot(path=str(artifacts / "disinfection_record_390.png"), full_page=True)


def test_the_ranking_chart_draws(page, service_server, artifacts):
    _login(page, service_server, "service_manager")
    page.goto(f"{service_server}/service/ranking")
    page.locator("[data-testid=previous-month]").click()
    page.wait_for_selector("[data-testid=ranking-table] tr[data-store-id]")
    canvas = page.locator("canvas[data-ranking-chart]")
    page.wait_for_function("() => window.Chart && Chart.getChart("
                           "document.querySelector('canvas[data-ranking-chart]'))")
    assert canvas.bounding_box()["height"] > 100
    page.screenshot(path=str(artifacts / "ranking.png"), full_page=True)
