"""上牌 looks at the day's schedule and the 健康证: a therapist on a rest day (the store
plans the day and they have no shift in it) is put on the board only once someone
confirms; an expired certificate is refused with the reason, no override."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.blueprints.hr.models.time import ScheduleEntry
from app.blueprints.store import dispatch
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BoardEntry, DispatchLog
from app.extensions import db
from app.tenancy import tenant_context
from app.validation import InputError
from tests.store.helpers import make_catalogue, make_therapists


@pytest.fixture
def floor(company_a):
    """Store 1 with three therapists, none on the board; today the store's schedule
    has 801 on a shift, 802 on a rest day (排休) and nothing for 803."""
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        t = make_therapists(store.id, 3, qualified=[items["foot"]])
        today = today_for_store()
        db.session.add_all([
            ScheduleEntry(employee_id=t[0].id, store_id=store.id, work_date=today),
            ScheduleEntry(employee_id=t[1].id, store_id=store.id, work_date=today,
                          is_rest=True),
        ])
        db.session.commit()
        return {"company": company_a, "store_id": store.id, "ids": [x.id for x in t],
                "actor": company_a.accounts["dispatcher"]}


def _on_board(company, therapist_id) -> bool:
    with tenant_context(company.tenant_id):
        return db.session.scalar(select(BoardEntry.id).where(
            BoardEntry.therapist_id == therapist_id)) is not None


def test_a_scheduled_therapist_clocks_in_without_a_question(floor):
    with tenant_context(floor["company"].tenant_id):
        entry = dispatch.clock_in(floor["store_id"], floor["ids"][0], floor["actor"])
        assert entry.position == 1


@pytest.mark.parametrize("who", [1, 2], ids=["rest_day", "no_shift"])
def test_a_rest_day_asks_for_confirmation(floor, who):
    with tenant_context(floor["company"].tenant_id):
        with pytest.raises(InputError) as error:
            dispatch.clock_in(floor["store_id"], floor["ids"][who], floor["actor"])
        assert error.value.field == "confirm_rest_day"
        assert "休息" in error.value.message
        db.session.rollback()
        assert not _on_board(floor["company"], floor["ids"][who])
        dispatch.clock_in(floor["store_id"], floor["ids"][who], floor["actor"],
                          confirm_rest_day=True)
        log = db.session.scalar(select(DispatchLog).order_by(DispatchLog.id.desc()))
        assert log.action == "clock_in" and "休息日" in log.rule


def test_a_store_without_a_schedule_that_day_is_not_asked(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        t = make_therapists(store.id, 1)
        dispatch.clock_in(store.id, t[0].id, company_a.accounts["dispatcher"])


def test_an_expired_health_certificate_is_refused_even_when_confirmed(floor):
    with tenant_context(floor["company"].tenant_id):
        from app.models import Employee
        therapist = db.session.get(Employee, floor["ids"][0])
        therapist.health_cert_expires_on = today_for_store() - timedelta(days=1)
        db.session.flush()
        with pytest.raises(InputError) as error:
            dispatch.clock_in(floor["store_id"], therapist.id, floor["actor"],
                              confirm_rest_day=True)
        assert error.value.field == "therapist_id" and "健康证" in error.value.message
        db.session.rollback()
    assert not _on_board(floor["company"], floor["ids"][0])


def test_api_rest_day_needs_confirm_and_expired_certificate_is_422(client, api_token, floor):
    company, sid = floor["company"], floor["store_id"]
    headers = api_token(company, "dispatcher")
    url = f"/api/v1/stores/{sid}/board/clock-in"
    asked = client.post(url, headers=headers, json={"therapist_id": floor["ids"][1]})
    assert asked.status_code == 422
    error = asked.get_json()["error"]
    assert "confirm_rest_day" in error["fields"] and "休息" in error["message"]
    done = client.post(url, headers=headers,
                       json={"therapist_id": floor["ids"][1], "confirm_rest_day": True})
    assert done.status_code == 201
    with tenant_context(company.tenant_id):
        from app.models import Employee
        db.session.get(Employee, floor["ids"][0]).health_cert_expires_on = (
            today_for_store() - timedelta(days=3))
        db.session.commit()
    refused = client.post(url, headers=headers,
                          json={"therapist_id": floor["ids"][0], "confirm_rest_day": True})
    assert refused.status_code == 422
    assert "therapist_id" in refused.get_json()["error"]["fields"]
    assert "健康证" in refused.get_json()["error"]["message"]
    assert not _on_board(company, floor["ids"][0])


def test_page_confirms_a_rest_day_and_refuses_an_expired_certificate(client, auth, floor):
    company, sid = floor["company"], floor["store_id"]
    auth.login_as(company, "dispatcher")
    asked = client.post(f"/store/{sid}/board/clock-in",
                        data={"therapist_id": floor["ids"][2]})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "休息" in page
    assert 'name="confirm_rest_day"' in page
    assert not _on_board(company, floor["ids"][2])
    client.post(f"/store/{sid}/board/clock-in",
                data={"therapist_id": floor["ids"][2], "confirm_rest_day": "1"})
    assert _on_board(company, floor["ids"][2])

    with tenant_context(company.tenant_id):
        from app.models import Employee
        db.session.get(Employee, floor["ids"][0]).health_cert_expires_on = (
            today_for_store() - timedelta(days=1))
        db.session.commit()
    refused = client.post(f"/store/{sid}/board/clock-in",
                          data={"therapist_id": floor["ids"][0]}, follow_redirects=True)
    assert "健康证" in refused.get_data(as_text=True)
    assert not _on_board(company, floor["ids"][0])


def test_the_board_shows_an_expired_certificate(client, auth, floor):
    """One already on the board whose 健康证 expires (e.g. the next morning) is marked,
    not shown as plain 空闲; one off the board is marked in the 上牌 list."""
    company, sid = floor["company"], floor["store_id"]
    with tenant_context(company.tenant_id):
        from app.models import Employee
        dispatch.clock_in(sid, floor["ids"][0], floor["actor"])
        expired = today_for_store() - timedelta(days=1)
        db.session.get(Employee, floor["ids"][0]).health_cert_expires_on = expired
        db.session.get(Employee, floor["ids"][2]).health_cert_expires_on = expired
        db.session.commit()
    auth.login_as(company, "dispatcher")
    live = client.get(f"/store/{sid}/board/live").get_data(as_text=True)
    assert 'data-health="expired"' in live
    assert "803 技师803（健康证过期）" in live
