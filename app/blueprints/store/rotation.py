"""轮牌 rules of specs/dispatch.md as pure functions: no database, no request.

A queue is a list of :class:`Place` (one therapist on duty).  Every function
takes a queue and returns a new one (the input is never changed), numbered
1..n in queue order, plus what the rule decided.  ``app.blueprints.store.dispatch``
loads the board into such a queue under the day's row lock, applies one rule
and writes the result back with a log row.

Rules chosen where the spec is silent (written down here, tested by name):

* A therapist keeps their place while busy, on a rotation job as on a requested
  one: the spec moves a rotation therapist to the tail "when the job ends", and
  the rotation skips busy therapists (passed over as ``busy``).  So the place
  "held before this assignment" (退钟) is their place now — unless a dispatcher
  moved them by hand in between, and then that explicit move wins.
* ``away`` (break, clocked out) keeps a row but no turn; clocking in again joins
  the tail like any late clock-in.  A busy therapist cannot clock out.  停牌 is kept
  through it (and, stored per store and therapist by board.py, into the next days):
  only a dispatcher's or foreman's 复牌 lifts it.
* 停牌 (suspended) therapists take no job at all, rotation or requested.
* 留牌 (held for an expected guest): the rotation skips them; a requested job
  (the guest they were held for asked for them) takes them and releases the hold.
* 健康证: ``health_ok`` is False once the therapist's certificate has expired
  (Employee.health_cert_expires_on before the business date; board.py fills it
  from the therapist row); no expiry on file counts as OK.  Rotation passes them
  over as ``health_certificate_expired`` (logged), a 点钟 is refused.
* 退钟 is remembered by the line: the guest's later rotation assignments and
  退钟 replacements pass over every therapist they returned (``exclude``, logged
  as ``returned``).  A 点钟 by number is the guest's own choice and is not
  barred: a guest may ask again for someone they returned.
* A refused 点钟 names the therapist and why in ``passed_over`` (busy, away,
  suspended, not_on_board ...), as a rotation that found nobody does.
* Manual moves (调牌: 置尾, 奖头, 停牌, 留牌 ...) are rotation_moves.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.validation import InputError

WAITING, BUSY, AWAY = "waiting", "busy", "away"
ROTATION, REQUESTED = "rotation", "requested"

# Why a therapist ahead in the queue did not get a rotation job, in the order
# they are checked (the first that applies is the one logged).
PASS_REASONS = {
    "busy": _l("正在上钟"),
    "away": _l("已下牌（休息）"),
    "suspended": _l("停牌"),
    "held": _l("留牌等客"),
    "health_certificate_expired": _l("健康证过期"),
    "not_qualified": _l("不会做该项目"),
    "wrong_gender": _l("性别不符"),
    "returned": _l("已被客人退钟"),
    "not_on_board": _l("今天没有上牌"),
}

class RotationError(InputError):
    """A board rule refused the change; ``fields`` names the field, nothing changed.

    ``passed_over`` lists, when no therapist could be found, why each was skipped.
    """

    def __init__(self, fields: dict[str, str], passed_over: list[PassedOver] | None = None):
        super().__init__(fields)
        self.passed_over = list(passed_over or [])


@dataclass(frozen=True)
class Place:
    """One therapist on the board: where they stand and what the rules need to know."""

    therapist_id: int
    position: int = 0  # 1 = head of the queue
    status: str = WAITING
    suspended: bool = False  # 停牌
    held_for: str | None = None  # 留牌: the expected guest
    keeps_place: bool = False  # busy on a requested job (点钟不占轮)
    gender: str = "female"
    qualified: frozenset[int] = field(default_factory=frozenset)  # service item ids
    # No certificate dates on the Employee file yet (HR issue): OK until then.
    health_ok: bool = True
    number: str = ""  # 工号, shown in the log


@dataclass(frozen=True)
class PassedOver:
    therapist_id: int
    reason: str


@dataclass(frozen=True)
class Pick:
    """The outcome of a dispatch rule: who got the job and who was passed over."""

    therapist_id: int
    passed_over: tuple[PassedOver, ...]
    queue: list[Place]


Queue = list[Place]


# -- helpers -----------------------------------------------------------------

def in_order(queue: Iterable[Place]) -> Queue:
    """The queue sorted by place and numbered 1..n (a permutation, no gaps)."""
    ordered = sorted(queue, key=lambda p: p.position)
    return [replace(place, position=i) for i, place in enumerate(ordered, start=1)]


def _renumber(places: Sequence[Place]) -> Queue:
    return [replace(place, position=i) for i, place in enumerate(places, start=1)]


def find_place(queue: Queue, therapist_id: int) -> tuple[int, Place]:
    """The therapist's index and place in ``queue``; RotationError if not on the board."""
    for index, place in enumerate(queue):
        if place.therapist_id == therapist_id:
            return index, place
    raise RotationError.on("therapist_id", _l("该技师不在今天的轮牌上"))


