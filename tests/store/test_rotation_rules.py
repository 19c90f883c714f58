"""轮牌 rules of specs/dispatch.md as plain functions (app/blueprints/store/rotation.py).

Each test names the rule it checks; the worked sequences at the end are tables
of (step, expected queue, expected outcome) built from the spec's sentences.
"""

from datetime import UTC, datetime, timedelta

import pytest

from app.blueprints.store import rotation as r
from app.blueprints.store import rotation_moves as moves
from app.blueprints.store.rotation import Place, RotationError

FOOT, OIL, EAR = 1, 2, 3


def therapist(tid, *, gender="female", items=(FOOT, OIL, EAR), **kw) -> Place:
    return Place(therapist_id=tid, gender=gender, qualified=frozenset(items), number=str(800 + tid),
                 **kw)


def board(*places: Place) -> list[Place]:
    queue: list[Place] = []
    for place in places:
        queue = r.clock_in(queue, place)
    return queue


def ids(queue) -> list[int]:
    return [p.therapist_id for p in r.in_order(queue)]


def status(queue, tid) -> str:
    return next(p.status for p in queue if p.therapist_id == tid)


def reasons(pick_or_error) -> list[tuple[int, str]]:
    return [(p.therapist_id, p.reason) for p in pick_or_error.passed_over]


def assert_permutation(queue):
    assert sorted(p.position for p in queue) == list(range(1, len(queue) + 1))


# -- clock-in ------------------------------------------------------------------

def test_clock_in_initial_order_is_clock_in_order():
    queue = board(therapist(3), therapist(1), therapist(2))
    assert ids(queue) == [3, 1, 2]
    assert [p.position for p in queue] == [1, 2, 3]


def test_clock_in_later_joins_the_tail_even_after_jobs():
    queue = board(therapist(1), therapist(2))
    queue = r.pick_for_rotation(queue, FOOT).queue
    queue = r.clock_in(queue, therapist(3))
    assert ids(queue) == [1, 2, 3] and status(queue, 3) == "waiting"


def test_clock_in_twice_is_refused():
    queue = board(therapist(1))
    with pytest.raises(RotationError) as error:
        r.clock_in(queue, therapist(1))
    assert error.value.field == "therapist_id"


def test_clock_in_again_after_away_joins_the_tail():
    queue = board(therapist(1), therapist(2), therapist(3))
    queue = r.clock_out(queue, 1)
    assert status(queue, 1) == "away" and ids(queue) == [1, 2, 3]
    queue = r.clock_in(queue, therapist(1))
    assert ids(queue) == [2, 3, 1] and status(queue, 1) == "waiting"


def test_suspension_survives_clocking_out_and_in_and_resume_works_on_a_break():
    queue = moves.suspend(board(therapist(1), therapist(2)), 1, "迟到")
    queue = r.clock_in(r.clock_out(queue, 1), therapist(1))
    assert next(p for p in queue if p.therapist_id == 1).suspended
    assert r.pick_for_rotation(queue, FOOT).therapist_id == 2
    queue = moves.resume(r.clock_out(queue, 1), 1, "已整改")
    assert not next(p for p in queue if p.therapist_id == 1).suspended


def test_clock_out_refused_while_busy():
    queue = r.pick_for_rotation(board(therapist(1)), FOOT).queue
    with pytest.raises(RotationError):
        r.clock_out(queue, 1)


def test_clock_in_in_yesterdays_order():
    yesterday = [4, 2, 9, 1]  # 9 is off today
    queue: list[Place] = []
    for tid in (1, 5, 2, 4):  # today's clock-in order; 5 was not on yesterday's board
        queue = r.clock_in(queue, therapist(tid), yesterday_order=yesterday)
    assert ids(queue) == [4, 2, 1, 5]
    assert_permutation(queue)


# -- rotation job (轮钟) --------------------------------------------------------

def test_rotation_job_first_waiting_in_queue_order_gets_it():
    queue = board(therapist(1), therapist(2), therapist(3))
    pick = r.pick_for_rotation(queue, FOOT)
    assert pick.therapist_id == 1 and pick.passed_over == ()
    assert status(pick.queue, 1) == "busy" and ids(pick.queue) == [1, 2, 3]


def test_rotation_job_passes_over_with_each_reason():
    queue = board(
        therapist(9),                                  # clocked out below
        therapist(1),                                  # busy after the first pick
        therapist(2, suspended=True),
        therapist(3, held_for="王先生"),
        therapist(4, health_ok=False),
        therapist(5, items=(EAR,)),
        therapist(6, gender="male"),
        therapist(7),
        therapist(8),
    )
    queue = r.clock_out(queue, 9)
    queue = r.pick_for_rotation(queue, FOOT, gender="female").queue
    pick = r.pick_for_rotation(queue, FOOT, gender="female")
    assert pick.therapist_id == 7
    assert reasons(pick) == [(9, "away"), (1, "busy"), (2, "suspended"), (3, "held"),
                             (4, "health_certificate_expired"), (5, "not_qualified"),
                             (6, "wrong_gender")]
    assert all(str(r.PASS_REASONS[reason]) for _, reason in reasons(pick))


