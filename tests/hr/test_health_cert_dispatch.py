"""健康证 blocks dispatch: an expired certificate skips the therapist in the rotation
(logged with the reason) and refuses a 点钟 with a clear reason; valid through its
expiry date; the board loads the date with the therapist row (no extra statement:
tests/store/test_dispatch_budget.py keeps the counts)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.blueprints.store import dispatch
from app.blueprints.store.days import today_for_store
from app.blueprints.store.rotation import PASS_REASONS, RotationError
from app.extensions import db
from tests.store.test_dispatch_service import desk, logs, new_line  # noqa: F401  (fixture)


def test_expired_certificate_skips_the_rotation_and_refuses_a_requested_job(desk):  # noqa: F811
    t, store = desk["t"], desk["store"]
    today = today_for_store()
    t[0].health_cert_expires_on = today - timedelta(days=1)  # expired yesterday
    t[1].health_cert_expires_on = today  # its last valid day
    db.session.flush()

    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    assert job.therapist_id == t[1].id
    log = logs(store.id)[-1]
    assert log.passed_over == [{"therapist_id": t[0].id, "reason": "health_certificate_expired"}]
    assert str(PASS_REASONS["health_certificate_expired"]) == "健康证过期"

    with pytest.raises(RotationError) as error:
        dispatch.assign_requested(new_line(desk, 1), t[0].employee_no, desk["actor"])
    assert error.value.field == "therapist_no"
    assert "健康证" in error.value.message

    # Renewed: dispatched again at once.
    t[0].health_cert_expires_on = today + timedelta(days=365)
    db.session.flush()
    requested = dispatch.assign_requested(new_line(desk, 2), t[0].employee_no, desk["actor"])
    assert requested.therapist_id == t[0].id


def test_refused_requested_job_answers_422_naming_the_therapist(desk, client):  # noqa: F811
    t = desk["t"]
    t[2].health_cert_expires_on = today_for_store() - timedelta(days=10)
    line = new_line(desk)
    db.session.commit()
    line_id, number = line.id, t[2].employee_no
    token = client.post("/api/v1/auth/token", json={
        "company": desk["company"].code, "username": "dispatcher", "password": "password123"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    response = client.post(f"/api/v1/order-lines/{line_id}/assign", headers=headers,
                           json={"mode": "requested", "therapist_no": number})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert "therapist_no" in error["fields"] and "健康证" in error["message"]
