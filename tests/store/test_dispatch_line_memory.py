"""What a service line remembers between dispatches (issue 10, section 3): the
therapists the guest returned (退钟), the guest's gender wish, the 点钟 number
entered at check-in, and why nobody could be dispatched, on the service
functions (app/blueprints/store/dispatch.py), through the API and on the pages.

Therapists 801 (f), 802 (m), 803 (f), 804 (m) of store 1, all doing 足疗 and
精油 (none 采耳), clock in in that order.
"""

import pytest
from sqlalchemy import select

from app.blueprints.store import dispatch, orders
from app.blueprints.store.models import DispatchLog, OrderLine, ServiceJob
from app.blueprints.store.rotation import RotationError
from app.extensions import db
from app.tenancy import tenant_context
from app.validation import InputError
from tests.store.helpers import make_catalogue, make_therapists

pytestmark = pytest.mark.both_backends


@pytest.fixture
def desk(company_a):
    """Store 1 of company A, its catalogue, four therapists on the board, the dispatcher."""
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        therapists = make_therapists(store.id, 4, qualified=[items["foot"], items["oil"]])
        actor = company_a.accounts["dispatcher"]
        for therapist in therapists:
            dispatch.clock_in(store.id, therapist.id, actor)
        db.session.flush()
        yield {"store": store, "items": items, "t": therapists, "actor": actor,
               "company": company_a}


def new_line(desk, room_index=0, item="foot", **wanted):
    order = orders.open_order(desk["store"].id, room_id=desk["company"].rooms[room_index].id)
    return orders.add_service_line(order, desk["items"][item].id, **wanted)


def last_log(store_id) -> DispatchLog:
    return db.session.scalars(select(DispatchLog).where(DispatchLog.store_id == store_id)
                              .order_by(DispatchLog.id.desc())).first()


def clock_out(desk, *therapists):
    for therapist in therapists:
        dispatch.clock_out(desk["store"].id, therapist.id, desk["actor"])


# -- 1. the therapists the guest returned -------------------------------------------

def test_a_line_that_waited_after_a_return_is_not_given_back_to_the_rejected_therapist(desk):
    """(a) Nobody else was free at the 退钟: the line waits; when someone is free
    again, its rotation assignment passes over the rejected therapist."""
    t, actor = desk["t"], desk["actor"]
    clock_out(desk, t[2], t[3])
    busy = dispatch.assign_rotation(new_line(desk, 1), actor)  # 801 busy elsewhere
    line = new_line(desk)
    job = dispatch.assign_rotation(line, actor)
    assert (busy.therapist_id, job.therapist_id) == (t[0].id, t[1].id)
    dispatch.finish_job(busy, actor, "客人有事先走")  # 801 to the tail: queue 802, 801
    busy = dispatch.assign_rotation(new_line(desk, 2), actor)
    assert busy.therapist_id == t[0].id
    assert dispatch.return_job(job, actor, "手法太重") is None  # 801 busy: the line waits
    dispatch.finish_job(busy, actor, "客人有事先走")  # queue 802 (head, waiting), 801
    later = dispatch.assign_rotation(line, actor)
    assert later.therapist_id == t[0].id, "the line went back to the therapist the guest returned"
    assert db.session.get(OrderLine, line.id).returned_therapist_ids == [t[1].id]
    assert last_log(desk["store"].id).passed_over[0] == {"therapist_id": t[1].id,
                                                          "reason": "returned"}


def test_a_second_return_does_not_give_the_line_back_to_the_first_therapist(desk):
    """(b) 801 is returned, 802 gets the line; 802 is returned too: the line goes
    to 803, not back to 801 (waiting at the head again)."""
    t, actor = desk["t"], desk["actor"]
    line = new_line(desk)
    first = dispatch.assign_rotation(line, actor)
    second = dispatch.return_job(first, actor, "手法太重")
    assert (first.therapist_id, second.therapist_id) == (t[0].id, t[1].id)
    third = dispatch.return_job(second, actor, "聊天太多")
    assert third.therapist_id == t[2].id, "the second return gave the line back to the first"
    assert last_log(desk["store"].id).passed_over == [
        {"therapist_id": t[0].id, "reason": "returned"},
        {"therapist_id": t[1].id, "reason": "returned"}]
    assert sorted(db.session.get(OrderLine, line.id).returned_therapist_ids) == [t[0].id,
                                                                                 t[1].id]


