"""费用报销 on a phone: the store manager photographs a receipt and submits; finance reads
the budget page with its chart (no CSP violation, no script error)."""

from __future__ import annotations

import pytest

from app.demo.finance import tiny_png

pytestmark = pytest.mark.browser


def test_a_claim_from_a_phone_and_the_budget_chart(login, live_server, artifacts, tmp_path):
    photo = tmp_path / "receipt.png"
    photo.write_bytes(tiny_png((240, 200, 120)))
    page = login("store_manager")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/finance/expenses/new?store_id=1")
    page.select_option("#category", "repairs")
    page.fill("#amount", "126.50")
    page.fill("#description", "更换水龙头")
    page.set_input_files("[data-testid=expense-files]", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("[data-testid=expense-form] button[type=submit]")
    page.wait_for_selector("[data-testid=expense-status]")
    assert page.locator("[data-testid=expense-status]").inner_text() == "待财务审核"
    thumbnail = page.locator("[data-testid=expense-attachments] img")
    # The receipt is fetched after the page: wait until the browser is done with it
    # (loaded or failed), then it must be the 16-pixel image that was uploaded.
    page.wait_for_function("sel => document.querySelector(sel).complete",
                           arg="[data-testid=expense-attachments] img")
    assert thumbnail.evaluate("img => img.naturalWidth") == 16
    page.screenshot(path=str(artifacts / "expense_phone.png"), full_page=True)
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})  # the top menu shows
    finance = login("finance_manager")
    finance.goto(f"{live_server}/finance/budgets")
    finance.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-budget-chart]'))")
    finance.screenshot(path=str(artifacts / "budgets.png"), full_page=True)
