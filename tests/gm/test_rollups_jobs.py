"""Keeping the rollups current: the refresh after a 日结 (store hook), the refresh and
rebuild jobs inline and on a real RQ worker, the nightly fan-out, ``flask rollups
rebuild``, and statement counts flat in stores and days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.blueprints.gm.jobs import (
    REBUILD_JOB,
    REFRESH_JOB,
    refresh_if_due,
    refresh_rollups_nightly,
    start_refresh,
)
from app.blueprints.gm.models import StoreDayRollup
from app.blueprints.gm.rollups import FIGURE_FIELDS, compute_days, read_days, refresh_days
from app.blueprints.store import closing
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.jobs import commit_and_dispatch, start_job
from app.jobs.models import JobRecord
from app.models import Store, Tenant
from app.tenancy import tenant_context
from tests.gm import rollups_data as data
from tests.hr.test_query_budget import count_statements
from tests.jobs.conftest import app, progress_log, run_worker  # noqa: F401  (fixtures)

M = Decimal


def _days_of_business(company, stores, days: int) -> None:
    """An order, a job, a rating, a complaint, a top-up and a shift per store and day."""
    today = today_for_store()
    for store_id in stores:
        person = data.therapist(company, store_id, 1)
        member = data.card(store_id, data.opening(today - timedelta(days=days)), 700 + store_id)
        for back in range(1, days + 1):
            on = today - timedelta(days=back)
            row = data.order(store_id, on, party=2, payments={"cash": "100.00",
                                                              "wechat": "28.00"})
            data.job(row, person.id, start=data.opening(on, 60), minutes=50)
            data.feedback(row, 4, data.opening(on, 120))
            data.complaint(store_id, data.opening(on, 130))
            data.ledger(member, store_id, "topup", "300.00", data.opening(on, 140), "cash")
            data.punch(person.id, store_id, "in", data.opening(on, 30))
            data.punch(person.id, store_id, "out", data.opening(on, 30 + 600))
    db.session.flush()


def _stored(first, last) -> dict:
    db.session.expire_all()
    return {(r.store_id, r.business_date): {k: getattr(r, k) for k in FIGURE_FIELDS}
            for r in db.session.scalars(select(StoreDayRollup).where(
                StoreDayRollup.business_date >= first, StoreDayRollup.business_date <= last))}


def _computed(first, last) -> dict:
    return {(r["store_id"], r["business_date"]): {k: r[k] for k in FIGURE_FIELDS}
            for r in compute_days(first, last)}


def _record(job_id: int, company) -> JobRecord:
    db.session.expire_all()
    with tenant_context(company.tenant_id):
        return db.session.get(JobRecord, job_id)


@pytest.mark.both_backends
def test_closing_a_day_refreshes_its_rollup(app, company_a, in_tenant):  # noqa: F811
    with in_tenant(company_a):
        store = company_a.stores[0].id
        yesterday = today_for_store() - timedelta(days=1)
        data.order(store, yesterday, party=3, payments={"alipay": "256.00"})
        db.session.commit()
        assert db.session.scalars(select(StoreDayRollup)).all() == []
        closing.lock_day(store, yesterday)
        commit_and_dispatch()  # without Redis the refresh runs inline after the commit
        db.session.expire_all()
        row = db.session.scalar(select(StoreDayRollup))
        assert (row.store_id, row.business_date) == (store, yesterday)
        assert (row.revenue, row.paid_alipay, row.orders, row.guests) == (
            M("256.00"), M("256.00"), 1, 3)
        record = db.session.scalar(select(JobRecord).where(JobRecord.kind == REFRESH_JOB))
        assert record.status == "finished" and record.result["rows"] == 1


@pytest.mark.both_backends
def test_refresh_job_defaults_to_the_last_week_and_rebuild_to_all_history(
        app, company_a, in_tenant):  # noqa: F811
    with in_tenant(company_a):
        _days_of_business(company_a, [s.id for s in company_a.stores], 9)
        db.session.commit()
        today = today_for_store()
        start_refresh()
        commit_and_dispatch()
        week = _stored(today - timedelta(days=30), today)
        assert {d for _s, d in week} == {today - timedelta(days=n) for n in range(1, 8)}
        assert week == _computed(today - timedelta(days=7), today - timedelta(days=1))
        start_job(REBUILD_JOB, {})
        commit_and_dispatch()
        everything = _stored(today - timedelta(days=30), today)
        assert len(everything) == 2 * 9
        assert everything == _computed(today - timedelta(days=30), today)
        record = db.session.scalar(select(JobRecord).where(JobRecord.kind == REBUILD_JOB))
        assert record.status == "finished" and record.progress == 100


@pytest.mark.both_backends
def test_the_nightly_check_starts_a_refresh_in_the_hour_the_business_day_starts(
        app, company_a, in_tenant):  # noqa: F811
    with in_tenant(company_a):
        zone = ZoneInfo(db.session.get(Tenant, company_a.tenant_id).timezone)
        six = datetime(2026, 12, 3, 6, 10, tzinfo=zone).astimezone(UTC)  # policy: 06:00
        assert refresh_if_due(six - timedelta(hours=1)) is None
        assert refresh_if_due(six + timedelta(hours=1)) is None
        record = refresh_if_due(six)
        assert record.kind == REFRESH_JOB and record.params["first"] is None


@pytest.mark.both_backends
def test_cli_rebuilds_a_range(app, company_a, in_tenant):  # noqa: F811
    with in_tenant(company_a):
        _days_of_business(company_a, [company_a.stores[0].id], 5)
        db.session.commit()
        today = today_for_store()
        first, last = today - timedelta(days=4), today - timedelta(days=2)
    result = app.test_cli_runner().invoke(args=[
        "rollups", "rebuild", "--tenant", company_a.code, "--from", first.isoformat(),
        "--to", last.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 3 store days" in result.output
    with in_tenant(company_a):
        assert _stored(today - timedelta(days=9), today) == _computed(first, last)
    bad = app.test_cli_runner().invoke(args=["rollups", "rebuild", "--tenant", "nobody"])
    assert bad.exit_code != 0 and "nobody" in bad.output


@pytest.mark.both_backends
def test_statements_do_not_grow_with_stores_or_days(app, company_a, in_tenant):  # noqa: F811
    with in_tenant(company_a):
        _days_of_business(company_a, [company_a.stores[0].id], 2)
        db.session.commit()
        today = today_for_store()

        def counts(days: int) -> tuple[int, int]:
            first = today - timedelta(days=days)
            refresh_days(first, today)
            db.session.expunge_all()
            with count_statements() as compute:
                rows = compute_days(first, today)
            assert rows
            db.session.expunge_all()
            with count_statements() as read:
                assert read_days(first, today)
            return len(compute), len(read)

        small = counts(2)
        more = []
        for n in range(4):
            store = Store(code=f"X{n}", name=f"新店{n}", city="广州", address="-", status="open")
            db.session.add(store)
            db.session.flush()
            more.append(store.id)
        _days_of_business(company_a, more, 20)
        db.session.commit()
        assert counts(20) == small
        assert small[0] <= 10, small  # nine grouped statements and the company's row


@pytest.mark.redis
def test_jobs_run_on_a_real_worker(app, company_a, in_tenant, progress_log):  # noqa: F811
    with in_tenant(company_a):
        stores = [s.id for s in company_a.stores]
        _days_of_business(company_a, stores, 3)
        today = today_for_store()
        yesterday = today - timedelta(days=1)
        db.session.commit()
        closing.lock_day(stores[0], yesterday)
        commit_and_dispatch()
        refresh_id = db.session.scalar(select(JobRecord.id).where(JobRecord.kind == REFRESH_JOB))
        assert _record(refresh_id, company_a).status == "queued"
    run_worker(app)
    assert _record(refresh_id, company_a).status == "finished"
    with in_tenant(company_a):
        assert set(_stored(today - timedelta(days=9), today)) == {(stores[0], yesterday)}
        rebuild_id = start_job(REBUILD_JOB, {"first": (today - timedelta(days=3)).isoformat()}).id
        commit_and_dispatch()
    run_worker(app)
    record = _record(rebuild_id, company_a)
    assert record.status == "finished", record.error
    assert record.progress == 100 and record.result["rows"] == 6
    assert [e["progress"] for e in progress_log()] == [0, 100]
    with in_tenant(company_a):
        assert _stored(today - timedelta(days=9), today) == _computed(
            today - timedelta(days=9), today)


@pytest.mark.redis
def test_nightly_fan_out_on_a_real_worker(app, company_a, company_b, in_tenant):  # noqa: F811
    """Company A's business day starts this hour, B's not: only A is refreshed."""
    for company, offset in ((company_a, 0), (company_b, 2)):
        with in_tenant(company):
            tenant = db.session.get(Tenant, company.tenant_id)
            hour = (datetime.now(ZoneInfo(tenant.timezone)).hour + offset) % 24
            tenant.policies = {**(tenant.policies or {}),
                               "store": {"business_day_starts_at": f"{hour:02d}:00"}}
            _days_of_business(company, [company.stores[0].id], 2)
            db.session.commit()
    db.session.remove()
    assert refresh_rollups_nightly(None) == {"started": 1}
    run_worker(app)
    with in_tenant(company_a):
        record = db.session.scalar(select(JobRecord).where(JobRecord.kind == REFRESH_JOB))
        assert record.status == "finished", record.error
        assert len(_stored(today_for_store() - timedelta(days=9), today_for_store())) == 2
    with in_tenant(company_b):
        assert not db.session.scalars(
            select(JobRecord).where(JobRecord.kind == REFRESH_JOB)).all()
