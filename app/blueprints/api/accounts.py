"""Login accounts: list, create for an employee, role and stores, disable/enable, reset.

Never returns a password hash; an initial or reset password is in that one
response only.
"""

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, PageArgsSchema, UtcDateTime, page_schema
from app.blueprints.hr import services
from app.extensions import db
from app.models import Account, Employee
from app.permissions import ROLES, permission_required, role_label, store_scope

blp = Blueprint("api_accounts", __name__, url_prefix="/accounts",
                description="Login accounts of the company's people")


class AccountSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    role_label = fields.Function(lambda account: role_label(account.role))
    employee_id = fields.Integer(allow_none=True)
    store_ids = fields.Function(lambda account: sorted(account.store_ids))
    is_enabled = fields.Boolean()
    created_at = fields.DateTime()
    last_login_at = UtcDateTime(allow_none=True)


class IssuedAccountSchema(AccountSchema):
    initial_password = fields.String(metadata={"description": "shown once, never again"})


class PasswordSchema(Schema):
    password = fields.String(metadata={"description": "shown once, never again"})


class AccountQueryArgsSchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    enabled = fields.Boolean()
    employee_id = fields.Integer()
    q = fields.String(metadata={"description": "part of the username or display name"})


class AccountCreateSchema(Schema):
    employee_id = fields.Integer(required=True)
    username = fields.String(required=True)
    role = fields.String(validate=validate.OneOf(list(ROLES)),
                         metadata={"description": "default: the role of the employee's position"})
    store_ids = fields.List(fields.Integer(),
                            metadata={"description": "default: the employee's store"})


class AccountPatchSchema(Schema):
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    store_ids = fields.List(fields.Integer())


class DisableSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=200))


AccountPageSchema = page_schema(AccountSchema, "AccountPage")


class _WithPassword:
    """The new account as the response schema reads it, plus its one-time password."""

    def __init__(self, account: Account, password: str):
        self._account = account
        self.initial_password = password

    def __getattr__(self, name):
        return getattr(self._account, name)


def _account_or_404(account_id: int) -> Account:
    account = services.get_by_id(Account, account_id)
    if account is None:
        abort(404)
    scope = store_scope(current_user)
    if scope is not None and not (account.store_ids & scope):
        abort(404)
    return account


@blp.route("")
@blp.arguments(AccountQueryArgsSchema, location="query")
@blp.response(200, AccountPageSchema)
@permission_required("account.manage")
def list_accounts(args):
    """Every login of the company with role, stores, state and last login."""
    page = services.list_accounts(
        role=args.get("role"), enabled=args.get("enabled"), search=args.get("q"),
        employee_id=args.get("employee_id"), page=args["page"], page_size=args["page_size"])
    return {"items": page.items, "page": page.page, "page_size": page.page_size,
            "total": page.total}


@blp.route("", methods=["POST"])
@blp.arguments(AccountCreateSchema)
@blp.response(201, IssuedAccountSchema)
@permission_required("account.manage")
def create_account(data):
    """Open a login for an employee; the response carries the initial password once."""
    employee = services.get_by_id(Employee, data["employee_id"])
    scope = store_scope(current_user)
    if employee is None or (scope is not None and employee.store_id not in scope):
        message = "没有这个员工"
        abort(422, message=message, errors={"json": {"employee_id": [message]}})
    issued = services.create_login_for_employee(
        employee, data["username"], role=data.get("role"), store_ids=data.get("store_ids"),
        actor=current_user)
    db.session.commit()
    return _WithPassword(issued.account, issued.password)


@blp.route("/<int:account_id>")
@blp.response(200, AccountSchema)
@permission_required("account.manage")
def get_account(account_id: int):
    return _account_or_404(account_id)


@blp.route("/<int:account_id>", methods=["PATCH"])
@blp.arguments(AccountPatchSchema)
@blp.response(200, AccountSchema)
@permission_required("account.manage")
def update_account(data, account_id: int):
    """Change role and/or stores; a role change ends the account's open sessions."""
    account = _account_or_404(account_id)
    services.update_login(account, role=data.get("role"), store_ids=data.get("store_ids"),
                          actor=current_user)
    db.session.commit()
    return account


@blp.route("/<int:account_id>/disable", methods=["POST"])
@blp.arguments(DisableSchema)
@blp.response(200, AccountSchema)
@permission_required("account.manage")
def disable_account(data, account_id: int):
    """Disable: every open session and API token of the account stops at once."""
    account = _account_or_404(account_id)
    services.disable_login(account, reason=data["reason"], actor=current_user)
    db.session.commit()
    return account


@blp.route("/<int:account_id>/enable", methods=["POST"])
@blp.response(200, AccountSchema)
@permission_required("account.manage")
def enable_account(account_id: int):
    account = _account_or_404(account_id)
    services.enable_login(account, actor=current_user)
    db.session.commit()
    return account


@blp.route("/<int:account_id>/reset-password", methods=["POST"])
@blp.response(200, PasswordSchema)
@permission_required("account.manage")
def reset_password(account_id: int):
    """A new random password, in this response only; the account's sessions end."""
    account = _account_or_404(account_id)
    password = services.reset_login_password(account, actor=current_user)
    db.session.commit()
    return {"password": password}
