"""Employees (员工档案): list, read, create and change, over the HR services.

A read carries the field groups the caller may see (app/blueprints/hr/visibility.py,
the same rule as the pages): the roster for ``employee.view``, contact and personal
fields with ``employee.view_personal``, pay fields with ``payroll.view``.  Sensitive
numbers (ID card, bank account) are write-only in reads: ``id_card_masked`` and
``bank_account_masked``; ``POST /employees/{id}/sensitive`` gives one full number to
``employee.reveal_sensitive`` and writes the audit entry, as "显示完整" does on the page.
"""

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from app.blueprints.api.common import Blueprint, Money, PageArgsSchema, page_schema
from app.blueprints.hr import changes, pay_settings, services, tax_opening, visibility
from app.blueprints.hr.common import HrError
from app.blueprints.hr.models import EmployeeChange
from app.blueprints.hr.models.lifecycle import CHANGE_KINDS, CHANGE_STATUSES
from app.extensions import db
from app.models import Employee
from app.models.people import EMPLOYEE_STATUSES, GENDERS
from app.permissions import ROLES, permission_required, store_scope

blp = Blueprint("api_employees", __name__, url_prefix="/employees",
                description="Employee files (员工档案)")


class StoreRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class PositionRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    role = fields.String(validate=validate.OneOf(list(ROLES)))


class EmployeeSchema(Schema):
    """Fields outside the caller's groups are absent (not null)."""

    id = fields.Integer()
    employee_no = fields.String(metadata={"description": "工号; for therapists the 点钟 number"})
    name = fields.String()
    gender = fields.String(validate=validate.OneOf(GENDERS))
    phone = fields.String()
    store_id = fields.Integer(allow_none=True)
    store = fields.Nested(StoreRefSchema, allow_none=True)
    position_id = fields.Integer()
    position = fields.Nested(PositionRefSchema)
    status = fields.String(validate=validate.OneOf(EMPLOYEE_STATUSES))
    hire_date = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    birth_date = fields.Date(allow_none=True)
    emergency_contact = fields.String()
    emergency_phone = fields.String()
    id_card_masked = fields.String(metadata={"description": "ID card, masked (never in full)"})
    bank_name = fields.String()
    bank_account_masked = fields.String(metadata={"description": "masked (never in full)"})
    health_cert_no = fields.String()
    health_cert_expires_on = fields.Date(allow_none=True,
                                         metadata={"description": "expired: no dispatch"})
    level_id = fields.Integer(allow_none=True)
    pay_profile_id = fields.Integer(allow_none=True,
                                    metadata={"description": "null: the position's profile"})
    monthly_base_override = Money(allow_none=True)
    si_enrolled = fields.Boolean()
    si_base = Money(allow_none=True, metadata={"description": "null: the monthly base"})
    monthly_special_deduction = Money()


class EmployeeQueryArgsSchema(PageArgsSchema):
    store_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(EMPLOYEE_STATUSES))
    position_id = fields.Integer()
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    q = fields.String(metadata={"description": "name, employee number prefix or phone tail"})


class EmployeeWriteSchema(Schema):
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=16))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    gender = fields.String(load_default="female", validate=validate.OneOf(GENDERS))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    store_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "null for head-office posts"})
    position_id = fields.Integer(required=True)
    status = fields.String(load_default="active", validate=validate.OneOf(EMPLOYEE_STATUSES))
    hire_date = fields.Date(load_default=None, allow_none=True)
    birth_date = fields.Date(allow_none=True)
    emergency_contact = fields.String(validate=validate.Length(max=64))
    emergency_phone = fields.String(validate=validate.Length(max=32))
    id_card_no = fields.String(load_only=True, validate=validate.Length(max=32),
                               metadata={"description": "write-only; 18 chars with check digit"})
    bank_name = fields.String(validate=validate.Length(max=64))
    bank_account_no = fields.String(load_only=True, validate=validate.Length(max=32),
                                    metadata={"description": "write-only; 12–19 digits"})
    health_cert_no = fields.String(validate=validate.Length(max=64))
    health_cert_expires_on = fields.Date(allow_none=True)
    level_id = fields.Integer(allow_none=True)
    pay_profile_id = fields.Integer(allow_none=True)
    monthly_base_override = fields.Decimal(allow_none=True, as_string=True)
    si_enrolled = fields.Boolean()
    si_base = fields.Decimal(allow_none=True, as_string=True)
    monthly_special_deduction = fields.Decimal(as_string=True)


