"""The catalogue over the API: service items, products, membership levels (read by
every desk, changed by head office with ``catalogue.manage``; never deleted)."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema, paginate
from app.blueprints.store import catalogue as services
from app.blueprints.store.models import MembershipLevel, Product, ServiceItem
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.extensions import db
from app.permissions import get_in_scope_or_404, permission_required

blp = Blueprint("api_catalogue", __name__,
                description="Catalogue (价目): service items, products, membership levels")

MONEY_INPUT = {"metadata": {"description": "yuan as a string, e.g. \"128.00\""}}


class ServiceItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES))
    duration_minutes = fields.Integer()
    price = Money()
    commission_rotation = Money(metadata={"description": "轮钟 commission per job"})
    commission_requested = Money(metadata={"description": "点钟 commission per job"})
    is_active = fields.Boolean()


class ServiceItemInSchema(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES))
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
_resource("/products", Product, ProductSchema, ProductInSchema, services.create_product,
          services.update_product, "product_id", "Product")
_resource("/membership-levels", MembershipLevel, LevelSchema, LevelInSchema,
          services.create_membership_level, services.update_membership_level, "level_id",
          "MembershipLevel")
