"""调牌: the dispatcher's and foreman's manual moves on the 轮牌 queue (specs/dispatch.md),
as pure functions over the queue of rotation.py.

Rules chosen where the spec is silent: every move needs a reason, and a move that
would change nothing (置尾 of the last, 停牌 of someone already suspended) is an
error rather than a silent no-op, so the log never records a move that did not happen.
停牌 "lasts until a dispatcher or foreman lifts it, through a clock-out and into the
next day": board.py keeps it per store and therapist (BoardSuspension), clocking in
again never lifts it, and 复牌 is the only way out (also while the therapist is on a
break).  Moves need ``dispatch.assign``, which therapists do not hold.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from app.blueprints.store.rotation import (
    AWAY,
    Place,
    Queue,
    RotationError,
    find_place,
    in_order,
    moved_to_head,
    moved_to_tail,
    replace_place,
)

MOVE_ACTIONS = ("to_tail", "to_head", "suspend", "resume", "hold", "release")
MOVE_LABELS = {
    "to_tail": _l("置尾"),
    "to_head": _l("奖头"),
    "suspend": _l("停牌"),
    "resume": _l("复牌"),
    "hold": _l("留牌"),
    "release": _l("取消留牌"),
}


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RotationError.on("reason", _l("请填写原因"))
    return reason[:255]


def _movable(queue: Queue, therapist_id: int) -> tuple[Queue, int, Place]:
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    if place.status == AWAY:
        raise RotationError.on("therapist_id", _l("该技师已下牌"))
    return queue, index, place


def move_to_tail(queue: Queue, therapist_id: int, reason: str) -> Queue:
    """置尾. "Manual moves by the dispatcher or foreman, each with a reason: to the
    tail (置尾, e.g. refused a job)"."""
    _require_reason(reason)
    queue, index, place = _movable(queue, therapist_id)
    if index == len(queue) - 1:
        raise RotationError.on("action", _l("该技师已在队尾"))
    return moved_to_tail(queue, index, place)


def move_to_head(queue: Queue, therapist_id: int, reason: str) -> Queue:
    """奖头. "to the head (奖头, a reward)"."""
    _require_reason(reason)
    queue, index, place = _movable(queue, therapist_id)
    if index == 0:
        raise RotationError.on("action", _l("该技师已在队首"))
    return moved_to_head(queue, index, place)


def suspend(queue: Queue, therapist_id: int, reason: str) -> Queue:
    """停牌. "suspend and resume (停牌)": a suspended therapist keeps the place
    but gets no job until resumed."""
    _require_reason(reason)
    queue, index, place = _movable(queue, therapist_id)
    if place.suspended:
        raise RotationError.on("action", _l("该技师已经停牌"))
    return replace_place(queue, index, replace(place, suspended=True))


def resume(queue: Queue, therapist_id: int, reason: str) -> Queue:
    """复牌: the end of 停牌; the therapist takes jobs again from the same place.
    Also while they are on a break (下牌): the suspension outlives it."""
    _require_reason(reason)
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    if not place.suspended:
        raise RotationError.on("action", _l("该技师没有停牌"))
    return replace_place(queue, index, replace(place, suspended=False))


def hold(queue: Queue, therapist_id: int, guest: str) -> Queue:
    """留牌. "hold for an expected guest": the rotation skips them; the reason is
    the guest expected (e.g. "王先生 19:00 点 8 号")."""
    guest = _require_reason(guest)
    queue, index, place = _movable(queue, therapist_id)
    if place.held_for:
        raise RotationError.on("action", _l("该技师已经留牌"))
    return replace_place(queue, index, replace(place, held_for=guest[:64]))


def release(queue: Queue, therapist_id: int, reason: str) -> Queue:
    """取消留牌: the expected guest is not coming; the therapist is in rotation again."""
    _require_reason(reason)
    queue, index, place = _movable(queue, therapist_id)
    if not place.held_for:
        raise RotationError.on("action", _l("该技师没有留牌"))
    return replace_place(queue, index, replace(place, held_for=None))


MOVES = {
    "to_tail": move_to_tail,
    "to_head": move_to_head,
    "suspend": suspend,
    "resume": resume,
    "hold": hold,
    "release": release,
}


def apply_move(queue: Queue, therapist_id: int, action: str, reason: str) -> Queue:
    """One manual move by its action name (置尾/奖头/停牌/复牌/留牌/取消留牌)."""
    move = MOVES.get(action)
    if move is None:
        raise RotationError.on("action", _l("无效的操作"))
    return move(queue, therapist_id, reason)
