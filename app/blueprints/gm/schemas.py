"""Store schemas for the API (times as "HH:MM")."""

from marshmallow import Schema, fields, validate

from app.models.org import STORE_STATUSES


class StoreSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, metadata={"description": "门店编号, unique per company"})
    name = fields.String(required=True)
    city = fields.String(required=True)
    address = fields.String()
    phone = fields.String()
    opens_at = fields.Time(format="%H:%M", metadata={"example": "11:00"})
    closes_at = fields.Time(format="%H:%M", metadata={"example": "02:00",
                                                      "description": "may be past midnight"})
    status = fields.String(validate=validate.OneOf(STORE_STATUSES))
    opening_hours = fields.String(dump_only=True)


class StorePatchSchema(StoreSchema):
    """Every field optional: only what is sent changes."""

    code = fields.String()
    name = fields.String()
    city = fields.String()
