"""下钟 (finish_job): finishing early needs a reason (the log keeps it with the minutes
short), and an add-on (加钟) that has not started when the job ends is cancelled —
never paid, no commission, not on the bill — while no job ends before it started."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.blueprints.hr.payroll.month_earnings import load_jobs
from app.blueprints.store import bill, dispatch
from app.blueprints.store.models import DispatchLog, Order, OrderLine, ServiceJob
from app.blueprints.store.policy import StorePolicy, store_policy
from app.extensions import db
from app.models import Tenant
from app.models.base import utcnow
from app.tenancy import tenant_context
from app.validation import InputError
from tests.store.test_dispatch_service import desk, logs, new_line  # noqa: F401  (fixture)

# Times compared in Python with what the database hands back (naive on SQLite).
pytestmark = pytest.mark.both_backends


def _started_minutes_ago(job: ServiceJob, minutes: int) -> None:
    """Move a running job back in time (its planned end moves with it)."""
    shift = timedelta(minutes=minutes)
    job.started_at = utcnow() - shift
    job.planned_end_at = job.planned_end_at - shift
    db.session.flush()


def _set_threshold(desk, minutes: int) -> None:  # noqa: F811
    tenant = db.session.get(Tenant, desk["company"].tenant_id)
    policies = dict(tenant.policies or {})
    policies["store"] = {**dict(policies.get("store") or {}),
                         "early_finish_reason_minutes": minutes}
    tenant.policies = policies
    db.session.flush()


# -- early finish needs a reason --------------------------------------------------------

def test_default_threshold_is_ten_minutes():
    assert StorePolicy().early_finish_reason_minutes == 10


def test_finishing_more_than_the_threshold_early_needs_a_reason(desk):  # noqa: F811
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    _started_minutes_ago(job, 40)  # 60-minute job: 20 minutes short
    with pytest.raises(InputError) as error:
        dispatch.finish_job(job, desk["actor"])
    assert error.value.field == "reason"
    assert "20" in error.value.message
    assert job.status == "in_service"
    dispatch.finish_job(job, desk["actor"], reason="客人有急事先走")
    assert job.status == "finished"
    log = logs(desk["store"].id)[-1]
    assert (log.action, log.reason) == ("finish", "客人有急事先走")
    assert log.minutes_short in (19, 20)


def test_finishing_within_the_threshold_needs_no_reason(desk):  # noqa: F811
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    _started_minutes_ago(job, 52)  # 8 minutes short, threshold 10
    dispatch.finish_job(job, desk["actor"])
    assert job.status == "finished"
    log = logs(desk["store"].id)[-1]
    assert log.reason == "" and log.minutes_short in (7, 8)


def test_the_threshold_is_the_tenants_setting(desk):  # noqa: F811
    _set_threshold(desk, 30)
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    _started_minutes_ago(job, 40)  # 20 short, under 30
    dispatch.finish_job(job, desk["actor"])
    assert job.status == "finished"


# -- an add-on not started is cancelled ---------------------------------------------------

def test_finishing_before_the_add_on_starts_cancels_it(desk):  # noqa: F811
    t = desk["t"]
    line = new_line(desk)
    job = dispatch.assign_rotation(line, desk["actor"])
    addon = dispatch.add_on(job, desk["items"]["oil"].id, desk["actor"])
    assert dispatch._aware(addon.started_at) > utcnow()  # starts after the 60 minutes
    dispatch.finish_job(job, desk["actor"], reason="客人临时有事")
    assert job.status == "finished"
    assert addon.status == "cancelled"
    assert addon.ended_at is None or dispatch._aware(addon.ended_at) >= dispatch._aware(
        addon.started_at)
    addon_line = db.session.get(OrderLine, addon.order_line_id)
    assert addon_line.status == "cancelled"
    actions = [entry.action for entry in logs(desk["store"].id)[-2:]]
    assert "cancel_addon" in actions
    # The bill charges the 足疗 only: the order goes to the cashier at ¥128.
    order_bill = bill.price_order(db.session.get(Order, job.order_id))
    assert [b.line.id for b in order_bill.charged] == [line.id]
    assert order_bill.total == desk["items"]["foot"].price and not order_bill.problems
    # Payroll: one job of commission, not two.
    now = utcnow()
    jobs = load_jobs([t[0].id], (now - timedelta(hours=3), now + timedelta(hours=3)),
                     ZoneInfo("Asia/Shanghai"), {}, {}, {})
    assert sum(j.count for j in jobs[t[0].id]) == 1


def test_an_add_on_that_has_started_is_finished_normally(desk):  # noqa: F811
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    addon = dispatch.add_on(job, desk["items"]["oil"].id, desk["actor"])
    # The 足疗 ran its 60 minutes and the 精油 started 5 minutes ago.
    _started_minutes_ago(job, 65)
    addon.started_at = utcnow() - timedelta(minutes=5)
    addon.planned_end_at = addon.started_at + timedelta(minutes=90)
    db.session.flush()
    dispatch.finish_job(job, desk["actor"], reason="客人觉得够了")
    assert (job.status, addon.status) == ("finished", "finished")
    assert dispatch._aware(addon.ended_at) >= dispatch._aware(addon.started_at)
    assert db.session.get(OrderLine, addon.order_line_id).status == "active"


def test_no_job_ends_before_it_started(desk):  # noqa: F811
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    addon = dispatch.add_on(job, desk["items"]["oil"].id, desk["actor"])
    dispatch.finish_job(addon, desk["actor"], reason="客人改主意")  # finish through the add-on
    for each in (job, addon):
        assert each.ended_at is None or dispatch._aware(each.ended_at) >= dispatch._aware(
            each.started_at)
    assert addon.status == "cancelled"
    assert db.session.scalar(select(DispatchLog.id).where(
        DispatchLog.action == "cancel_addon", DispatchLog.job_id == addon.id)) is not None


# -- over HTTP ------------------------------------------------------------------------------

def _headers(client, company, role="dispatcher"):
    token = client.post("/api/v1/auth/token", json={
        "company": company.code, "username": role, "password": "password123"})
    return {"Authorization": f"Bearer {token.get_json()['token']}"}


def test_api_early_finish_needs_reason_and_cancels_the_add_on(desk, client):  # noqa: F811
    company = desk["company"]
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    addon = dispatch.add_on(job, desk["items"]["oil"].id, desk["actor"])
    db.session.commit()
    job_id, addon_id = job.id, addon.id
    headers = _headers(client, company)
    missing = client.post(f"/api/v1/service-jobs/{job_id}/finish", headers=headers, json={})
    assert missing.status_code == 422, missing.get_json()
    assert "reason" in missing.get_json()["error"]["fields"]
    done = client.post(f"/api/v1/service-jobs/{job_id}/finish", headers=headers,
                       json={"reason": "客人有急事"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "finished"
    with tenant_context(company.tenant_id):
        assert db.session.get(ServiceJob, addon_id).status == "cancelled"
    log = client.get(f"/api/v1/stores/{desk['store'].id}/dispatch-log", headers=headers)
    finish = [e for e in log.get_json()["items"] if e["action"] == "finish"][-1]
    assert finish["reason"] == "客人有急事" and finish["minutes_short"] >= 59
    # The cashier is asked for the 足疗 alone: the cancelled 精油 is no charge.
    cashier = _headers(client, company, "cashier")
    order_id = done.get_json()["order_id"]
    bill_now = client.get(f"/api/v1/orders/{order_id}/receipt", headers=cashier).get_json()
    assert bill_now["total"] == "128.00", bill_now
    paid = client.post(f"/api/v1/orders/{order_id}/checkout", headers=cashier,
                       json={"payments": [{"method": "cash", "amount": "128.00"}]})
    assert paid.status_code == 200 and paid.get_json()["total"] == "128.00", paid.get_json()


def test_page_asks_for_a_reason_when_finishing_early(desk, client, auth):  # noqa: F811
    company = desk["company"]
    store_id = desk["store"].id
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    db.session.commit()
    job_id, order_id = job.id, job.order_id
    auth.login_as(company, "dispatcher")
    live = client.get(f"/store/{store_id}/board/live").get_data(as_text=True)
    assert f'data-early-finish-job="{job_id}"' in live  # the form has a reason field
    sheet = client.get(f"/store/{store_id}/orders/{order_id}").get_data(as_text=True)
    assert f'data-early-finish-job="{job_id}"' in sheet  # and so has the order page's
    refused = client.post(f"/store/{store_id}/service-jobs/{job_id}/finish",
                          follow_redirects=True).get_data(as_text=True)
    assert "原因" in refused
    with tenant_context(company.tenant_id):
        assert db.session.get(ServiceJob, job_id).status == "in_service"
    client.post(f"/store/{store_id}/service-jobs/{job_id}/finish", data={"reason": "客人要赶车"})
    with tenant_context(company.tenant_id):
        assert db.session.get(ServiceJob, job_id).status == "finished"
        log = db.session.scalar(select(DispatchLog).where(DispatchLog.action == "finish"))
        assert log.reason == "客人要赶车"


# -- the threshold is edited with the other front-desk settings -----------------------------

def test_settings_page_edits_the_early_finish_threshold(client, auth, company_a, in_tenant):
    auth.login_as(company_a, "general_manager")
    page = client.get("/store/settings").get_data(as_text=True)
    assert "提前下钟超过此分钟数须填原因" in page and 'value="10"' in page
    bad = client.post("/store/settings", data={
        "early_finish_reason_minutes": "abc", "return_window_minutes": "10",
        "overrun_warning_minutes": "5", "ready_notice_count": "3",
        "reservation_hold_minutes": "15", "no_show_after_minutes": "30",
        "tea_round_minutes": "15", "board_start_rule": "clock_in"})
    assert bad.status_code == 422
    saved = client.post("/store/settings", data={
        "early_finish_reason_minutes": "20", "return_window_minutes": "10",
        "overrun_warning_minutes": "5", "ready_notice_count": "3",
        "reservation_hold_minutes": "15", "no_show_after_minutes": "30",
        "tea_round_minutes": "15", "board_start_rule": "clock_in"})
    assert saved.status_code == 302
    with in_tenant(company_a):
        assert store_policy().early_finish_reason_minutes == 20
    auth.logout()
    auth.login_as(company_a, "dispatcher")
    assert client.get("/store/settings").status_code == 403


def test_api_edits_the_early_finish_threshold(client, api_token, company_a, in_tenant):
    headers = api_token(company_a, "general_manager")
    current = client.get("/api/v1/store-settings", headers=headers)
    assert current.status_code == 200
    assert current.get_json()["early_finish_reason_minutes"] == 10
    bad = client.patch("/api/v1/store-settings", headers=headers,
                       json={"early_finish_reason_minutes": -1})
    assert bad.status_code == 422
    assert "early_finish_reason_minutes" in str(bad.get_json())
    done = client.patch("/api/v1/store-settings", headers=headers,
                        json={"early_finish_reason_minutes": 25})
    assert done.status_code == 200 and done.get_json()["early_finish_reason_minutes"] == 25
    assert done.get_json()["return_window_minutes"] == 10
    with in_tenant(company_a):
        assert store_policy().early_finish_reason_minutes == 25
    dispatcher = api_token(company_a, "dispatcher")
    assert client.patch("/api/v1/store-settings", headers=dispatcher,
                        json={"early_finish_reason_minutes": 0}).status_code == 403
