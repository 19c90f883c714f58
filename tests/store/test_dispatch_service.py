"""派钟 on the database (app/blueprints/store/dispatch.py), without HTTP: the log,
the board version and the spec's behaviours end to end."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.blueprints.store import dispatch, orders
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BoardEntry, DispatchLog, OrderLine, ServiceJob
from app.blueprints.store.rotation import RotationError
from app.extensions import db
from app.models import AuditEntry, Employee, Room
from app.models.base import utcnow
from app.tenancy import tenant_context
from app.validation import InputError
from tests.store.helpers import make_catalogue, make_therapists

# Also on SQLite: the rotation ordered by timestamps; row locks only on PostgreSQL.
pytestmark = pytest.mark.both_backends


@pytest.fixture
def desk(company_a):
    """Store 1 of company A: catalogue, four therapists (f, m, f, m) on the board in
    order 801, 802, 803, 804 (all do 足疗 and 精油, none 采耳), the dispatcher."""
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


def new_line(desk, room_index=0, item="foot", party_size=1):
    company = desk["company"]
    order = orders.open_order(desk["store"].id, room_id=company.rooms[room_index].id,
                              party_size=party_size)
    return orders.add_service_line(order, desk["items"][item].id)


def queue_numbers(store_id):
    day = get_business_day(store_id, today_for_store(), create=False)
    entries = db.session.scalars(select(BoardEntry).where(BoardEntry.business_day_id == day.id)
                                 .order_by(BoardEntry.position)).all()
    return [(e.therapist_id, e.position, e.status) for e in entries]


def ids_in_order(store_id):
    return [tid for tid, _, _ in queue_numbers(store_id)]


def logs(store_id):
    return db.session.scalars(select(DispatchLog).where(DispatchLog.store_id == store_id)
                              .order_by(DispatchLog.id)).all()


def test_clock_in_order_log_and_board_version(desk):
    t, store = desk["t"], desk["store"]
    assert ids_in_order(store.id) == [x.id for x in t]
    day = get_business_day(store.id, today_for_store(), create=False)
    assert day.board_version == 4
    entries = logs(store.id)
    assert [e.action for e in entries] == ["clock_in"] * 4
    assert entries[-1].queue_before == [
        {"therapist_id": x.id, "number": x.employee_no, "position": i + 1, "status": "waiting",
         "suspended": False, "held_for": None} for i, x in enumerate(t[:3])]
    assert entries[-1].actor_name == desk["actor"].display_name
    with pytest.raises(RotationError):
        dispatch.clock_in(store.id, t[0].id, desk["actor"])


def test_clock_in_refuses_someone_who_is_not_a_therapist_of_the_store(desk):
    company = desk["company"]
    with pytest.raises(InputError) as error:
        dispatch.clock_in(desk["store"].id, company.employees["cashier"].id, desk["actor"])
    assert error.value.field == "therapist_id"
    other = Employee(employee_no="901", name="二店技师", store_id=company.stores[1].id,
                     position_id=company.employees["therapist"].position_id, status="active")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(InputError):
        dispatch.clock_in(desk["store"].id, other.id, desk["actor"])
    with pytest.raises(InputError):
        dispatch.clock_in(desk["store"].id, "abc", desk["actor"])


def test_rotation_assignment_starts_the_job_and_logs_passed_over(desk):
    t, store = desk["t"], desk["store"]
    line = new_line(desk)
    first = dispatch.assign_rotation(line, desk["actor"])
    assert first.therapist_id == t[0].id and first.job_type == "rotation"
    assert first.planned_end_at - first.started_at == timedelta(minutes=60)
    second = dispatch.assign_rotation(new_line(desk, 1), desk["actor"], gender="female")
    assert second.therapist_id == t[2].id  # 801 busy, 802 male
    log = logs(store.id)[-1]
    assert (log.action, log.therapist_id, log.job_id) == ("assign_rotation", t[2].id, second.id)
    assert log.passed_over == [{"therapist_id": t[0].id, "reason": "busy"},
                               {"therapist_id": t[1].id, "reason": "wrong_gender"}]
    assert [q["status"] for q in log.queue_after] == ["busy", "waiting", "busy", "waiting"]
    assert "女" in log.rule
    entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == t[2].id))
    assert entry.current_job_id == second.id
    with pytest.raises(InputError) as error:
        dispatch.assign_rotation(line, desk["actor"])  # already dispatched
    assert error.value.field == "line_id"
    with pytest.raises(InputError) as error:
        dispatch.assign_rotation(new_line(desk, 2), desk["actor"], gender="other")
    assert error.value.field == "gender"


def test_rotation_with_nobody_qualified_changes_nothing(desk):
    line = new_line(desk, item="ear")
    version = get_business_day(desk["store"].id, today_for_store(), create=False).board_version
    with pytest.raises(RotationError) as error:
        dispatch.assign_rotation(line, desk["actor"])
    assert {p.reason for p in error.value.passed_over} == {"not_qualified"}
    assert db.session.scalar(select(func.count(ServiceJob.id))) == 0
    day = get_business_day(desk["store"].id, today_for_store(), create=False)
    assert day.board_version == version


def test_waiting_area_order_is_not_dispatched(desk):
    order = orders.open_order(desk["store"].id)
    line = orders.add_service_line(order, desk["items"]["foot"].id)
    with pytest.raises(InputError) as error:
        dispatch.assign_rotation(line, desk["actor"])
    assert error.value.field == "line_id"


def test_requested_job_keeps_place_and_finishing_stays(desk):
    t, store = desk["t"], desk["store"]
    job = dispatch.assign_requested(new_line(desk), "802", desk["actor"])
    assert (job.therapist_id, job.job_type) == (t[1].id, "requested")
    assert db.session.get(OrderLine, job.order_line_id).requested_therapist_id == t[1].id
    party = orders.open_order(store.id, room_id=desk["company"].rooms[1].id, party_size=3)
    lines = [orders.add_service_line(party, desk["items"]["foot"].id, guest_no=n)
             for n in (1, 2, 3)]
    with pytest.raises(RotationError) as error:
        dispatch.assign_requested(lines[0], "802", desk["actor"])
    assert error.value.field == "therapist_no"
    with pytest.raises(InputError) as error:
        dispatch.assign_requested(lines[1], "999", desk["actor"])
    assert error.value.field == "therapist_no"
    rotation_job = dispatch.assign_rotation(lines[2], desk["actor"])
    assert rotation_job.therapist_id == t[0].id
    dispatch.finish_job(job, desk["actor"], reason="客人提前结束")
    assert ids_in_order(store.id) == [x.id for x in t]  # 点钟不占轮
    dispatch.finish_job(rotation_job, desk["actor"], reason="客人提前结束")
    assert ids_in_order(store.id) == [t[1].id, t[2].id, t[3].id, t[0].id]
    assert [log.rule for log in logs(store.id)[-2:]] == [
        "下钟：点钟不占轮，留在原位", "下钟：轮钟结束，排到队尾"]


def test_finish_sends_the_order_to_the_cashier_and_the_room_to_cleaning(desk):
    line = new_line(desk)
    job = dispatch.assign_rotation(line, desk["actor"])
    dispatch.finish_job(job, desk["actor"], reason="客人提前结束")
    order_room = db.session.get(Room, desk["company"].rooms[0].id)
    assert (job.status, order_room.status) == ("finished", "cleaning")
    assert job.ended_at is not None
    with pytest.raises(InputError) as error:
        dispatch.finish_job(job, desk["actor"], reason="客人提前结束")
    assert error.value.field == "service_job_id"


def test_return_within_window_gives_the_line_to_the_next_other_therapist(desk):
    t, store = desk["t"], desk["store"]
    line = new_line(desk)
    job = dispatch.assign_rotation(line, desk["actor"])
    replacement = dispatch.return_job(job, desk["actor"], "手法太重", gender="female")
    assert job.status == "returned" and job.return_reason == "手法太重"
    assert replacement.therapist_id == t[2].id and replacement.order_line_id == line.id
    assert ids_in_order(store.id) == [x.id for x in t]
    assert queue_numbers(store.id)[0][2] == "waiting"
    back, assigned = logs(store.id)[-2:]
    assert (back.action, back.therapist_id, back.reason) == ("return", t[0].id, "手法太重")
    assert back.queue_before[0]["status"] == "busy" and back.queue_after[0]["status"] == "waiting"
    assert assigned.passed_over == [{"therapist_id": t[0].id, "reason": "returned"},
                                    {"therapist_id": t[1].id, "reason": "wrong_gender"}]
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "job.return")) == 1


def test_return_after_the_window_or_without_reason_is_refused(desk):
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    with pytest.raises(InputError) as error:
        dispatch.return_job(job, desk["actor"], "  ")
    assert error.value.field == "reason"
    job.started_at = utcnow() - timedelta(minutes=11)
    db.session.flush()
    with pytest.raises(InputError) as error:
        dispatch.return_job(job, desk["actor"], "不满意")
    assert error.value.field == "service_job_id" and "10" in error.value.message
    assert job.status == "in_service"


def test_return_with_nobody_free_leaves_the_line_waiting(desk):
    t = desk["t"]
    for therapist in t[1:]:
        dispatch.clock_out(desk["store"].id, therapist.id, desk["actor"])
    line = new_line(desk)
    job = dispatch.assign_rotation(line, desk["actor"])
    assert dispatch.return_job(job, desk["actor"], "换人") is None
    waiting = dispatch.waiting_lines(desk["store"].id)
    assert [(w.line_id, w.returned) for w in waiting] == [(line.id, True)]


def test_add_on_same_therapist_same_type_after_the_job_and_confirmation(desk):
    t, store = desk["t"], desk["store"]
    job = dispatch.assign_requested(new_line(desk), "803", desk["actor"])
    addon = dispatch.add_on(job, desk["items"]["oil"].id, desk["actor"])
    assert (addon.therapist_id, addon.job_type, addon.is_addon) == (t[2].id, "requested", True)
    assert addon.parent_job_id == job.id and addon.addon_token
    end = dispatch._aware(job.planned_end_at)
    assert dispatch._aware(addon.started_at) == end
    assert dispatch._aware(addon.planned_end_at) == end + timedelta(minutes=90)
    line = db.session.get(OrderLine, addon.order_line_id)
    assert line.addon_of_line_id == job.order_line_id and line.name.startswith("精油")
    assert logs(store.id)[-1].action == "add_on"
    snapshot = dispatch.board_snapshot(store.id)
    row = next(r for r in snapshot.queue if r.therapist_id == t[2].id)
    assert row.job.job_id == addon.id
    assert row.job.busy_until == dispatch._aware(addon.planned_end_at)
    assert row.job.addons[0]["confirmed"] is False and not row.job.can_return
    assert dispatch.addon_confirmations(job.order_id) == {line.id: None}
    dispatch.confirm_addon(addon)
    assert dispatch.addon_confirmations(job.order_id)[line.id] is not None
    with pytest.raises(InputError):
        dispatch.return_job(job, desk["actor"], "不满意")  # has an add-on
    with pytest.raises(InputError) as error:
        dispatch.add_on(job, desk["items"]["ear"].id, desk["actor"])  # not qualified
    assert error.value.field == "service_item_id"
    dispatch.finish_job(addon, desk["actor"], reason="客人提前结束")
    # The add-on had not started (it runs after the 60 minutes): cancelled, not done.
    assert (job.status, addon.status) == ("finished", "cancelled")
    with pytest.raises(InputError):
        dispatch.confirm_addon(addon)  # the QR expired with the job
    with pytest.raises(InputError):
        dispatch.add_on(job, desk["items"]["foot"].id, desk["actor"])


def test_manual_moves_are_logged_and_audited(desk):
    t, store = desk["t"], desk["store"]
    entry = db.session.scalar(select(BoardEntry).where(BoardEntry.therapist_id == t[3].id))
    dispatch.move(entry, "to_head", "上月好评第一", desk["actor"])
    assert ids_in_order(store.id) == [t[3].id, t[0].id, t[1].id, t[2].id]
    log = logs(store.id)[-1]
    assert (log.action, log.reason, log.rule) == ("to_head", "上月好评第一", "人工调整：奖头")
    dispatch.move(entry, "hold", "王先生 19:00", desk["actor"])
    assert entry.held_for == "王先生 19:00"
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    assert job.therapist_id == t[0].id
    assert logs(store.id)[-1].passed_over == [{"therapist_id": t[3].id, "reason": "held"}]
    with pytest.raises(InputError) as error:
        dispatch.move(entry, "to_tail", "", desk["actor"])
    assert error.value.field == "reason"
    with pytest.raises(InputError) as error:
        dispatch.move(entry, "fly", "x", desk["actor"])
    assert error.value.field == "action"
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "board.move")) == 2


def test_board_snapshot_ready_list_warnings_and_waiting_lines(desk):
    t, store = desk["t"], desk["store"]
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    waiting = new_line(desk, 1)
    snapshot = dispatch.board_snapshot(store.id)
    assert [r.therapist_id for r in snapshot.ready] == [t[1].id, t[2].id, t[3].id]
    assert [w.line_id for w in snapshot.waiting_lines] == [waiting.id]
    assert snapshot.warnings == []
    assert snapshot.board_version == 5
    assert company_therapist_off_board(desk, snapshot)
    job.planned_end_at = utcnow() + timedelta(minutes=4)
    db.session.flush()
    snapshot = dispatch.board_snapshot(store.id)
    assert [(r.therapist_id, r.job.timer) for r in snapshot.warnings] == [(t[0].id, "due_soon")]
    job.planned_end_at = utcnow() - timedelta(minutes=6)  # (not "now + x": 06:00 starts a new day)
    db.session.flush()
    snapshot = dispatch.board_snapshot(store.id)
    assert snapshot.warnings[0].job.timer == "overrun"
    assert snapshot.warnings[0].job.minutes_left <= -6


def company_therapist_off_board(desk, snapshot) -> bool:
    """The company's own therapist account (not clocked in) is offered for clock-in."""
    own = desk["company"].employees["therapist"]
    return own.id in {e.id for e in snapshot.off_board}


