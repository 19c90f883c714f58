"""轮牌 pages and API over HTTP: permissions, store scope, the actions and the
guest's add-on confirmation."""

import re

import pytest
from sqlalchemy import select

from app.blueprints.store import dispatch, orders
from app.blueprints.store.models import BoardEntry, DispatchLog, ServiceJob
from app.extensions import db
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists


@pytest.fixture
def shop(company_a):
    """Store 1 with three therapists on the board and one order (room 101, 足疗)."""
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapists = make_therapists(store.id, 3, qualified=[items["foot"], items["oil"]])
        for therapist in therapists:
            dispatch.clock_in(store.id, therapist.id, company_a.accounts["dispatcher"])
        order = orders.open_order(store.id, room_id=company_a.rooms[0].id, guest_name="王先生")
        line = orders.add_service_line(order, items["foot"].id)
        other_order = orders.open_order(company_a.stores[1].id, room_id=company_a.rooms[3].id)
        other_line = orders.add_service_line(other_order, items["foot"].id)
        db.session.commit()
        return {"store_id": store.id, "line_id": line.id, "other_line_id": other_line.id,
                "other_store_id": company_a.stores[1].id, "items": items,
                "therapist_ids": [t.id for t in therapists], "company": company_a}


def _job(company, **where) -> ServiceJob:
    with tenant_context(company.tenant_id):
        return db.session.scalar(
            select(ServiceJob).filter_by(**where).order_by(ServiceJob.id.desc()))


def test_the_board_url_is_the_dispatch_board(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/store/1/board", method="GET")[0] == "store.board", (
        "GET /store/<id>/board must be the 轮牌 page (store.board); another view "
        "registered the same URL first")


def test_dispatcher_dispatches_finishes_and_sees_the_live_board(client, auth, shop):
    auth.login_as(shop["company"], "dispatcher")
    sid = shop["store_id"]
    page = client.get(f"/store/{sid}/board").get_data(as_text=True)
    assert 'data-testid="store-subnav"' in page and 'id="board-live"' in page
    assert "上点准备" in page and "派钟记录" in page
    live = client.get(f"/store/{sid}/board/live")
    assert live.status_code == 200
    html = live.get_data(as_text=True)
    assert 'data-therapist-no="801"' in html and 'data-ready-no="801"' in html
    assert f'data-line-id="{shop["line_id"]}"' in html and 'hx-trigger="every 5s' in html
    response = client.post(f"/store/{sid}/lines/{shop['line_id']}/assign",
                           data={"mode": "rotation", "next": f"/store/{sid}/board/live"})
    assert response.status_code == 302 and response.location.endswith("/board/live")
    job = _job(shop["company"], order_line_id=shop["line_id"])
    assert job.therapist_id == shop["therapist_ids"][0] and job.job_type == "rotation"
    html = client.get(f"/store/{sid}/board/live").get_data(as_text=True)
    assert 'data-ready-no="801"' not in html and 'data-status="busy"' in html
    client.post(f"/store/{sid}/service-jobs/{job.id}/finish", data={"reason": "客人提前结束"})
    assert _job(shop["company"], id=job.id).status == "finished"
    html = client.get(f"/store/{sid}/board/log").get_data(as_text=True)
    assert html.count('data-log-action="clock_in"') == 3
    assert 'data-log-action="assign_rotation"' in html and 'data-log-action="finish"' in html


def test_errors_are_flashed_and_change_nothing(client, auth, shop):
    auth.login_as(shop["company"], "dispatcher")
    sid = shop["store_id"]
    response = client.post(f"/store/{sid}/lines/{shop['line_id']}/assign",
                           data={"mode": "requested", "therapist_no": "999",
                                 "next": f"/store/{sid}/board/log"}, follow_redirects=True)
    assert "本店没有 999 号技师" in response.get_data(as_text=True)
    with tenant_context(shop["company"].tenant_id):
        entry = db.session.scalar(select(BoardEntry).order_by(BoardEntry.id))
        entry_id = entry.id
    response = client.post(f"/store/{sid}/board/{entry_id}/move",
                           data={"action": "to_tail", "reason": "",
                                 "next": f"/store/{sid}/board/log"}, follow_redirects=True)
    assert "请填写原因" in response.get_data(as_text=True)
    with tenant_context(shop["company"].tenant_id):
        assert db.session.scalar(select(ServiceJob.id)) is None
        assert db.session.scalar(select(DispatchLog.id).where(
            DispatchLog.action == "to_tail")) is None