def test_a_second_return_with_only_the_first_therapist_free_leaves_the_line_waiting(desk):
    t, actor = desk["t"], desk["actor"]
    clock_out(desk, t[2], t[3])
    line = new_line(desk)
    second = dispatch.return_job(dispatch.assign_rotation(line, actor), actor, "不满意")
    assert second.therapist_id == t[1].id
    assert dispatch.return_job(second, actor, "还是不满意") is None
    with pytest.raises(RotationError) as error:
        dispatch.assign_rotation(line, actor)
    assert [(p.therapist_id, p.reason) for p in error.value.passed_over] == [
        (t[0].id, "returned"), (t[1].id, "returned"), (t[2].id, "away"), (t[3].id, "away")]


def test_the_guest_may_still_ask_for_a_returned_therapist_by_number(desk):
    """Rule chosen: 退钟 bars rotation, not the guest's own 点钟 by number."""
    t, actor = desk["t"], desk["actor"]
    line = new_line(desk)
    clock_out(desk, t[1], t[2], t[3])
    assert dispatch.return_job(dispatch.assign_rotation(line, actor), actor, "换人") is None
    job = dispatch.assign_requested(line, "801", actor)
    assert (job.therapist_id, job.job_type) == (t[0].id, "requested")


# -- 2. the guest's gender wish -------------------------------------------------------

def test_the_gender_wish_entered_at_check_in_is_kept_on_the_line_and_used(desk):
    t, actor = desk["t"], desk["actor"]
    order = orders.check_in(desk["store"].id, room_id=desk["company"].rooms[0].id,
                            services=[orders.ServiceRequest(desk["items"]["foot"].id,
                                                            gender="male")])
    line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
    assert line.gender_wish == "male"
    job = dispatch.assign_rotation(line, actor)
    assert job.therapist_id == t[1].id
    replacement = dispatch.return_job(job, actor, "换人")
    assert replacement.therapist_id == t[3].id, "the 退钟 replacement ignored the wish"
    with pytest.raises(InputError) as error:
        orders.check_in(desk["store"].id, services=[orders.ServiceRequest(
            desk["items"]["foot"].id, gender="robot")])
    assert error.value.field == "services.0.gender"


def test_a_wish_given_at_dispatch_stays_on_the_line_for_the_replacement(desk):
    t, actor = desk["t"], desk["actor"]
    line = new_line(desk)
    job = dispatch.assign_rotation(line, actor, gender="female")
    assert job.therapist_id == t[0].id and line.gender_wish == "female"
    replacement = dispatch.return_job(job, actor, "换人")
    assert replacement.therapist_id == t[2].id  # not 802, the next in the queue
    # The dispatcher may lift the wish: an empty one means "any" (801 is free again).
    other = new_line(desk, 1, gender_wish="male")
    assert dispatch.assign_rotation(other, actor, gender="").therapist_id == t[0].id
    assert other.gender_wish is None


def test_a_later_rotation_of_a_waiting_line_uses_its_wish(desk):
    t, actor = desk["t"], desk["actor"]
    clock_out(desk, t[1], t[3])  # no man on the board
    line = new_line(desk, gender_wish="male")
    with pytest.raises(RotationError):
        dispatch.assign_rotation(line, actor)
    dispatch.clock_in(desk["store"].id, t[3].id, actor)
    assert dispatch.assign_rotation(line, actor).therapist_id == t[3].id


# -- 3. the 点钟 number entered at check-in ---------------------------------------------

def test_the_requested_number_of_the_line_is_used_when_none_is_given(desk):
    t, actor = desk["t"], desk["actor"]
    order = orders.check_in(desk["store"].id, room_id=desk["company"].rooms[0].id,
                            party_size=2,
                            services=[orders.ServiceRequest(desk["items"]["foot"].id, 1, "803"),
                                      orders.ServiceRequest(desk["items"]["foot"].id, 2, "803")])
    first, second = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                       .order_by(OrderLine.id)).all()
    job = dispatch.assign_requested(first, None, actor)
    assert (job.therapist_id, job.job_type) == (t[2].id, "requested")
    with pytest.raises(RotationError) as error:
        dispatch.assign_requested(second, "", actor)  # 803 is busy
    assert error.value.field == "therapist_no"
    assert error.value.details["passed_over"] == [{
        "employee_id": t[2].id, "number": "803", "name": "技师803", "reason_code": "busy",
        "reason": "正在上钟"}]
    with pytest.raises(InputError) as error:
        dispatch.assign_requested(new_line(desk, 1), None, actor)  # no 点钟 on the line
    assert error.value.field == "therapist_no"


# -- 4. why nobody could be dispatched ------------------------------------------------

