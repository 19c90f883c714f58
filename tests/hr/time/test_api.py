"""/api/v1 考勤: schedules, clock records (incl. the device import), leave and overtime —
permission, store scope, 422 naming the field, idempotent import."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.blueprints.hr.models.time import ClockRecord, ScheduleEntry
from app.extensions import db
from tests.hr.time.helpers import local, make_shifts, monday, staff


def _shifts(company, in_tenant) -> dict:
    with in_tenant(company):
        made = make_shifts(company.store.id)
        db.session.commit()
        return {name: shift.id for name, shift in made.items()}


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_schedule_cells_publish_copy_and_list(app, client, company_a, api_token, in_tenant):
    shifts = _shifts(company_a, in_tenant)
    manager = api_token(company_a, "store_manager")
    store, other = company_a.stores[0].id, company_a.stores[1].id
    person = company_a.employees["therapist"].id
    last_week, this_week = monday(1), monday(0)

    cell = client.post("/api/v1/schedules", headers=manager, json={
        "store_id": store, "employee_id": person, "work_date": last_week.isoformat(),
        "shift_template_id": shifts["night"]})
    assert cell.status_code == 200, cell.get_json()
    body = cell.get_json()
    assert body["published_at"] is None and body["work_date"] == last_week.isoformat()
    assert body["starts_at"].startswith(f"{last_week.isoformat()}T14:00")  # 22:00 +08:00
    rest = client.post("/api/v1/schedules", headers=manager, json={
        "store_id": store, "employee_id": person,
        "work_date": (last_week + timedelta(days=1)).isoformat(), "is_rest": True})
    assert rest.get_json()["is_rest"] is True

    bad = client.post("/api/v1/schedules", headers=manager, json={
        "store_id": store, "employee_id": person, "work_date": last_week.isoformat(),
        "shift_template_id": 999999})
    assert bad.status_code == 422 and "shift_template_id" in _fields(bad)
    for body, field in (
            ({"store_id": store, "employee_id": person}, "work_date"),
            ({"store_id": other, "employee_id": person, "work_date": last_week.isoformat(),
              "is_rest": True}, "store_id"),
            ({"store_id": store, "employee_id": person, "work_date": last_week.isoformat()},
             "shift_template_id")):
        response = client.post("/api/v1/schedules", headers=manager, json=body)
        assert response.status_code == 422 and field in _fields(response), (field,
                                                                             response.get_json())

    published = client.post("/api/v1/schedules/publish", headers=manager, json={
        "store_id": store, "week": (last_week + timedelta(days=3)).isoformat()})
    assert published.get_json() == {"store_id": store, "week": last_week.isoformat(),
                                    "published": 2}
    copied = client.post("/api/v1/schedules/copy", headers=manager, json={
        "store_id": store, "from_week": last_week.isoformat(),
        "to_week": this_week.isoformat()}).get_json()
    assert copied["copied"] == 2 and copied["filled"] == 0
    assert {c["outcome"] for c in copied["cells"]} == {"copied"}

    listed = client.get(f"/api/v1/schedules?store_id={store}&from={last_week.isoformat()}"
                        f"&to={(this_week + timedelta(days=6)).isoformat()}", headers=manager)
    assert listed.get_json()["total"] == 4
    too_long = client.get(f"/api/v1/schedules?from={last_week.isoformat()}"
                          f"&to={(last_week + timedelta(days=90)).isoformat()}", headers=manager)
    assert too_long.status_code == 422 and "to" in _fields(too_long)
    missing = client.get("/api/v1/schedules", headers=manager)
    assert missing.status_code == 422 and "from" in _fields(missing)

    # A therapist reads only their own published cells (this week's copies are drafts).
    mine = client.get(f"/api/v1/schedules?from={last_week.isoformat()}"
                      f"&to={(this_week + timedelta(days=6)).isoformat()}",
                      headers=api_token(company_a, "therapist")).get_json()
    assert mine["total"] == 2
    assert client.post("/api/v1/schedules", headers=api_token(company_a, "therapist"), json={
        "store_id": store, "employee_id": person, "work_date": this_week.isoformat(),
        "is_rest": True}).status_code == 403

    with in_tenant(company_a):
        entry_id = db.session.scalar(select(ScheduleEntry.id).where(
            ScheduleEntry.work_date == this_week))
    assert client.delete(f"/api/v1/schedules/{entry_id}", headers=manager).status_code == 204
    foreman_other_store = client.get(
        f"/api/v1/shift-templates?store_id={other}", headers=api_token(company_a, "foreman"))
    assert foreman_other_store.status_code == 422
    assert [s["name"] for s in client.get(f"/api/v1/shift-templates?store_id={store}",
                                          headers=manager).get_json()] == ["早班", "晚班", "通宵"]


def test_bulk_import_from_clock_devices_is_idempotent(app, client, company_a, api_token,
                                                      in_tenant):
    with in_tenant(company_a):
        person = staff(company_a.store, 1, role="cashier")[0]
        number = person.employee_no
        db.session.commit()
    headers = api_token(company_a, "hr_staff")
    day = monday(1)
    rows = [
        {"employee_no": number, "at": local(day, 9, 58).isoformat(), "kind": "in",
         "device_id": "ZK-01", "device_record_id": "88001"},
        {"employee_no": number, "at": local(day, 18, 1).isoformat(), "kind": "out",
         "device_id": "ZK-01", "device_record_id": "88002"},
        {"employee_no": "404", "at": local(day, 9).isoformat(), "kind": "in",
         "device_id": "ZK-01", "device_record_id": "88003"},
        {"employee_no": number, "at": "yesterday", "kind": "in",
         "device_id": "ZK-01", "device_record_id": "88004"},
        {"employee_no": number, "at": local(day, 12).isoformat(), "kind": "in",
         "device_id": "", "device_record_id": "88005"},
    ]
    first = client.post("/api/v1/clock-records/import", headers=headers, json={"records": rows})
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["created"], body["duplicates"]) == (2, 0)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (2, "employee_no"), (3, "at"), (4, "device_id")]
    again = client.post("/api/v1/clock-records/import", headers=headers,
                        json={"records": rows[:2]}).get_json()
    assert (again["created"], again["duplicates"], again["errors"]) == (0, 2, [])
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(ClockRecord.id))) == 2

    empty = client.post("/api/v1/clock-records/import", headers=headers, json={"records": []})
    assert empty.status_code == 422 and "records" in _fields(empty)
    missing = client.post("/api/v1/clock-records/import", headers=headers, json={})
    assert missing.status_code == 422 and "records" in _fields(missing)
    assert client.post("/api/v1/clock-records/import", headers=api_token(company_a, "cashier"),
                       json={"records": rows}).status_code == 403

    listed = client.get(f"/api/v1/clock-records?from={day.isoformat()}&to={day.isoformat()}",
                        headers=headers).get_json()
    assert [r["device_record_id"] for r in listed["items"]] == ["88001", "88002"]
    assert listed["items"][0]["source"] == "device"


def test_single_punches_void_and_own_clock_in(app, client, company_a, api_token, in_tenant):
    foreman = api_token(company_a, "foreman")
    person = company_a.employees["cashier"].id
    at = local(monday(1), 10, 3).isoformat()
    missing = client.post("/api/v1/clock-records", headers=foreman, json={
        "employee_id": person, "kind": "in", "at": at})
    assert missing.status_code == 422 and "reason" in _fields(missing)
    naive = client.post("/api/v1/clock-records", headers=foreman, json={
        "employee_id": person, "kind": "in", "at": "2026-11-02T10:00:00", "reason": "补"})
    assert naive.status_code == 422 and "at" in _fields(naive)
    done = client.post("/api/v1/clock-records", headers=foreman, json={
        "employee_id": person, "kind": "in", "at": at, "reason": "忘带手机"})
    assert done.status_code == 201 and done.get_json()["source"] == "correction"
    record_id = done.get_json()["id"]
    no_reason = client.post(f"/api/v1/clock-records/{record_id}/void", headers=foreman, json={})
    assert no_reason.status_code == 422 and "reason" in _fields(no_reason)
    voided = client.post(f"/api/v1/clock-records/{record_id}/void", headers=foreman,
                         json={"reason": "重复"})
    assert voided.status_code == 200 and voided.get_json()["void_reason"] == "重复"

    own = client.post("/api/v1/clock-records/own", headers=api_token(company_a, "therapist"),
                      json={"kind": "in"})
    assert own.status_code == 201 and own.get_json()["board"] == "joined"
    therapist_list = client.get(
        f"/api/v1/clock-records?from={monday(1).isoformat()}"
        f"&to={(monday(0) + timedelta(days=6)).isoformat()}",
        headers=api_token(company_a, "therapist")).get_json()
    assert [r["source"] for r in therapist_list["items"]] == ["self"]  # only their own


def test_leave_requests_routing_overlap_and_scope(app, client, company_a, api_token):
    therapist = api_token(company_a, "therapist")
    manager = api_token(company_a, "store_manager")
    start = monday(-1)
    short = client.post("/api/v1/leave-requests", headers=therapist, json={
        "kind": "annual", "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=2)).isoformat()})
    assert short.status_code == 201, short.get_json()
    assert short.get_json()["days"] == "3.0" and short.get_json()["needs_hr"] is False
    long = client.post("/api/v1/leave-requests", headers=therapist, json={
        "kind": "maternity", "starts_on": (start + timedelta(days=7)).isoformat(),
        "ends_on": (start + timedelta(days=100)).isoformat()}).get_json()
    assert long["needs_hr"] is True
    overlap = client.post("/api/v1/leave-requests", headers=therapist, json={
        "kind": "sick", "starts_on": (start + timedelta(days=1)).isoformat(), "half_day": True})
    assert overlap.status_code == 422 and "starts_on" in _fields(overlap)
    bad_kind = client.post("/api/v1/leave-requests", headers=therapist, json={
        "kind": "vacation", "starts_on": start.isoformat()})
    assert bad_kind.status_code == 422 and "kind" in _fields(bad_kind)

    assert client.post(f"/api/v1/leave-requests/{short.get_json()['id']}/approve",
                       headers=therapist, json={}).status_code == 403
    approved = client.post(f"/api/v1/leave-requests/{short.get_json()['id']}/approve",
                           headers=manager, json={"note": "同意"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    refused = client.post(f"/api/v1/leave-requests/{long['id']}/approve", headers=manager,
                          json={})
    assert refused.status_code == 403 and "人力资源" in refused.get_json()["error"]["message"]
    hr = client.post(f"/api/v1/leave-requests/{long['id']}/approve",
                     headers=api_token(company_a, "hr_manager"), json={})
    assert hr.status_code == 200

    # The store manager files for a cashier of the store, not for another store's person.
    filed = client.post("/api/v1/leave-requests", headers=manager, json={
        "employee_id": company_a.employees["cashier"].id, "kind": "sick",
        "starts_on": start.isoformat()})
    assert filed.status_code == 201, filed.get_json()
    cashier_list = client.get("/api/v1/leave-requests",
                              headers=api_token(company_a, "cashier")).get_json()
    assert [r["kind"] for r in cashier_list["items"]] == ["sick"]
    assert client.get(f"/api/v1/leave-requests/{long['id']}",
                      headers=api_token(company_a, "cashier")).status_code == 404
    assert client.get("/api/v1/leave-requests?status=pending",
                      headers=manager).get_json()["total"] == 1
    cancelled = client.post(f"/api/v1/leave-requests/{short.get_json()['id']}/cancel",
                            headers=therapist, json={})
    assert cancelled.get_json()["status"] == "cancelled"


def test_overtime_requests(app, client, company_a, api_token):
    therapist = api_token(company_a, "therapist")
    manager = api_token(company_a, "store_manager")
    day = monday(1)
    bad = client.post("/api/v1/overtime-requests", headers=therapist, json={
        "work_date": day.isoformat(), "hours": "30", "reason": "客人多"})
    assert bad.status_code == 422 and "hours" in _fields(bad)
    made = client.post("/api/v1/overtime-requests", headers=therapist, json={
        "work_date": day.isoformat(), "hours": "2.5", "reason": "客人多"})
    assert made.status_code == 201 and made.get_json()["hours"] == "2.50"
    overtime_id = made.get_json()["id"]
    assert client.post(f"/api/v1/overtime-requests/{overtime_id}/approve", headers=therapist,
                       json={}).status_code == 403
    approved = client.post(f"/api/v1/overtime-requests/{overtime_id}/approve", headers=manager,
                           json={})
    assert approved.get_json()["status"] == "approved"
    assert client.get("/api/v1/overtime-requests?status=approved",
                      headers=manager).get_json()["total"] == 1


def test_the_time_api_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/schedules", "/api/v1/schedules/publish", "/api/v1/schedules/copy",
                 "/api/v1/clock-records", "/api/v1/clock-records/import",
                 "/api/v1/clock-records/{clock_id}/void", "/api/v1/leave-requests",
                 "/api/v1/leave-requests/{leave_id}/approve", "/api/v1/overtime-requests"):
        assert path in spec["paths"], path
    assert "ClockImportResult" in spec["components"]["schemas"]
