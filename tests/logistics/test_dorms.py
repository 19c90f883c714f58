"""宿舍: one person per bed, one open stay per person, gender, left employees, moving,
the last day closing the stay, occupancy, pages, the API, statement counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.blueprints.hr import offboarding
from app.blueprints.logistics import dorms
from app.blueprints.logistics.models import DormAssignment
from app.extensions import db
from tests.hr.helpers import add_employee
from tests.hr.test_query_budget import count_statements

DAY = date(2026, 11, 1)


def _dorm(gender=None, beds=2, name="天河宿舍"):
    dorm = dorms.save_dormitory(None, name=name, address="天河路 8 号", gender=gender,
                                monthly_rent="2,800")
    made = [dorms.add_bed(dorm, room_no="101", bed_no=str(n + 1)) for n in range(beds)]
    return dorm, made


def test_the_rules_of_a_stay(company_a, in_tenant):
    with in_tenant(company_a):
        dorm, (bed1, bed2) = _dorm(gender="female")
        her = add_employee("F001", store=company_a.store, gender="female")
        other = add_employee("F002", store=company_a.store, gender="female")
        him = add_employee("M001", store=company_a.store, gender="male")
        gone = add_employee("F003", store=company_a.store, gender="female", status="left")
        stay = dorms.move_in(her, bed1, DAY)
        for person, bed, field in ((other, bed1, "bed_id"),  # one person per bed
                                   (her, bed2, "employee_id"),  # one open stay per person
                                   (him, bed2, "bed_id"),  # a women's dormitory
                                   (gone, bed2, "employee_id")):  # who has left
            with pytest.raises(dorms.DormError) as refused:
                dorms.move_in(person, bed, DAY)
            assert field in refused.value.fields
        assert dorms.occupancy_of(dorm.id).__dict__ == {"beds": 2, "occupied": 1}
        with pytest.raises(dorms.DormError) as early:
            dorms.move_to_bed(stay, bed2, date(2026, 10, 1))
        assert "moved_in_on" in early.value.fields
        new = dorms.move_to_bed(stay, bed2, date(2026, 11, 10))
        assert stay.moved_out_on == date(2026, 11, 10) and new.bed_id == bed2.id
        assert new.moved_out_on is None
        dorms.move_in(other, bed1, date(2026, 11, 10))  # the old bed is free again
        with pytest.raises(dorms.DormError) as before:
            dorms.move_out(new, date(2026, 11, 9))
        assert "moved_out_on" in before.value.fields
        dorms.move_out(new, date(2026, 11, 30))
        with pytest.raises(dorms.DormError):
            dorms.move_out(new, date(2026, 11, 30))
        assert [s.id for s, *_ in dorms.history(employee_id=her.id)] == [new.id, stay.id]
        assert [s.employee_id for s, *_ in dorms.history(bed_id=bed1.id)] == [other.id, her.id]
        with pytest.raises(dorms.DormError) as busy:
            dorms.archive_bed(bed1)
        assert "bed_id" in busy.value.fields
        with pytest.raises(dorms.DormError) as occupied:
            dorms.save_dormitory(dorm, name=dorm.name, is_active=False)
        assert "is_active" in occupied.value.fields
        with pytest.raises(dorms.DormError) as bad:
            dorms.save_dormitory(None, name="", gender="x", monthly_rent="abc")
        assert {"name", "gender", "monthly_rent"} <= set(bad.value.fields)
        with pytest.raises(dorms.DormError) as twice:
            dorms.add_bed(dorm, room_no="101", bed_no="1")
        assert "bed_no" in twice.value.fields


def test_the_last_day_closes_the_stay(company_a, in_tenant):
    with in_tenant(company_a):
        person = company_a.employees["therapist"]
        dorm, (bed, _other) = _dorm()
        dorms.move_in(person, bed, DAY)
        request = offboarding.request_offboarding(person, kind="resignation",
                                                  last_day=date(2026, 11, 15), reason="回老家",
                                                  actor=company_a.accounts["hr_staff"])
        offboarding.approve_offboarding(request, company_a.accounts["hr_manager"],
                                        now=datetime(2026, 11, 2, tzinfo=UTC))
        offboarding.run_last_day(request.id, now=datetime(2026, 11, 20, tzinfo=UTC))
        assert person.status == "left"
        stay = db.session.scalar(select(DormAssignment))
        assert stay.moved_out_on == date(2026, 11, 15)
        assert dorms.occupancy_of(dorm.id).occupied == 0
        assert dorms.left_still_in_bed() == []


def test_lists_are_flat_in_statements(company_a, in_tenant):
    def statements() -> int:
        with in_tenant(company_a), count_statements() as seen:
            for dorm, _occ in dorms.list_dormitories():
                dorms.bed_grid(dorm)
                break
            dorms.left_still_in_bed()
            dorms.history(employee_id=company_a.employees["therapist"].id)
        return len(seen)

    with in_tenant(company_a):
        _dorm(beds=1)
        db.session.commit()
    few = statements()
    with in_tenant(company_a):
        dorm, beds = _dorm(beds=6, name="二号宿舍")
        for n, bed in enumerate(beds):
            dorms.move_in(add_employee(f"D{n:03d}", store=company_a.store), bed, DAY)
        db.session.commit()
    assert statements() == few


def test_pages(client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        dorm, (bed1, bed2) = _dorm(gender="male")
        person = add_employee("M100", store=company_a.store, gender="male")
        db.session.commit()
        dorm_id, bed1_id, bed2_id, person_id = dorm.id, bed1.id, bed2.id, person.id
    auth.login_as(company_a, "logistics_head")
    page = client.get("/logistics/dorms").get_data(as_text=True)
    assert f'data-dorm-id="{dorm_id}"' in page and "空床 2" in page
    refused = client.post("/logistics/dorms/move-in", data={
        "employee_id": person_id, "bed_id": bed1_id, "moved_in_on": ""})
    assert refused.status_code == 422
    moved = client.post("/logistics/dorms/move-in", data={
        "employee_id": person_id, "bed_id": bed1_id, "moved_in_on": "2026-11-01"})
    assert moved.status_code == 302
    detail = client.get(f"/logistics/dorms/{dorm_id}").get_data(as_text=True)
    assert f'data-bed-id="{bed1_id}" data-occupied="1"' in detail
    with in_tenant(company_a):
        stay_id = db.session.scalar(select(DormAssignment.id))
    assert client.post(f"/logistics/dorms/stays/{stay_id}/move", data={
        "bed_id": bed2_id, "moved_in_on": "2026-11-05"}).status_code == 302
    assert client.post("/logistics/dorms/new", data={"name": "", "gender": ""}).status_code == 422
    assert client.post("/logistics/dorms/new", data={
        "name": "白云宿舍", "gender": "female", "monthly_rent": "3000", "store_id": "",
        "is_active": "y"}).status_code == 302
    assert client.get(f"/logistics/dorms/people/{person_id}").status_code == 200
    auth.logout()
    auth.login_as(company_a, "store_manager")  # dormitories are head office's
    assert client.get("/logistics/dorms").status_code == 403


def test_api_round_trip(client, api_token, company_a, in_tenant):
    with in_tenant(company_a):
        her = add_employee("F200", store=company_a.store, gender="female")
        him = add_employee("M200", store=company_a.store, gender="male")
        db.session.commit()
        her_id, him_id = her.id, him.id
    head = api_token(company_a, "logistics_head")
    bad = client.post("/api/v1/dormitories", headers=head, json={"name": "x", "gender": "x"})
    assert bad.status_code == 422 and "gender" in str(bad.get_json())
    dorm = client.post("/api/v1/dormitories", headers=head, json={
        "name": "女生宿舍", "gender": "female", "monthly_rent": "2800.00"}).get_json()
    bed = client.post(f"/api/v1/dormitories/{dorm['id']}/beds", headers=head,
                      json={"room_no": "201", "bed_no": "1"})
    assert bed.status_code == 201
    bed_id = bed.get_json()["id"]
    wrong = client.post("/api/v1/dorm-stays", headers=head, json={
        "employee_id": him_id, "bed_id": bed_id, "moved_in_on": "2026-11-01"})
    assert wrong.status_code == 422 and "bed_id" in str(wrong.get_json())
    stay = client.post("/api/v1/dorm-stays", headers=head, json={
        "employee_id": her_id, "bed_id": bed_id, "moved_in_on": "2026-11-01"})
    assert stay.status_code == 201
    listed = client.get("/api/v1/dormitories", headers=head).get_json()
    assert [(d["beds"], d["occupied"], d["free"]) for d in listed] == [(1, 1, 0)]
    out = client.post(f"/api/v1/dorm-stays/{stay.get_json()['id']}/move-out", headers=head,
                      json={"moved_out_on": "2026-11-30"})
    assert out.status_code == 200 and out.get_json()["moved_out_on"] == "2026-11-30"
    history = client.get(f"/api/v1/dorm-stays?employee_id={her_id}", headers=head).get_json()
    assert len(history) == 1
    manager = api_token(company_a, "store_manager")
    assert client.get("/api/v1/dormitories", headers=manager).status_code == 403
