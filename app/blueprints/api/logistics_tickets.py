"""维修单 over the API: list, report (报修), read, assign (派单), close (完工).

Over app/blueprints/logistics/maintenance.py (the rules are there).  A ticket with
``room_out_of_service`` takes the room out of service (``out_of_order``) until it
closes: PATCH /rooms/{id} with another status is refused (422 on ``status``) meanwhile;
the room comes back as ``cleaning``.  An asset on an open ticket is ``under_repair``.
"""

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.logistics import maintenance as service
from app.blueprints.logistics.models import TICKET_STATUSES, MaintenanceTicket
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required, store_scope

blp = Blueprint("api_logistics_tickets", __name__, url_prefix="/maintenance-tickets",
                description="Maintenance tickets (维修单) for rooms and assets")

STATUS_HELP = "open 待派单 / assigned 维修中 / closed 已完工"


class MaintenanceTicketSchema(Schema):
    id = fields.Integer()
    store_id = fields.Integer()
    room_id = fields.Integer(allow_none=True)
    asset_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    status = fields.String(validate=validate.OneOf(TICKET_STATUSES),
                           metadata={"description": STATUS_HELP})
    status_label = fields.Function(lambda row: service.status_label(row.status))
    room_out_of_service = fields.Boolean()
    reported_by_account_id = fields.Integer(allow_none=True)
    assigned_employee_id = fields.Integer(allow_none=True)
    assigned_to = fields.String(metadata={"description": "an outside repairer"})
    assigned_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    closed_by_account_id = fields.Integer(allow_none=True)
    resolution = fields.String()
    repair_cost = Money(allow_none=True)
    created_at = fields.DateTime()


class MaintenanceTicketCreateSchema(Schema):
    store_id = fields.Raw(required=True, metadata={"type": "integer"})
    room_id = fields.Raw(load_default=None, metadata={"type": "integer"})
    asset_id = fields.Raw(load_default=None, metadata={"type": "integer"})
    asset_tag = fields.String(load_default="", validate=validate.Length(max=32),
                              metadata={"description": "the asset's tag code, instead of "
                                                       "asset_id"})
    title = fields.String(required=True, validate=validate.Length(max=128))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    room_out_of_service = fields.Boolean(load_default=False, metadata={
        "description": "房间停用: the room is out_of_order until the ticket closes"})


class MaintenanceTicketAssignSchema(Schema):
    employee_id = fields.Raw(load_default=None, metadata={"type": "integer"})
    assigned_to = fields.String(load_default="", validate=validate.Length(max=64),
                                metadata={"description": "an outside repairer, when no "
                                                         "employee"})


class MaintenanceTicketCloseSchema(Schema):
    resolution = fields.String(required=True, validate=validate.Length(max=2000))
    repair_cost = fields.Raw(load_default=None, metadata={"type": "string",
                                                          "example": "180.00"})


class MaintenanceTicketQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(TICKET_STATUSES),
                           metadata={"description": STATUS_HELP})
    store_id = fields.Integer()


MaintenanceTicketPageSchema = page_schema(MaintenanceTicketSchema, "MaintenanceTicketPage")


@blp.route("")
@blp.arguments(MaintenanceTicketQueryArgsSchema, location="query")
@blp.response(200, MaintenanceTicketPageSchema)
@permission_required("logistics.view")
def list_tickets(args):
    """Tickets of your stores: open ones first (oldest first), then closed ones."""
    return paginate(service.ticket_query(store_scope(current_user), args.get("status"),
                                         args.get("store_id")),
                    args["page"], args["page_size"])


@blp.route("", methods=["POST"])
@blp.arguments(MaintenanceTicketCreateSchema)
@blp.response(201, MaintenanceTicketSchema)
@permission_required("maintenance.report")
def create_ticket(data):
    """报修 on a room and/or an asset of one of your stores."""
    ticket = service.report(data, current_user)
    db.session.commit()
    return ticket


@blp.route("/<int:ticket_id>")
@blp.response(200, MaintenanceTicketSchema)
@permission_required("maintenance.report")
def get_ticket(ticket_id: int):
    return get_in_scope_or_404(MaintenanceTicket, ticket_id)


@blp.route("/<int:ticket_id>/assign", methods=["POST"])
@blp.arguments(MaintenanceTicketAssignSchema)
@blp.response(200, MaintenanceTicketSchema)
@permission_required("maintenance.manage")
def assign_ticket(data, ticket_id: int):
    ticket = service.assign(get_in_scope_or_404(MaintenanceTicket, ticket_id), data,
                            current_user)
    db.session.commit()
    return ticket


@blp.route("/<int:ticket_id>/close", methods=["POST"])
@blp.arguments(MaintenanceTicketCloseSchema)
@blp.response(200, MaintenanceTicketSchema)
@permission_required("maintenance.manage")
def close_ticket(data, ticket_id: int):
    """完工: the asset back in use, the room back as ``cleaning`` when no other open
    ticket holds it."""
    ticket = service.close(get_in_scope_or_404(MaintenanceTicket, ticket_id), data,
                           current_user)
    db.session.commit()
    return ticket
