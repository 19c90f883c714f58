"""/api/v1 轮牌 and 派钟: the board snapshot, dispatching lines, finishing,
returning and extending jobs, clock-in/out, manual moves and the day's log.

The same services as the pages (app.blueprints.store.dispatch); a rule that
refuses answers 422 naming the field, nothing changed.  A dispatch refused for
want of a therapist (nobody free for 轮钟, the 点钟 therapist busy …) also lists
in ``error.passed_over`` each therapist and why.

``gender`` of 派钟 and 退钟: absent, the guest's wish kept on the line; given,
it becomes the line's wish; ``null`` lifts it (any therapist).
"""

from flask import url_for
from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint
from app.blueprints.store import dispatch, rotation, rotation_moves
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BoardEntry, OrderLine, ServiceJob
from app.blueprints.store.models.dispatch import BOARD_STATUSES
from app.blueprints.store.models.orders import JOB_STATUSES, JOB_TYPES
from app.extensions import db
from app.models.org import Store
from app.models.people import GENDERS
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_dispatch", __name__, description="Rotation board and dispatch (轮牌, 派钟)")

GENDER = validate.OneOf(dispatch.GENDER_CHOICES)


# -- schemas -------------------------------------------------------------------------

class ServiceJobSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    order_id = fields.Integer()
    order_line_id = fields.Integer()
    therapist_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    job_type = fields.String(validate=validate.OneOf(JOB_TYPES),
                             metadata={"description": "rotation (轮钟) / requested (点钟)"})
    is_addon = fields.Boolean()
    parent_job_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(JOB_STATUSES), metadata={
        "description": "in_service / finished / returned (退钟) / cancelled (an add-on not "
                       "started when its job ended: not charged, not paid)"})
    started_at = fields.DateTime()
    planned_end_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    return_reason = fields.String()
    addon_confirmed_at = fields.DateTime(allow_none=True)
    addon_confirm_url = fields.Method("confirm_url", metadata={
        "description": "加钟: the page the guest's QR code opens (no login)"})

    def confirm_url(self, job):
        if not job.addon_token:
            return None
        return url_for("store.addon_confirm", token=job.addon_token, _external=True)


class BoardEntrySchema(Schema):
    id = fields.Integer()
    therapist_id = fields.Integer()
    position = fields.Integer()
    status = fields.String(validate=validate.OneOf(BOARD_STATUSES),
                           metadata={"description": "waiting / busy / away"})
    suspended = fields.Boolean()
    held_for = fields.String(allow_none=True)
    current_job_id = fields.Integer(allow_none=True)


class RunningJobSchema(Schema):
    job_id = fields.Integer()
    root_job_id = fields.Integer()
    order_id = fields.Integer()
    order_number = fields.String()
    room_number = fields.String()
    items = fields.List(fields.String())
    job_type = fields.String(validate=validate.OneOf(JOB_TYPES))
    started_at = fields.DateTime()
    busy_until = fields.DateTime()
    timer = fields.String(metadata={"description": "running / due_soon (催钟) / overrun"})
    minutes_left = fields.Integer()
    can_return = fields.Boolean()
    addons = fields.List(fields.Dict())


class BoardRowSchema(Schema):
    entry_id = fields.Integer()
    therapist_id = fields.Integer()
    number = fields.String()
    name = fields.String()
    gender = fields.String(validate=validate.OneOf(GENDERS))
    position = fields.Integer()
    status = fields.String(validate=validate.OneOf(BOARD_STATUSES))
    suspended = fields.Boolean()
    held_for = fields.String(allow_none=True)
    clocked_in_at = fields.DateTime()
    job = fields.Nested(RunningJobSchema, allow_none=True)
    health_ok = fields.Boolean(metadata={
        "description": "false: the 健康证 has expired (rotation passes them over)"})


class WaitingLineSchema(Schema):
    line_id = fields.Integer()
    order_id = fields.Integer()
    order_number = fields.String()
    room_number = fields.String()
    guest_name = fields.String()
    guest_no = fields.Integer()
    item = fields.String()
    service_item_id = fields.Integer()
    duration_minutes = fields.Integer()
    requested_no = fields.String()
    gender_wish = fields.String(allow_none=True)
    waiting_since = fields.DateTime()
    returned = fields.Boolean()
    returned_therapist_ids = fields.List(fields.Integer(), metadata={
        "description": "therapists this guest returned (退钟): rotation passes them over"})


class BoardSnapshotSchema(Schema):
    store_id = fields.Integer()
    business_date = fields.Date()
    board_version = fields.Integer()
    now = fields.DateTime()
    queue = fields.List(fields.Nested(BoardRowSchema))
    ready = fields.Method("ready_numbers", metadata={
        "description": "上点准备: the next therapists to be dispatched (therapist ids)"})
    waiting_lines = fields.List(fields.Nested(WaitingLineSchema))
    warnings = fields.Method("warning_ids", metadata={
        "description": "therapist ids whose job is due soon (催钟) or over time"})

    def ready_numbers(self, snapshot):
        return [row.therapist_id for row in snapshot.ready]

    def warning_ids(self, snapshot):
        return [row.therapist_id for row in snapshot.warnings]


