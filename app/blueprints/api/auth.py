"""POST /api/v1/auth/token: exchange company + username + password for a bearer token."""

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from app.blueprints.auth import services
from app.extensions import db
from app.permissions import public
from app.tenancy import tenant_context

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Bearer tokens")


class TokenRequestSchema(Schema):
    company = fields.String(required=True)
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API")


class TokenResponseSchema(Schema):
    token = fields.String(required=True)


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenResponseSchema)
@public
def create_token(data):
    """Create a bearer token (shown once; send it as ``Authorization: Bearer …``)."""
    account = services.authenticate(data["company"], data["username"], data["password"])
    if account is None:
        db.session.commit()
        abort(401, message="Invalid company, username or password")
    with tenant_context(account.tenant_id):
        issued = services.create_api_token(account, data["name"])
        db.session.commit()
    return {"token": issued.token}
