"""The demo owner's first log-in: two-step verification is set up before anything else."""

from __future__ import annotations

import pyotp
import pytest

pytestmark = pytest.mark.browser


def test_the_demo_owner_sets_up_totp_on_first_log_in(login, live_server, artifacts):
    page = login("owner", company="qingxi")
    assert page.url.endswith("/account/totp")
    page.goto(f"{live_server}/permissions")
    assert page.url.endswith("/account/totp")  # nothing else opens yet
    assert page.locator("[data-testid=totp-qr] svg").count() == 1
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[value=confirm]")
    page.wait_for_selector("[data-testid=recovery-codes]")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.screenshot(path=str(artifacts / "owner_totp.png"), full_page=True)
    page.goto(f"{live_server}/permissions")
    assert page.url.endswith("/permissions")
