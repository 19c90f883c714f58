"""/api/v1 考勤 schemas: shift templates, schedules, clock records, leave and overtime."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.blueprints.api.common import PageArgsSchema, page_schema
from app.blueprints.hr.models.time import (
    CLOCK_KINDS,
    CLOCK_SOURCES,
    LEAVE_KINDS,
    REQUEST_STATUSES,
)
from app.blueprints.hr.time import clocks as clock_service

# The longest date range a list may ask for.
MAX_LIST_DAYS = 62


class ShiftTemplateSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    name = fields.String()
    starts_at = fields.Time(metadata={"description": "local time"})
    ends_at = fields.Time(metadata={"description": "not after starts_at: crosses midnight"})
    crosses_midnight = fields.Boolean()
    is_active = fields.Boolean()


class ShiftTemplateCreateSchema(Schema):
    store_id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "unique in the store, "
                                                                 "at most 32 characters"})
    starts_at = fields.Time(required=True, metadata={"description": "local time, HH:MM"})
    ends_at = fields.Time(required=True, metadata={
        "description": "local time; not after starts_at: the shift crosses midnight"})


class ShiftTemplatePatchSchema(Schema):
    name = fields.String()
    starts_at = fields.Time()
    ends_at = fields.Time()
    is_active = fields.Boolean(metadata={
        "description": "false: deactivated (kept on the cells that use it, not offered for "
                       "new ones)"})


class ShiftQuerySchema(Schema):
    store_id = fields.Integer(required=True)


class ScheduleEntrySchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    store_id = fields.Integer()
    work_date = fields.Date(metadata={"description": "the day the shift starts"})
    is_rest = fields.Boolean(metadata={"description": "排休"})
    shift_template_id = fields.Integer(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True, metadata={
        "description": "null: a draft, visible to the store only"})


class DateRangeArgsSchema(PageArgsSchema):
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to",
                          metadata={"description": f"inclusive; at most {MAX_LIST_DAYS} days"})


class ScheduleQuerySchema(DateRangeArgsSchema):
    store_id = fields.Integer()
    employee_id = fields.Integer()


class ScheduleCellSchema(Schema):
    store_id = fields.Integer(required=True)
    employee_id = fields.Integer(required=True)
    work_date = fields.Date(required=True)
    shift_template_id = fields.Integer(allow_none=True, load_default=None,
                                       metadata={"description": "a shift of the store"})
    is_rest = fields.Boolean(load_default=False, metadata={"description": "排休"})


# A month of a store (30 people × 31 days is 930 cells), with room to spare.
MAX_BULK_CELLS = 2000


class BulkCellSchema(Schema):
    employee_id = fields.Integer(required=True)
    work_date = fields.Date(required=True, data_key="date")
    shift_template_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "a shift of the store; null: a rest day (排休) with is_rest, "
                       "else clears the cell"})
    is_rest = fields.Boolean(load_default=False, metadata={"description": "排休"})


class BulkScheduleSchema(Schema):
    store_id = fields.Integer(metadata={
        "description": "every cell at this store; default: each person's own store"})
    entries = fields.List(fields.Nested(BulkCellSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_BULK_CELLS))


class BulkScheduleResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer(metadata={"description": "changed cells (drafts again)"})
    cleared = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "already so: keep their "
                                                        "published state"})


class ScheduleWeekSchema(Schema):
    store_id = fields.Integer(required=True)
    week = fields.Date(required=True, metadata={"description": "any day of the week"})


class PublishResultSchema(Schema):
    store_id = fields.Integer()
    week = fields.Date(metadata={"description": "its Monday"})
    published = fields.Integer()


class CopyWeekSchema(Schema):
    store_id = fields.Integer(required=True)
    from_week = fields.Date(required=True, metadata={"description": "any day of that week"})
    to_week = fields.Date(required=True)


class CopiedCellSchema(Schema):
    employee_id = fields.Integer()
    work_date = fields.Date()
    outcome = fields.String(metadata={
        "description": "copied / filled / left / inactive_shift / locked"})


class CopyResultSchema(Schema):
    copied = fields.Integer()
    filled = fields.Integer(metadata={"description": "skipped: the cell was planned already"})
    left = fields.Integer(metadata={"description": "skipped: left, moved or not employed"})
    inactive_shift = fields.Integer()
    locked = fields.Integer()
    cells = fields.List(fields.Nested(CopiedCellSchema))


class ClockRecordSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    store_id = fields.Integer(allow_none=True)
    kind = fields.String(validate=validate.OneOf(CLOCK_KINDS), metadata={"description": "in / out"})
    at = fields.DateTime()
    source = fields.String(validate=validate.OneOf(CLOCK_SOURCES), metadata={
        "description": "self / kiosk / foreman / device / correction (补卡)"})
    reason = fields.String()
    device_id = fields.String(allow_none=True)
    device_record_id = fields.String(allow_none=True)
    recorded_by_account_id = fields.Integer(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    voided_by_account_id = fields.Integer(allow_none=True)
    void_reason = fields.String()
    created_at = fields.DateTime()


class ClockQuerySchema(DateRangeArgsSchema):
    store_id = fields.Integer()
    employee_id = fields.Integer()
    include_voided = fields.Boolean(load_default=True)


class PunchSchema(Schema):
    employee_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CLOCK_KINDS))
    at = fields.AwareDateTime(required=True, metadata={
        "description": "ISO 8601 with offset; more than 15 min ago it is a 补卡"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    store_id = fields.Integer(metadata={"description": "default: the employee's store"})


class OwnPunchSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CLOCK_KINDS))


class OwnPunchResultSchema(Schema):
    record = fields.Nested(ClockRecordSchema)
    board = fields.String(allow_none=True, metadata={
        "description": "therapists: joined / already / refused (上牌); null otherwise"})
    board_message = fields.String()
    message = fields.String()


class ClockVoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class ClockImportSchema(Schema):
    records = fields.List(
        fields.Dict(), required=True,
        validate=validate.Length(min=1, max=clock_service.MAX_IMPORT_ROWS),
        metadata={"description": "rows {employee_no, at (ISO 8601 with offset), kind in/out, "
                                 "device_id, device_record_id}; validated row by row"})


class ClockImportErrorSchema(Schema):
    index = fields.Integer(metadata={"description": "the row's position in records"})
    field = fields.String()
    message = fields.String()


class ClockImportResultSchema(Schema):
    created = fields.Integer()
    duplicates = fields.Integer(metadata={"description": "already stored or repeated"})
    errors = fields.List(fields.Nested(ClockImportErrorSchema))


class LeaveRequestSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    store_id = fields.Integer(allow_none=True)
    kind = fields.String(validate=validate.OneOf(LEAVE_KINDS),
                         metadata={"description": "annual 年假 / marriage 婚假 / bereavement "
                                                 "丧假 / maternity 产假 / paternity 陪产假 / "
                                                 "sick 病假 / personal 事假"})
    starts_on = fields.Date()
    ends_on = fields.Date()
    half_day = fields.Boolean()
    days = fields.Decimal(as_string=True, places=1, metadata={
        "description": "calendar days (half a day: 0.5)"})
    reason = fields.String()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES),
                           metadata={"description": "pending / approved / rejected / cancelled"})
    needs_hr = fields.Boolean(metadata={"description": "longer than leave_hr_approval_days"})
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    created_at = fields.DateTime()


class TimeRequestQuerySchema(PageArgsSchema):
    store_id = fields.Integer()
    employee_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class LeaveCreateSchema(Schema):
    employee_id = fields.Integer(metadata={"description": "default: yourself"})
    kind = fields.String(required=True, validate=validate.OneOf(LEAVE_KINDS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True,
                          metadata={"description": "default: starts_on"})
    half_day = fields.Boolean(load_default=False)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class RequestDecisionSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=255))


class OvertimeRequestSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    store_id = fields.Integer(allow_none=True)
    work_date = fields.Date()
    hours = fields.Decimal(as_string=True, places=2)
    reason = fields.String()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    created_at = fields.DateTime()


class OvertimeCreateSchema(Schema):
    employee_id = fields.Integer(metadata={"description": "default: yourself"})
    work_date = fields.Date(required=True)
    hours = fields.Decimal(required=True, as_string=True, places=2,
                           metadata={"description": "more than 0, at most 24"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


ScheduleEntryPageSchema = page_schema(ScheduleEntrySchema, "ScheduleEntryPage")


ClockRecordPageSchema = page_schema(ClockRecordSchema, "ClockRecordPage")


LeaveRequestPageSchema = page_schema(LeaveRequestSchema, "LeaveRequestPage")


OvertimeRequestPageSchema = page_schema(OvertimeRequestSchema, "OvertimeRequestPage")
