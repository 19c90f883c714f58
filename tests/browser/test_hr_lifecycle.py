"""入职 to first login, then 离职 until the therapist's open session dies — in the browser.

HR (人事专员) creates a therapist candidate and starts onboarding; logistics issues the
uniform, locker key and badge; the store's technical supervisor holds the pre-job
training (which ticks 岗前培训), the 入职技师审核 and the first practical exam; HR ticks the
documents last, and that page shows the new login once. The therapist logs in with it
and keeps the page open. HR staff request the offboarding with yesterday as the last day
and the HR manager approves it from 待我审批; the last-day job runs (inline: the test server
has no Redis) and the therapist's next page load lands on the login page. Each person
works in their own browser context (their own session).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NUMBER = "9901"  # the new therapist's 工号 (and default username)
STORE = "悦足·天河旗舰店"  # GZ01: the demo's store logins (technical supervisor) work here
TECHNICAL_ITEMS = ("岗前培训", "入职技师审核", "首次实操考核")
HR_DOCUMENTS = ("身份证复印件", "健康证", "签订劳动合同", "银行卡信息")


def _log_in(browser, base: str, username: str, password: str = "muzu2026"):
    """A fresh browser context (its own cookies) logged in as ``username`` of yuezu."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]")
    return page


def _tick(page, title: str) -> None:
    row = page.locator(f"[data-testid=checklist] [data-item-title='{title}']")
    with page.expect_navigation():
        row.locator("button[data-tick]").click()
    expect(page.locator(f"[data-testid=checklist] [data-item-title='{title}']")
           ).to_have_attribute("data-done", "1")


