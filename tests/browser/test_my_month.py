"""Issue 10 §4: a therapist reads 我的本月 (今日钟数, commission so far, marked 预估) on
a phone, without scrolling sideways."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_my_month_on_a_phone(login, live_server, artifacts):
    page = login("therapist")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server}/me")
    card = page.locator("[data-testid=my-month]")
    assert card.is_visible()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for testid in ("my-today-jobs", "my-month-total", "my-month-estimate", "my-commission",
                   "my-card-commission"):
        assert page.locator(f"[data-testid={testid}]").is_visible(), testid
    assert page.locator("[data-testid=my-month-estimate]").inner_text().strip() == "预估"
    page.screenshot(path=str(artifacts / "my_month_phone.png"), full_page=True)
