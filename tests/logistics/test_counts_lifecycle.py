"""资产清查 end to end on PostgreSQL and Redis with a real RQ worker: opened by the job
(a rerun adds nothing twice), counted by tag, closed (the reconciliation job), approved
by finance through the approval flow (posted exactly once), or sent back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.blueprints.logistics import counting, depreciation
from app.blueprints.logistics.models import (
    Asset,
    AssetCount,
    AssetCountLine,
    DepreciationEntry,
    MaintenanceTicket,
    StockMovement,
    StoreStock,
)
from app.blueprints.logistics.settings import tenant_today
from app.blueprints.logistics.stock import post_movement
from app.extensions import db
from app.jobs.models import JobRecord
from app.models.audit import AuditEntry
from app.tenancy import tenant_context
from tests.jobs.conftest import app, progress_log, run_worker  # noqa: F401  (fixtures)
from tests.logistics.count_data import small_store

D = Decimal


def _n(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _totals(company):
    with tenant_context(company.tenant_id):
        return (_n(AssetCount), _n(AssetCountLine), _n(DepreciationEntry))


def _count(store_id):
    return db.session.scalar(select(AssetCount).where(AssetCount.store_id == store_id))


def _line(count_id, **where):
    stmt = select(AssetCountLine).where(AssetCountLine.count_id == count_id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AssetCountLine, key) == value)
    return db.session.scalar(stmt)


@pytest.mark.redis
def test_count_lifecycle_with_a_worker(app, client, auth, company_a,  # noqa: F811
                                       progress_log):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        ids = small_store(company_a)
        db.session.commit()
        period = counting.period_for(tenant_today())
        names = {role: company_a.username(role) for role in (
            "logistics_head", "store_manager", "finance_manager")}

    def login(role):
        auth.logout()
        assert auth.login(company_a.code, names[role]).status_code == 302

    login("logistics_head")
    response = client.post("/logistics/counts/open")
    assert response.status_code == 302 and "job=" in response.location
    page = client.get(response.location)
    assert 'data-testid="count-job"' in page.text and "hx-get" in page.text  # queued: polls
    run_worker(app)
    page = client.get(response.location)
    assert 'data-job-status="finished"' in page.text
    assert client.get(response.location.replace("/counts?", "/counts/progress?")
                      ).status_code == 200
    with tenant_context(company_a.tenant_id):
        record = db.session.scalar(select(JobRecord).where(
            JobRecord.kind == "logistics.open_asset_counts"))
        assert (record.status, record.progress) == ("finished", 100)
        assert record.result["counts_opened"] == 2
    assert progress_log()[-1]["progress"] == 100
    first = _totals(company_a)
    assert first == (2, 3 + 1 + 1, 4)  # s1: 3 assets + towels; s2: 1 asset; 4 entries

    # A rerun (by hand again) adds nothing twice.
    client.post("/logistics/counts/open")
    run_worker(app)
    assert _totals(company_a) == first

    with tenant_context(company_a.tenant_id):
        count = _count(ids["s1"])
        count_id = count.id
        warmer = _line(count_id, asset_id=ids["warmer"])
        assert warmer.book_value == depreciation.asset_book_value(
            db.session.get(Asset, ids["warmer"]), period)
        towels = _line(count_id, stock_item_id=ids["towels"])
        assert towels.book_quantity == D("20")
        # The desk sells two towels after the opening: not a variance.
        post_movement(ids["s1"], ids["towels"], "sale", "2", moved_on=tenant_today())
        db.session.commit()
        lines = {key: _line(count_id, asset_id=ids[key]).id for key in
                 ("basin", "warmer", "sofa")}
        towels_id = towels.id

    login("store_manager")
    page = client.get(f"/logistics/counts/store?store_id={ids['s1']}")
    assert page.status_code == 302 and page.location.endswith(f"/logistics/counts/{count_id}")
    page = client.get(f"/logistics/counts/{count_id}")
    assert "已盘 0 / 3" in page.text and 'autofocus' in page.text
    client.post(f"/logistics/counts/{count_id}/scan", data={"tag_code": "zy-001"})
    unknown = client.post(f"/logistics/counts/{count_id}/scan", data={"tag_code": "ZY-201"},
                          follow_redirects=True)
    assert "其他门店的资产" in unknown.text
    client.post(f"/logistics/counts/{count_id}/lines/{lines['warmer']}",
                data={"result": "missing"})
    client.post(f"/logistics/counts/{count_id}/lines/{lines['sofa']}", data={"result": "damaged"})
    client.post(f"/logistics/counts/{count_id}/lines/{towels_id}",
                data={"counted_quantity": "17"})
    bad = client.post(f"/logistics/counts/{count_id}/surplus", data={"name": ""})
    assert bad.status_code == 422 and 'data-field-error="name"' in bad.text
    client.post(f"/logistics/counts/{count_id}/surplus", data={"name": "凳子", "note": "前台"})
    page = client.get(f"/logistics/counts/{count_id}")
    assert "已盘 3 / 3" in page.text

    response = client.post(f"/logistics/counts/{count_id}/close")
    assert response.status_code == 302
    with tenant_context(company_a.tenant_id):
        assert _count(ids["s1"]).status == "reconciling"
    run_worker(app)
    with tenant_context(company_a.tenant_id):
        count = _count(ids["s1"])
        warmer_value = _line(count_id, asset_id=ids["warmer"]).book_value
        sofa_value = _line(count_id, asset_id=ids["sofa"]).book_value
        assert count.status == "pending_review"
        assert (count.missing_count, count.missing_value) == (1, warmer_value)
        assert (count.damaged_count, count.damaged_value) == (1, sofa_value)
        assert count.surplus_count == 1
        assert count.consumable_variance_value == D("-4.50")  # 17 counted, 18 on hand
        assert count.total_variance_value == D("-4.50") - warmer_value
        assert _line(count_id, id=towels_id).variance_value == D("-4.50")
        assert _line(count_id, asset_id=ids["warmer"]).variance_value == -warmer_value

    # Finance sees it on the review page and in the inbox; approves.
    login("finance_manager")
    inbox = client.get("/approvals")
    assert f"/logistics/counts/{count_id}/review" in inbox.text
    page = client.get(f"/logistics/counts/{count_id}/review")
    assert 'data-testid="approve-count"' in page.text
    client.post(f"/logistics/counts/{count_id}/review", data={"verdict": "approve"})
    again = client.post(f"/logistics/counts/{count_id}/review", data={"verdict": "approve"},
                        follow_redirects=True)
    assert "不在待审批状态" in again.text
    with tenant_context(company_a.tenant_id):
        count = _count(ids["s1"])
        assert count.status == "approved" and count.posted_at is not None
        warmer = db.session.get(Asset, ids["warmer"])
        assert (warmer.status, warmer.written_off_on) == (
            "written_off", counting.period_end(period))
        assert warmer.count_line_id == lines["warmer"]
        assert db.session.get(Asset, ids["sofa"]).status == "damaged"
        tickets = db.session.scalars(select(MaintenanceTicket)).all()
        assert [(t.title, t.count_line_id) for t in tickets] == [
            ("盘点发现损坏：沙发", lines["sofa"])]
        moves = db.session.scalars(select(StockMovement).where(
            StockMovement.kind == "count_adjustment")).all()
        assert [(m.quantity, m.source_id) for m in moves] == [(D("-1.00"), towels_id)]
        assert db.session.scalar(select(StoreStock.quantity).where(
            StoreStock.stock_item_id == ids["towels"])) == D("17.00")
        assert _n(AuditEntry, AuditEntry.action == "asset.write_off") == 1


def _closed_count(company, closer_role="store_manager"):
    """Store 1's count opened, counted present and closed by ``closer_role``, reconciled
    inline (no Redis in these tests)."""
    with tenant_context(company.tenant_id):
        ids = small_store(company)
        counting.open_counts(date(2026, 11, 1), [company.stores[0].id])
        count = _count(ids["s1"])
        closer = company.accounts[closer_role]
        for line in db.session.scalars(select(AssetCountLine).where(
                AssetCountLine.count_id == count.id, AssetCountLine.kind == "asset")):
            counting.mark_line(count, line, "missing" if line.asset_id == ids["warmer"]
                               else "present", closer)
        counting.close_count(count, closer)
        from app.jobs import commit_and_dispatch
        commit_and_dispatch()
        return ids, count.id


def test_send_back_needs_a_note_and_reopens(client, auth, company_a):
    ids, count_id = _closed_count(company_a)
    auth.login_as(company_a, "finance_manager")
    refused = client.post(f"/logistics/counts/{count_id}/review",
                          data={"verdict": "send_back", "note": ""}, follow_redirects=True)
    assert "请填写驳回原因" in refused.text
    client.post(f"/logistics/counts/{count_id}/review",
                data={"verdict": "send_back", "note": "毛巾柜再找找"})
    with tenant_context(company_a.tenant_id):
        count = db.session.get(AssetCount, count_id)
        assert (count.status, count.sent_back_count, count.review_note) == (
            "open", 1, "毛巾柜再找找")
        assert db.session.get(Asset, ids["warmer"]).status == "in_use"
    auth.logout()
    auth.login_as(company_a, "store_manager")
    page = client.get(f"/logistics/counts/{count_id}")
    assert "毛巾柜再找找" in page.text and 'data-testid="tag-input"' in page.text


def test_the_closer_cannot_approve_their_own_count(client, auth, company_a):
    _ids, count_id = _closed_count(company_a, closer_role="owner")
    auth.login_as(company_a, "owner")
    page = client.get(f"/logistics/counts/{count_id}/review")
    assert 'data-testid="approve-count"' not in page.text
    refused = client.post(f"/logistics/counts/{count_id}/review", data={"verdict": "approve"},
                          follow_redirects=True)
    assert "不能审批自己提交的申请" in refused.text
    with tenant_context(company_a.tenant_id):
        assert db.session.get(AssetCount, count_id).status == "pending_review"


def test_closing_with_uncounted_assets_needs_confirmation(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        ids = small_store(company_a)
        counting.open_counts(date(2026, 11, 1))
        count_id = _count(ids["s1"]).id
        db.session.commit()
    auth.login_as(company_a, "store_manager")
    refused = client.post(f"/logistics/counts/{count_id}/close", follow_redirects=True)
    assert "还有 3 件资产未盘点" in refused.text
    client.post(f"/logistics/counts/{count_id}/close", data={"confirm_uncounted": "1"})
    with tenant_context(company_a.tenant_id):
        count = db.session.get(AssetCount, count_id)
        assert (count.status, count.missing_count) == ("pending_review", 3)


@pytest.mark.both_backends
def test_opening_figures_and_rerun(company_a, in_tenant):
    with in_tenant(company_a):
        ids = small_store(company_a)
        summary = counting.open_counts(date(2026, 11, 1))
        assert (summary.counts_opened, summary.lines_added, summary.depreciation_posted) == (
            2, 5, 4)
        assert summary.depreciation_amount == D("33.33") + D("40.00") + D("100.00") + D("33.33")
        count = _count(ids["s1"])
        values = {line.name: line.book_value for line in db.session.scalars(
            select(AssetCountLine).where(AssetCountLine.count_id == count.id,
                                         AssetCountLine.kind == "asset"))}
        assert values == {"足浴盆": D("866.70"), "毛巾加热柜": D("2000.00"), "沙发": D("2600.00")}
        again = counting.open_counts(date(2026, 11, 1))
        assert (again.counts_opened, again.lines_added, again.depreciation_posted) == (0, 0, 0)
        assert counting.count_label(count.period) == "2026年11月资产清查"


def test_overdue_from_the_fifth(company_a, in_tenant):
    from app.blueprints.logistics.reconciliation import overdue_counts

    with in_tenant(company_a):
        small_store(company_a)
        counting.open_counts(date(2026, 11, 1))
        assert overdue_counts(date(2026, 12, 4)) == []
        late = overdue_counts(date(2026, 12, 5))
        assert len(late) == 2
        assert overdue_counts(date(2027, 1, 2)) != []  # still open a month later


def test_overdue_shows_on_the_counts_list_and_the_gm_and_finance_pages(client, auth, company_a):
    with tenant_context(company_a.tenant_id):
        small_store(company_a)
        # A count of two months ago still open: overdue whatever today's day.
        counting.open_counts(counting.period_for(counting.period_for(tenant_today())))
        db.session.commit()
    auth.login_as(company_a, "general_manager")
    page = client.get("/gm/")
    assert 'data-testid="overdue-counts"' in page.text and "阿尔法 1号店" in page.text
    page = client.get("/logistics/counts")
    assert 'data-testid="overdue-badge"' in page.text
    auth.login_as(company_a, "finance_manager")
    page = client.get("/finance/")
    assert 'data-testid="overdue-counts"' in page.text and "阿尔法 1号店" in page.text


def test_two_approvals_at_once_post_once(app, company_a, api_token):  # noqa: F811
    """Finance (the finance manager and the owner) approve the same count at the same
    moment over the API: one passes, the other is refused; one write-off, one ticket,
    one stock adjustment."""
    import threading

    with tenant_context(company_a.tenant_id):
        ids = small_store(company_a)
        counting.open_counts(date(2026, 11, 1), [company_a.stores[0].id])
        count = _count(ids["s1"])
        closer = company_a.accounts["store_manager"]
        for line in db.session.scalars(select(AssetCountLine).where(
                AssetCountLine.count_id == count.id)):
            if line.kind == "consumable":
                counting.set_counted_quantity(count, line, "19", closer)
            else:
                counting.mark_line(count, line, {ids["warmer"]: "missing",
                                                 ids["sofa"]: "damaged"}.get(
                    line.asset_id, "present"), closer)
        counting.close_count(count, closer)
        from app.jobs import commit_and_dispatch
        commit_and_dispatch()
        count_id = count.id
    headers = [api_token(company_a, "finance_manager"), api_token(company_a, "owner")]
    barrier = threading.Barrier(2)
    codes: list[int] = []
    lock = threading.Lock()

    def approve(header) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post(f"/api/v1/asset-counts/{count_id}/approve", json={},
                               headers=header)
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=approve, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200, 422], codes
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        assert _n(AuditEntry, AuditEntry.action == "asset.write_off") == 1
        assert _n(MaintenanceTicket) == 1
        assert _n(StockMovement, StockMovement.kind == "count_adjustment") == 1
        assert db.session.scalar(select(StoreStock.quantity).where(
            StoreStock.stock_item_id == ids["towels"])) == D("19.00")


def test_the_monthly_schedule_opens_once_from_the_count_day_and_hour(company_a, in_tenant):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.blueprints.logistics.jobs import start_monthly_if_due

    shanghai = ZoneInfo("Asia/Shanghai")
    with in_tenant(company_a):
        small_store(company_a)
        assert start_monthly_if_due(datetime(2026, 12, 1, 1, 30, tzinfo=shanghai)) is None
        assert start_monthly_if_due(datetime(2026, 11, 28, 9, 0, tzinfo=shanghai)) is None
        record = start_monthly_if_due(datetime(2026, 12, 1, 2, 5, tzinfo=shanghai))
        assert record is not None and record.params["period"] == "2026-11-01"
        # Queued already: the next hour starts nothing.
        assert start_monthly_if_due(datetime(2026, 12, 1, 3, 5, tzinfo=shanghai)) is None
