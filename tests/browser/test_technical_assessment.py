"""技术考核 and 技能评定 in the browser: a technical supervisor, on a phone, scores a
therapist's practical exam, runs October's assessment of their store and confirms the
promotion it recommends from 1 November; HR's November payroll then pays the therapist's
jobs at the new level's commission multiplier (the payslip says so)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The demo's levels (app/demo/hr_settings.py): name -> commission multiplier.
MULTIPLIERS = {"初级": "1.000", "中级": "1.100", "高级": "1.200", "金牌": "1.350"}


def _log_in(browser, base: str, username: str, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    # Attached, not visible: on a phone the menu is folded.
    page.wait_for_selector("[data-testid=main-nav]", state="attached")
    return page


def _rubric_for_a_therapist_of_store_one(tmp_path_factory) -> tuple[int, int]:
    """The browser demo has no front-desk history, catalogue or HR settings: give the
    first store an item with an exam rubric (pass mark 60, two criteria), written into
    the live server's database (its SQLite file, through an app of its own); returns
    (therapist id, item id) of an active therapist of that store (no level: read as the
    lowest)."""
    from decimal import Decimal

    from sqlalchemy import select

    from app.blueprints.store.models import ServiceItem
    from app.blueprints.technical.models import ExamCriterion
    from app.demo.hr_settings import ensure_levels, ensure_pay_profiles
    from app.extensions import db
    from app.models import Employee, Position, Store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code
    from tests.browser.conftest import browser_app

    # live_server's file (tmp_path_factory.mktemp("browser") numbers it browser0, …): the
    # newest of the session; other modules' servers (browser_assets0 …) are not it.
    path = max(tmp_path_factory.getbasetemp().glob("browser[0-9]*/muzu.sqlite"),
               key=lambda found: found.stat().st_mtime)
    app = browser_app(f"sqlite:///{path}")
    with app.app_context():
        tenant_id = find_tenant_by_code("yuezu").id
        with tenant_context(tenant_id):
            # Nor the HR settings: the demo's levels (with the spec's thresholds) and pay
            # profiles, as ``flask demo load`` gives them.
            ensure_levels(tenant_id)
            ensure_pay_profiles(tenant_id)
            store = db.session.scalar(select(Store).order_by(Store.code).limit(1))
            therapist = db.session.scalar(
                select(Employee).join(Position, Position.id == Employee.position_id)
                .where(Position.role == "therapist", Employee.store_id == store.id,
                       Employee.status == "active").order_by(Employee.id).limit(1))
            # The browser demo has no catalogue either.
            item = ServiceItem(code="PW-TJ60", name="推拿 60 分钟", price=Decimal("168.00"),
                               exam_pass_score=Decimal("60"))
            db.session.add(item)
            db.session.flush()
            db.session.add_all([
                ExamCriterion(service_item_id=item.id, name="手法", weight=Decimal("2")),
                ExamCriterion(service_item_id=item.id, name="力度", weight=Decimal("1"))])
            db.session.commit()
            ids = therapist.id, item.id
        db.session.remove()
        db.engine.dispose()
    return ids


def test_supervisor_confirms_a_promotion_on_a_phone_and_payroll_pays_it(
        browser, live_server, artifacts, tmp_path_factory):
    base = live_server
    therapist_id, item_id = _rubric_for_a_therapist_of_store_one(tmp_path_factory)
    # The director lowers the thresholds and the jobs needed (the browser demo has no
    # jobs or ratings), so that the examined therapist is promoted.
    director = _log_in(browser, base, "technical_director")
    director.goto(f"{base}/technical/settings")
    thresholds = director.locator("[data-testid=level-thresholds] input[name^=threshold_]")
    for n, value in enumerate(("0", "1", "2", "3")[:thresholds.count()]):
        thresholds.nth(n).fill(value)
    director.fill("#setting-min_jobs", "0")
    with director.expect_navigation():
        director.locator("[data-testid=technical-settings] button[type=submit]").click()
    expect(director.locator(".alert-success")).to_contain_text("设置已保存")

    phone = _log_in(browser, base, "technical_supervisor",
                    viewport={"width": 375, "height": 740})
    # The supervisor scores the therapist's exam, held on 15 October, on the phone.
    phone.goto(f"{base}/technical/exams/new?employee_id={therapist_id}"
               f"&service_item_id={item_id}")
    scores = phone.locator("[data-testid=exam-form] input[data-criterion]")
    expect(scores).to_have_count(2)
    scores.nth(0).fill("92")
    scores.nth(1).fill("86")
    phone.fill("#exam-date", "2026-10-15")
    with phone.expect_navigation():
        phone.locator("[data-testid=exam-save]").click()
    expect(phone.locator("[data-testid=exam-score]")).to_have_text("90.00")
    expect(phone.locator("[data-testid=exam-passed]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    phone.goto(f"{base}/technical/assessments")
    start = phone.locator("[data-testid=assessment-start]")
    start.locator("input[name=period_start]").fill("2026-10-01")
    start.locator("input[name=period_end]").fill("2026-10-31")
    with phone.expect_navigation():
        start.locator("button[type=submit]").click()
    phone.locator("[data-testid=assessment-filters] select[name=recommendation]"
                  ).select_option("promote")
    with phone.expect_navigation():
        phone.locator("[data-testid=assessment-filters] button[type=submit]").click()
    first = phone.locator("[data-testid=assessment-results] tbody tr[data-assessment-id] a")
    assert first.count() >= 1
    with phone.expect_navigation():
        first.first.click()
    title = phone.locator("[data-testid=assessment-title]")
    employee_id = title.get_attribute("data-employee-id")
    assert employee_id == str(therapist_id)  # the therapist the exam was for
    advice = phone.locator("[data-testid=assessment-recommendation]").inner_text()
    new_level = advice.split("→")[-1].strip()
    assert new_level in MULTIPLIERS
    expect(phone.locator("[data-testid=assessment-components] tr[data-component]")
           ).to_have_count(4)
    assert phone.locator("input[name=effective_on]").input_value() == "2026-11-01"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.fill("textarea[name=note]", "手法稳定，顾客认可")
    with phone.expect_navigation():
        phone.locator("[data-testid=assessment-confirm]").click()
    expect(phone.locator("[data-testid=assessment-status]")).to_have_text("已确认")
    expect(phone.locator("[data-testid=assessment-decision]")).to_contain_text("2026-11-01")
    phone.screenshot(path=str(artifacts / "assessment_confirmed_phone.png"), full_page=True)

    # HR computes November (company-wide); the therapist's payslip pays the new level.
    hr = _log_in(browser, base, "hr_manager")
    hr.goto(f"{base}/hr/payroll")
    form = hr.locator("[data-testid=payroll-start]")
    form.locator("input[name=month]").fill("2026-11")
    with hr.expect_navigation():
        form.locator("button[type=submit]").click()
    hr.reload()
    row = hr.locator(f"[data-testid=payslip-table] tr[data-employee-id='{employee_id}'] a")
    with hr.expect_navigation():
        row.first.click()
    expect(hr.locator("[data-line=commission]")).to_contain_text(
        f"等级系数 {MULTIPLIERS[new_level]}")