def test_nobody_free_names_who_was_passed_over_and_why(client, auth, shop):
    auth.login_as(shop["company"], "dispatcher")
    sid = shop["store_id"]
    with tenant_context(shop["company"].tenant_id):
        order = orders.open_order(sid, room_id=shop["company"].rooms[1].id)
        ear = orders.add_service_line(order, shop["items"]["ear"].id)
        db.session.commit()
        ear_id = ear.id
    html = client.post(f"/store/{sid}/lines/{ear_id}/assign",
                       data={"mode": "rotation", "next": f"/store/{sid}/board/log"},
                       follow_redirects=True).get_data(as_text=True)
    assert "没有符合条件的空闲技师" in html and "801 不会做该项目" in html


def test_therapist_reads_the_log_and_clocks_in_but_cannot_dispatch(client, auth, shop):
    company = shop["company"]
    auth.login_as(company, "therapist")
    sid = shop["store_id"]
    assert client.get(f"/store/{sid}/board/log").status_code == 200
    assert client.get(f"/store/{sid}/board/live").status_code == 200
    assert client.post(f"/store/{sid}/lines/{shop['line_id']}/assign",
                       data={"mode": "rotation"}).status_code == 403
    # a therapist clocks only themselves in, whatever the form says
    client.post(f"/store/{sid}/board/clock-in", data={"therapist_id": shop["therapist_ids"][0]})
    with tenant_context(company.tenant_id):
        own = company.employees["therapist"].id
        entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == own))
        assert entry is not None and entry.position == 4


def test_a_role_without_the_log_permission_is_refused(client, auth, shop):
    auth.login_as(shop["company"], "cleaner")
    assert client.get(f"/store/{shop['store_id']}/board/log").status_code == 403


def test_another_stores_ids_are_not_found(client, auth, shop):
    auth.login_as(shop["company"], "dispatcher")
    sid, other = shop["store_id"], shop["other_store_id"]
    assert client.get(f"/store/{other}/board/live").status_code == 404
    assert client.get(f"/store/{other}/board/log").status_code == 404
    # store 1 in the URL, store 2's line: not found either
    assert client.post(f"/store/{sid}/lines/{shop['other_line_id']}/assign",
                       data={"mode": "rotation"}).status_code == 404
    assert client.post(f"/api/v1/order-lines/{shop['other_line_id']}/assign").status_code == 401