def test_onboard_a_therapist_to_first_login_then_offboard_them(browser, live_server, artifacts):
    base = live_server
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    # 1. HR: a therapist candidate (hired a week ago), onboarding started at once.
    hr = _log_in(browser, base, "hr_staff")
    hr.goto(f"{base}/hr/onboarding/new")
    form = hr.locator("[data-testid=candidate-form]")
    form.locator("#employee_no").fill(NUMBER)
    form.locator("#name").fill("林小满")
    form.locator("#phone").fill("13912349901")
    form.locator("#position_id").select_option(label="技师")
    form.locator("#store_id").select_option(label=STORE)
    form.locator("#hire_date").fill((today - timedelta(days=7)).isoformat())
    with hr.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/hr/onboarding/" in hr.url
    onboarding_url = hr.url
    expect(hr.locator("[data-testid=onboarding-status]")).to_have_attribute("data-status", "open")
    for department in ("hr", "logistics", "technical"):
        expect(hr.locator(f"[data-testid=checklist] [data-department={department}]")
               ).to_be_visible()
    # HR cannot tick the technical review: no button for it on HR's page.
    assert hr.locator("[data-item-title='入职技师审核'] button[data-tick]").count() == 0

    # 2. Logistics issues the uniform, locker key and badge.
    logistics = _log_in(browser, base, "logistics_head")
    logistics.goto(f"{base}/logistics/")
    expect(logistics.locator("[data-testid=open-checklist-items]")).to_contain_text("林小满")
    logistics.goto(onboarding_url)
    assert logistics.locator("[data-item-title='健康证'] button[data-tick]").count() == 0
    _tick(logistics, "发放工服、储物柜钥匙、工牌")
    expect(logistics.locator("[data-testid=issued-items]")).to_contain_text("储物柜钥匙")

    # 3. The store's technical supervisor: the pre-job training (planned from the
    #    trainings page's waiting list, passed on a phone-sized roster: that ticks
    #    岗前培训), then the entry review (通过, refused before the training) and first exam.
    technical = _log_in(browser, base, "technical_supervisor")
    technical.set_viewport_size({"width": 375, "height": 740})
    technical.goto(f"{base}/technical/trainings")
    waiting = technical.locator("[data-testid=pre-job-waiting] li", has_text="林小满")
    with technical.expect_navigation():
        waiting.locator("[data-testid=plan-pre-job]").click()
    form = technical.locator("[data-testid=training-form]")
    form.locator("#topic").fill("岗前培训：基础手法")
    form.locator("#trainer_name").fill("王老师")
    started = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=2)
    form.locator("#starts_at").fill(started.strftime("%Y-%m-%dT%H:%M"))
    with technical.expect_navigation():
        form.locator("button[type=submit]").click()
    row = technical.locator("[data-testid=training-roster] li", has_text="林小满")
    with technical.expect_navigation():
        row.locator("[data-pass='1']").click()
    expect(technical.locator("[data-testid=training-roster] li", has_text="林小满")
           ).to_have_attribute("data-passed", "1")
    with technical.expect_navigation():
        technical.locator("[data-testid=training-held]").click()
    expect(technical.locator("[data-testid=training-status]")).to_have_attribute(
        "data-status", "held")
    technical.screenshot(path=str(artifacts / "training_roster_phone.png"), full_page=True)
    technical.set_viewport_size({"width": 1280, "height": 800})
    technical.goto(onboarding_url)
    expect(technical.locator("[data-testid=checklist] [data-item-title='岗前培训']")
           ).to_have_attribute("data-done", "1")
    for title in TECHNICAL_ITEMS[1:]:
        _tick(technical, title)
    assert "通过" in technical.locator("[data-item-title='入职技师审核']").inner_text()
    # Who ticked what, and when, is on the page for everyone.
    expect(technical.locator("[data-item-title='发放工服、储物柜钥匙、工牌'] [data-done-by]")
           ).to_contain_text("完成")

    # 4. HR ticks the documents; the last one completes onboarding and shows the login once.
    hr.goto(onboarding_url)
    for title in HR_DOCUMENTS[:-1]:
        _tick(hr, title)
    with hr.expect_navigation():
        hr.locator(f"[data-item-title='{HR_DOCUMENTS[-1]}'] button[data-tick]").click()
    credentials = hr.locator("[data-testid=issued-password]")
    expect(credentials).to_be_visible()
    username = credentials.locator("[data-username]").inner_text().strip()
    password = credentials.locator("[data-password]").inner_text().strip()
    assert username == NUMBER and len(password) >= 10
    expect(hr.locator("[data-testid=onboarding-status]")).to_have_attribute("data-status", "done")
    hr.screenshot(path=str(artifacts / "hr_onboarding_done.png"), full_page=True)
    hr.reload()
    expect(hr.locator("[data-testid=checklist]")).to_be_visible()
    assert hr.locator("[data-testid=issued-password]").count() == 0
    assert password not in hr.content()

    # 5. The therapist's first login, with the page left open.
    therapist = _log_in(browser, base, username, password)
    assert "/login" not in therapist.url

    # 6. HR staff file the resignation with yesterday as the last day; the HR manager
    #    approves it from 待我审批 (the one approval flow: who files does not decide).
    hr.goto(onboarding_url)
    with hr.expect_navigation():
        hr.locator(".breadcrumb a", has_text="林小满").click()
    with hr.expect_navigation():
        hr.locator("[data-testid=start-offboarding]").click()
    offboarding = hr.locator("[data-testid=offboarding-form]")
    offboarding.locator("#kind").select_option("resignation")
    offboarding.locator("#last_day").fill((today - timedelta(days=1)).isoformat())
    offboarding.locator("#reason").fill("家中有事，回老家")
    with hr.expect_navigation():
        offboarding.locator("button[type=submit]").click()
    expect(hr.locator("[data-testid=offboarding-status]")
           ).to_have_attribute("data-status", "requested")
    expect(hr.locator("[data-testid=offboarding-approval]")).to_have_count(0)
    offboarding_page = hr.url
    assert "/login" not in therapist.reload().url  # nothing ends before the approval
    manager = _log_in(browser, base, "hr_manager")
    manager.goto(f"{base}/approvals")
    waiting = manager.locator("li[data-testid^=waiting-offboarding-]", has_text="林小满")
    with manager.expect_navigation():
        waiting.locator("button[value=approved]").click()
    expect(manager.locator("li[data-testid^=waiting-offboarding-]", has_text="林小满")
           ).to_have_count(0)
    manager.goto(offboarding_page)
    # The last day is over: the job ran right after the approval's commit.
    manager.reload()
    expect(manager.locator("[data-testid=offboarding-status]")
           ).to_have_attribute("data-status", "completed")
    expect(manager.locator("[data-testid=last-day-note]")).to_contain_text("账号已停用")
    manager.screenshot(path=str(artifacts / "hr_offboarding_done.png"), full_page=True)

    # 7. The therapist's open session is over: the next page load is the login page.
    therapist.reload()
    assert "/login" in therapist.url
    expect(therapist.locator("#password")).to_be_visible()
    therapist.fill("#company", "yuezu")
    therapist.fill("#username", username)
    therapist.fill("#password", password)
    therapist.click("button[type=submit]")
    expect(therapist.locator("#password")).to_be_visible()  # a disabled login stays out

    for page in (hr, logistics, technical, therapist, manager):
        page.context.close()