class AssignArgsSchema(Schema):
    mode = fields.String(validate=validate.OneOf(("rotation", "requested")), metadata={
        "description": "rotation (轮钟) or requested (点钟); absent: 点钟 when the line "
                       "has a requested therapist, else 轮钟"})
    therapist_no = fields.String(metadata={
        "description": "点钟: the therapist's number; absent: the one entered for the line"})
    gender = fields.String(allow_none=True, validate=GENDER, metadata={
        "description": "轮钟: female / male; absent: the line's wish; null: any"})


class FinishArgsSchema(Schema):
    reason = fields.String(validate=validate.Length(max=255), metadata={
        "description": "提前下钟原因: required when the job ends more than the tenant's "
                       "early_finish_reason_minutes [10] before its planned end"})


class ReturnArgsSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    gender = fields.String(allow_none=True, validate=GENDER, metadata={
        "description": "the replacement's gender; absent: the line's wish; null: any"})


class PassedOverReasonSchema(Schema):
    """One therapist rotation could not use, in the shape of a refused dispatch's
    ``error.passed_over``."""

    employee_id = fields.Integer()
    number = fields.String(metadata={"description": "技师号"})
    name = fields.String()
    reason_code = fields.String(validate=validate.OneOf(tuple(rotation.PASS_REASONS)))
    reason = fields.String(metadata={"description": "the reason in words"})


class ReturnResultSchema(Schema):
    returned = fields.Nested(ServiceJobSchema)
    replacement = fields.Nested(ServiceJobSchema, allow_none=True)
    passed_over = fields.List(fields.Nested(PassedOverReasonSchema), metadata={
        "description": "no replacement: each therapist on the board and why rotation "
                       "passed them over (the line waits); empty when replaced"})


class AddonArgsSchema(Schema):
    service_item_id = fields.Integer(required=True, strict=True)


class ClockArgsSchema(Schema):
    therapist_id = fields.Integer(strict=True, metadata={
        "description": "the therapist (Employee id); a therapist's own token may omit it"})


class ClockInArgsSchema(ClockArgsSchema):
    confirm_rest_day = fields.Boolean(load_default=False, metadata={
        "description": "上牌 on a day the store's schedule gives the therapist no shift: "
                       "without it, 422 naming confirm_rest_day"})


class MoveArgsSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(rotation_moves.MOVE_ACTIONS),
                           metadata={"description": "to_tail 置尾 / to_head 奖头 / suspend 停牌"
                                                    " / resume 复牌 / hold 留牌 / release"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class LogArgsSchema(Schema):
    date = fields.Date(metadata={"description": "business date, default today"})


class PassedOverSchema(Schema):
    therapist_id = fields.Integer()
    reason = fields.String()
    label = fields.Method("reason_label")

    def reason_label(self, item):
        return str(rotation.PASS_REASONS.get(item["reason"], item["reason"]))


class DispatchLogSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_name = fields.String()
    action = fields.String()
    rule = fields.String()
    therapist_id = fields.Integer(allow_none=True)
    job_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    reason = fields.String()
    minutes_short = fields.Integer(allow_none=True, metadata={
        "description": "下钟: minutes before the planned end (提前下钟)"})
    queue_before = fields.List(fields.Dict())
    queue_after = fields.List(fields.Dict())
    passed_over = fields.List(fields.Nested(PassedOverSchema))


class DispatchLogPageSchema(Schema):
    store_id = fields.Integer()
    business_date = fields.Date()
    items = fields.List(fields.Nested(DispatchLogSchema))


# -- helpers -------------------------------------------------------------------------

def _job_or_404(service_job_id: int) -> ServiceJob:
    return get_in_scope_or_404(ServiceJob, service_job_id)


def _run(verb):
    result = verb()
    db.session.commit()
    return result


def _therapist_for_clocking(data: dict):
    if current_user.can("dispatch.assign"):
        if "therapist_id" not in data:
            abort(422, message="therapist_id", errors={"json": {"therapist_id": ["必填"]}})
        return data["therapist_id"]
    own = getattr(current_user, "employee_id", None)
    if own is None or data.get("therapist_id", own) != own:
        abort(403, message="技师只能为自己上牌、下牌")
    return own


# -- resources -----------------------------------------------------------------------

@blp.route("/stores/<int:store_id>/board", methods=["GET"])
@blp.response(200, BoardSnapshotSchema)
@permission_required("dispatch.view_log")
def get_board(store_id: int):
    """The live board: queue, busy-until, 催钟/overruns, get-ready list, lines to dispatch."""
    store = get_in_scope_or_404(Store, store_id)
    return dispatch.board_snapshot(store.id)


@blp.route("/order-lines/<int:line_id>/assign", methods=["POST"])
@blp.arguments(AssignArgsSchema)
@blp.response(201, ServiceJobSchema)
@permission_required("dispatch.assign")
def assign_line(data, line_id: int):
    """派钟 a service line: ``{"mode": "rotation", "gender": "female"}`` (轮钟),
    ``{"mode": "requested", "therapist_no": "8"}`` (点钟), or ``{}``: the 点钟
    number entered for the line, else 轮钟 with the line's gender wish.  422 when
    nobody can take it, with ``passed_over``: each therapist and why."""
    line = get_in_scope_or_404(OrderLine, line_id)
    mode = data.get("mode") or ("requested" if line.requested_therapist_id else "rotation")
    if mode == "requested":
        return _run(lambda: dispatch.assign_requested(line, data.get("therapist_no"),
                                                      current_user))
    return _run(lambda: dispatch.assign_rotation(line, current_user,
                                                 data.get("gender", dispatch.LINE_WISH)))


@blp.route("/service-jobs/<int:service_job_id>/finish", methods=["POST"])
@blp.arguments(FinishArgsSchema)
@blp.response(200, ServiceJobSchema)
@permission_required("dispatch.assign")
def finish_job(data, service_job_id: int):
    """下钟 (with the job's add-ons that have started; one not started is cancelled).
    Ending more than the tenant's ``early_finish_reason_minutes`` early needs
    ``reason`` (422 naming ``reason`` without it)."""
    job = _job_or_404(service_job_id)
    return _run(lambda: dispatch.finish_job(job, current_user, data.get("reason", "")))


@blp.route("/service-jobs/<int:service_job_id>/return", methods=["POST"])
@blp.arguments(ReturnArgsSchema)
@blp.response(200, ReturnResultSchema)
@permission_required("dispatch.assign")
def return_job(data, service_job_id: int):
    """退钟 within the return window; ``replacement`` is the next therapist's job (or null)."""
    job = _job_or_404(service_job_id)
    replacement = _run(lambda: dispatch.return_job(job, current_user, data["reason"],
                                                   gender=data.get("gender",
                                                                   dispatch.LINE_WISH)))
    passed_over = dispatch.why_nobody_replaces(job) if replacement is None else []
    return {"returned": job, "replacement": replacement, "passed_over": passed_over}


@blp.route("/service-jobs/<int:service_job_id>/addon", methods=["POST"])
@blp.arguments(AddonArgsSchema)
@blp.response(201, ServiceJobSchema)
@permission_required("dispatch.assign")
def add_on(data, service_job_id: int):
    """加钟: the same therapist and job type; the guest confirms at ``addon_confirm_url``."""
    job = _job_or_404(service_job_id)
    return _run(lambda: dispatch.add_on(job, data["service_item_id"], current_user))


@blp.route("/stores/<int:store_id>/board/clock-in", methods=["POST"])
@blp.arguments(ClockInArgsSchema)
@blp.response(201, BoardEntrySchema)
@permission_required("board.clock_in")
def clock_in(data, store_id: int):
    """上牌 (a therapist's own token clocks themselves in).  An expired 健康证 is
    422 naming ``therapist_id`` (no override); a rest day (the store's schedule has
    no shift for them today) is 422 naming ``confirm_rest_day`` until it is sent true."""
    store = get_in_scope_or_404(Store, store_id)
    therapist_id = _therapist_for_clocking(data)
    return _run(lambda: dispatch.clock_in(store.id, therapist_id, current_user,
                                          confirm_rest_day=data["confirm_rest_day"]))


@blp.route("/stores/<int:store_id>/board/clock-out", methods=["POST"])
@blp.arguments(ClockArgsSchema)
@blp.response(200, BoardEntrySchema)
@permission_required("board.clock_in")
def clock_out(data, store_id: int):
    """下牌: break or end of shift."""
    store = get_in_scope_or_404(Store, store_id)
    therapist_id = _therapist_for_clocking(data)
    return _run(lambda: dispatch.clock_out(store.id, therapist_id, current_user))


@blp.route("/board-entries/<int:entry_id>/move", methods=["POST"])
@blp.arguments(MoveArgsSchema)
@blp.response(200, BoardEntrySchema)
@permission_required("dispatch.assign")
def move_entry(data, entry_id: int):
    """置尾 / 奖头 / 停牌 / 复牌 / 留牌 / 取消留牌, with a reason."""
    entry = get_in_scope_or_404(BoardEntry, entry_id)
    return _run(lambda: dispatch.move(entry, data["action"], data["reason"], current_user))


@blp.route("/stores/<int:store_id>/dispatch-log", methods=["GET"])
@blp.arguments(LogArgsSchema, location="query")
@blp.response(200, DispatchLogPageSchema)
@permission_required("dispatch.view_log")
def dispatch_log(args, store_id: int):
    """The day's log, oldest first, each passed-over reason with its label."""
    store = get_in_scope_or_404(Store, store_id)
    day = args.get("date") or today_for_store()
    logs, _employees = dispatch.day_log(store.id, day)
    return {"store_id": store.id, "business_date": day, "items": logs}
