"""薪资设置 over the API: therapist levels, pay profiles, the tenant's payroll policy.

The same permission as the /hr/pay pages (``payroll.settings``) and the same
functions (app/blueprints/hr/pay_settings.py): the rules, the 422 naming the field
and the audit entries are theirs.  Nothing is deleted: ``is_active: false``
deactivates a level or a profile (停用), as on the page.

The policy: ``GET`` gives every key of PayrollPolicy in force (defaults where the
tenant set nothing; Decimals as strings, the SI bounds null when unbounded).
``PUT`` takes the keys to set: a key left out keeps its current value, a key sent
as null goes back to its default (for the SI bounds: no bound); an unknown key or
a bad value is a 422 naming the key, and nothing changes.  Runs already computed
keep the policy they were computed with.
"""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money
from app.blueprints.hr import pay_settings
from app.blueprints.hr.common import get_by_id
from app.blueprints.hr.payroll.policy import PayrollPolicy
from app.extensions import db
from app.models import PayProfile, TherapistLevel
from app.permissions import permission_required

blp = Blueprint("api_pay_settings", __name__,
                description="Pay settings (薪资设置): therapist levels, pay profiles, policy")


# --------------------------------------------------------------------------- levels


class TherapistLevelSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(metadata={"description": "unique in the company, at most 32 chars"})
    commission_multiplier = fields.Decimal(
        as_string=True, places=3,
        metadata={"description": "every job's commission × this; > 0 and ≤ 10, 3 decimals"})
    rank = fields.Integer(metadata={"description": "higher = more senior (-1000..1000)"})
    assessment_threshold = fields.Decimal(
        as_string=True, places=2, allow_none=True,
        metadata={"description": "skill-assessment score reaching the level (0-100); "
                                 "null: not reached by assessment"})
    is_active = fields.Boolean(metadata={"description": "false: 停用, kept on who has it"})


class TherapistLevelCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=32))
    commission_multiplier = fields.Decimal(required=True, as_string=True)
    rank = fields.Integer(load_default=0)
    assessment_threshold = fields.Decimal(as_string=True, load_default=None, allow_none=True)
    is_active = fields.Boolean(load_default=True)


class TherapistLevelPatchSchema(Schema):
    name = fields.String(validate=validate.Length(max=32))
    commission_multiplier = fields.Decimal(as_string=True)
    rank = fields.Integer()
    assessment_threshold = fields.Decimal(as_string=True, allow_none=True)
    is_active = fields.Boolean()


def _or_404(model, object_id: int):
    # The central path-object check already answered 404 for another tenant's id.
    return get_by_id(model, object_id)


@blp.route("/therapist-levels")
@blp.response(200, TherapistLevelSchema(many=True))
@permission_required("payroll.view")
def list_levels():
    """技师等级, by rank (deactivated ones too).

    Readable by whoever reads payroll, which includes HR staff: they choose a level
    when they hire (the employee form lists them) without editing the levels."""
    return pay_settings.levels()


@blp.route("/therapist-levels", methods=["POST"])
@blp.arguments(TherapistLevelCreateSchema)
@blp.response(201, TherapistLevelSchema)
@permission_required("payroll.settings")
def create_level(data):
    """New level (audited ``pay.level_create``)."""
    level = pay_settings.create_level(actor=current_user, **data)
    db.session.commit()
    return level


@blp.route("/therapist-levels/<int:therapist_level_id>", methods=["PATCH"])
@blp.arguments(TherapistLevelPatchSchema)
@blp.response(200, TherapistLevelSchema)
@permission_required("payroll.settings")
def update_level(data, therapist_level_id: int):
    """Change a level; its multiplier applies to runs computed from now on."""
    level = _or_404(TherapistLevel, therapist_level_id)
    pay_settings.update_level(level, actor=current_user, **data)
    db.session.commit()
    return level


# --------------------------------------------------------------------------- profiles


class PayProfileSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    position_id = fields.Integer(allow_none=True, metadata={
        "description": "the post this is the default profile of (GET /positions); null: "
                       "chosen per employee"})
    monthly_base = Money()
    overtime_eligible = fields.Boolean()
    commission = fields.Boolean(metadata={"description": "paid 钟 commission"})
    card_sale_rate = fields.Decimal(as_string=True, places=4,
                                    metadata={"description": "0..1; 0.05 = 5% of card sales"})
    meal_allowance_per_day = Money()
    full_attendance_bonus = Money()
    is_active = fields.Boolean()
    created_at = fields.DateTime(dump_only=True)


class PayProfileCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=64))
    position_id = fields.Integer(load_default=None, allow_none=True)
    monthly_base = fields.Decimal(required=True, as_string=True)
    overtime_eligible = fields.Boolean(load_default=True)
    commission = fields.Boolean(load_default=False)
    card_sale_rate = fields.Decimal(load_default="0", as_string=True)
    meal_allowance_per_day = fields.Decimal(load_default="0.00", as_string=True)
    full_attendance_bonus = fields.Decimal(load_default="0.00", as_string=True)
    is_active = fields.Boolean(load_default=True)


class PayProfilePatchSchema(Schema):
    name = fields.String(validate=validate.Length(max=64))
    position_id = fields.Integer(allow_none=True)
    monthly_base = fields.Decimal(as_string=True)
    overtime_eligible = fields.Boolean()
    commission = fields.Boolean()
    card_sale_rate = fields.Decimal(as_string=True)
    meal_allowance_per_day = fields.Decimal(as_string=True)
    full_attendance_bonus = fields.Decimal(as_string=True)
    is_active = fields.Boolean()


@blp.route("/pay-profiles")
@blp.response(200, PayProfileSchema(many=True))
@permission_required("payroll.view")
def list_profiles():
    """薪资方案, by name (deactivated ones too); readable like the levels."""
    return pay_settings.profiles()


@blp.route("/pay-profiles", methods=["POST"])
@blp.arguments(PayProfileCreateSchema)
@blp.response(201, PayProfileSchema)
@permission_required("payroll.settings")
def create_profile(data):
    """New profile (audited ``pay.profile_create``)."""
    profile = pay_settings.create_profile(actor=current_user, **data)
    db.session.commit()
    return profile


@blp.route("/pay-profiles/<int:pay_profile_id>", methods=["PATCH"])
@blp.arguments(PayProfilePatchSchema)
@blp.response(200, PayProfileSchema)
@permission_required("payroll.settings")
def update_profile(data, pay_profile_id: int):
    """Change a profile; runs computed from now on pay by it (approved runs are frozen)."""
    profile = _or_404(PayProfile, pay_profile_id)
    pay_settings.update_profile(profile, actor=current_user, **data)
    db.session.commit()
    return profile


# --------------------------------------------------------------------------- policy


def _policy_field(key: str) -> fields.Field:
    label = str(pay_settings.POLICY_LABELS.get(key, key))
    default = getattr(PayrollPolicy(), key)
    description = f"{label}; default {default if default is not None else 'none (no bound)'}"
    if key in pay_settings.INT_KEYS:
        return fields.Integer(allow_none=True, metadata={"description": description})
    # Rates keep every decimal they were given: no ``places``.
    return fields.Decimal(as_string=True, allow_none=True, metadata={"description": description})


PayrollPolicySchema = Schema.from_dict(
    {key: _policy_field(key) for key in pay_settings.POLICY_KEYS}, name="PayrollPolicy")


def _policy_view() -> dict:
    policy = pay_settings.current_policy()
    return {key: getattr(policy, key) for key in pay_settings.POLICY_KEYS}


@blp.route("/payroll/policy")
@blp.response(200, PayrollPolicySchema)
@permission_required("payroll.settings")
def get_policy():
    """工资参数 in force: every key of the tenant's PayrollPolicy (defaults where unset)."""
    return _policy_view()


@blp.route("/payroll/policy", methods=["PUT"])
@blp.arguments(PayrollPolicySchema)
@blp.response(200, PayrollPolicySchema)
@permission_required("payroll.settings")
def put_policy(data):
    """Set keys (see the module docstring: absent keeps, null resets); audited
    ``payroll.policy_update`` with the changed keys, as the page does."""
    values = {key: value for key, value in pay_settings.stored_policy().items()
              if key in pay_settings.POLICY_KEYS}
    values.update(data)
    pay_settings.save_policy(values, actor=current_user)
    db.session.commit()
    return _policy_view()