def replace_place(queue: Queue, index: int, place: Place) -> Queue:
    """A copy of ``queue`` with ``place`` at ``index`` (the order unchanged)."""
    changed = list(queue)
    changed[index] = place
    return changed


def moved_to_tail(queue: Queue, index: int, place: Place) -> Queue:
    """A copy of ``queue`` with the place at ``index`` last, renumbered."""
    rest = [p for i, p in enumerate(queue) if i != index]
    return _renumber([*rest, place])


def moved_to_head(queue: Queue, index: int, place: Place) -> Queue:
    """A copy of ``queue`` with the place at ``index`` first, renumbered."""
    rest = [p for i, p in enumerate(queue) if i != index]
    return _renumber([place, *rest])


def snapshot(queue: Iterable[Place]) -> list[dict]:
    """The queue as JSON for the dispatch log (queue_before / queue_after)."""
    return [{"therapist_id": p.therapist_id, "number": p.number, "position": p.position,
             "status": p.status, "suspended": p.suspended, "held_for": p.held_for}
            for p in in_order(queue)]


# -- the rules ---------------------------------------------------------------

def clock_in(queue: Queue, newcomer: Place,
             yesterday_order: Sequence[int] | None = None) -> Queue:
    """上牌. "Initial order: clock-in order. A therapist who clocks in later joins
    the tail."  A therapist who was ``away`` clocks in again at the tail too.

    With ``yesterday_order`` (the store's option "start the day in yesterday's
    closing order", used until the day's first dispatch) see
    :func:`clock_in_in_yesterdays_order`.
    """
    queue = in_order(queue)
    for index, place in enumerate(queue):
        if place.therapist_id == newcomer.therapist_id:
            if place.status != AWAY:
                raise RotationError.on("therapist_id", _l("该技师已经上牌"))
            # 停牌 outlives the break: only a dispatcher's 复牌 lifts it.
            back = replace(newcomer, status=WAITING, keeps_place=False,
                           suspended=place.suspended or newcomer.suspended)
            return moved_to_tail(queue, index, back)
    if yesterday_order is not None:
        return clock_in_in_yesterdays_order(queue, newcomer, yesterday_order)
    return _renumber([*queue, replace(newcomer, status=WAITING, keeps_place=False)])


def clock_in_in_yesterdays_order(queue: Queue, newcomer: Place,
                                 yesterday_order: Sequence[int]) -> Queue:
    """Option per store: "start the day in yesterday's closing order instead of
    clock-in order."  Therapists on yesterday's board stand in yesterday's
    closing order whatever the order they clock in; those who were not on it
    follow, in clock-in order."""
    rank = {therapist_id: i for i, therapist_id in enumerate(yesterday_order)}
    newcomer = replace(newcomer, status=WAITING, keeps_place=False)
    if newcomer.therapist_id not in rank:
        return _renumber([*in_order(queue), newcomer])
    queue = in_order(queue)
    mine = rank[newcomer.therapist_id]
    for index, place in enumerate(queue):
        theirs = rank.get(place.therapist_id)
        if theirs is None or theirs > mine:
            return _renumber([*queue[:index], newcomer, *queue[index:]])
    return _renumber([*queue, newcomer])


def clock_out(queue: Queue, therapist_id: int) -> Queue:
    """下牌: the therapist becomes ``away`` (break, clocked out) and takes no job;
    a busy therapist finishes the job first."""
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    if place.status == BUSY:
        raise RotationError.on("therapist_id", _l("正在上钟，下钟后才能下牌"))
    if place.status == AWAY:
        raise RotationError.on("therapist_id", _l("该技师已经下牌"))
    return replace_place(queue, index, replace(place, status=AWAY, held_for=None))


def why_not_available(place: Place, item_id: int | None, gender: str | None) -> str | None:
    """The reason a therapist cannot take a rotation job for ``item_id`` now, or None."""
    if place.status == BUSY:
        return "busy"
    if place.status == AWAY:
        return "away"
    if place.suspended:
        return "suspended"
    if place.held_for:
        return "held"
    if not place.health_ok:
        return "health_certificate_expired"
    if item_id is not None and item_id not in place.qualified:
        return "not_qualified"
    if gender and place.gender != gender:
        return "wrong_gender"
    return None


def pick_for_rotation(queue: Queue, item_id: int, gender: str | None = None,
                      exclude: Iterable[int] = ()) -> Pick:
    """轮钟. "The first `waiting` therapist in queue order who is qualified for X
    (and of that gender) gets it and becomes `busy`."  Each therapist ahead is
    passed over with a reason; ``exclude`` (the therapists this guest returned on
    the line) are passed over as ``returned``."""
    queue = in_order(queue)
    excluded = set(exclude)
    passed: list[PassedOver] = []
    for index, place in enumerate(queue):
        reason = "returned" if place.therapist_id in excluded else \
            why_not_available(place, item_id, gender)
        if reason is None:
            busy = replace(place, status=BUSY, keeps_place=False)
            return Pick(place.therapist_id, tuple(passed), replace_place(queue, index, busy))
        passed.append(PassedOver(place.therapist_id, reason))
    raise RotationError({"therapist": _l("没有符合条件的空闲技师，请稍候再派")}, passed)


