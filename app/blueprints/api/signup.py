"""Self-service sign-up: a new company, its owner, and a first bearer token."""

from marshmallow import Schema, fields

from app.blueprints.api.common import Blueprint
from app.blueprints.auth import services
from app.extensions import db, limiter
from app.permissions import public
from app.tenancy import tenant_context
from app.tenants import create_company

blp = Blueprint("api_signup", __name__, url_prefix="/signup",
                description="Self-service company sign-up")


class SignupRequestSchema(Schema):
    company = fields.String(required=True, metadata={"description": "企业编号 wanted, e.g. yuezu"})
    name = fields.String(required=True, metadata={"description": "企业名称"})
    username = fields.String(required=True, metadata={"description": "the owner's log-in"})
    password = fields.String(required=True, load_only=True)
    owner_name = fields.String(load_default="", metadata={"description": "the owner's name"})


class SignupResponseSchema(Schema):
    company = fields.String(metadata={"description": "企业编号, typed at log-in"})
    tenant_id = fields.Integer()
    username = fields.String()
    token = fields.String(metadata={"description": "bearer token of the owner, shown once"})


@blp.route("", methods=["POST"])
@blp.arguments(SignupRequestSchema)
@blp.response(201, SignupResponseSchema)
@limiter.limit("20 per hour")
@public
def signup(data):
    """Create a company with its head office and owner; returns the owner's token."""
    company = create_company(data["company"], data["name"], data["username"],
                             data["password"], owner_name=data["owner_name"])
    # Written and read as the new company: a caller sending another company's bearer
    # token has that company current, which refuses the new company's rows (app/tenancy.py).
    with tenant_context(company.tenant.id):
        issued = services.create_api_token(company.owner, "signup")
        db.session.commit()
        return {"company": company.tenant.code, "tenant_id": company.tenant.id,
                "username": company.owner.username, "token": issued.token}
