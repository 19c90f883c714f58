"""/api/v1 orders (消费单) and the live room board (房态): check-in with lines, the
order with its lines and jobs, add and cancel lines, seat/transfer, the tea round,
cancel a visit, the board, and the cleaner's 打扫完毕.

The same services as the desk pages (app.blueprints.store.orders / services);
errors name the field, e.g. ``services.1.therapist_no``.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema
from app.blueprints.store import orders, services
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import Order, OrderLine
from app.blueprints.store.models.orders import JOB_STATUSES, JOB_TYPES, LINE_KINDS, ORDER_STATUSES
from app.blueprints.store.schemas import RoomSchema
from app.extensions import db
from app.models.org import ROOM_STATUSES, ROOM_TYPES, Room, Store
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_orders", __name__, description="Orders (消费单) and the room board (房态)")


# -- schemas -------------------------------------------------------------------


GENDER_WISH = fields.String(
    load_default=None, allow_none=True, validate=validate.OneOf(orders.GENDER_WISHES),
    metadata={"description": "the guest's wish: female / male (null: any); every rotation "
                             "dispatch of the line, a 退钟 replacement included, uses it"})


class OrderServiceLineInSchema(Schema):
    service_item_id = fields.Integer(required=True, strict=True)
    guest_no = fields.Integer(load_default=None, allow_none=True, strict=True,
                              metadata={"description": "which guest of the party, 1…; "
                                        "omitted: the next guest (the n-th service is for "
                                        "guest n, starting again after the last guest)"})
    therapist_no = fields.String(load_default="", validate=validate.Length(max=16),
                                 metadata={"description": "点钟: the therapist's number; "
                                                          "the line's dispatch uses it"})
    gender = GENDER_WISH


class OrderProductLineInSchema(Schema):
    product_id = fields.Integer(required=True, strict=True)
    quantity = fields.Integer(load_default=1, strict=True)


class OrderCheckInSchema(Schema):
    customer_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    guest_name = fields.String(load_default="", validate=validate.Length(max=64))
    party_size = fields.Integer(load_default=1, strict=True)
    room_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                             metadata={"description": "a free room; none: the waiting area"})
    services = fields.List(fields.Nested(OrderServiceLineInSchema), load_default=list)
    products = fields.List(fields.Nested(OrderProductLineInSchema), load_default=list)


class OrderLineInSchema(Schema):
    kind = fields.String(load_default="service", validate=validate.OneOf(("service", "product")))
    service_item_id = fields.Integer(allow_none=True, strict=True)
    guest_no = fields.Integer(load_default=None, allow_none=True, strict=True,
                              metadata={"description": "which guest of the party, 1…; "
                                        "omitted or null: the first guest with no service "
                                        "line yet, else guest 1"})
    therapist_no = fields.String(load_default="", validate=validate.Length(max=16))
    gender = GENDER_WISH
    product_id = fields.Integer(allow_none=True, strict=True)
    quantity = fields.Integer(load_default=1, strict=True)


class OrderReasonSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=255))


class OrderSeatSchema(Schema):
    room_id = fields.Integer(required=True, strict=True)


class OrderListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    date = fields.Date(metadata={"description": "business date; default today's"})


class OrderJobSchema(Schema):
    id = fields.Integer()
    therapist_id = fields.Integer()
    therapist_no = fields.String()
    therapist_name = fields.String()
    job_type = fields.String(validate=validate.OneOf(JOB_TYPES),
                             metadata={"description": "rotation 轮钟 / requested 点钟"})
    is_addon = fields.Boolean()
    status = fields.String(validate=validate.OneOf(JOB_STATUSES))
    started_at = fields.DateTime()
    planned_end_at = fields.DateTime()
    minutes_left = fields.Integer(metadata={"description": "negative: overrun (超时)"})
    ending_soon = fields.Boolean(metadata={"description": "催钟"})
    overrun = fields.Boolean()


class OrderLineSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(LINE_KINDS))
    guest_no = fields.Integer()
    name = fields.String()
    quantity = fields.Integer()
    unit_price = Money()
    amount = Money()
    status = fields.String()
    service_item_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    requested_therapist_no = fields.String(allow_none=True)
    gender_wish = fields.String(allow_none=True, metadata={
        "description": "the guest's wish: female / male (null: any)"})
    returned_therapist_ids = fields.List(fields.Integer(), metadata={
        "description": "therapists the guest returned (退钟) on this line: never "
                       "dispatched to it again by rotation"})
    addon_of_line_id = fields.Integer(allow_none=True)
    jobs = fields.List(fields.Nested(OrderJobSchema))


class OrderSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "business date and the day's sequence"})
    store_id = fields.Integer()
    business_date = fields.Date()
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    room_id = fields.Integer(allow_none=True)
    room_number = fields.String(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    customer_name = fields.String(allow_none=True)
    guest_name = fields.String()
    party_size = fields.Integer()
    opened_at = fields.DateTime()
    amount = Money(metadata={"description": "list price of the active lines"})


class OrderSchema(OrderSummarySchema):
    closed_at = fields.DateTime(allow_none=True)
    last_tea_at = fields.DateTime(allow_none=True)
    tea_due_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))


OrderPageSchema = Schema.from_dict({
    "items": fields.List(fields.Nested(OrderSummarySchema)), "page": fields.Integer(),
    "page_size": fields.Integer(), "total": fields.Integer()}, name="OrderPage")


class BoardLineSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(LINE_KINDS))
    guest_no = fields.Integer()
    name = fields.String()
    status = fields.String()
    requested_therapist_no = fields.String(allow_none=True)
    job = fields.Nested(OrderJobSchema, allow_none=True)


class BoardOrderSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    guest = fields.String()
    party_size = fields.Integer()
    opened_at = fields.DateTime()
    last_tea_at = fields.DateTime(allow_none=True)
    tea_due_at = fields.DateTime(allow_none=True)
    tea_due = fields.Boolean(metadata={"description": "每15分钟续水: the round is due"})
    waited_minutes = fields.Integer()
    lines = fields.List(fields.Nested(BoardLineSchema))


class BoardRoomSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    type = fields.String(validate=validate.OneOf(ROOM_TYPES))
    beds = fields.Integer()
    status = fields.String(validate=validate.OneOf(ROOM_STATUSES))
    order = fields.Nested(BoardOrderSchema, allow_none=True)


class RoomBoardSchema(Schema):
    store_id = fields.Integer()
    now = fields.DateTime()
    tea_round_minutes = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rooms = fields.List(fields.Nested(BoardRoomSchema))
    waiting = fields.List(fields.Nested(BoardOrderSchema),
                          metadata={"description": "等位区, in order of arrival"})
    to_pay = fields.List(fields.Nested(BoardOrderSchema))


# -- helpers ---------------------------------------------------------------------


def _order_out(order: Order) -> dict:
    sheet = services.order_sheet(order)
    return {
        "id": order.id, "number": sheet.number, "store_id": order.store_id,
        "business_date": sheet.business_date, "status": order.status,
        "room_id": order.room_id, "room_number": sheet.room.number if sheet.room else None,
        "customer_id": order.customer_id,
        "customer_name": sheet.customer.name if sheet.customer else None,
        "guest_name": order.guest_name, "party_size": order.party_size,
        "opened_at": orders.aware(order.opened_at), "closed_at": orders.aware(order.closed_at),
        "last_tea_at": orders.aware(order.last_tea_at), "tea_due_at": sheet.tea_due_at,
        "amount": sheet.total,
        "lines": [_line_out(s.line, s.requested_no, s.jobs) for s in sheet.lines],
    }


def _line_out(line: OrderLine, requested_no, jobs) -> dict:
    return {"id": line.id, "kind": line.kind, "guest_no": line.guest_no, "name": line.name,
            "quantity": line.quantity, "unit_price": line.unit_price, "amount": line.amount,
            "status": line.status, "service_item_id": line.service_item_id,
            "product_id": line.product_id, "requested_therapist_no": requested_no,
            "gender_wish": line.gender_wish,
            "returned_therapist_ids": line.returned_therapist_ids or [],
            "addon_of_line_id": line.addon_of_line_id, "jobs": [vars(job) for job in jobs]}


def _board_order_out(entry: services.BoardOrder) -> dict:
    order = entry.order
    return {"id": order.id, "number": entry.number, "status": order.status,
            "guest": entry.guest_label, "party_size": order.party_size,
            "opened_at": orders.aware(order.opened_at),
            "last_tea_at": orders.aware(order.last_tea_at), "tea_due_at": entry.tea_due_at,
            "tea_due": entry.tea_due, "waited_minutes": entry.waited_minutes,
            "lines": [{"id": line.id, "kind": line.kind, "guest_no": line.guest_no,
                       "name": line.name, "status": line.status,
                       "requested_therapist_no": line.requested_no,
                       "job": vars(line.job) if line.job else None}
                      for line in entry.lines]}


def _order_or_404(order_id: int) -> Order:
    return get_in_scope_or_404(Order, order_id)


def _changed(order: Order, verb) -> dict:
    verb(order)
    db.session.commit()
    return _order_out(order)


# -- resources ---------------------------------------------------------------------


@blp.route("/stores/<int:store_id>/orders", methods=["POST"])
@blp.arguments(OrderCheckInSchema)
@blp.response(201, OrderSchema)
@permission_required("order.create")
def check_in(data, store_id: int):
    """开单: open an order in a free room (or the waiting area) with its lines."""
    store = get_in_scope_or_404(Store, store_id)
    order = orders.check_in(
        store.id, room_id=data["room_id"], customer_id=data["customer_id"],
        guest_name=data["guest_name"], party_size=data["party_size"],
        services=[orders.ServiceRequest(**line) for line in data["services"]],
        products=[orders.ProductRequest(**line) for line in data["products"]],
        actor=current_user)
    db.session.commit()
    return _order_out(order)


@blp.route("/stores/<int:store_id>/orders", methods=["GET"])
@blp.arguments(OrderListArgsSchema, location="query")
@blp.response(200, OrderPageSchema)
@permission_required("customer.view")
def list_orders(args, store_id: int):
    """The orders of one business day (default today), newest first, by status."""
    store = get_in_scope_or_404(Store, store_id)
    business_date: date = args.get("date") or today_for_store()
    query = orders.day_orders_query(store.id, business_date, args.get("status"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, size = args["page"], args["page_size"]
    rows = db.session.execute(query.order_by(Order.seq.desc()).limit(size)
                              .offset((page - 1) * size)).all()
    items = [{"id": order.id, "number": orders.format_order_number(day, order.seq),
              "store_id": order.store_id, "business_date": day, "status": order.status,
              "room_id": order.room_id, "room_number": room, "customer_id": order.customer_id,
              "customer_name": name, "guest_name": order.guest_name,
              "party_size": order.party_size, "opened_at": orders.aware(order.opened_at),
              "amount": amount or 0}
             for order, day, room, name, amount in rows]
    return {"items": items, "page": page, "page_size": size, "total": total}


@blp.route("/orders/<int:order_id>", methods=["GET"])
@blp.response(200, OrderSchema)
@permission_required("customer.view")
def get_order(order_id: int):
    """One order with its lines, each with its jobs (therapist, 起钟, planned end)."""
    return _order_out(_order_or_404(order_id))


@blp.route("/orders/<int:order_id>/lines", methods=["POST"])
@blp.arguments(OrderLineInSchema)
@blp.response(201, OrderSchema)
@permission_required("order.create")
def add_line(data, order_id: int):
    """Add a service (``kind: service``, optional 点钟 ``therapist_no`` and the
    guest's ``gender`` wish) or a product."""
    order = _order_or_404(order_id)

    def add(order: Order) -> None:
        if data["kind"] == "product":
            orders.add_product_line(order, data.get("product_id"), data["quantity"])
            return
        number = data["therapist_no"].strip()
        therapist = orders.therapists_by_number(order.store_id, [number]).get(number)
        if number and therapist is None:
            raise orders.OrderError.on("therapist_no", _("本店没有 %(no)s 号技师", no=number))
        orders.add_service_line(order, data.get("service_item_id"), guest_no=data["guest_no"],
                                requested_therapist_id=therapist.id if therapist else None,
                                gender_wish=data["gender"])

    return _changed(order, add)


@blp.route("/order-lines/<int:line_id>/cancel", methods=["POST"])
@blp.arguments(OrderReasonSchema)
@blp.response(200, OrderSchema)
@permission_required("order.create")
def cancel_line(data, line_id: int):
    """Cancel a line no therapist has started; it is kept as ``cancelled`` (audited)."""
    line = get_in_scope_or_404(OrderLine, line_id)
    order = _order_or_404(line.order_id)
    return _changed(order, lambda _order: orders.cancel_line(line, data["reason"],
                                                             actor=current_user))


@blp.route("/orders/<int:order_id>/room", methods=["POST"])
@blp.arguments(OrderSeatSchema)
@blp.response(200, OrderSchema)
@permission_required("order.create")
def seat(data, order_id: int):
    """入房 from the waiting area or 转房; the room left goes to ``cleaning``."""
    return _changed(_order_or_404(order_id),
                    lambda order: orders.seat_order(order, data["room_id"]))


@blp.route("/orders/<int:order_id>/tea", methods=["POST"])
@blp.response(200, OrderSchema)
@permission_required("order.create")
def tea(order_id: int):
    """已续水: record the tea round for the party's room."""
    return _changed(_order_or_404(order_id), orders.record_tea)


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@blp.arguments(OrderReasonSchema)
@blp.response(200, OrderSchema)
@permission_required("order.create")
def cancel_order(data, order_id: int):
    """Cancel a visit before anything was served or paid (``reason`` required)."""
    return _changed(_order_or_404(order_id),
                    lambda order: orders.cancel_order(order, data["reason"], actor=current_user))


@blp.route("/stores/<int:store_id>/room-board", methods=["GET"])
@blp.response(200, RoomBoardSchema)
@permission_required("store.view")
def room_board(store_id: int):
    """The live 房态: rooms and, for desk staff, the party in each, the waiting area
    and the orders at the cashier (a cleaner gets the rooms only)."""
    board = services.room_board(get_in_scope_or_404(Store, store_id))
    with_orders = current_user.can("customer.view")
    return {
        "store_id": store_id, "now": board.now, "tea_round_minutes": board.tea_round_minutes,
        "counts": board.counts,
        "rooms": [{"id": e.room.id, "number": e.room.number, "type": e.room.type,
                   "beds": e.room.beds, "status": e.room.status,
                   "order": _board_order_out(e.order) if e.order and with_orders else None}
                  for e in board.rooms],
        "waiting": [_board_order_out(e) for e in board.waiting] if with_orders else [],
        "to_pay": [_board_order_out(e) for e in board.to_pay] if with_orders else [],
    }


@blp.route("/rooms/<int:room_id>/clean", methods=["POST"])
@blp.response(200, RoomSchema)
@permission_required("room.status")
def clean_room(room_id: int):
    """打扫完毕: ``cleaning`` -> ``free``."""
    room = get_in_scope_or_404(Room, room_id)
    services.mark_room_clean(room)
    db.session.commit()
    return room
