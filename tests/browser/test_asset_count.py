"""资产盘点 in the browser: a store manager, on a phone (390×844), counts a small store by
typing tags + Enter (as a scanner does), marks one asset missing and closes the count;
the finance manager approves it on the review page; the asset is written off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _live_app(tmp_path_factory):
    from tests.browser.conftest import browser_app

    path = max(tmp_path_factory.getbasetemp().glob("browser*/muzu.sqlite"),
               key=lambda found: found.stat().st_mtime)
    return browser_app(f"sqlite:///{path}")


def _small_store_count(tmp_path_factory) -> tuple[int, int, int]:
    """Three assets in yuezu's first store and its count opened; (store, count, asset of
    the missing one)."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from app.blueprints.logistics import counting
    from app.blueprints.logistics.models import Asset, AssetCount
    from app.blueprints.logistics.settings import tenant_today
    from app.extensions import db
    from app.models import Store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    app = _live_app(tmp_path_factory)
    with app.app_context():
        with tenant_context(find_tenant_by_code("yuezu").id):
            store = db.session.scalar(select(Store).order_by(Store.code).limit(1))
            assets = [Asset(store_id=store.id, tag_code=f"PW-{n:03d}", name=name,
                            category="appliance", location="前台",
                            purchase_date=date(2026, 1, 10), cost=Decimal("1200.00"),
                            useful_life_months=36)
                      for n, name in enumerate(("足浴盆", "消毒柜", "毛巾加热柜"), start=1)]
            db.session.add_all(assets)
            db.session.flush()
            period = counting.period_for(tenant_today())
            counting.open_counts(period, [store.id])
            count = db.session.scalar(select(AssetCount).where(
                AssetCount.store_id == store.id, AssetCount.period == period))
            db.session.commit()
            return store.id, count.id, assets[2].id


def _log_in(browser, base: str, username: str, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login")
    page.fill("#company", "yuezu")
    page.fill("#username", username)
    page.fill("#password", "muzu2026")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=main-nav]", state="attached")
    return page


def test_count_a_store_on_a_phone_and_finance_approves(browser, live_server, tmp_path_factory,
                                                       artifacts):
    store_id, count_id, missing_id = _small_store_count(tmp_path_factory)
    phone = _log_in(browser, live_server, "store_manager",
                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server}/logistics/counts/store?store_id={store_id}")
    expect(phone).to_have_url(f"{live_server}/logistics/counts/{count_id}")
    progress = phone.locator("[data-testid=count-progress]")
    expect(progress).to_contain_text("已盘 0 / 3")
    for n, tag in enumerate(("pw-001", "PW-002"), start=1):
        tag_input = phone.locator("[data-testid=tag-input]")
        expect(tag_input).to_be_focused()  # autofocus: a scanner types straight in
        tag_input.type(tag)
        tag_input.press("Enter")
        expect(progress).to_contain_text(f"已盘 {n} / 3")
    phone.locator("[data-tag='PW-003'] [data-testid=mark-missing]").click()
    expect(progress).to_contain_text("已盘 3 / 3")
    expect(phone.locator("[data-tag='PW-003']")).to_have_attribute("data-result", "missing")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "asset-count-phone.png"), full_page=True)
    phone.locator("[data-testid=close-count]").click()
    expect(phone.locator("[data-testid=count-status]")).to_have_attribute(
        "data-status", "pending_review")

    finance = _log_in(browser, live_server, "finance_manager")
    finance.goto(f"{live_server}/logistics/counts/{count_id}/review")
    expect(finance.locator("[data-figure=missing_count]")).to_have_text("1")
    expect(finance.locator("tr[data-result=missing]")).to_contain_text("毛巾加热柜")
    finance.locator("[data-testid=approve-count]").click()
    expect(finance.locator("[data-testid=count-approved]")).to_be_visible()

    from app.blueprints.logistics.models import Asset
    from app.extensions import db
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    with _live_app(tmp_path_factory).app_context():
        with tenant_context(find_tenant_by_code("yuezu").id):
            assert db.session.get(Asset, missing_id).status == "written_off"
