"""停牌 lasts until a dispatcher or foreman lifts it (复牌): through a clock-out and
in again (which therapists do themselves) and into the next business day, whatever
order the day starts in; it shows on the board and every step is logged."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.blueprints.store import dispatch
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BoardEntry, BoardSuspension
from app.extensions import db
from app.tenancy import tenant_context
from tests.store.helpers import make_catalogue, make_therapists
from tests.store.test_dispatch_service import desk, logs, new_line  # noqa: F401  (fixture)


def _entry(therapist_id, day=None):
    query = select(BoardEntry).where(BoardEntry.therapist_id == therapist_id)
    if day is not None:
        query = query.where(BoardEntry.business_day_id == day.id)
    return db.session.scalar(query.order_by(BoardEntry.id.desc()))


def test_clocking_out_and_in_keeps_the_suspension(desk):  # noqa: F811
    t, store, actor = desk["t"], desk["store"], desk["actor"]
    dispatch.move(_entry(t[0].id), "suspend", "迟到未请假", actor)
    dispatch.clock_out(store.id, t[0].id, actor)
    dispatch.clock_in(store.id, t[0].id, actor)
    assert _entry(t[0].id).suspended is True
    assert "停牌" in logs(store.id)[-1].rule
    job = dispatch.assign_rotation(new_line(desk), actor)
    assert job.therapist_id == t[1].id
    # t[0] clocked in last, so is at the tail: put them first to see the reason.
    dispatch.finish_job(job, actor, reason="测试")
    dispatch.move(_entry(t[0].id), "to_head", "测试", actor)
    job = dispatch.assign_rotation(new_line(desk, 1), actor)
    assert job.therapist_id != t[0].id
    assert {"therapist_id": t[0].id, "reason": "suspended"} in logs(store.id)[-1].passed_over


def test_resume_while_on_a_break_and_then_dispatched(desk):  # noqa: F811
    t, store, actor = desk["t"], desk["store"], desk["actor"]
    dispatch.move(_entry(t[0].id), "suspend", "仪容不合格", actor)
    dispatch.clock_out(store.id, t[0].id, actor)
    dispatch.move(_entry(t[0].id), "resume", "已整改", actor)
    assert db.session.scalar(select(BoardSuspension)) is None
    dispatch.clock_in(store.id, t[0].id, actor)
    assert _entry(t[0].id).suspended is False
    assert [e.action for e in logs(store.id)[-3:]] == ["clock_out", "resume", "clock_in"]


@pytest.mark.parametrize("start_rule", ["clock_in", "yesterday"])
def test_the_suspension_carries_into_the_next_day(company_a, start_rule):
    with tenant_context(company_a.tenant_id):
        items = make_catalogue()
        store = company_a.stores[0]
        t = make_therapists(store.id, 3, qualified=[items["foot"]])
        actor = company_a.accounts["foreman"]
        today = today_for_store()
        yesterday = get_business_day(store.id, today - timedelta(days=1))
        for position, therapist in enumerate(t, start=1):
            db.session.add(BoardEntry(business_day_id=yesterday.id, store_id=store.id,
                                      therapist_id=therapist.id, position=position))
        db.session.flush()
        dispatch.move(_entry(t[0].id, yesterday), "suspend", "客诉待查", actor)
        snapshot = dispatch.board_snapshot(store.id)  # today, before anyone clocks in
        assert t[0].id in snapshot.suspended_off_board
        assert t[1].id not in snapshot.suspended_off_board
        day = get_business_day(store.id, today)
        day.board_start_rule = start_rule
        db.session.flush()
        for therapist in t:
            dispatch.clock_in(store.id, therapist.id, actor)
        assert _entry(t[0].id, day).suspended is True
        snapshot = dispatch.board_snapshot(store.id)
        assert next(r for r in snapshot.queue if r.therapist_id == t[0].id).suspended
        dispatch.move(_entry(t[0].id, day), "resume", "查清无责", actor)
        assert _entry(t[0].id, day).suspended is False
        assert db.session.scalar(select(BoardSuspension)) is None


# -- over HTTP --------------------------------------------------------------------------

def test_a_therapist_cannot_lift_their_own_suspension(client, auth, api_token, company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        own = company_a.employees["therapist"]
        dispatcher = company_a.accounts["dispatcher"]
        entry = dispatch.clock_in(store.id, own.id, dispatcher)
        dispatch.move(entry, "suspend", "未穿工服", dispatcher)
        db.session.commit()
        entry_id, store_id, own_id = entry.id, store.id, own.id
    auth.login_as(company_a, "therapist")
    client.post(f"/store/{store_id}/board/clock-out", data={})
    client.post(f"/store/{store_id}/board/clock-in", data={})
    assert client.post(f"/store/{store_id}/board/{entry_id}/move",
                       data={"action": "resume", "reason": "我自己"}).status_code == 403
    headers = api_token(company_a, "therapist")
    assert client.post(f"/api/v1/board-entries/{entry_id}/move", headers=headers,
                       json={"action": "resume", "reason": "我自己"}).status_code == 403
    board = client.get(f"/api/v1/stores/{store_id}/board", headers=headers).get_json()
    row = next(r for r in board["queue"] if r["therapist_id"] == own_id)
    assert row["suspended"] is True and row["status"] == "waiting"
    live = client.get(f"/store/{store_id}/board/live").get_data(as_text=True)
    assert "停牌" in live
    foreman = api_token(company_a, "foreman")
    lifted = client.post(f"/api/v1/board-entries/{entry_id}/move", headers=foreman,
                         json={"action": "resume", "reason": "已整改"})
    assert lifted.status_code == 200 and lifted.get_json()["suspended"] is False