def test_rotation_job_with_nobody_free_is_an_error_listing_everyone():
    queue = board(therapist(1, items=(EAR,)), therapist(2, gender="male"))
    with pytest.raises(RotationError) as error:
        r.pick_for_rotation(queue, FOOT, gender="female")
    assert error.value.field == "therapist"
    assert reasons(error.value) == [(1, "not_qualified"), (2, "wrong_gender")]


def test_end_rotation_job_goes_to_the_tail_waiting():
    queue = r.pick_for_rotation(board(therapist(1), therapist(2), therapist(3)), FOOT).queue
    queue = r.end_rotation_job(queue, 1)
    assert ids(queue) == [2, 3, 1] and status(queue, 1) == "waiting"
    assert_permutation(queue)


# -- requested job (点钟) -------------------------------------------------------

def test_requested_job_waiting_therapist_gets_it_and_keeps_place():
    queue = board(therapist(1), therapist(2), therapist(3))
    pick = r.pick_requested(queue, 2, FOOT)
    assert pick.therapist_id == 2 and ids(pick.queue) == [1, 2, 3]
    place = next(p for p in pick.queue if p.therapist_id == 2)
    assert place.status == "busy" and place.keeps_place


def test_requested_job_busy_therapist_wait_or_choose_again():
    queue = r.pick_requested(board(therapist(1), therapist(2)), 2, FOOT).queue
    with pytest.raises(RotationError) as error:
        r.pick_requested(queue, 2, FOOT)
    assert error.value.field == "therapist_no" and "另选" in error.value.message


@pytest.mark.parametrize("place, message", [
    (therapist(1, suspended=True), "停牌"),
    (therapist(1, items=(EAR,)), "不会做"),
    (therapist(1, health_ok=False), "健康证"),
])
def test_requested_job_refused_for_suspended_unqualified_or_expired(place, message):
    with pytest.raises(RotationError) as error:
        r.pick_requested(board(place), 1, FOOT)
    assert message in error.value.message


def test_requested_job_not_on_board_is_refused():
    with pytest.raises(RotationError) as error:
        r.pick_requested(board(therapist(1)), 99, FOOT)
    assert error.value.field == "therapist_no"


def test_requested_job_releases_a_hold():
    pick = r.pick_requested(board(therapist(1, held_for="王先生")), 1, FOOT)
    assert pick.queue[0].held_for is None


def test_requested_job_is_skipped_by_rotation_while_busy():
    queue = r.pick_requested(board(therapist(1), therapist(2)), 1, FOOT).queue
    pick = r.pick_for_rotation(queue, FOOT)
    assert pick.therapist_id == 2 and reasons(pick) == [(1, "busy")]


def test_end_requested_job_stays_where_they_were():
    queue = r.pick_requested(board(therapist(1), therapist(2), therapist(3)), 1, FOOT).queue
    queue = r.end_requested_job(queue, 1)
    assert ids(queue) == [1, 2, 3] and status(queue, 1) == "waiting"


def test_end_job_by_type():
    queue = r.pick_for_rotation(board(therapist(1), therapist(2)), FOOT).queue
    assert ids(r.end_job(queue, 1, "rotation")) == [2, 1]
    assert ids(r.end_job(queue, 1, "requested")) == [1, 2]


# -- return (退钟) --------------------------------------------------------------

def test_return_window_is_return_window_minutes_from_start():
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert r.within_return_window(start, start + timedelta(minutes=10), 10)
    assert not r.within_return_window(start, start + timedelta(minutes=10, seconds=1), 10)


def test_return_back_to_place_waiting_and_next_other_gets_the_line():
    queue = board(therapist(1), therapist(2, items=(EAR,)), therapist(3))
    queue = r.pick_for_rotation(queue, FOOT).queue
    queue, pick = r.return_job(queue, 1, FOOT)
    assert pick.therapist_id == 3
    assert reasons(pick) == [(1, "returned"), (2, "not_qualified")]
    assert ids(queue) == [1, 2, 3]
    assert status(queue, 1) == "waiting" and status(queue, 3) == "busy"


def test_return_with_nobody_else_free_leaves_the_line_waiting():
    queue = r.pick_for_rotation(board(therapist(1), therapist(2, items=(EAR,))), FOOT).queue
    queue, pick = r.return_job(queue, 1, FOOT)
    assert pick is None and status(queue, 1) == "waiting"