def test_nobody_free_names_each_therapist_and_the_reason(desk):
    t, actor = desk["t"], desk["actor"]
    line = new_line(desk)
    clock_out(desk, t[2], t[3])
    job = dispatch.assign_rotation(line, actor)
    dispatch.return_job(job, actor, "换人")  # 802 gets it
    with pytest.raises(RotationError) as error:
        dispatch.assign_rotation(new_line(desk, 1, item="ear"), actor)
    assert error.value.details["passed_over"] == [
        {"employee_id": t[0].id, "number": "801", "name": "技师801",
         "reason_code": "not_qualified", "reason": "不会做该项目"},
        {"employee_id": t[1].id, "number": "802", "name": "技师802",
         "reason_code": "busy", "reason": "正在上钟"},
        {"employee_id": t[2].id, "number": "803", "name": "技师803",
         "reason_code": "away", "reason": "已下牌（休息）"},
        {"employee_id": t[3].id, "number": "804", "name": "技师804",
         "reason_code": "away", "reason": "已下牌（休息）"}]


# -- through the API ------------------------------------------------------------------

@pytest.fixture
def api_desk(desk, client, api_token):
    with tenant_context(desk["company"].tenant_id):
        ids = {"t": [x.id for x in desk["t"]], "store": desk["store"].id,
               "rooms": [r.id for r in desk["company"].rooms[:3]],
               "items": {name: item.id for name, item in desk["items"].items()}}
        db.session.commit()
    return dict(ids, headers=api_token(desk["company"], "dispatcher"), client=client,
                desk=api_token(desk["company"], "receptionist"), company=desk["company"])


