"""技术考核 in Chromium: the technical director sets an item's rubric, then a technical
supervisor scores an exam on a phone (390×844) and sees the pass and the qualification.

Uses the browser fixtures of tests/browser/conftest.py (Debian's Chromium, the demo served
from a thread)."""

from __future__ import annotations

import re

import pytest

from app.demo.history_setup import ensure_catalogue
from app.tenancy import tenant_context
from app.tenants import find_tenant_by_code
from tests.browser.conftest import (  # noqa: F401 - fixtures
    artifacts,
    browser_type_launch_args,
    no_csp_violations,
    serve_demo,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}


def _demo_catalogue() -> None:
    tenant_id = find_tenant_by_code("yuezu").id
    with tenant_context(tenant_id):
        ensure_catalogue(tenant_id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo companies plus the demo catalogue (no history), served from a thread."""
    yield from serve_demo(tmp_path_factory, "exams", _demo_catalogue)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")  # collapsed on a phone


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_supervisor_scores_an_exam_on_a_phone_and_sees_the_qualification(
        browser, live_server, artifacts):  # noqa: F811
    director = browser.new_context(viewport=PHONE).new_page()
    _login(director, live_server, "technical_director")
    director.goto(f"{live_server}/technical/exams/rubrics")
    director.locator("[data-testid=rubric-list] tbody tr a").first.click()
    item_id = int(re.search(r"/rubrics/(\d+)$", director.url).group(1))
    item_name = director.locator("h1").inner_text().split("·")[-1].strip()
    director.fill("#pass-score", "80")
    blanks = director.locator("input[placeholder='新增评分项']")
    blank_names = [blanks.nth(i).get_attribute("name") for i in range(2)]
    for name, (criterion, weight) in zip(blank_names, (("手法", "2"), ("力度", "1")),
                                         strict=True):
        index = name.removeprefix("name_")
        director.fill(f"input[name={name}]", criterion)
        director.fill(f"input[name=weight_{index}]", weight)
    director.click("[data-testid=rubric-save]")
    director.wait_for_selector(".alert-success")
    assert director.input_value("#pass-score") in ("80", "80.00")
    director.context.close()

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    _login(page, live_server, "technical_supervisor")
    page.goto(f"{live_server}/technical/exams/new")
    assert _fits(page)
    assert "active" in page.get_attribute("[data-tab='technical.exams']", "class")
    therapist = page.locator("#pick-therapist option:not([value=''])").first
    therapist_label = therapist.inner_text().strip()
    page.select_option("#pick-therapist", therapist.get_attribute("value"))
    page.select_option("#pick-item", str(item_id))
    # The pick is a GET form: wait for the exam sheet it opens before counting its rows.
    with page.expect_navigation():
        page.click("[data-testid=exam-pick-submit]")
    scores = page.locator("input[data-criterion]")
    assert scores.count() >= 2
    names = page.locator("[data-testid=exam-form] label.form-label span:first-child")
    by_name = {names.nth(i).inner_text().strip(): scores.nth(i) for i in range(scores.count())}
    for name, box in by_name.items():
        box.fill({"手法": "90", "力度": "85"}.get(name, "90"))
    page.fill("#exam-note", "手法到位")
    assert _fits(page)
    page.screenshot(path=str(artifacts / "technical-exam-form-phone.png"), full_page=True)
    page.click("[data-testid=exam-save]")
    page.wait_for_selector("[data-testid=exam-result]")
    assert _fits(page)
    page.screenshot(path=str(artifacts / "technical-exam-phone.png"), full_page=True)

    if set(by_name) == {"手法", "力度"}:
        assert page.inner_text("[data-testid=exam-score]") == "88.33"
    assert page.locator("[data-testid=exam-passed]").is_visible()
    assert "已具备该项目资格" in page.inner_text("[data-testid=exam-qualification]")
    assert item_name in page.inner_text("[data-testid=exam-result]")

    # The score history lists it.
    page.goto(f"{live_server}/technical/exams")
    row = page.locator("[data-testid=exam-list] tbody tr").first
    assert therapist_label.split()[-1] in row.inner_text()
    assert "合格" in row.inner_text()
    context.close()
