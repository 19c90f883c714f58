"""Store targets (经营目标) over the API: read a month's targets with the month to date,
save them in bulk (all or none; a bad row is a 422 naming ``targets.<i>.<field>``).

Over app/blueprints/gm/targets.py, same permission as the page (target.manage).  A
measure of 0 is no target for it; a row with every measure 0 and no note removes the
store's target.  A month that has ended cannot be changed (422 naming ``month``).
"""

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from app.blueprints.api.common import Blueprint, Money, parse_month
from app.blueprints.gm import targets as service
from app.extensions import db
from app.permissions import permission_required, store_scope
from app.stores import list_stores

blp = Blueprint("api_gm_targets", __name__, url_prefix="/targets",
                description="Monthly targets per store and their progress (经营目标)")


class TargetMonthArgsSchema(Schema):
    month = fields.String(required=True, validate=parse_month,
                          metadata={"description": "YYYY-MM"})


class TargetMeasureSchema(Schema):
    target = fields.Raw(metadata={"type": "string", "description": "yuan, or guests"})
    actual = fields.Raw(metadata={"type": "string",
                                  "description": "month to date (today live)"})
    percent = fields.Decimal(as_string=True, allow_none=True,
                             metadata={"description": "actual ÷ target × 100; null: no target"})
    behind = fields.Boolean(metadata={"description": "below the expected pace"})


class TargetRowSchema(Schema):
    store_id = fields.Integer()
    store_name = fields.String()
    has_target = fields.Boolean()
    revenue = Money()
    guests = fields.Integer()
    card_sales = Money()
    note = fields.String()
    progress = fields.Dict(keys=fields.String(), values=fields.Nested(TargetMeasureSchema),
                           metadata={"description": "revenue | guests | card_sales"})


class TargetMonthSchema(Schema):
    month = fields.String()
    editable = fields.Boolean(metadata={"description": "false once the month has ended"})
    expected_percent = fields.Decimal(as_string=True, metadata={
        "description": "days elapsed ÷ days in the month × 100"})
    targets = fields.List(fields.Nested(TargetRowSchema))


class TargetInputSchema(Schema):
    store_id = fields.Integer(required=True, strict=True)
    revenue = fields.Raw(load_default=None, metadata={
        "type": "string", "description": "yuan ≥ 0, at most 2 decimals; empty or 0: none"})
    guests = fields.Raw(load_default=None, metadata={
        "type": "integer", "description": "whole number ≥ 0; 0: none"})
    card_sales = fields.Raw(load_default=None, metadata={
        "type": "string", "description": "yuan ≥ 0, at most 2 decimals; empty or 0: none"})
    note = fields.String(load_default="", validate=validate.Length(max=service.MAX_NOTE))


class TargetSaveSchema(Schema):
    targets = fields.List(fields.Nested(TargetInputSchema), required=True,
                          validate=validate.Length(min=1, max=2000))

    def handle_error(self, error, data, **kwargs):
        """``{"targets": {3: {"revenue": [...]}}}`` -> ``{"targets.3.revenue": [...]}``:
        the same names the rules use."""
        raise ValidationError(_flatten(error.messages)) from error


def _flatten(messages, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class TargetSavedSchema(TargetMonthSchema):
    changed = fields.Integer()


def _stores():
    return db.session.scalars(list_stores(store_scope(current_user))).all()


def _month(month, stores, today) -> dict:
    progress = service.target_progress(month, [s.id for s in stores], today)
    names = {s.id: s.name for s in stores}
    rows = []
    for p in progress:
        t = p.target
        rows.append({
            "store_id": p.store_id, "store_name": names[p.store_id], "has_target": t is not None,
            "revenue": t.revenue if t else service.ZERO, "guests": t.guests if t else 0,
            "card_sales": t.card_sales if t else service.ZERO, "note": t.note if t else "",
            "progress": {name: {"target": str(m.target), "actual": str(m.actual),
                                "percent": m.percent, "behind": m.behind}
                         for name, m in p.measures.items()}})
    return {"month": month.strftime("%Y-%m"),
            "editable": service.may_edit_month(month, today),
            "expected_percent": (service.month_pace(month, today) * 100).quantize(
                service.Decimal("0.1")),
            "targets": rows}


@blp.route("")
@blp.arguments(TargetMonthArgsSchema, location="query")
@blp.response(200, TargetMonthSchema)
@permission_required("target.manage")
def get_targets(args):
    """A month's target of every store you see, with the month to date."""
    today = service.tenant_today()
    return _month(parse_month(args["month"]), _stores(), today)


@blp.route("", methods=["PUT"])
@blp.arguments(TargetMonthArgsSchema, location="query")
@blp.arguments(TargetSaveSchema)
@blp.response(200, TargetSavedSchema)
@permission_required("target.manage")
def save_targets(args, data):
    """Save stores' targets of the month; all or none (422 naming ``targets.<i>.<field>``
    or ``month``); audited."""
    today = service.tenant_today()
    month, stores = parse_month(args["month"]), _stores()
    changed = service.save_targets(month, data["targets"], current_user,
                                   [s.id for s in stores], today=today)
    db.session.commit()
    return {**_month(month, stores, today), "changed": changed}
