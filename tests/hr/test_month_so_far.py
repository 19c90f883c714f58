"""Issue 10 §4: a therapist's 我的 page and ``GET /api/v1/me/month-so-far`` show 今日钟数,
the month's jobs by kind and the commission so far — the same figures a payroll run of
the month gives for those components — and only their own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.blueprints.hr.models import Payslip
from app.blueprints.hr.month_so_far import month_so_far
from app.blueprints.hr.payroll import run as payroll
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import ServiceJob
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.models import Employee
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data

M = Decimal


# Also on SQLite: business-day windows and money sums.
@pytest.mark.both_backends
def test_month_so_far_equals_what_the_payroll_run_pays(app, company_a):
    """Level change mid-month (multiplier in force when each job started), a returned
    job, an add-on, jobs after midnight counted by business day, a card sale."""
    with tenant_context(company_a.tenant_id):
        setup = data.pay_setup()
        setup["profile"].card_sale_rate = M("0.05")
        store = company_a.stores[0]
        therapist = data.add_therapist(store, "901", level=setup["level"])
        data.level_change(therapist, setup["senior"], setup["level"], date(2026, 11, 16))
        therapist.level_id = setup["senior"].id
        jobs = data.Jobs(store, setup["item"])
        # ×1.2: 3 轮钟 (36.00), 2 点钟 (48.00), 1 退钟 (nothing)
        jobs.add(therapist, [date(2026, 11, 3), date(2026, 11, 10)], rotation=3, requested=2,
                 returned=1)
        # ×1.5: 2 轮钟 (45.00, one of them a 加钟), 1 点钟 (60.00)
        jobs.add(therapist, [date(2026, 11, 20)], rotation=2, requested=1)
        # 00:00–01:00 on 1 December: business day 30 November (×1.5: 45.00);
        # 00:00–01:00 on 1 November: business day 31 October, not this month.
        jobs.add(therapist, [date(2026, 12, 1)], rotation=1, hour=0)
        jobs.add(therapist, [date(2026, 11, 1)], requested=1, hour=0)
        # 06:00–07:00 on 30 November: today's first job (×1.5: 45.00).
        jobs.add(therapist, [date(2026, 11, 30)], rotation=1, hour=6)
        addon = db.session.scalar(
            select(ServiceJob.id).where(ServiceJob.therapist_id == therapist.id,
                                        ServiceJob.started_at == data.at(date(2026, 11, 20), 14),
                                        ServiceJob.job_type == "rotation"))
        db.session.execute(update(ServiceJob).where(ServiceJob.id == addon)
                           .values(is_addon=True))
        data.sell_card(store, therapist, "1000.00", bonus="200.00")
        db.session.commit()

        # 03:00 on 1 December is still the business day of 30 November.
        figures = month_so_far(db.session.get(Employee, therapist.id),
                               now=data.at(date(2026, 12, 1), 3))
        assert figures.month == date(2026, 11, 1) and figures.today == date(2026, 11, 30)
        assert figures.today_jobs == 2
        assert (figures.rotation_jobs, figures.requested_jobs, figures.addon_jobs,
                figures.returned_jobs) == (6, 3, 1, 1)
        assert figures.commission == M("444.00")  # 108 + 96 + 90 + 60 + 45 + 45
        assert figures.card_sales_count == 1 and figures.card_sales_amount == M("1000.00")
        assert figures.card_commission == M("50.00")
        assert figures.estimate is True

        run, record = payroll.start_run("2026-11")
        run_id, record_id = run.id, record.id
        commit_and_dispatch()  # inline: no Redis in this app
        assert db.session.get(JobRecord, record_id).status == "finished"
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == run_id,
                                                       Payslip.employee_id == therapist.id))
        assert slip.commission == figures.commission
        assert slip.card_commission == figures.card_commission
        assert sum(slip.detail["jobs"].values()) == figures.paid_jobs == 10


def _today_jobs(company) -> dict:
    """The login therapist (×1.2) with 2 轮钟 + 1 点钟 today; another with 5 点钟."""
    with tenant_context(company.tenant_id):
        setup = data.pay_setup()
        store = company.stores[0]
        own = db.session.get(Employee, company.employees["therapist"].id)
        own.level_id = setup["level"].id
        other = data.add_therapist(store, "902", level=setup["level"], name="另一位技师")
        today = today_for_store()
        jobs = data.Jobs(store, setup["item"])
        jobs.add(own, [today], rotation=2, requested=1)
        jobs.add(other, [today], requested=5)
        db.session.commit()
        return {"own": own.id, "other": other.id}


def test_the_therapist_sees_their_month_on_the_my_page(client, auth, company_a):
    _today_jobs(company_a)
    auth.login_as(company_a, "therapist")
    page = client.get("/me").get_data(as_text=True)
    assert 'data-testid="my-month"' in page and 'data-testid="my-month-estimate"' in page
    for label in ("今日钟数", "轮钟", "点钟", "加钟", "退钟", "售卡提成", "预估"):
        assert label in page
    assert 'data-testid="my-today-jobs">3<' in page
    assert 'data-testid="my-rotation-jobs">2<' in page
    assert 'data-testid="my-requested-jobs">1<' in page
    assert 'data-testid="my-commission">¥120.00<' in page  # 2 × 36.00 + 48.00
    assert "240.00" not in page  # the other therapist's 5 × 48.00


def test_the_api_gives_the_callers_own_month_only(client, api_token, company_a):
    ids = _today_jobs(company_a)
    headers = api_token(company_a, "therapist")
    response = client.get(f"/api/v1/me/month-so-far?employee_id={ids['other']}",
                          headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["estimate"] is True and body["has_profile"] is True
    assert (body["today_jobs"], body["rotation_jobs"], body["requested_jobs"]) == (3, 2, 1)
    assert body["commission"] == "120.00" and body["card_commission"] == "0.00"
    assert body["total"] == "120.00"


def test_office_staff_do_not_get_a_month_of_jobs(client, auth, company_a):
    auth.login_as(company_a, "hr_manager")
    assert 'data-testid="my-month"' not in client.get("/me").get_data(as_text=True)
