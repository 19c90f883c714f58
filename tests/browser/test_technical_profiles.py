"""Issue 11 §1: a technical supervisor opens a therapist's 技师档案 on the floor, on a
phone: the 12-month trend is drawn by Chart.js and nothing scrolls sideways."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_profile_on_a_phone_draws_the_trend(login, live_server, artifacts):
    page = login("technical_supervisor")
    page.set_viewport_size({"width": 390, "height": 844})
    # The landing page: its cards and the roster, whose names open the profile.
    page.goto(f"{live_server}/technical/")
    assert page.locator("[data-testid=technical-cards] [data-card]").count() == 7
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator("[data-testid=profile-link]").first.click()
    page.wait_for_selector("[data-testid=figures]")
    page.select_option("#period", "last_90_days")
    page.click("[data-testid=period-form] button[type=submit]")
    page.wait_for_selector("[data-testid=figures]")
    assert "period=last_90_days" in page.url

    # Chart.js drew the trend: an instance on the canvas, with the 12 months and the
    # four series (the browser demo has no front-desk history: the values are zeros).
    chart = page.evaluate("""() => {
        const chart = window.Chart && window.Chart.getChart("profile-trend");
        return chart ? {months: chart.data.labels.length, sets: chart.data.datasets.length,
                        width: chart.width} : null;
    }""")
    assert chart is not None, "no Chart instance on the trend canvas"
    assert chart["months"] == 12 and chart["sets"] == 4
    box = page.locator("#profile-trend").bounding_box()
    assert box["width"] > 300 and box["height"] > 200 and chart["width"] > 300

    # Cards stack, tables scroll inside their own box: the page itself never does.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("document.body.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "technical_profile_phone.png"), full_page=True)