def test_return_of_a_requested_job_gives_a_rotation_replacement_of_the_gender():
    queue = board(therapist(1), therapist(2, gender="male"), therapist(3))
    queue = r.pick_requested(queue, 3, FOOT).queue
    queue, pick = r.return_job(queue, 3, FOOT, gender="male")
    assert pick.therapist_id == 2 and reasons(pick) == [(1, "wrong_gender")]
    assert next(p for p in queue if p.therapist_id == 3).keeps_place is False


def test_a_second_return_passes_over_everyone_the_guest_returned_on_the_line():
    """The spec: "The line remembers every therapist the guest returned: a later
    assignment of it (rotation or a second return) never gives it back to one of them"."""
    queue = board(therapist(1), therapist(2), therapist(3))
    queue = r.pick_for_rotation(queue, FOOT).queue
    queue, pick = r.return_job(queue, 1, FOOT)
    assert pick.therapist_id == 2
    queue, pick = r.return_job(pick.queue, 2, FOOT, exclude=[1])
    assert pick.therapist_id == 3 and reasons(pick) == [(1, "returned"), (2, "returned")]
    queue, pick = r.return_job(pick.queue, 3, FOOT, exclude=[1, 2])
    assert pick is None and ids(queue) == [1, 2, 3]
    with pytest.raises(RotationError) as error:
        r.pick_for_rotation(queue, FOOT, exclude=[1, 2, 3])
    assert reasons(error.value) == [(1, "returned"), (2, "returned"), (3, "returned")]
    assert str(r.PASS_REASONS["returned"]) == "已被客人退钟"


def test_a_refused_requested_job_names_the_therapist_and_the_reason():
    queue = r.pick_requested(board(therapist(1), therapist(2)), 2, FOOT).queue
    with pytest.raises(RotationError) as error:
        r.pick_requested(queue, 2, OIL)
    assert error.value.field == "therapist_no" and reasons(error.value) == [(2, "busy")]
    with pytest.raises(RotationError) as error:
        r.pick_requested(queue, 9, OIL)
    assert reasons(error.value) == [(9, "not_on_board")]


# -- add-on (加钟) ---------------------------------------------------------------

def test_add_on_same_therapist_same_job_type():
    assert r.add_on_terms(7, "requested", running=True) == (7, "requested")
    with pytest.raises(RotationError):
        r.add_on_terms(7, "rotation", running=False)


# -- get ready (上点准备) ---------------------------------------------------------

def test_ready_list_next_waiting_who_would_be_dispatched():
    queue = board(therapist(1), therapist(2, suspended=True), therapist(3),
                  therapist(4, held_for="李"), therapist(5), therapist(6))
    queue = r.pick_for_rotation(queue, FOOT).queue  # 1 busy
    assert ids(r.ready_list(queue, 3)) == [3, 5, 6]
    assert ids(r.ready_list(queue, 0)) == []


# -- manual moves ----------------------------------------------------------------

def test_move_to_tail_with_reason():
    queue = moves.move_to_tail(board(therapist(1), therapist(2), therapist(3)), 1, "拒绝接钟")
    assert ids(queue) == [2, 3, 1]


def test_move_to_head_with_reason():
    queue = moves.move_to_head(board(therapist(1), therapist(2), therapist(3)), 3, "好评奖励")
    assert ids(queue) == [3, 1, 2]


def test_moves_need_a_reason_and_a_change():
    queue = board(therapist(1), therapist(2))
    with pytest.raises(RotationError) as error:
        moves.move_to_head(queue, 2, "  ")
    assert error.value.field == "reason"
    with pytest.raises(RotationError) as error:
        moves.move_to_head(queue, 1, "奖励")
    assert error.value.field == "action"
    with pytest.raises(RotationError):
        moves.move_to_tail(queue, 2, "拒钟")
    with pytest.raises(RotationError):
        moves.apply_move(queue, 1, "explode", "x")


def test_suspend_and_resume():
    queue = moves.suspend(board(therapist(1), therapist(2)), 1, "仪容不合格")
    assert r.pick_for_rotation(queue, FOOT).therapist_id == 2
    with pytest.raises(RotationError):
        moves.suspend(queue, 1, "again")
    queue = moves.resume(queue, 1, "已整改")
    assert r.pick_for_rotation(queue, FOOT).therapist_id == 1 and ids(queue) == [1, 2]


def test_hold_and_release():
    queue = moves.hold(board(therapist(1), therapist(2)), 1, "王先生 19:00")
    assert queue[0].held_for == "王先生 19:00"
    assert r.pick_for_rotation(queue, FOOT).therapist_id == 2
    queue = moves.release(queue, 1, "客人取消")
    assert r.pick_for_rotation(queue, FOOT).therapist_id == 1