def _check_in(api, room, *services):
    response = api["client"].post(f"/api/v1/stores/{api['store']}/orders",
                                  headers=api["desk"],
                                  json={"room_id": api["rooms"][room], "party_size": 2,
                                        "services": list(services)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _assign(api, line_id, **body):
    return api["client"].post(f"/api/v1/order-lines/{line_id}/assign", headers=api["headers"],
                              json=body)


def test_api_check_in_keeps_the_wish_and_the_number_and_assign_uses_them(api_desk):
    api, foot = api_desk, api_desk["items"]["foot"]
    order = _check_in(api, 0, {"service_item_id": foot, "therapist_no": "803"},
                      {"service_item_id": foot, "guest_no": 2, "gender": "male"})
    requested, wished = order["lines"]
    assert requested["requested_therapist_no"] == "803" and wished["gender_wish"] == "male"
    job = _assign(api, requested["id"])
    assert job.status_code == 201, job.get_json()
    assert (job.get_json()["therapist_id"], job.get_json()["job_type"]) == (api["t"][2],
                                                                            "requested")
    job = _assign(api, wished["id"], mode="rotation")
    assert job.status_code == 201 and job.get_json()["therapist_id"] == api["t"][1]

    busy = _check_in(api, 1, {"service_item_id": foot, "therapist_no": "803"})["lines"][0]
    refused = _assign(api, busy["id"], mode="requested")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "therapist_no" in error["fields"] and "正在上钟" in error["message"]
    assert error["passed_over"] == [{"employee_id": api["t"][2], "number": "803",
                                     "name": "技师803", "reason_code": "busy",
                                     "reason": "正在上钟"}]

    added = api["client"].post(f"/api/v1/orders/{order['id']}/lines", headers=api["desk"],
                               json={"service_item_id": foot, "gender": "female"})
    assert added.status_code == 201, added.get_json()
    assert sorted(str(line["gender_wish"]) for line in added.get_json()["lines"]) == [
        "None", "female", "male"]


def test_api_nobody_free_lists_who_was_passed_over_and_why(api_desk):
    api = api_desk
    line = _check_in(api, 0, {"service_item_id": api["items"]["ear"]})["lines"][0]
    refused = _assign(api, line["id"], mode="rotation")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "therapist" in error["fields"]
    assert [(p["number"], p["reason_code"], p["reason"]) for p in error["passed_over"]] == [
        (n, "not_qualified", "不会做该项目") for n in ("801", "802", "803", "804")]
    assert error["passed_over"][0]["name"] == "技师801"


def test_api_a_return_then_a_later_rotation_skips_the_returned_therapist(api_desk):
    api = api_desk
    with tenant_context(api["company"].tenant_id):
        for therapist_id in api["t"][2:]:
            dispatch.clock_out(api["store"], therapist_id, api["company"].accounts["dispatcher"])
        db.session.commit()
    lines = _check_in(api, 0, {"service_item_id": api["items"]["foot"]},
                      {"service_item_id": api["items"]["foot"], "guest_no": 2})["lines"]
    other = _assign(api, lines[1]["id"], mode="rotation").get_json()  # 801
    job = _assign(api, lines[0]["id"], mode="rotation").get_json()  # 802
    returned = api["client"].post(f"/api/v1/service-jobs/{job['id']}/return",
                                  headers=api["headers"], json={"reason": "手法太重"})
    assert returned.status_code == 200 and returned.get_json()["replacement"] is None
    # Why the line waits: 801 is busy, 802 was just returned by this guest, the others
    # went off the board.
    assert [(p["employee_id"], p["reason_code"])
            for p in returned.get_json()["passed_over"]] == [
        (api["t"][0], "busy"), (api["t"][1], "returned"), (api["t"][2], "away"),
        (api["t"][3], "away")], returned.get_json()
    board = api["client"].get(f"/api/v1/stores/{api['store']}/board",
                              headers=api["headers"]).get_json()
    waiting = next(w for w in board["waiting_lines"] if w["line_id"] == lines[0]["id"])
    assert waiting["returned"] and waiting["returned_therapist_ids"] == [api["t"][1]]
    finished = api["client"].post(f"/api/v1/service-jobs/{other['id']}/finish",
                                  headers=api["headers"], json={"reason": "客人有事先走"})
    assert finished.status_code == 200, finished.get_json()
    later = _assign(api, lines[0]["id"], mode="rotation")
    assert later.status_code == 201 and later.get_json()["therapist_id"] == api["t"][0]
    log = api["client"].get(f"/api/v1/stores/{api['store']}/dispatch-log",
                            headers=api["headers"]).get_json()
    assert log["items"][-1]["passed_over"][0] == {"therapist_id": api["t"][1],
                                                  "reason": "returned", "label": "已被客人退钟"}


# -- on the pages ---------------------------------------------------------------------

def test_check_in_page_keeps_the_gender_wish_and_the_board_prefills_it(client, auth, desk):
    company, store = desk["company"], desk["store"]
    with tenant_context(company.tenant_id):
        foot, room_id = desk["items"]["foot"].id, company.rooms[0].id
        db.session.commit()
    auth.login_as(company, "receptionist")
    response = client.post(f"/store/{store.id}/checkin", data={
        "party_size": "1", "room_id": str(room_id), "services-0-guest_no": "1",
        "services-0-service_item_id": str(foot), "services-0-gender": "male"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with tenant_context(company.tenant_id):
        line = db.session.scalar(select(OrderLine).order_by(OrderLine.id.desc()))
        assert line.gender_wish == "male"
        line_id = line.id
    auth.logout()
    auth.login_as(company, "dispatcher")
    html = client.get(f"/store/{store.id}/board/live").get_data(as_text=True)
    form = html[html.index(f'data-line-id="{line_id}"'):]
    assert '<option value="male" selected>' in form[:form.index("</form>")]
    client.post(f"/store/{store.id}/lines/{line_id}/assign",
                data={"mode": "rotation", "gender": "male"})
    with tenant_context(company.tenant_id):
        job = db.session.scalar(select(ServiceJob).where(ServiceJob.order_line_id == line_id))
        assert job.therapist_id == desk["t"][1].id


def test_board_page_says_a_therapist_was_returned_by_this_guest(client, auth, desk):
    company, store, t = desk["company"], desk["store"], desk["t"]
    with tenant_context(company.tenant_id):
        clock_out(desk, t[1], t[2], t[3])
        line = new_line(desk)
        dispatch.return_job(dispatch.assign_rotation(line, desk["actor"]), desk["actor"], "换人")
        line_id = line.id
        db.session.commit()
    auth.login_as(company, "dispatcher")
    html = client.post(f"/store/{store.id}/lines/{line_id}/assign",
                       data={"mode": "rotation", "next": f"/store/{store.id}/board/log"},
                       follow_redirects=True).get_data(as_text=True)
    assert "没有符合条件的空闲技师" in html and "801 已被客人退钟" in html


def test_order_page_adds_a_line_with_a_wish_and_preselects_it_for_dispatch(client, auth, desk):
    company, store = desk["company"], desk["store"]
    with tenant_context(company.tenant_id):
        order = orders.open_order(store.id, room_id=company.rooms[0].id)
        foot, order_id = desk["items"]["foot"].id, order.id
        db.session.commit()
    auth.login_as(company, "receptionist")
    client.post(f"/store/{store.id}/orders/{order_id}/lines",
                data={"kind": "service", "service_item_id": str(foot), "guest_no": "1",
                      "gender": "female"})
    with tenant_context(company.tenant_id):
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order_id))
        assert line.gender_wish == "female"
        line_id = line.id
    auth.logout()
    auth.login_as(company, "dispatcher")
    html = client.get(f"/store/{store.id}/orders/{order_id}").get_data(as_text=True)
    row = html[html.index(f'data-line-id="{line_id}"'):]
    assert '<option value="female" selected>' in row[:row.index("</form>")]