def test_clock_out_and_back_joins_the_tail(desk):
    t, store = desk["t"], desk["store"]
    dispatch.clock_out(store.id, t[0].id, desk["actor"])
    assert queue_numbers(store.id)[0] == (t[0].id, 1, "away")
    job = dispatch.assign_rotation(new_line(desk), desk["actor"])
    assert job.therapist_id == t[1].id
    with pytest.raises(RotationError):
        dispatch.clock_out(store.id, t[1].id, desk["actor"])  # busy
    dispatch.clock_in(store.id, t[0].id, desk["actor"])
    assert ids_in_order(store.id) == [t[1].id, t[2].id, t[3].id, t[0].id]


def test_start_in_yesterdays_closing_order(company_a):
    with tenant_context(company_a.tenant_id):
        store = company_a.stores[0]
        t = make_therapists(store.id, 3)
        today = today_for_store()
        yesterday = get_business_day(store.id, today - timedelta(days=1))
        for position, therapist in enumerate([t[2], t[0], t[1]], start=1):
            db.session.add(BoardEntry(business_day_id=yesterday.id, store_id=store.id,
                                      therapist_id=therapist.id, position=position))
        day = get_business_day(store.id, today)
        day.board_start_rule = "yesterday"
        db.session.flush()
        actor = company_a.accounts["foreman"]
        for therapist in t:  # clock in as 801, 802, 803
            dispatch.clock_in(store.id, therapist.id, actor)
        assert ids_in_order(store.id) == [t[2].id, t[0].id, t[1].id]
        assert "昨日" in logs(store.id)[-1].rule
