"""Bearer tokens: create with company + username + password, list and revoke your own."""

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields
from sqlalchemy import select

from app.blueprints.api.common import Blueprint, UtcDateTime
from app.blueprints.auth import services
from app.extensions import db
from app.models import ApiToken
from app.permissions import permission_required, public, role_label
from app.tenancy import tenant_context

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Log-in and bearer tokens")


class TokenRequestSchema(Schema):
    company = fields.String(required=True, metadata={"description": "企业编号, e.g. yuezu"})
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API", metadata={"description": "a label for the token"})


class TokenResponseSchema(Schema):
    token = fields.String(required=True, metadata={"description": "shown once"})


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    role_label = fields.Function(lambda account: role_label(account.role))
    employee_id = fields.Integer(allow_none=True)
    store_ids = fields.Function(lambda account: sorted(account.store_ids))
    tenant_id = fields.Integer()


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenResponseSchema)
@public
def create_token(data):
    """Create a bearer token; send it as ``Authorization: Bearer …``."""
    account = services.authenticate(data["company"], data["username"], data["password"])
    if account is None:
        db.session.commit()  # keeps the audit entry of a disabled account's attempt
        abort(401, message="Invalid company, username or password")
    with tenant_context(account.tenant_id):
        issued = services.create_api_token(account, data["name"])
        db.session.commit()
    return {"token": issued.token}


@blp.route("/me")
@blp.response(200, MeSchema)
@permission_required("account.self")
def me():
    """The account the token belongs to."""
    return current_user


@blp.route("/tokens")
@blp.response(200, TokenSchema(many=True))
@permission_required("account.self")
def list_tokens():
    """Your own tokens (never the token itself)."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.account_id == current_user.id).order_by(ApiToken.id)
    ).all()


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
@permission_required("account.self")
def revoke_token(token_id: int):
    """Revoke one of your tokens; it stops working at once."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.account_id == current_user.id)
    )
    if row is None:
        abort(404)
    services.revoke_api_token(row)
    db.session.commit()
