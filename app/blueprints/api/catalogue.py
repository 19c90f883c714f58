"""The catalogue over the API: service items, products, membership levels (read by
every desk, changed by head office with ``catalogue.manage``; never deleted), and which
items each therapist may be dispatched for (技师项目资格, ``catalogue.manage`` as the
store's qualification grid: read and replace one therapist's set, audited).

A service item's ``category`` is one of: foot 足疗, body 按摩, ear 采耳, spa 水疗,
other 其他."""

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.store import catalogue as services
from app.blueprints.store.models import MembershipLevel, Product, ServiceItem
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.extensions import db
from app.models import Employee
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_catalogue", __name__,
                description="Catalogue (价目): service items, products, membership levels")

CATEGORY_HELP = "foot 足疗 / body 按摩 / ear 采耳 / spa 水疗 / other 其他"
MONEY_INPUT = {"metadata": {"description": "yuan as a string, e.g. \"128.00\""}}


class ServiceItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES), metadata={
        "description": CATEGORY_HELP})
    duration_minutes = fields.Integer()
    price = Money()
    commission_rotation = Money(metadata={"description": "轮钟 commission per job"})
    commission_requested = Money(metadata={"description": "点钟 commission per job"})
    is_active = fields.Boolean()
    is_draft = fields.Boolean(dump_only=True, metadata={
        "description": "a draft from an approved 新项目 proposal: inactive until released"})


class ServiceItemInSchema(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES), metadata={
        "description": CATEGORY_HELP})
    duration_minutes = fields.Integer()
    price = fields.Raw(**MONEY_INPUT)
    commission_rotation = fields.Raw(**MONEY_INPUT)
    commission_requested = fields.Raw(**MONEY_INPUT)
    is_active = fields.Boolean()


class ProductSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    price = Money()
    is_active = fields.Boolean()


class ProductInSchema(Schema):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    price = fields.Raw(**MONEY_INPUT)
    is_active = fields.Boolean()


class LevelSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    discount = fields.Decimal(as_string=True, places=3,
                              metadata={"description": "0.880 = 八八折"})
    discount_products = fields.Boolean()
    sort_order = fields.Integer()


class LevelInSchema(Schema):
    name = fields.String()
    discount = fields.Raw(metadata={"description": "0.10–1.00, e.g. \"0.88\""})
    discount_products = fields.Boolean()
    sort_order = fields.Integer()


class ActiveArgsSchema(PageArgsSchema):
    active = fields.Boolean(metadata={"description": "only active (true) or inactive (false)"})


def _resource(path, model, out_schema, in_schema, create, update, argument, name):
    """GET list / POST / GET one / PATCH one for one catalogue table."""
    page = page_schema(out_schema, f"{name}Page")
    slug = path.strip("/").replace("-", "_")  # endpoint names: list_service_items, ...

    @blp.route(path, methods=["GET"], endpoint=f"list_{slug}")
    @blp.arguments(ActiveArgsSchema, location="query")
    @blp.response(200, page)
    @permission_required("org.view")
    def list_view(args):
        query = select(model).order_by(model.id)
        if args.get("active") is not None and hasattr(model, "is_active"):
            query = query.where(model.is_active == args["active"])
        return paginate(query, args["page"], args["page_size"])

    @blp.route(path, methods=["POST"], endpoint=f"create_{slug}")
    @blp.arguments(in_schema)
    @blp.response(201, out_schema)
    @permission_required("catalogue.manage")
    def create_view(data):
        obj = create(**data)
        db.session.commit()
        return obj

    @blp.route(f"{path}/<int:{argument}>", methods=["GET"], endpoint=f"get_{slug}")
    @blp.response(200, out_schema)
    @permission_required("org.view")
    def get_view(**kwargs):
        return get_in_scope_or_404(model, kwargs[argument])

    @blp.route(f"{path}/<int:{argument}>", methods=["PATCH"], endpoint=f"update_{slug}")
    @blp.arguments(in_schema)
    @blp.response(200, out_schema)
    @permission_required("catalogue.manage")
    def update_view(data, **kwargs):
        """Change fields; deactivate with ``{"is_active": false}`` (never deleted)."""
        obj = get_in_scope_or_404(model, kwargs[argument])
        update(obj, **data)
        db.session.commit()
        return obj


_resource("/service-items", ServiceItem, ServiceItemSchema, ServiceItemInSchema,
          services.create_service_item, services.update_service_item, "service_item_id",
          "ServiceItem")
@blp.route("/service-items/<int:service_item_id>/release", methods=["POST"])
@blp.response(200, ServiceItemSchema)
@permission_required("catalogue.manage")
def release_service_item(service_item_id: int):
    """发布 a 新项目 draft (``is_draft``): it goes on sale (``is_active``).  Set its price and
    commissions with PATCH first; a draft cannot be activated by PATCH, and one with no
    price (0) is refused (422 naming ``price``)."""
    item = get_in_scope_or_404(ServiceItem, service_item_id)
    services.release_draft_item(item)
    db.session.commit()
    return item


_resource("/products", Product, ProductSchema, ProductInSchema, services.create_product,
          services.update_product, "product_id", "Product")
_resource("/membership-levels", MembershipLevel, LevelSchema, LevelInSchema,
          services.create_membership_level, services.update_membership_level, "level_id",
          "MembershipLevel")


class QualificationsSchema(Schema):
    employee_id = fields.Integer()
    service_item_ids = fields.List(fields.Integer())
    service_items = fields.List(fields.Nested(ServiceItemSchema))


class QualificationsInSchema(Schema):
    service_item_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(
        max=500), metadata={"description": "the whole set: items not listed are removed"})


def _qualifications(employee_id: int) -> dict:
    items = services.therapist_qualifications(employee_id)
    return {"employee_id": employee_id, "service_item_ids": [item.id for item in items],
            "service_items": items}


@blp.route("/employees/<int:employee_id>/qualifications")
@blp.response(200, QualificationsSchema)
@permission_required("catalogue.manage")
def get_qualifications(employee_id: int):
    """技师项目资格: the items this therapist may be dispatched for."""
    get_in_scope_or_404(Employee, employee_id)
    return _qualifications(employee_id)


@blp.route("/employees/<int:employee_id>/qualifications", methods=["PUT"])
@blp.arguments(QualificationsInSchema)
@blp.response(200, QualificationsSchema)
@permission_required("catalogue.manage")
def put_qualifications(data, employee_id: int):
    """Replace the therapist's set (as ticking their row of the store's grid): a working
    therapist of a store, known item ids; audited.  Rotation then offers them those items.
    An item with an exam pass mark cannot be added here (422 on ``service_item_ids``): only
    a passed practical exam (POST /exams) grants it; it may be removed."""
    employee = get_in_scope_or_404(Employee, employee_id)
    services.set_therapist_qualifications(employee, data["service_item_ids"],
                                          actor=current_user)
    db.session.commit()
    return _qualifications(employee_id)
