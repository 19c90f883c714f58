"""The asset register on a phone: the logistics landing cards, the list, one asset with
its schedule, and the QR label sheet (no page wider than the screen, no CSP breach;
printing hides everything but the labels)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def assets_server(tmp_path_factory):
    def prepare():
        from app.demo.logistics import load_logistics

        load_logistics("yuezu")

    yield from serve_demo(tmp_path_factory, "browser_assets", prepare)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_register_and_its_labels_on_a_phone(browser, assets_server, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{assets_server}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", "logistics_head")
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")

    page.goto(f"{assets_server}/logistics/")
    cards = page.locator("[data-testid=store-cards] > [data-store-id]")
    assert cards.count() >= 6
    assert int(page.locator("[data-total=assets]").inner_text()) > 200
    assert _fits(page)
    page.screenshot(path=str(artifacts / "logistics-landing-390.png"), full_page=True)

    cards.first.get_by_role("link", name="资产清单").click()
    rows = page.locator("[data-testid=asset-table] tbody tr[data-asset-id]")
    assert rows.count() >= 40
    assert _fits(page)
    page.screenshot(path=str(artifacts / "asset-list-390.png"))
    rows.first.locator("a").first.click()
    page.wait_for_selector("[data-testid=depreciation-schedule]")
    assert page.locator("[data-testid=depreciation-schedule] tbody tr").count() >= 36
    # The QR image comes from the label.svg endpoint and loads (once the browser is done
    # fetching it, it has a width).
    page.wait_for_function("sel => document.querySelector(sel).complete",
                           arg="[data-testid=asset-qr]")
    assert page.locator("[data-testid=asset-qr]").evaluate("img => img.naturalWidth") > 0
    assert _fits(page)
    page.screenshot(path=str(artifacts / "asset-detail-390.png"))

    page.goto(f"{assets_server}/logistics/")
    cards.first.get_by_role("link", name="打印标签").click()
    labels = page.locator("[data-testid=asset-label-sheet] .asset-label")
    assert labels.count() >= 40
    assert page.locator(".asset-label svg.asset-qr").count() == labels.count()
    assert _fits(page)
    page.emulate_media(media="print")
    assert not page.locator("[data-testid=logistics-nav]").is_visible()
    assert labels.first.is_visible()
    page.screenshot(path=str(artifacts / "asset-labels-print.png"))
    context.close()
