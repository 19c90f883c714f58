"""Issue 10 §1: 离职 over the API.  Setting ``status=left`` by PATCH left no last day
and payroll then skipped the person without a word; now a status change is refused
with a 422 naming the offboarding endpoint, and an offboarding filed and approved
through the API puts the last day on the file, so the month's run pays the days up
to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.blueprints.hr.models import Offboarding
from app.extensions import db
from app.models import Employee
from tests.hr.payroll import payroll_data as data


def _person(client, headers, company, in_tenant, number="F1", **extra) -> int:
    with in_tenant(company):
        position_id = data.position("therapist").id
    body = {"employee_no": number, "name": "离职技师", "position_id": position_id,
            "store_id": company.stores[0].id, "hire_date": "2026-09-01", **extra}
    created = client.post("/api/v1/employees", headers=headers, json=body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _offboardings(employee_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Offboarding)
                             .where(Offboarding.employee_id == employee_id))


def test_patch_status_left_is_refused_and_names_the_offboarding_endpoint(
        client, api_token, company_a, in_tenant):
    hr = api_token(company_a, "hr_manager")
    employee_id = _person(client, hr, company_a, in_tenant)
    refused = client.patch(f"/api/v1/employees/{employee_id}", headers=hr,
                           json={"status": "left"})
    assert refused.status_code == 422
    message = refused.get_json()["error"]["fields"]["status"][0]
    assert f"/api/v1/employees/{employee_id}/offboarding" in message
    with in_tenant(company_a):
        person = db.session.get(Employee, employee_id)
        assert (person.status, person.last_day) == ("active", None)


def test_file_read_decide_and_cancel(client, api_token, company_a, company_b, in_tenant):
    hr_staff, hr_manager, owner = (api_token(company_a, role)
                                   for role in ("hr_staff", "hr_manager", "owner"))
    employee_id = _person(client, hr_manager, company_a, in_tenant)
    url = f"/api/v1/employees/{employee_id}/offboarding"

    assert client.post(url, headers=api_token(company_a, "store_manager"),
                       json={"last_day": "2026-11-14"}).status_code == 403
    assert client.post(url, headers=api_token(company_b, "hr_staff"),
                       json={"last_day": "2026-11-14"}).status_code == 404
    bad = client.post(url, headers=hr_staff, json={"kind": "termination",
                                                   "last_day": "2026-08-01"})
    assert bad.status_code == 422
    assert {"last_day", "reason"} <= set(bad.get_json()["error"]["fields"])
    wrong_kind = client.post(url, headers=hr_staff, json={"kind": "fired",
                                                          "last_day": "2026-11-14"})
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.get_json()["error"]["fields"]
    with in_tenant(company_a):
        assert _offboardings(employee_id) == 0

    filed = client.post(url, headers=hr_staff, json={"last_day": "2026-11-14",
                                                     "reason": "回老家"})
    assert filed.status_code == 201, filed.get_json()
    row = filed.get_json()
    assert (row["kind"], row["status"], row["last_day"], row["items"]) == (
        "resignation", "requested", "2026-11-14", [])
    assert client.post(url, headers=hr_staff, json={"last_day": "2026-11-20"}
                       ).status_code == 422  # one open offboarding per person

    listed = client.get(url, headers=api_token(company_a, "store_manager")).get_json()
    assert [r["id"] for r in listed] == [row["id"]]
    assert "settlement_amount" not in listed[0]  # the pay group only
    one = f"/api/v1/offboarding/{row['id']}"
    assert client.get(one, headers=hr_manager).get_json()["settlement_amount"] == "0.00"
    assert client.get(one, headers=api_token(company_b, "hr_manager")).status_code == 404

    # The filer (HR staff) may not decide; rejecting needs a reason.
    assert client.post(f"{one}/approve", headers=hr_staff).status_code == 403
    no_reason = client.post(f"{one}/reject", headers=hr_manager, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]

    approved = client.post(f"{one}/approve", headers=hr_manager)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved" and approved.get_json()["items"]
    # The last day being over, the approval started the last-day job: the person has
    # left, with the last day kept for payroll, and it can no longer be cancelled.
    assert client.get(one, headers=owner).get_json()["status"] == "completed"
    with in_tenant(company_a):
        person = db.session.get(Employee, employee_id)
        assert (person.status, person.last_day) == ("left", date(2026, 11, 14))
    late = client.post(f"{one}/cancel", headers=owner, json={"reason": "留下了"})
    assert late.status_code == 422 and "offboarding" in late.get_json()["error"]["fields"]


def test_cancel_a_requested_one_and_separation_of_duties(client, api_token, company_a,
                                                         in_tenant):
    hr_manager, owner = api_token(company_a, "hr_manager"), api_token(company_a, "owner")
    employee_id = _person(client, hr_manager, company_a, in_tenant)
    row = client.post(f"/api/v1/employees/{employee_id}/offboarding", headers=hr_manager,
                      json={"last_day": "2027-01-31", "reason": "家里有事"}).get_json()
    one = f"/api/v1/offboarding/{row['id']}"
    # Nobody decides their own request, here or through the one approval flow.
    assert client.post(f"{one}/approve", headers=hr_manager).status_code == 422
    own = client.post(f"/api/v1/approvals/offboarding/{row['id']}/decision",
                      headers=hr_manager, json={"verdict": "approved"})
    assert own.status_code == 422
    with in_tenant(company_a):
        assert db.session.get(Offboarding, row["id"]).status == "requested"
    assert client.post(f"{one}/cancel", headers=owner, json={}).status_code == 422
    cancelled = client.post(f"{one}/cancel", headers=owner, json={"reason": "不走了"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    with in_tenant(company_a):
        person = db.session.get(Employee, employee_id)
        assert (person.status, person.last_day) == ("active", None)


def test_the_approval_flow_decides_an_offboarding(client, api_token, company_a, in_tenant):
    hr_staff, hr_manager = api_token(company_a, "hr_staff"), api_token(company_a, "hr_manager")
    employee_id = _person(client, hr_manager, company_a, in_tenant)
    row = client.post(f"/api/v1/employees/{employee_id}/offboarding", headers=hr_staff,
                      json={"last_day": "2027-01-31"}).get_json()
    waiting = client.get("/api/v1/approvals", headers=hr_manager).get_json()["items"]
    assert {"kind": "offboarding", "object_id": row["id"]}.items() <= next(
        w for w in waiting if w["kind"] == "offboarding").items()
    decision = f"/api/v1/approvals/offboarding/{row['id']}/decision"
    no_note = client.post(decision, headers=hr_manager, json={"verdict": "rejected"})
    assert no_note.status_code == 422
    decided = client.post(decision, headers=hr_manager, json={"verdict": "approved"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"
    with in_tenant(company_a):
        person = db.session.get(Employee, employee_id)
        assert (person.status, person.last_day) == ("offboarding", date(2027, 1, 31))


def test_offboarded_through_the_api_is_paid_to_the_last_day(client, api_token, company_a,
                                                            in_tenant):
    """The month's run pays the person for the days up to the last day (before, a
    PATCH ``status=left`` left no last day and the run skipped them)."""
    hr_staff, hr_manager, finance = (api_token(company_a, role) for role in (
        "hr_staff", "hr_manager", "finance_manager"))
    profile = client.post("/api/v1/pay-profiles", headers=finance, json={
        "name": "离职测试方案", "monthly_base": "4350.00", "overtime_eligible": False,
        "meal_allowance_per_day": "0.00"}).get_json()
    employee_id = _person(client, hr_manager, company_a, in_tenant,
                          pay_profile_id=profile["id"], si_enrolled=False)
    last_day = date(2026, 11, 14)
    with in_tenant(company_a):
        person = db.session.get(Employee, employee_id)
        store = company_a.stores[0]
        shift_days = data.schedule_month(person, store)
        worked = [day for day in shift_days if day <= last_day]
        data.clock_days(person, store, worked)
        db.session.commit()

    row = client.post(f"/api/v1/employees/{employee_id}/offboarding", headers=hr_staff,
                      json={"last_day": last_day.isoformat(), "reason": "回老家"}).get_json()
    assert client.post(f"/api/v1/approvals/offboarding/{row['id']}/decision",
                       headers=hr_manager, json={"verdict": "approved"}).status_code == 200

    started = client.post("/api/v1/payroll/runs", json={"month": "2026-11"}, headers=hr_manager)
    assert started.status_code == 202, started.get_json()
    run_id = started.get_json()["run"]["id"]
    slips = client.get(f"/api/v1/payroll/runs/{run_id}/payslips?page_size=200",
                       headers=hr_manager).get_json()["items"]
    slip = next((s for s in slips if s["employee_id"] == employee_id), None)
    assert slip is not None, "the offboarded person was left out of the run"
    # 4350 / 21.75 = 200 a day, for each day worked up to the last day.
    assert Decimal(slip["base"]) == Decimal(200 * len(worked)).quantize(Decimal("0.01"))
    assert Decimal(slip["base"]) < Decimal("4350.00")
