"""/api/v1 班次 create/change and the bulk 排班 upsert: what an integrator sets up without a
browser — permission, another tenant's object, 422 naming the field with nothing changed,
the happy path, and a month of a store in a fixed number of statements."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import event, func, select

from app.blueprints.hr.models.time import ScheduleEntry, ShiftTemplate
from app.blueprints.hr.time.locks import lock_sheet
from app.extensions import db
from tests.hr.time.helpers import first_of_month, make_shifts, monday, staff


def _fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def _shift_rows(company, in_tenant) -> list[tuple]:
    with in_tenant(company):
        return [tuple(row) for row in db.session.execute(
            select(ShiftTemplate.name, ShiftTemplate.starts_at, ShiftTemplate.ends_at,
                   ShiftTemplate.is_active).order_by(ShiftTemplate.id))]


def _cells(company, in_tenant) -> list[tuple]:
    with in_tenant(company):
        return [tuple(row) for row in db.session.execute(
            select(ScheduleEntry.employee_id, ScheduleEntry.work_date,
                   ScheduleEntry.shift_template_id, ScheduleEntry.is_rest,
                   ScheduleEntry.published_at)
            .order_by(ScheduleEntry.employee_id, ScheduleEntry.work_date))]


def test_shift_templates_are_created_and_changed_over_the_api(client, company_a, company_b,
                                                              api_token, in_tenant):
    manager = api_token(company_a, "store_manager")
    store = company_a.store.id
    made = client.post("/api/v1/shift-templates", headers=manager, json={
        "store_id": store, "name": "早班", "starts_at": "10:00", "ends_at": "18:00"})
    assert made.status_code == 201, made.get_json()
    shift = made.get_json()
    assert (shift["name"], shift["starts_at"], shift["crosses_midnight"], shift["is_active"]) \
        == ("早班", "10:00:00", False, True)
    night = client.post("/api/v1/shift-templates", headers=manager, json={
        "store_id": store, "name": "通宵", "starts_at": "22:00", "ends_at": "06:00"}).get_json()
    assert night["crosses_midnight"] is True

    changed = client.patch(f"/api/v1/shift-templates/{shift['id']}", headers=manager,
                           json={"ends_at": "19:00"})
    assert changed.status_code == 200
    assert (changed.get_json()["name"], changed.get_json()["ends_at"]) == ("早班", "19:00:00")
    off = client.patch(f"/api/v1/shift-templates/{night['id']}", headers=manager,
                       json={"is_active": False})
    assert off.get_json()["is_active"] is False
    listed = client.get(f"/api/v1/shift-templates?store_id={store}", headers=manager).get_json()
    assert [(s["name"], s["is_active"]) for s in listed] == [("早班", True), ("通宵", False)]
    before = _shift_rows(company_a, in_tenant)
    assert before == [("早班", time(10), time(19), True), ("通宵", time(22), time(6), False)]

    # Bad input: 422 naming the field, nothing changed.
    for body, field in (
            ({"store_id": store, "name": "早班", "starts_at": "09:00", "ends_at": "17:00"},
             "name"),
            ({"store_id": store, "name": "午班", "starts_at": "12:00", "ends_at": "12:00"},
             "ends_at"),
            ({"store_id": store, "name": "午班", "starts_at": "25:00", "ends_at": "12:00"},
             "starts_at"),
            ({"store_id": company_a.stores[1].id, "name": "午班", "starts_at": "12:00",
              "ends_at": "20:00"}, "store_id"),
            ({"store_id": store, "starts_at": "12:00", "ends_at": "20:00"}, "name")):
        response = client.post("/api/v1/shift-templates", headers=manager, json=body)
        assert response.status_code == 422 and field in _fields(response), (field,
                                                                             response.get_json())
    clash = client.patch(f"/api/v1/shift-templates/{shift['id']}", headers=manager,
                         json={"name": "通宵", "is_active": False})
    assert clash.status_code == 422 and "name" in _fields(clash)
    assert _shift_rows(company_a, in_tenant) == before

    # Permission, another store's and another tenant's template.
    therapist = api_token(company_a, "therapist")
    assert client.post("/api/v1/shift-templates", headers=therapist, json={
        "store_id": store, "name": "午班", "starts_at": "12:00",
        "ends_at": "20:00"}).status_code == 403
    assert client.patch(f"/api/v1/shift-templates/{shift['id']}", headers=therapist,
                        json={"name": "午班"}).status_code == 403
    with in_tenant(company_a):
        elsewhere = make_shifts(company_a.stores[1].id)["early"].id
        db.session.commit()
    with in_tenant(company_b):
        foreign = make_shifts(company_b.store.id)["early"].id
        db.session.commit()
    for shift_id in (elsewhere, foreign):
        assert client.patch(f"/api/v1/shift-templates/{shift_id}", headers=manager,
                            json={"name": "午班"}).status_code == 404
    assert client.patch(f"/api/v1/shift-templates/{foreign}", headers=api_token(
        company_a, "owner"), json={"name": "午班"}).status_code == 404
    assert _shift_rows(company_a, in_tenant)[:2] == before


def test_a_month_of_a_store_in_one_bulk_call(app, client, company_a, api_token, in_tenant):
    with in_tenant(company_a):
        shifts = {name: s.id for name, s in make_shifts(company_a.store.id).items()}
        people = [e.id for e in staff(company_a.store, 12)]
        db.session.commit()
    manager = api_token(company_a, "store_manager")
    month = (first_of_month(0) + timedelta(days=32)).replace(day=1)  # next month: all open
    days = [month + timedelta(days=n) for n in range(28)]
    entries = [{"employee_id": person, "date": day.isoformat(),
                "shift_template_id": None if (n + i) % 7 == 0 else shifts["early"],
                "is_rest": (n + i) % 7 == 0}
               for i, person in enumerate(people) for n, day in enumerate(days)]
    assert len(entries) == 336

    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/schedules/bulk", headers=manager,
                               json={"entries": entries})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 336, "updated": 0, "cleared": 0, "unchanged": 0}
    # Authentication, tenant settings, the checks and the inserts: not one per cell
    # (PostgreSQL batches the ORM's inserts; SQLite would send one per row).
    assert 0 < len(statements) < 40, len(statements)
    cells = _cells(company_a, in_tenant)
    assert len(cells) == 336 and sum(1 for c in cells if c[3]) == 48
    assert all(c[4] is None for c in cells)  # drafts until published

    week = client.post("/api/v1/schedules/publish", headers=manager, json={
        "store_id": company_a.store.id, "week": days[0].isoformat()}).get_json()
    assert week["published"] > 0

    # Change one, clear one, leave one as it was (it keeps its published state).
    first, second = people[0], people[1]
    monday_cell = next(day for day in days if day.weekday() == 0 and day > days[0])
    again = client.post("/api/v1/schedules/bulk", headers=manager, json={"entries": [
        {"employee_id": first, "date": days[1].isoformat(), "shift_template_id": shifts["late"]},
        {"employee_id": second, "date": days[1].isoformat(), "shift_template_id": None},
        {"employee_id": second, "date": monday_cell.isoformat(),
         "shift_template_id": shifts["early"] if (days.index(monday_cell) + 1) % 7 else None,
         "is_rest": (days.index(monday_cell) + 1) % 7 == 0}]})
    assert again.get_json() == {"created": 0, "updated": 1, "cleared": 1, "unchanged": 1}
    by_cell = {(c[0], c[1]): c for c in _cells(company_a, in_tenant)}
    assert by_cell[(first, days[1])][2] == shifts["late"] and by_cell[(first, days[1])][4] is None
    assert (second, days[1]) not in by_cell


def test_a_bad_bulk_entry_refuses_the_batch_naming_each_entry(client, company_a, company_b,
                                                              api_token, in_tenant):
    with in_tenant(company_a):
        shifts = {name: s.id for name, s in make_shifts(company_a.store.id).items()}
        here = staff(company_a.store, 2)
        away = staff(company_a.stores[1], 1, start=950)[0].id
        other_shift = make_shifts(company_a.stores[1].id)["early"].id
        db.session.commit()
        person, second = here[0].id, here[1].id
    with in_tenant(company_b):
        foreign = staff(company_b.store, 1, start=970)[0].id
        db.session.commit()
    manager = api_token(company_a, "store_manager")
    day = monday(-1)
    good = {"employee_id": person, "date": day.isoformat(), "shift_template_id": shifts["early"]}
    entries = [
        good,
        {"employee_id": person, "date": (day + timedelta(days=1)).isoformat(),
         "shift_template_id": 999999},
        {"employee_id": away, "date": day.isoformat(), "shift_template_id": shifts["early"]},
        {"employee_id": foreign, "date": day.isoformat(), "shift_template_id": None,
         "is_rest": True},
        {"employee_id": person, "date": "2026-02-30", "shift_template_id": shifts["early"]},
        {"employee_id": person, "date": day.isoformat(), "shift_template_id": shifts["late"]},
        {"employee_id": person, "date": (day + timedelta(days=2)).isoformat(),
         "shift_template_id": other_shift},
        {"employee_id": second, "date": (day + timedelta(days=3)).isoformat(),
         "shift_template_id": shifts["early"], "is_rest": True},
    ]
    response = client.post("/api/v1/schedules/bulk", headers=manager, json={"entries": entries})
    assert response.status_code == 422
    # Malformed entries are named by marshmallow before any rule runs.
    assert _fields(response) == {"entries": {"4": {"date": ["Not a valid date."]}}}

    del entries[4]
    response = client.post("/api/v1/schedules/bulk", headers=manager, json={"entries": entries})
    assert response.status_code == 422
    refused = _fields(response)["entries"]
    assert {index: sorted(fields) for index, fields in refused.items()} == {
        "1": ["shift_template_id"],  # no such shift
        "2": ["employee_id"],  # another store's person (the manager's scope)
        "3": ["employee_id"],  # another tenant's person
        "4": ["date"],  # the same person and day twice
        "5": ["shift_template_id"],  # a shift of another store
        "6": ["shift_template_id"],  # rest day and a shift at once
    }
    assert _cells(company_a, in_tenant) == []

    # The other store's person, named by the head office with the store: not theirs.
    owner_batch = client.post("/api/v1/schedules/bulk", headers=api_token(company_a, "owner"),
                              json={"store_id": company_a.store.id, "entries": [
                                  good, entries[2]]})
    assert owner_batch.status_code == 422
    assert _fields(owner_batch) == {"entries": {"1": {"employee_id": ["不是本店员工"]}}}
    # A day of a locked month (考勤表 锁定) cannot be planned either.
    with in_tenant(company_a):
        locked_month = first_of_month(1)
        lock_sheet(company_a.store.id, locked_month, company_a.accounts["hr_manager"])
        db.session.commit()
    in_locked = client.post("/api/v1/schedules/bulk", headers=manager, json={"entries": [
        good, {**good, "date": locked_month.isoformat()}]})
    assert in_locked.status_code == 422
    assert list(_fields(in_locked)["entries"]) == ["1"]
    assert "已锁定" in _fields(in_locked)["entries"]["1"]["date"][0]
    for body, field in (({"entries": []}, "entries"), ({}, "entries"),
                        ({"entries": [good] * 2001}, "entries"),
                        ({"store_id": company_a.stores[1].id, "entries": [good]}, "store_id")):
        response = client.post("/api/v1/schedules/bulk", headers=manager, json=body)
        assert response.status_code == 422 and field in _fields(response), field
    assert client.post("/api/v1/schedules/bulk", headers=api_token(company_a, "therapist"),
                       json={"entries": [good]}).status_code == 403
    with in_tenant(company_a):
        assert db.session.scalar(select(func.count(ScheduleEntry.id))) == 0


def test_the_set_up_endpoints_are_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"post"} <= set(paths["/api/v1/shift-templates"])
    assert "patch" in paths["/api/v1/shift-templates/{shift_template_id}"]
    assert "post" in paths["/api/v1/schedules/bulk"]
    assert {"get", "put"} <= set(paths["/api/v1/employees/{employee_id}/qualifications"])
    # The service-item category is named in the document, not only in a 422.
    category = spec["components"]["schemas"]["ServiceItem"]["properties"]["category"]
    assert "foot" in category["description"] and "足疗" in category["description"]
