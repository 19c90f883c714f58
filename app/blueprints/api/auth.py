"""Bearer tokens: create with company + username + password, list and revoke your own."""

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import login_guard, sessions, totp
from app.blueprints.api.common import Blueprint, UtcDateTime
from app.blueprints.auth import services
from app.extensions import db
from app.models import ApiToken, Tenant
from app.permissions import ROLES, permission_required, public, role_label
from app.tenancy import tenant_context

blp = Blueprint("api_auth", __name__, url_prefix="/auth", description="Log-in and bearer tokens")


class TokenRequestSchema(Schema):
    company = fields.String(required=True, metadata={"description": "企业编号, e.g. yuezu"})
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API", metadata={"description": "a label for the token"})
    otp = fields.String(load_default=None, load_only=True, metadata={
        "description": "the 6-digit TOTP code (or a recovery code); required for accounts "
                       "with two-step verification"})


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
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    role_label = fields.Function(lambda account: role_label(account.role))
    employee_id = fields.Integer(allow_none=True)
    store_ids = fields.Function(lambda account: sorted(account.store_ids))
    tenant_id = fields.Integer()


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenResponseSchema)
@blp.alt_response(429, description="too many failed attempts from this address; "
                                   "see Retry-After")
@public
def create_token(data):
    """Create a bearer token; send it as ``Authorization: Bearer …``.

    Guarded like the web log-in (app/login_guard.py): 429 with ``Retry-After``
    for the address that failed too often, never a lock of the account.  An
    account with two-step verification sends ``otp`` too; the owner must enrol
    on the web first (403 until then).
    """
    key = login_guard.account_key(data["company"].strip().lower(), data["username"].strip())
    address = request.remote_addr or ""
    try:
        login_guard.check(key, address)
    except login_guard.Refused as refused:
        response = jsonify({"error": {
            "code": "too_many_requests", "fields": {},
            "message": f"Too many failed attempts; retry in {refused.retry_after} s"}})
        response.status_code = 429
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    account = services.authenticate(data["company"], data["username"].strip(), data["password"])
    if account is None:
        login_guard.record_failure(key, address)
        db.session.commit()  # keeps the audit entry of a disabled account's attempt
        abort(401, message="Invalid company, username or password")
    with tenant_context(account.tenant_id):
        if totp.must_enrol(account):
            db.session.commit()
            abort(403, message="Two-step verification is required for this account: "
                               "enrol at /account/totp (or POST /api/v1/auth/totp) first")
        if account.has_totp:
            if not data.get("otp"):
                db.session.commit()
                abort(401, message="otp: the two-step verification code is required",
                      errors={"json": {"otp": ["Missing data for required field."]}})
            if not totp.verify(account, data["otp"]):
                login_guard.record_failure(key, address)
                db.session.commit()
                abort(401, message="otp: wrong two-step verification code")
        login_guard.record_success(key, address)
        issued = services.create_api_token(account, data["name"])
        db.session.commit()
    return {"token": issued.token}


class SecuritySettingsSchema(Schema):
    session_idle_minutes = fields.Raw(required=True, metadata={
        "description": "minutes without activity before a web session ends (5–1440)"})
    session_absolute_hours = fields.Integer(dump_only=True, metadata={
        "description": "the deployment's limit on any web session"})


@blp.route("/security-settings")
@blp.response(200, SecuritySettingsSchema)
@permission_required("security.manage")
def get_security_settings():
    """The company's log-in security settings (登录安全设置)."""
    return sessions.security_settings(db.session.get(Tenant, current_user.tenant_id))


@blp.route("/security-settings", methods=["PUT"])
@blp.arguments(SecuritySettingsSchema)
@blp.response(200, SecuritySettingsSchema)
@permission_required("security.manage")
def put_security_settings(data):
    """Change the idle time-out; 422 names the field when it is out of range."""
    tenant = db.session.get(Tenant, current_user.tenant_id)
    settings = sessions.save_security_settings(tenant, data)
    db.session.commit()
    return settings


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


class TotpStartSchema(Schema):
    secret = fields.String(metadata={"description": "base32, for the authenticator app"})
    otpauth_uri = fields.String(metadata={"description": "the same as an otpauth:// URI "
                                                         "(what the QR code holds)"})


class TotpConfirmSchema(Schema):
    code = fields.String(required=True, load_only=True)
    recovery_codes = fields.List(fields.String(), dump_only=True,
                                 metadata={"description": "shown once; each works once"})


@blp.route("/totp", methods=["POST"])
@blp.response(200, TotpStartSchema)
@permission_required("account.self")
def start_totp():
    """Start setting up two-step verification (required for the owner)."""
    secret = totp.begin_enrolment(current_user)
    tenant = db.session.get(Tenant, current_user.tenant_id)
    uri = totp.provisioning_uri(current_user, tenant.code)
    db.session.commit()
    return {"secret": secret, "otpauth_uri": uri}


@blp.route("/totp/confirm", methods=["POST"])
@blp.arguments(TotpConfirmSchema)
@blp.response(200, TotpConfirmSchema)
@permission_required("account.self")
def confirm_totp(data):
    """Turn two-step verification on with a first code; returns the recovery codes."""
    codes = totp.confirm_enrolment(current_user, data["code"])
    db.session.commit()
    return {"recovery_codes": codes}
