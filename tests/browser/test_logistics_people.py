"""The dormitory and the staff items on a phone (390 px): nothing scrolls sideways, the
occupancy bars show, a person moves out from the bed grid, an item is returned."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser


def _prepare():
    from app.demo.hr import load_hr
    from app.demo.logistics import load_logistics

    load_hr("yuezu")
    load_logistics("yuezu")


@pytest.fixture(scope="module")
def people_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "logistics_people", prepare=_prepare)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_dormitory_and_items_on_a_phone(page, people_server, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, people_server, "logistics_head")
    page.goto(f"{people_server}/logistics/dorms")
    assert _fits(page)
    bars = page.locator(".progress-bar[data-percent]")
    assert bars.count() == 3
    widths = [bars.nth(n).evaluate("el => el.getBoundingClientRect().width")
              for n in range(bars.count())]
    assert any(w > 0 for w in widths)
    page.screenshot(path=str(artifacts / "dorms_390.png"), full_page=True)
    page.locator("[data-testid=dorm-list] a").first.click()
    grid = page.locator("[data-testid=bed-grid]")
    occupied = grid.locator("[data-occupied='1']")
    before = occupied.count()
    assert before > 0 and _fits(page)
    page.screenshot(path=str(artifacts / "dorm_detail_390.png"), full_page=True)
    occupied.first.locator("button.btn-outline-danger").click()
    page.wait_for_selector(".alert-success")
    assert page.locator("[data-testid=bed-grid] [data-occupied='1']").count() == before - 1
    page.goto(f"{people_server}/logistics/issued-items")
    assert _fits(page)
    rows = page.locator("[data-testid=issued-table] tr[data-item-id]")
    assert rows.count() > 0
    rows.first.locator("button.btn-outline-success").click()
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(artifacts / "issued_items_390.png"), full_page=True)