def test_addon_qr_confirmation_without_login_expires_with_the_job(app, client, auth, shop):
    auth.login_as(shop["company"], "dispatcher")
    sid = shop["store_id"]
    client.post(f"/store/{sid}/lines/{shop['line_id']}/assign",
                data={"mode": "requested", "therapist_no": "802"})
    job = _job(shop["company"], order_line_id=shop["line_id"])
    client.post(f"/store/{sid}/service-jobs/{job.id}/addon",
                data={"service_item_id": shop["items"]["oil"].id})
    addon = _job(shop["company"], parent_job_id=job.id)
    assert addon.is_addon and addon.job_type == "requested"
    html = client.get(f"/store/{sid}/board/live").get_data(as_text=True)
    assert 'data-testid="addon-qr"' in html and "<svg" in html
    assert 'data-addon-confirmed="no"' in html

    guest = app.test_client()
    page = guest.get(f"/store/addon/{addon.addon_token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "精油开背" in text and "802" in text and "101" in text
    assert guest.post(f"/store/addon/{addon.addon_token}").status_code == 200
    assert _job(shop["company"], id=addon.id).addon_confirmed_at is not None
    html = client.get(f"/store/{sid}/board/live").get_data(as_text=True)
    assert 'data-addon-confirmed="yes"' in html
    assert guest.get("/store/addon/not-a-token").status_code == 404

    client.post(f"/store/{sid}/service-jobs/{addon.id}/finish", data={"reason": "客人提前结束"})
    expired = guest.get(f"/store/addon/{addon.addon_token}")
    assert expired.status_code == 404 and "已失效" in expired.get_data(as_text=True)


# -- API ------------------------------------------------------------------------------

def test_api_board_assign_log_and_field_errors(client, api_token, shop):
    headers = api_token(shop["company"], "dispatcher")
    sid = shop["store_id"]
    board = client.get(f"/api/v1/stores/{sid}/board", headers=headers).get_json()
    assert [row["number"] for row in board["queue"]] == ["801", "802", "803"]
    assert board["ready"] == shop["therapist_ids"]
    assert board["waiting_lines"][0]["line_id"] == shop["line_id"]

    bad = client.post(f"/api/v1/order-lines/{shop['line_id']}/assign", headers=headers,
                      json={"mode": "requested"})
    assert bad.status_code == 422 and "therapist_no" in bad.get_json()["error"]["fields"]
    bad = client.post(f"/api/v1/order-lines/{shop['line_id']}/assign", headers=headers,
                      json={"mode": "rotation", "gender": "x"})
    assert bad.status_code == 422 and "gender" in bad.get_json()["error"]["fields"]

    created = client.post(f"/api/v1/order-lines/{shop['line_id']}/assign", headers=headers,
                          json={"mode": "rotation", "gender": "male"})
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    assert job["therapist_id"] == shop["therapist_ids"][1] and job["job_type"] == "rotation"

    log = client.get(f"/api/v1/stores/{sid}/dispatch-log", headers=headers).get_json()
    assigned = [item for item in log["items"] if item["action"] == "assign_rotation"][0]
    assert assigned["passed_over"] == [{"therapist_id": shop["therapist_ids"][0],
                                        "reason": "wrong_gender", "label": "性别不符"}]

    # The line keeps the guest's wish (male): the replacement needs it lifted (null).
    returned = client.post(f"/api/v1/service-jobs/{job['id']}/return", headers=headers,
                           json={"reason": "力度不合适", "gender": None})
    assert returned.status_code == 200
    body = returned.get_json()
    assert body["returned"]["status"] == "returned"
    assert body["replacement"]["therapist_id"] == shop["therapist_ids"][0]

    addon = client.post(f"/api/v1/service-jobs/{body['replacement']['id']}/addon",
                        headers=headers, json={"service_item_id": shop["items"]["oil"].id})
    assert addon.status_code == 201 and "/store/addon/" in addon.get_json()["addon_confirm_url"]
    finished = client.post(f"/api/v1/service-jobs/{body['replacement']['id']}/finish",
                           headers=headers, json={"reason": "客人提前结束"})
    assert finished.status_code == 200 and finished.get_json()["status"] == "finished"
    again = client.post(f"/api/v1/service-jobs/{body['replacement']['id']}/finish",
                        headers=headers, json={"reason": "客人提前结束"})
    assert again.status_code == 422 and "service_job_id" in again.get_json()["error"]["fields"]


def test_api_moves_and_clock_in(client, api_token, shop):
    company = shop["company"]
    headers = api_token(company, "foreman")
    with tenant_context(company.tenant_id):
        entry_id = db.session.scalar(select(BoardEntry.id).where(
            BoardEntry.therapist_id == shop["therapist_ids"][2]))
    missing = client.post(f"/api/v1/board-entries/{entry_id}/move", headers=headers,
                          json={"action": "to_head"})
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    moved = client.post(f"/api/v1/board-entries/{entry_id}/move", headers=headers,
                        json={"action": "to_head", "reason": "好评奖励"})
    assert moved.status_code == 200 and moved.get_json()["position"] == 1

    own = api_token(company, "therapist")
    sid = shop["store_id"]
    assert client.post(f"/api/v1/stores/{sid}/board/clock-in", headers=own,
                       json={"therapist_id": shop["therapist_ids"][0]}).status_code == 403
    joined = client.post(f"/api/v1/stores/{sid}/board/clock-in", headers=own, json={})
    assert joined.status_code == 201 and joined.get_json()["position"] == 4
    assert client.post(f"/api/v1/order-lines/{shop['line_id']}/assign", headers=own,
                       json={"mode": "rotation"}).status_code == 403
    log = client.get(f"/api/v1/stores/{sid}/dispatch-log", headers=own)
    assert log.status_code == 200 and re.search(r'"action": ?"to_head"', log.get_data(
        as_text=True))
