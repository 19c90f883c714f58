"""服务规范 on a phone: the cashier opens 我的服务规范 from the desk menu, reads the current
version (第 2 版 in the demo) and confirms it; the service manager sees her among those
who have read it, and the page of the old version says it is archived."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve_demo

pytestmark = pytest.mark.browser


def _prepare():
    """Only this module's part of the head-office demo (the others need the history)."""
    import random

    from sqlalchemy import select

    from app.blueprints.store.days import today_for_store
    from app.demo import service_procedures
    from app.demo.head_office import HeadOfficeDemo
    from app.extensions import db
    from app.models import Account, Employee, Store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    tenant = find_tenant_by_code("yuezu")
    with tenant_context(tenant.id):
        accounts = {}
        for account in db.session.scalars(select(Account).order_by(Account.id)):
            accounts.setdefault(account.role, account)
        service_procedures.load(HeadOfficeDemo(
            tenant.id, today_for_store(), random.Random(13),
            list(db.session.scalars(select(Store).order_by(Store.code))), accounts,
            list(db.session.scalars(select(Employee).order_by(Employee.id)))))
        db.session.commit()


@pytest.fixture(scope="module")
def sops_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "service_sops", prepare=_prepare)


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")


def test_the_cashier_acknowledges_on_a_phone_and_the_manager_sees_it(
        page, sops_server, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, sops_server, "cashier")
    page.goto(f"{sops_server}/store/1/board")
    group = page.locator("[data-subnav-group]:has(a[data-subnav='service.my_sops'])")
    group.locator("button.dropdown-toggle").click()
    # Each click below opens a page (or posts and comes back): wait for it before reading.
    with page.expect_navigation():
        group.locator("a[data-subnav='service.my_sops']").click()
    card = page.locator("[data-testid=my-sop]").filter(has_text="收银结账规范")
    assert card.count() == 1 and "第 2 版" in card.inner_text()
    assert "团购券当场核销" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "service_my_sops_phone.png"), full_page=True)
    if card.locator("[data-testid=acknowledge]").count():
        with page.expect_navigation():
            card.locator("[data-testid=acknowledge]").click()
    card = page.locator("[data-testid=my-sop]").filter(has_text="收银结账规范")
    assert card.locator("[data-acknowledged]").count() == 1

    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, sops_server, "service_manager")
    page.goto(f"{sops_server}/service/sops")
    with page.expect_navigation():
        page.locator("[data-testid=sop-table] a", has_text="收银结账规范").click()
    store = page.locator("[data-testid=sop-readings] li").filter(has_text="天河")
    assert store.locator("[data-read] [data-employee-id]").count() >= 1
    page.screenshot(path=str(artifacts / "service_sop_detail.png"), full_page=True)
    page.locator("[data-testid=sop-versions] [data-version='1'] a").click()
    assert page.locator("[data-testid=archived-note]").count() == 1
