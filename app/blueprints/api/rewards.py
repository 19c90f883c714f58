"""奖惩 (rewards, fines, adjustments): list, file, approve, reject, cancel.

Over app/blueprints/hr/rewards.py (the rules are there).  Store managers see and
file for the people of their stores; ``reward.approve`` (the HR manager) decides.
Approved ones are paid by the payroll run of the month of ``effective_on``.
"""

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate, validates
from sqlalchemy import select

from app.blueprints.api.common import (
    Blueprint,
    Money,
    PageArgsSchema,
    page_schema,
    paginate,
    parse_month,
)
from app.blueprints.hr import rewards
from app.blueprints.hr.models import RewardPenalty
from app.blueprints.hr.models.payroll import REQUEST_STATUSES, REWARD_KINDS
from app.extensions import db
from app.models import Employee
from app.permissions import can_see_store, get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_rewards", __name__, url_prefix="/rewards",
                description="Rewards, fines and payslip adjustments (奖惩)")


class EmployeeRefSchema(Schema):
    id = fields.Integer()
    employee_no = fields.String()
    name = fields.String()


class RewardSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    employee = fields.Nested(EmployeeRefSchema)
    store_id = fields.Integer(allow_none=True)
    kind = fields.String(validate=validate.OneOf(REWARD_KINDS),
                         metadata={"description": "reward | fine | adjustment"})
    amount = Money(metadata={"description": "> 0 for reward and fine; signed for adjustment"})
    signed_amount = fields.Function(lambda row: str(rewards.signed_amount(row)),
                                    metadata={"description": "effect on gross pay"})
    effective_on = fields.Date()
    reason = fields.String()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES),
                           metadata={"description": "pending | approved | rejected | cancelled"})
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class RewardQueryArgsSchema(PageArgsSchema):
    month = fields.String(metadata={"description": "YYYY-MM (effective_on in that month)"})
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    kind = fields.String(validate=validate.OneOf(REWARD_KINDS))
    employee_id = fields.Integer()

    @validates("month")
    def _month(self, value, **_kwargs):
        parse_month(value)




class RewardCreateSchema(Schema):
    employee_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REWARD_KINDS))
    amount = fields.Decimal(required=True, as_string=True)
    effective_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class NoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


RewardPageSchema = page_schema(RewardSchema, "RewardPage")


def _reward(reward_id: int) -> RewardPenalty:
    """Tenant and store scope (resolved centrally as well), with its employee loaded."""
    get_in_scope_or_404(RewardPenalty, reward_id)
    return db.session.scalar(rewards.reward_query().where(RewardPenalty.id == reward_id))


@blp.route("")
@blp.arguments(RewardQueryArgsSchema, location="query")
@blp.response(200, RewardPageSchema)
@permission_required("reward.manage")
def list_rewards(args):
    """One page of rewards/penalties in your stores, newest first."""
    filters = rewards.RewardFilters(
        month=parse_month(args["month"]) if args.get("month") else None,
        store_id=args.get("store_id"), status=args.get("status"), kind=args.get("kind"),
        employee_id=args.get("employee_id"))
    return paginate(rewards.reward_query(filters, store_scope(current_user)),
                    args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(RewardCreateSchema)
@blp.response(201, RewardSchema)
@permission_required("reward.manage")
def create_reward(data):
    """File a reward, fine or adjustment (status ``pending``)."""
    employee = db.session.scalar(select(Employee).where(Employee.id == data["employee_id"]))
    if employee is None or not can_see_store(current_user, employee.store_id):
        message = "没有这个员工"
        abort(422, message=message, errors={"json": {"employee_id": [message]}})
    row = rewards.file_reward(employee, data["kind"], data["amount"], data["effective_on"],
                              data["reason"], actor=current_user)
    db.session.commit()
    return _reward(row.id)


@blp.route("/<int:reward_id>")
@blp.response(200, RewardSchema)
@permission_required("reward.manage")
def get_reward(reward_id: int):
    return _reward(reward_id)


def _act(reward_id: int, verb):
    row = _reward(reward_id)
    verb(row)
    db.session.commit()
    return _reward(reward_id)


@blp.route("/<int:reward_id>/approve", methods=["POST"])
@blp.response(200, RewardSchema)
@permission_required("reward.approve")
def approve_reward(reward_id: int):
    """Approve: the payroll of the effective month pays it."""
    return _act(reward_id, lambda row: rewards.approve_reward(row, actor=current_user))


@blp.route("/<int:reward_id>/reject", methods=["POST"])
@blp.arguments(NoteSchema)
@blp.response(200, RewardSchema)
@permission_required("reward.approve")
def reject_reward(data, reward_id: int):
    return _act(reward_id, lambda row: rewards.reject_reward(row, data["note"],
                                                             actor=current_user))


@blp.route("/<int:reward_id>/cancel", methods=["POST"])
@blp.response(200, RewardSchema)
@permission_required("reward.manage")
def cancel_reward(reward_id: int):
    """Cancel (kept, status ``cancelled``): pending, or approved while its month is open."""
    return _act(reward_id, lambda row: rewards.cancel_reward(row, actor=current_user))