def pick_requested(queue: Queue, therapist_id: int, item_id: int) -> Pick:
    """点钟. "If that therapist is waiting, they get it; if busy, the order waits
    for them or the customer chooses again.  A requested job does not cost a
    turn: the therapist keeps their place in the queue while busy (rotation
    skips them)."  A hold (留牌) is released: the expected guest has come."""
    queue = in_order(queue)
    try:
        index, place = find_place(queue, therapist_id)
    except RotationError:
        raise _refused(therapist_id, "not_on_board", _l("该技师今天没有上牌")) from None
    if place.status == BUSY:
        raise _refused(therapist_id, "busy", _l("该技师正在上钟：请客人稍候，或另选技师"))
    if place.status == AWAY:
        raise _refused(therapist_id, "away", _l("该技师已下牌（休息）"))
    if place.suspended:
        raise _refused(therapist_id, "suspended", _l("该技师已停牌"))
    if not place.health_ok:
        raise _refused(therapist_id, "health_certificate_expired", _l("该技师健康证过期"))
    if item_id not in place.qualified:
        raise _refused(therapist_id, "not_qualified", _l("该技师不会做这个项目"))
    busy = replace(place, status=BUSY, keeps_place=True, held_for=None)
    return Pick(therapist_id, (), replace_place(queue, index, busy))


def _refused(therapist_id: int, reason: str, message) -> RotationError:
    """A refused 点钟: the message on ``therapist_no``, the reason by its code."""
    return RotationError({"therapist_no": message}, [PassedOver(therapist_id, reason)])


def end_rotation_job(queue: Queue, therapist_id: int) -> Queue:
    """下钟 of a rotation job: "When the job ends they go to the tail of the queue
    and become `waiting`."""
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    return moved_to_tail(queue, index, replace(place, status=WAITING, keeps_place=False))


def end_requested_job(queue: Queue, therapist_id: int) -> Queue:
    """下钟 of a requested job: "when the job ends they stay where they were"."""
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    return replace_place(queue, index, replace(place, status=WAITING, keeps_place=False))


def end_job(queue: Queue, therapist_id: int, job_type: str) -> Queue:
    """The end of a job by its type (轮钟 to the tail, 点钟 stays)."""
    if job_type == REQUESTED:
        return end_requested_job(queue, therapist_id)
    return end_rotation_job(queue, therapist_id)


def within_return_window(started_at: datetime, now: datetime, window_minutes: int) -> bool:
    """退钟 is allowed "within `return_window_minutes` [10] of the start"."""
    return now - started_at <= timedelta(minutes=window_minutes)


def return_job(queue: Queue, therapist_id: int, item_id: int,
               gender: str | None = None, exclude: Iterable[int] = ()
               ) -> tuple[Queue, Pick | None]:
    """退钟. "The therapist goes back to the place they held before this assignment
    and becomes waiting; the next qualified waiting therapist other than them
    gets the same line."  The replacement is a rotation pick that passes over
    them and ``exclude`` (whoever the guest returned on the line before); None
    when nobody is free (the line then waits for a dispatch)."""
    queue = in_order(queue)
    index, place = find_place(queue, therapist_id)
    queue = replace_place(queue, index, replace(place, status=WAITING, keeps_place=False))
    try:
        pick = pick_for_rotation(queue, item_id, gender, exclude=[therapist_id, *exclude])
    except RotationError:
        return queue, None
    return pick.queue, pick


def add_on_terms(therapist_id: int, job_type: str, running: bool) -> tuple[int, str]:
    """加钟. "extends a running job with another item; it belongs to the same
    therapist and the same job type."  Returns (therapist, job type)."""
    if not running:
        raise RotationError.on("service_job_id", _l("只能给正在进行的钟加钟"))
    return therapist_id, job_type


def ready_list(queue: Queue, count: int) -> Queue:
    """上点准备. "the board always shows the next `ready_notice_count` [3] waiting
    therapists who would be dispatched next, so they can prepare."  (Any item,
    any gender: the order in which rotation reaches them.)"""
    ready = [p for p in in_order(queue) if why_not_available(p, None, None) is None]
    return ready[:max(count, 0)]


def timer_state(planned_end_at: datetime, now: datetime, warning_minutes: int) -> str:
    """Service timer. "the board warns the dispatcher 5 minutes before the end (催钟)
    and shows overruns": ``running``, ``due_soon`` (催钟) or ``overrun``."""
    if now > planned_end_at:
        return "overrun"
    if planned_end_at - now <= timedelta(minutes=warning_minutes):
        return "due_soon"
    return "running"