def test_moves_of_an_away_therapist_are_refused():
    queue = r.clock_out(board(therapist(1), therapist(2)), 2)
    with pytest.raises(RotationError):
        moves.move_to_head(queue, 2, "奖励")


# -- service timer (催钟) ---------------------------------------------------------

def test_timer_state_warns_before_the_end_and_shows_overrun():
    end = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert r.timer_state(end, end - timedelta(minutes=6), 5) == "running"
    assert r.timer_state(end, end - timedelta(minutes=5), 5) == "due_soon"
    assert r.timer_state(end, end + timedelta(seconds=1), 5) == "overrun"


# -- worked sequences -------------------------------------------------------------

def _run(queue, step):
    """Apply one table step: (verb, args...) -> (queue, who got a job or None)."""
    verb, *args = step
    if verb == "rotation":
        pick = r.pick_for_rotation(queue, *args)
        return pick.queue, pick.therapist_id
    if verb == "requested":
        pick = r.pick_requested(queue, args[0], FOOT)
        return pick.queue, pick.therapist_id
    if verb == "end":
        return r.end_job(queue, *args), None
    if verb == "return":
        queue, pick = r.return_job(queue, args[0], FOOT)
        return queue, pick.therapist_id if pick else None
    if verb == "clock_in":
        return r.clock_in(queue, therapist(args[0])), None
    if verb == "move":
        return moves.apply_move(queue, args[0], args[1], "原因"), None
    raise AssertionError(verb)


# step, queue after (therapist ids in order), who is busy after, who got the job
SEQUENCE_ROTATION_AND_REQUESTED = [
    (("rotation", FOOT),         [1, 2, 3, 4], {1},       1),
    (("requested", 3),           [1, 2, 3, 4], {1, 3},    3),   # 点钟不占轮
    (("rotation", FOOT),         [1, 2, 3, 4], {1, 2, 3}, 2),   # passes 1 (busy)
    (("end", 1, "rotation"),     [2, 3, 4, 1], {2, 3},    None),  # 轮钟 to the tail
    (("end", 3, "requested"),    [2, 3, 4, 1], {2},       None),  # 点钟 stays
    (("rotation", FOOT),         [2, 3, 4, 1], {2, 3},    3),   # 3 kept the place
    (("clock_in", 5),            [2, 3, 4, 1, 5], {2, 3}, None),
    (("move", 5, "to_head"),     [5, 2, 3, 4, 1], {2, 3}, None),  # 奖头
    (("rotation", FOOT),         [5, 2, 3, 4, 1], {2, 3, 5}, 5),
    (("return", 5),              [5, 2, 3, 4, 1], {2, 3, 4}, 4),  # 退钟: next other
    (("end", 2, "rotation"),     [5, 3, 4, 1, 2], {3, 4}, None),
]


def test_worked_sequence_rotation_requested_return():
    queue = board(therapist(1), therapist(2), therapist(3), therapist(4))
    for step, expected_order, expected_busy, expected_pick in SEQUENCE_ROTATION_AND_REQUESTED:
        queue, picked = _run(queue, step)
        assert ids(queue) == expected_order, step
        assert {p.therapist_id for p in queue if p.status == "busy"} == expected_busy, step
        assert picked == expected_pick, step
        assert_permutation(queue)


# A gender preference and qualifications: 1 f (foot), 2 m (foot, oil), 3 f (oil), 4 f (foot, oil)
SEQUENCE_SKILLS_AND_GENDER = [
    # step                            picked  passed over
    (("rotation", OIL, "female"),     3,      [(1, "not_qualified"), (2, "wrong_gender")]),
    (("rotation", OIL, None),         2,      [(1, "not_qualified")]),
    (("rotation", FOOT, "male"),      None,   [(1, "wrong_gender"), (2, "busy"), (3, "busy"),
                                               (4, "wrong_gender")]),
    (("rotation", FOOT, None),        1,      []),
]


def test_worked_sequence_skills_and_gender():
    queue = board(therapist(1, items=(FOOT,)), therapist(2, gender="male", items=(FOOT, OIL)),
                  therapist(3, items=(OIL,)), therapist(4, items=(FOOT, OIL)))
    for (verb, item, gender), expected_pick, expected_passed in SEQUENCE_SKILLS_AND_GENDER:
        assert verb == "rotation"
        if expected_pick is None:
            with pytest.raises(RotationError) as error:
                r.pick_for_rotation(queue, item, gender)
            assert reasons(error.value) == expected_passed
            continue
        pick = r.pick_for_rotation(queue, item, gender)
        assert (pick.therapist_id, reasons(pick)) == (expected_pick, expected_passed)
        queue = pick.queue