class EmployeePatchSchema(Schema):
    employee_no = fields.String(validate=validate.Length(min=1, max=16))
    name = fields.String(validate=validate.Length(min=1, max=64))
    gender = fields.String(validate=validate.OneOf(GENDERS))
    phone = fields.String(validate=validate.Length(max=32))
    store_id = fields.Integer(allow_none=True)
    position_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(EMPLOYEE_STATUSES))
    hire_date = fields.Date(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    emergency_contact = fields.String(validate=validate.Length(max=64))
    emergency_phone = fields.String(validate=validate.Length(max=32))
    id_card_no = fields.String(load_only=True, validate=validate.Length(max=32),
                               metadata={"description": "write-only; 18 chars with check digit"})
    bank_name = fields.String(validate=validate.Length(max=64))
    bank_account_no = fields.String(load_only=True, validate=validate.Length(max=32),
                                    metadata={"description": "write-only; 12–19 digits"})
    health_cert_no = fields.String(validate=validate.Length(max=64))
    health_cert_expires_on = fields.Date(allow_none=True)
    level_id = fields.Integer(allow_none=True)
    pay_profile_id = fields.Integer(allow_none=True)
    monthly_base_override = fields.Decimal(allow_none=True, as_string=True)
    si_enrolled = fields.Boolean()
    si_base = fields.Decimal(allow_none=True, as_string=True)
    monthly_special_deduction = fields.Decimal(as_string=True)


EmployeePageSchema = page_schema(EmployeeSchema, "EmployeePage")


def _shown(employee: Employee) -> dict:
    """What the caller may read of the employee (hr.visibility)."""
    return visibility.employee_view(employee, visibility.field_groups(current_user))


def _load_in_scope(employee_id: int) -> Employee:
    """The employee with store and position; 404 for another tenant or store."""
    employee = db.session.scalar(
        services.employee_query(scope=store_scope(current_user)).where(Employee.id == employee_id))
    if employee is None:
        abort(404)
    return employee


def _check_store_scope(store_id: int | None) -> None:
    scope = store_scope(current_user)
    if store_id is not None and scope is not None and store_id not in scope:
        message = "没有这个门店"
        abort(422, message=message, errors={"json": {"store_id": [message]}})


@blp.route("")
@blp.arguments(EmployeeQueryArgsSchema, location="query")
@blp.response(200, EmployeePageSchema)
@permission_required("employee.view")
def list_employees(args):
    """Employees in your scope (store roles: their stores), with filters and pages."""
    groups = visibility.field_groups(current_user)
    filters = services.EmployeeFilters(
        store_id=args.get("store_id"), status=args.get("status"),
        position_id=args.get("position_id"), role=args.get("role"), search=args.get("q"),
        search_phone=visibility.PERSONAL in groups)
    page = services.list_employees(filters, store_scope(current_user),
                                   page=args["page"], page_size=args["page_size"])
    return {"items": [visibility.employee_view(e, groups) for e in page.items],
            "page": page.page, "page_size": page.page_size, "total": page.total}


@blp.route("", methods=["POST"])
@blp.arguments(EmployeeWriteSchema)
@blp.response(201, EmployeeSchema)
@permission_required("employee.manage")
def create_employee(data):
    """Create an employee file; ``employee_no`` is unique in the company."""
    _check_store_scope(data.get("store_id"))
    employee = services.create_employee(**data)
    db.session.commit()
    return _shown(_load_in_scope(employee.id))


@blp.route("/<int:employee_id>")
@blp.response(200, EmployeeSchema)
@permission_required("employee.view")
def get_employee(employee_id: int):
    """The file as far as the caller may read it (see the module docstring)."""
    return _shown(_load_in_scope(employee_id))


@blp.route("/<int:employee_id>", methods=["PATCH"])
@blp.arguments(EmployeePatchSchema)
@blp.response(200, EmployeeSchema)
@permission_required("employee.manage")
def update_employee(data, employee_id: int):
    """Change some fields; store, position, pay and the sensitive numbers (masked)
    are audited.

    Store, position, level and the pay, bank, social-insurance and tax fields
    (``pay_profile_id``, ``monthly_base_override``, ``bank_name``,
    ``bank_account_no``, ``si_enrolled``, ``si_base``,
    ``monthly_special_deduction``) of someone on staff (probation, active,
    offboarding) answer 422 naming the field: they change through
    ``POST /employees/<id>/changes`` (approved by the HR manager, dated).  A
    different ``status`` always answers 422: it moves only through onboarding and
    offboarding (``POST /employees/<id>/offboarding``, which the 422 names).  The
    owner's file only by the owner; on one's own file only the contact details.
    """
    employee = _load_in_scope(employee_id)
    if "store_id" in data:
        _check_store_scope(data["store_id"])
    try:
        services.update_employee(employee, actor=current_user, **data)
    except HrError as exc:
        if "status" in exc.fields:
            # An integrator reads this, not a page: name the endpoint that does it.
            endpoint = f"/api/v1/employees/{employee_id}/offboarding"
            exc.fields["status"] = _(
                "员工状态不能直接修改：离职请用 POST %(url)s，入职请走入职流程", url=endpoint)
        raise
    db.session.commit()
    db.session.expire_all()
    return _shown(_load_in_scope(employee_id))


# --------------------------------------------------------------------------- 人事变动


class ChangeSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(CHANGE_KINDS), metadata={
        "description": "transfer | promotion | demotion | pay_change | pay_details"})
    effective_on = fields.Date()
    status = fields.String(validate=validate.OneOf(CHANGE_STATUSES),
        metadata={"description": "pending | approved | applied | rejected | cancelled"})
    reason = fields.String()
    new_store_id = fields.Integer(allow_none=True)
    new_position_id = fields.Integer(allow_none=True)
    new_level_id = fields.Integer(allow_none=True)
    new_pay_profile_id = fields.Integer(allow_none=True)
    new_monthly_base = Money(allow_none=True)
    old_store_id = fields.Integer(allow_none=True)
    old_position_id = fields.Integer(allow_none=True)
    old_level_id = fields.Integer(allow_none=True)
    old_pay_profile_id = fields.Integer(allow_none=True)
    old_monthly_base = Money(allow_none=True)
    new_bank_name = fields.String(allow_none=True)
    new_bank_account_masked = fields.String(allow_none=True,
                                            metadata={"description": "masked (never in full)"})
    new_si_enrolled = fields.Boolean(allow_none=True)
    new_si_base = Money(allow_none=True)
    new_monthly_special_deduction = Money(allow_none=True)
    old_bank_name = fields.String(allow_none=True)
    old_bank_account_masked = fields.String(allow_none=True)
    old_si_enrolled = fields.Boolean(allow_none=True)
    old_si_base = Money(allow_none=True)
    old_monthly_special_deduction = Money(allow_none=True)
    requested_by_account_id = fields.Integer(allow_none=True)
    approved_by_account_id = fields.Integer(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ChangeCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    effective_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    new_store_id = fields.Integer(allow_none=True, load_default=None)
    new_position_id = fields.Integer(allow_none=True, load_default=None)
    new_level_id = fields.Integer(allow_none=True, load_default=None)
    new_pay_profile_id = fields.Integer(allow_none=True, load_default=None)
    new_monthly_base = fields.Decimal(allow_none=True, load_default=None, as_string=True)
    # pay_details (薪资资料变更): the bank, social-insurance and tax fields of the file.
    new_bank_name = fields.String(allow_none=True, load_default=None,
                                  validate=validate.Length(max=64))
    new_bank_account_no = fields.String(allow_none=True, load_default=None, load_only=True,
                                        validate=validate.Length(max=32),
                                        metadata={"description": "write-only; 12–19 digits"})
    new_si_enrolled = fields.Boolean(allow_none=True, load_default=None)
    new_si_base = fields.Decimal(allow_none=True, load_default=None, as_string=True)
    new_monthly_special_deduction = fields.Decimal(allow_none=True, load_default=None,
                                                   as_string=True)


class ChangeNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


def _change(change_id: int) -> EmployeeChange:
    """The change (tenant checked centrally) of an employee in the caller's scope."""
    change = services.get_by_id(EmployeeChange, change_id)
    if change is None:
        abort(404)
    _load_in_scope(change.employee_id)
    return change


@blp.route("/<int:employee_id>/changes")
@blp.response(200, ChangeSchema(many=True))
@permission_required("employee.view")
def list_changes(employee_id: int):
    """The employee's 人事变动 history, newest first."""
    _load_in_scope(employee_id)
    hidden = visibility.hidden_change_fields(visibility.field_groups(current_user))
    rows = [row.change for row in changes.changes_of_employee(employee_id)]
    if not hidden:
        return rows
    return [{name: getattr(change, name) for name in ChangeSchema().fields
             if name not in hidden} for change in rows]


@blp.route("/<int:employee_id>/changes", methods=["POST"])
@blp.arguments(ChangeCreateSchema)
@blp.response(201, ChangeSchema)
@permission_required("employee.manage")
def create_change(data, employee_id: int):
    """Request a transfer, promotion, demotion, pay change or pay-details change (bank,
    social insurance, special deduction), status ``pending``."""
    employee = _load_in_scope(employee_id)
    change = changes.request_change(
        employee, data.pop("kind"), data.pop("effective_on"), data.pop("reason"),
        actor=current_user, **data)
    db.session.commit()
    return change


def _decide_change(change_id: int, verb):
    change = _change(change_id)
    verb(change)
    db.session.commit()
    return services.get_by_id(EmployeeChange, change_id)


@blp.route("/changes/<int:change_id>/approve", methods=["POST"])
@blp.response(200, ChangeSchema)
@permission_required("employee.change_approve")
def approve_change(change_id: int):
    """Approve; applied at once when the effective date is today or earlier."""
    return _decide_change(change_id, lambda c: changes.approve_change(c, actor=current_user))


@blp.route("/changes/<int:change_id>/reject", methods=["POST"])
@blp.arguments(ChangeNoteSchema)
@blp.response(200, ChangeSchema)
@permission_required("employee.change_approve")
def reject_change(data, change_id: int):
    return _decide_change(change_id, lambda c: changes.reject_change(c, data["note"],
                                                                     actor=current_user))


@blp.route("/changes/<int:change_id>/cancel", methods=["POST"])
@blp.response(200, ChangeSchema)
@permission_required("employee.manage")
def cancel_change(change_id: int):
    """Cancel a change not yet applied (kept, status ``cancelled``)."""
    return _decide_change(change_id, lambda c: changes.cancel_change(c, actor=current_user))


# --------------------------------------------------------------------------- 显示完整


class SensitiveArgsSchema(Schema):
    field = fields.String(required=True, validate=validate.OneOf(visibility.SENSITIVE_NUMBERS))


class SensitiveSchema(Schema):
    field = fields.String()
    value = fields.String(metadata={"description": "the full number"})


@blp.route("/<int:employee_id>/sensitive", methods=["POST"])
@blp.arguments(SensitiveArgsSchema)
@blp.response(200, SensitiveSchema)
@permission_required("employee.reveal_sensitive")
def reveal_sensitive(data, employee_id: int):
    """One full ID-card or bank-account number; each call is an audit entry
    (``employee.reveal_sensitive``), like "显示完整" on the employee page."""
    employee = _load_in_scope(employee_id)
    value = visibility.reveal_sensitive(employee, data["field"], current_user)
    db.session.commit()
    return {"field": data["field"], "value": value}


# --------------------------------------------------------------------------- 个税期初


class TaxOpeningRequestSchema(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    year = fields.Integer()
    cumulative_taxable = Money()
    cumulative_tax = Money()
    status = fields.String(validate=validate.OneOf(list(tax_opening.STATUS_LABELS)),
                           metadata={"description": "pending | approved | rejected | cancelled"})
    requested_by_account_id = fields.Integer(allow_none=True)
    decided_by_account_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    created_at = fields.DateTime()


class TaxOpeningCreateSchema(Schema):
    year = fields.Integer(required=True)
    cumulative_taxable = fields.Decimal(required=True, as_string=True)
    cumulative_tax = fields.Decimal(required=True, as_string=True)


@blp.route("/<int:employee_id>/tax-opening-requests", methods=["POST"])
@blp.arguments(TaxOpeningCreateSchema)
@blp.response(201, TaxOpeningRequestSchema)
@permission_required("payroll.settings")
def create_tax_opening_request(data, employee_id: int):
    """File this year's 个税期初 for approval (status ``pending``; the balance on file
    changes only when someone else approves it: ``POST /approvals/tax_opening/{id}/decision``)."""
    employee = _load_in_scope(employee_id)
    row = tax_opening.file_request(employee, data["year"], data["cumulative_taxable"],
                                   data["cumulative_tax"], actor=current_user)
    db.session.commit()
    return row


@blp.route("/<int:employee_id>/tax-opening-requests")
@blp.response(200, TaxOpeningRequestSchema(many=True))
@permission_required("payroll.settings")
def list_tax_opening_requests(employee_id: int):
    """The person's 个税期初 requests, pending first."""
    _load_in_scope(employee_id)
    return tax_opening.requests_of_employee(employee_id)


@blp.route("/tax-opening-requests/<int:tax_request_id>/cancel", methods=["POST"])
@blp.response(200, TaxOpeningRequestSchema)
@permission_required("payroll.settings")
def cancel_tax_opening_request(tax_request_id: int):
    """Withdraw a pending request (kept, status ``cancelled``); the balance stays."""
    row = tax_opening.request_or_404(tax_request_id)
    _load_in_scope(row.employee_id)
    tax_opening.cancel_request(row, actor=current_user)
    db.session.commit()
    return row


class TaxOpeningBalanceSchema(Schema):
    year = fields.Integer()
    cumulative_taxable = Money(metadata={"description": "累计应税收入 before Muzu this year"})
    cumulative_tax = Money(metadata={"description": "累计已扣个税 before Muzu this year"})


@blp.route("/<int:employee_id>/tax-opening-balances")
@blp.response(200, TaxOpeningBalanceSchema(many=True))
@permission_required("payroll.view")
def list_tax_opening_balances(employee_id: int):
    """The 个税期初 in force, one per year, latest year first (what payroll adds to the
    year's cumulation).  Read with ``payroll.view`` (the pay group of
    hr/visibility.py), as on the employee page; set through ``tax-opening-requests``."""
    _load_in_scope(employee_id)
    return pay_settings.opening_balances(employee_id)


def _decide_tax_opening(tax_request_id: int, verb, note: str):
    row = tax_opening.request_or_404(tax_request_id)
    _load_in_scope(row.employee_id)
    verb(row, current_user, note)
    db.session.commit()
    return row


@blp.route("/tax-opening-requests/<int:tax_request_id>/approve", methods=["POST"])
@blp.arguments(ChangeNoteSchema)
@blp.response(200, TaxOpeningRequestSchema)
@permission_required("employee.change_approve")
def approve_tax_opening_request(data, tax_request_id: int):
    """批准 (as the page's button and ``POST /approvals/tax_opening/{id}/decision``): the
    balance on file becomes the requested one; nobody approves their own request or
    one about themselves."""
    return _decide_tax_opening(tax_request_id, tax_opening.approve_request, data["note"])


@blp.route("/tax-opening-requests/<int:tax_request_id>/reject", methods=["POST"])
@blp.arguments(ChangeNoteSchema)
@blp.response(200, TaxOpeningRequestSchema)
@permission_required("employee.change_approve")
def reject_tax_opening_request(data, tax_request_id: int):
    """驳回: what is on file stays."""
    return _decide_tax_opening(tax_request_id, tax_opening.reject_request, data["note"])
