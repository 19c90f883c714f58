"""违纪 on a phone: a store manager records an offence from the desk's 人员 menu, sees
the step before submitting, and nothing scrolls sideways."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_store_manager_records_a_violation_on_a_phone(login, live_server, artifacts):
    page = login("store_manager")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server}/store/")
    page.click("[data-subnav-group=people] button")
    page.click("[data-subnav='technical.discipline']")
    page.wait_for_selector("[data-testid=discipline-list]")
    page.click("[data-testid=discipline-new-link]")
    page.select_option("#employee_id", index=1)
    page.select_option("#category", "grooming")
    page.fill("#description", "上钟未穿工服")
    page.click("[data-testid=discipline-preview]")
    step = page.locator("[data-testid=discipline-step]")
    assert step.is_visible() and "口头警告" in step.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "discipline_new_phone.png"), full_page=True)
    page.click("[data-testid=discipline-submit]")
    record = page.locator("[data-testid=discipline-record]")
    assert record.get_attribute("data-status") == "pending"
    assert record.get_attribute("data-step") == "verbal"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
