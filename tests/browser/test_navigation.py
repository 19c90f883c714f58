"""Each role sees its own main navigation, in a page styled by Bootstrap."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Written out by hand on purpose (not read from app.navigation): the org chart
# says the general manager opens every department and the cashier only the
# store front desk and their own page.
GENERAL_MANAGER_NAV = {
    "gm.index",  # 总经理
    "store.index",  # 门店前台
    "hr.index",  # 人力资源
    "finance.index",  # 财务
    "service.index",  # 服务部
    "technical.index",  # 技术部
    "logistics.index",  # 后勤
    "main.me",  # 我的
    "main.approvals_inbox",  # 待我审批 (the payroll run, expenses …)
    "main.jobs",  # 后台任务
    "main.audit_log",  # 审计日志
    "main.permission_matrix",  # 权限矩阵
}
CASHIER_NAV = {"store.index", "main.me"}  # 门店前台, 我的


def nav_entries(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=main-nav] a[data-nav]", "links => links.map(a => a.dataset.nav)"
    )


def assert_styled_by_bootstrap(page) -> None:
    """Bootstrap's stylesheet loaded and applied (not a bare HTML page)."""
    assert page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--bs-primary')"
    ).strip(), "Bootstrap CSS variables missing: stylesheet not loaded"
    display = page.eval_on_selector(".navbar", "el => getComputedStyle(el).display")
    assert display == "flex", f"navbar is display:{display}, Bootstrap not applied"


def test_general_manager_sees_every_department(login, live_server, artifacts):
    page = login("general_manager")
    assert page.url.rstrip("/").endswith("/gm")
    entries = nav_entries(page)
    assert len(entries) == len(set(entries))
    assert set(entries) == GENERAL_MANAGER_NAV
    assert page.locator("[data-testid=main-nav] a[data-nav='gm.index']").inner_text() == "总经理"
    assert_styled_by_bootstrap(page)
    page.screenshot(path=str(artifacts / "general_manager.png"), full_page=True)


def test_cashier_sees_only_front_desk_and_own_page(login, live_server, artifacts):
    page = login("cashier")
    assert page.url.rstrip("/").endswith("/store")
    entries = nav_entries(page)
    assert sorted(entries) == sorted(CASHIER_NAV)
    labels = page.locator("[data-testid=main-nav] a[data-nav]").all_inner_texts()
    assert sorted(label.strip() for label in labels) == sorted(["门店前台", "我的"])
    assert_styled_by_bootstrap(page)
    page.screenshot(path=str(artifacts / "cashier.png"), full_page=True)
    # A page the cashier's role does not open is refused, not just hidden.
    response = page.goto(f"{live_server}/gm/")
    assert response.status == 403


def test_wrong_password_stays_on_login(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", "cashier")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    alert = page.locator(".alert-danger").inner_text().strip()
    assert alert.startswith("企业编号、用户名或密码不正确")
    assert page.locator("[data-testid=main-nav]").count() == 0
