"""End to end on real Redis with real RQ workers: a month fed in as HR and the stores
feed it, the run started through the API, computed by a worker, checked to the fen;
then a worker killed in the middle of writing the payslips leaves nothing half-written,
and the rerun gets it right.

October 2026 (in the past, so the clock-device import accepts it; 1–3 October are
statutory holidays).  What goes in, and how:

* through the API: the month's schedule cell by cell and its publication
  (/api/v1/schedules, /schedules/publish), the clock-device bulk import
  (/clock-records/import), leave and overtime requests and their approval, rewards and
  fines (/rewards + approve), the payroll run (POST /payroll/runs, /recompute) and its
  reading (GET run, GET payslips);
* through a service: the shift template (the API lists them only);
* as rows: pay profile, level, the 钟 (service jobs) of the front desk, a card sale
  and the tax opening balance.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.payroll import run as payroll_run
from app.blueprints.hr.time import shifts
from app.extensions import db
from app.jobs import commit_and_dispatch
from app.jobs.models import JobRecord
from app.jobs.queues import get_queue
from app.tenancy import tenant_context
from tests.hr.payroll import payroll_data as data
from tests.jobs.conftest import app, run_worker  # noqa: F401  (the Redis-backed app)

ROOT = Path(__file__).resolve().parents[3]
PAUSING_WORKER = Path(__file__).resolve().parent / "pausing_worker.py"
M = Decimal
OCTOBER = [date(2026, 10, d) for d in range(1, 32)]
REST = {date(2026, 10, d) for d in (7, 14, 21, 28)}
LATE, ABSENT, LEAVE_DAY = date(2026, 10, 9), date(2026, 10, 12), date(2026, 10, 20)

# Worked out by hand from specs/payroll.md (monthly base 3,000.00; 27 shifts: 25 attended,
# one 30 minutes late, one personal leave day, one day absent; overtime 2 h on 2 Oct
# (statutory holiday ×3), 3 h on the rest day 7 Oct (×2), 1.5 h on 10 Oct (×1.5);
# 50 rotation + 10 requested jobs at 30.00/40.00 × 1.2, one returned; a 1,000.00 card
# sold (+200.00 bonus) at 3%; reward 100.00, fine 50.00; tax opening balance
# 90,000.00 / 1,200.00 for January–September).
EXPECTED = {
    "base": M("2724.14"),  # 3000 − 3000/21.75 × (1 UL + 1 AB)
    "overtime": M("245.69"),  # 3000/21.75/8 × (2×3 + 3×2 + 1.5×1.5)
    "commission": M("2280.00"),  # 50 × 36.00 + 10 × 48.00
    "card_commission": M("30.00"),
    "meal": M("375.00"),  # 15 × 25
    "full_attendance_bonus": M("0.00"),
    "rewards": M("100.00"),
    "fines": M("50.00"),
    "late_deduction": M("20.00"),
    "gross": M("5684.83"),
    "si_total": M("465.00"),
    "taxable": M("5219.83"),
    "cum_taxable": M("45219.83"),  # 90,000 + 5,219.83 − 5,000 × 10
    "iit": M("801.98"),  # 45,219.83 × 10% − 2,520 − 1,200
    "net": M("4417.85"),
}


def feed_october(company, client, api_token) -> int:
    """The month of one therapist, fed as the stores and HR feed it; returns their id."""
    store = company.stores[0]
    with tenant_context(company.tenant_id):
        setup = data.pay_setup()
        setup["profile"].overtime_eligible = True
        setup["profile"].card_sale_rate = M("0.0300")
        person = data.add_therapist(store, "701", level=setup["level"],
                                    hire_date=date(2026, 1, 5), name="陈晓",
                                    bank_name="农业银行", bank_account_no="6228480001")
        data.opening_balance(person, "90000.00", "1200.00")
        middle = shifts.create_shift(store.id, "中班", time(12), time(22))
        worked = [d for d in OCTOBER if d not in REST and d not in (ABSENT, LEAVE_DAY)]
        data.Jobs(store, setup["item"]).add(person, worked, rotation=50, requested=10,
                                            returned=1)
        data.sell_card(store, person, "1000.00", bonus="200.00",
                       when=datetime(2026, 10, 16, 15, tzinfo=data.CST))
        db.session.commit()
        person_id, shift_id = person.id, middle.id

    manager, hr = api_token(company, "store_manager"), api_token(company, "hr_manager")

    def post(url, body, headers, status=(200, 201)):
        response = client.post(f"/api/v1{url}", json=body, headers=headers)
        assert response.status_code in status, (url, response.get_json())
        return response.get_json()

    for day in OCTOBER:  # 排班 cell by cell, then 发布 week by week
        post("/schedules", {"store_id": store.id, "employee_id": person_id,
                            "work_date": day.isoformat(), "is_rest": day in REST,
                            "shift_template_id": None if day in REST else shift_id}, manager)
    for monday in ("2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"):
        post("/schedules/publish", {"store_id": store.id, "week": monday}, manager)

    rows = []
    for day in worked:
        came = datetime.combine(day, time(12, 30 if day == LATE else 0), data.CST) \
            - timedelta(minutes=0 if day == LATE else 8)
        went = datetime.combine(day, time(22, 3), data.CST)
        for kind, moment in (("in", came), ("out", went)):
            rows.append({"employee_no": "701", "at": moment.isoformat(), "kind": kind,
                         "device_id": "ZK-01", "device_record_id": f"{day:%m%d}{kind}"})
    imported = post("/clock-records/import", {"records": rows}, manager)
    assert (imported["created"], imported["errors"]) == (len(rows), [])

    asked = post("/leave-requests", {"employee_id": person_id, "kind": "personal",
                                     "starts_on": LEAVE_DAY.isoformat(), "reason": "家里有事"},
                 manager)
    post(f"/leave-requests/{asked['id']}/approve", {}, hr)  # who filed it does not decide
    for day, hours in ((date(2026, 10, 2), "2"), (date(2026, 10, 7), "3"),
                       (date(2026, 10, 10), "1.5")):
        overtime = post("/overtime-requests", {"employee_id": person_id,
                                               "work_date": day.isoformat(), "hours": hours,
                                               "reason": "国庆客多"}, manager)
        post(f"/overtime-requests/{overtime['id']}/approve", {}, hr)
    return person_id


def file_reward(client, headers, employee_id, kind, amount, decider):
    """Filed by one person, approved by another (app/approvals.py)."""
    made = client.post("/api/v1/rewards", headers=headers, json={
        "employee_id": employee_id, "kind": kind, "amount": amount,
        "effective_on": "2026-10-18", "reason": "顾客表扬" if kind == "reward" else "迟交报表"})
    assert made.status_code == 201, made.get_json()
    approved = client.post(f"/api/v1/rewards/{made.get_json()['id']}/approve", headers=decider)
    assert approved.status_code == 200, approved.get_json()


def payslip_of(company, run_id, employee_id) -> dict:
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        slip = db.session.scalar(select(Payslip).where(Payslip.run_id == run_id,
                                                       Payslip.employee_id == employee_id))
        return None if slip is None else {k: getattr(slip, k) for k in EXPECTED}


def count_payslips(company, run_id) -> int:
    with tenant_context(company.tenant_id):
        return len(db.session.scalars(select(Payslip.id).where(Payslip.run_id == run_id)).all())


def load(company, model, object_id):
    with tenant_context(company.tenant_id):
        db.session.expire_all()
        return db.session.get(model, object_id)


@pytest.mark.redis
def test_a_month_through_the_api_computed_by_a_real_worker(app, client, api_token,  # noqa: F811
                                                             company_a):
    person_id = feed_october(company_a, client, api_token)
    hr = api_token(company_a, "hr_manager")
    staff = api_token(company_a, "hr_staff")
    file_reward(client, staff, person_id, "reward", "100.00", hr)
    file_reward(client, staff, person_id, "fine", "50.00", hr)

    started = client.post("/api/v1/payroll/runs", json={"month": "2026-10"}, headers=hr)
    assert started.status_code == 202, started.get_json()
    run_id, job_id = started.get_json()["run"]["id"], started.get_json()["job"]["id"]
    assert started.get_json()["job"]["status"] == "queued"
    # Asked again while queued: the same job, nothing more on the queue.
    again = client.post("/api/v1/payroll/runs", json={"month": "2026-10"}, headers=hr)
    assert again.status_code == 202 and again.get_json()["job"]["id"] == job_id
    assert get_queue("payroll").count == 1

    run_worker(app, ["payroll"])

    run = client.get(f"/api/v1/payroll/runs/{run_id}", headers=hr).get_json()
    assert run["status"] == "draft" and run["job"]["status"] == "finished"
    assert run["job"]["progress"] == 100
    slips = client.get(f"/api/v1/payroll/runs/{run_id}/payslips?page_size=200",
                       headers=hr).get_json()["items"]
    mine = next(s for s in slips if s["employee_id"] == person_id)
    assert {k: M(mine[k]) for k in EXPECTED} == EXPECTED
    assert mine["detail"]["attendance"] == {
        "scheduled": 27, "attended": "25", "paid_leave": "0", "sick_leave": "0",
        "unpaid_leave": "1", "absent": "1", "late": 1}
    assert mine["detail"]["overtime_hours"]["holiday"] == "2.00"
    assert mine["detail"]["overtime_hours"]["rest_day"] == "3.00"
    assert mine["detail"]["tax"]["months"] == 10
    assert run["total_net"] == str(sum((M(s["net"]) for s in slips), M("0.00")))


def start_worker_process(app, database_url, pause_file: Path) -> subprocess.Popen:  # noqa: F811
    """``worker.py --burst`` whose work horse pauses once the payslips are written
    (tests/hr/payroll/pausing_worker.py)."""
    db.session.commit()
    db.session.remove()
    env = {**os.environ, "MUZU_ENV": "test", "TEST_DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, str(PAUSING_WORKER), str(pause_file), "--burst", "--queues", "payroll",
         "--url", app.config["REDIS_URL"]],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_the_horse_when_it_pauses(worker: subprocess.Popen, pause_file: Path) -> None:
    deadline = clock.monotonic() + 90
    while not (pause_file.exists() and pause_file.read_text().strip()):
        if worker.poll() is not None or clock.monotonic() > deadline:
            worker.kill()
            raise AssertionError("the work horse never reached the pause:\n"
                                 + (worker.communicate()[0] or "")[-3000:])
        clock.sleep(0.1)
    os.kill(int(pause_file.read_text()), signal.SIGKILL)
    output, _ = worker.communicate(timeout=90)
    assert worker.returncode == 0, output[-3000:]
    pause_file.unlink()


@pytest.mark.redis
def test_a_worker_killed_mid_run_leaves_no_half_written_run(
        app, client, api_token, company_a, database_url, tmp_path):  # noqa: F811
    person_id = feed_october(company_a, client, api_token)
    hr, staff = api_token(company_a, "hr_manager"), api_token(company_a, "hr_staff")
    pause = tmp_path / "horse.pid"

    # 1. The first computation dies after writing its payslips, before its commit.
    started = client.post("/api/v1/payroll/runs", json={"month": "2026-10"}, headers=hr)
    run_id, first_job = started.get_json()["run"]["id"], started.get_json()["job"]["id"]
    kill_the_horse_when_it_pauses(start_worker_process(app, database_url, pause), pause)
    assert count_payslips(company_a, run_id) == 0
    run = load(company_a, PayrollRun, run_id)
    assert (run.status, run.employee_count, run.total_net) == ("queued", 0, M("0.00"))
    assert load(company_a, JobRecord, first_job).status == "running"  # its worker is gone
    shown = client.get(f"/api/v1/payroll/runs/{run_id}", headers=hr).get_json()
    assert shown["status"] == "queued"

    # 2. Started again: the dead job is recognised, a new one computes the run.
    again = client.post("/api/v1/payroll/runs", json={"month": "2026-10"}, headers=hr)
    assert again.status_code == 202
    second_job = again.get_json()["job"]["id"]
    assert second_job != first_job
    assert load(company_a, JobRecord, first_job).status == "failed"
    run_worker(app, ["payroll"])
    before = payslip_of(company_a, run_id, person_id)
    expected = {**EXPECTED, "rewards": M("0.00"), "fines": M("0.00")}
    expected.update(gross=M("5634.83"), taxable=M("5169.83"), cum_taxable=M("45169.83"),
                    iit=M("796.98"), net=M("4372.85"))
    assert before == expected
    count = count_payslips(company_a, run_id)

    # 3. A reward comes in; the recomputation of the draft dies mid-write.
    file_reward(client, staff, person_id, "reward", "100.00", hr)
    client.post(f"/api/v1/payroll/runs/{run_id}/recompute", headers=hr)
    kill_the_horse_when_it_pauses(start_worker_process(app, database_url, pause), pause)
    assert payslip_of(company_a, run_id, person_id) == before  # the previous state, intact
    assert count_payslips(company_a, run_id) == count
    run = load(company_a, PayrollRun, run_id)
    assert run.status == "draft" and run.employee_count == count

    # 4. Rerun: right, once.
    rerun = client.post(f"/api/v1/payroll/runs/{run_id}/recompute", headers=hr)
    assert rerun.status_code == 202, rerun.get_json()
    run_worker(app, ["payroll"])
    after = payslip_of(company_a, run_id, person_id)
    assert after["rewards"] == M("100.00") and after["gross"] == M("5734.83")
    assert after["net"] == before["net"] + M("100.00") - M("10.00")  # 10% IIT on the reward
    assert count_payslips(company_a, run_id) == count
    assert load(company_a, PayrollRun, run_id).status == "draft"


@pytest.mark.redis
def test_nothing_moves_while_a_computation_is_queued(app, company_a):  # noqa: F811
    with tenant_context(company_a.tenant_id):
        data.worked_example(company_a)
        run, record = payroll_run.start_run("2026-11")
        run.status = "draft"  # as if computed before: a recomputation is now queued
        commit_and_dispatch()  # on the Redis queue, no worker
        run_id, job_id = run.id, record.id
        again, same = payroll_run.start_run("2026-11")
        assert (again.id, same.id) == (run_id, job_id)
        with pytest.raises(payroll_run.PayrollError) as err:
            payroll_run.transition(run_id, "submit", actor=company_a.accounts["hr_manager"])
        assert "正在计算" in err.value.message
        db.session.rollback()
