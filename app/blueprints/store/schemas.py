"""Room schemas for the API."""

from marshmallow import Schema, fields, validate

from app.models.org import ROOM_STATUSES, ROOM_TYPES


class RoomSchema(Schema):
    id = fields.Integer(dump_only=True)
    store_id = fields.Integer(dump_only=True)
    number = fields.String(required=True, metadata={"description": "房号, unique per store"})
    type = fields.String(validate=validate.OneOf(ROOM_TYPES))
    beds = fields.Integer(strict=True)
    status = fields.String(validate=validate.OneOf(ROOM_STATUSES))


class RoomPatchSchema(RoomSchema):
    number = fields.String()


class RoomStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(ROOM_STATUSES))
