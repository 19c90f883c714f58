"""宿舍 under concurrency: two clerks move two people into one bed (and one person into
two beds) at the same moment.  PostgreSQL only: SQLite serializes every writer."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.blueprints.logistics import dorms
from app.blueprints.logistics.models import DormAssignment
from app.extensions import db
from app.tenancy import tenant_context
from tests.hr.helpers import add_employee


def _at_once(app, headers, bodies: list[dict]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def move_in(body: dict) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post("/api/v1/dorm-stays", headers=headers, json=body)
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=move_in, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_one_bed_one_person_under_concurrent_moves(app, company_a, api_token):
    with tenant_context(company_a.tenant_id):
        dorm = dorms.save_dormitory(None, name="并发宿舍")
        bed1 = dorms.add_bed(dorm, room_no="101", bed_no="1")
        bed2 = dorms.add_bed(dorm, room_no="101", bed_no="2")
        bed3 = dorms.add_bed(dorm, room_no="102", bed_no="1")
        first = add_employee("P001", store=company_a.store)
        second = add_employee("P002", store=company_a.store)
        db.session.commit()
        ids = (bed1.id, bed2.id, bed3.id, first.id, second.id)
    bed1_id, bed2_id, bed3_id, first_id, second_id = ids
    headers = api_token(company_a, "logistics_head")
    same_bed = _at_once(app, headers, [
        {"employee_id": first_id, "bed_id": bed1_id, "moved_in_on": "2026-11-01"},
        {"employee_id": second_id, "bed_id": bed1_id, "moved_in_on": "2026-11-01"}])
    assert sorted(code for code, _ in same_bed) == [201, 422], same_bed
    assert "bed_id" in next(body for code, body in same_bed if code == 422)["error"]["fields"]
    housed = next(body for code, body in same_bed if code == 201)["employee_id"]
    waiting = second_id if housed == first_id else first_id
    # One person into two beds at once: one open stay only.
    two_beds = _at_once(app, headers, [
        {"employee_id": waiting, "bed_id": bed2_id, "moved_in_on": "2026-11-01"},
        {"employee_id": waiting, "bed_id": bed3_id, "moved_in_on": "2026-11-01"}])
    assert sorted(code for code, _ in two_beds) == [201, 422], two_beds
    refused = next(body for code, body in two_beds if code == 422)
    assert "employee_id" in refused["error"]["fields"]
    with tenant_context(company_a.tenant_id):
        db.session.expire_all()
        open_stays = db.session.scalar(select(func.count()).select_from(DormAssignment).where(
            DormAssignment.moved_out_on.is_(None)))
        assert open_stays == 2
