"""费用 pages: the claims (filters and totals), a new claim with its receipt photos (phone
camera), one claim (receipts, approval history, decide, pay, withdraw), a receipt."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import approvals
from app.blueprints.finance import bp
from app.blueprints.finance import expense_attachments as receipts
from app.blueprints.finance import expenses as service
from app.blueprints.finance.models import EXPENSE_CATEGORIES, EXPENSE_STATUSES, ExpenseClaim
from app.extensions import db
from app.models import Account, Department, Employee
from app.permissions import permission_required, store_scope
from app.stores import list_stores
from app.validation import InputError

PAGE_SIZE = 50
UPLOAD_ENDPOINTS = {"finance.expense_new", "finance.expense_attach"}
# Five receipts of 5 MB and the form around them: the app's default limit is smaller.
UPLOAD_LIMIT = receipts.MAX_PER_CLAIM * receipts.MAX_BYTES + 256 * 1024


@bp.url_value_preprocessor
def _allow_receipt_uploads(endpoint, values) -> None:
    """Before any hook reads the body (CSRF does, in before_request)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_LIMIT


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are read from the request."""


def _claim_or_404(expense_id: int) -> ExpenseClaim:
    claim = db.session.get(ExpenseClaim, expense_id)
    if claim is None or not service.may_see(current_user, claim):
        abort(404)
    return claim


def parse_month_arg(value: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _names(claims) -> dict:
    """Stores, departments, employees and accounts the rows name (four statements)."""
    def load(model, ids, attribute="name"):
        ids = sorted({i for i in ids if i})
        return {row.id: getattr(row, attribute) for row in db.session.scalars(
            select(model).where(model.id.in_(ids or [-1])))}

    from app.models import Store

    return {
        "stores": load(Store, (c.store_id for c in claims)),
        "departments": load(Department, (c.department_id for c in claims)),
        "employees": load(Employee, (c.claimant_employee_id for c in claims)),
        "accounts": load(Account, (c.requested_by_account_id for c in claims), "display_name"),
    }


@bp.route("/expenses")
@permission_required("expense.submit")
def expenses():
    """费用: visible claims with filters (store, status, category, month) and totals."""
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    store_arg = request.args.get("store_id") or ""
    department = store_arg == "hq"
    store_id = request.args.get("store_id", type=int)
    if store_id is not None and store_id not in {s.id for s in stores}:
        abort(404)
    status = request.args.get("status") if request.args.get("status") in EXPENSE_STATUSES \
        else None
    category = request.args.get("category") \
        if request.args.get("category") in EXPENSE_CATEGORIES else None
    month = parse_month_arg(request.args.get("month"))
    page = max(1, request.args.get("page", 1, type=int))
    stmt = service.filtered_claims(current_user, store_id=store_id, status=status,
                                   category=category, month=month, department=department)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    totals = service.totals_by_status(stmt)
    return render_template(
        "finance/expenses.html", rows=rows, names=_names(rows), stores=stores,
        store_arg=store_arg, status=status, category=category,
        month=month.strftime("%Y-%m") if month else "", totals=totals,
        statuses=EXPENSE_STATUSES, categories=EXPENSE_CATEGORIES,
        status_label=service.status_label, category_label=service.category_label,
        page=page, page_size=PAGE_SIZE, shows_hq=store_scope(current_user) is None)


def _form_choices():
    scope = store_scope(current_user)
    stores = db.session.scalars(list_stores(scope)).all()
    departments = db.session.scalars(select(Department).order_by(Department.code)).all() \
        if scope is None else []
    employees = db.session.scalars(select(Employee).where(Employee.status == "active")
                                   .order_by(Employee.employee_no)).all() \
        if scope is None else []
    return stores, departments, employees


@bp.route("/expenses/new", methods=["GET", "POST"])
@permission_required("expense.submit")
def expense_new():
    """提交费用: for a store (``?store_id=`` preselects it) or a department, with receipts."""
    form = CsrfForm()
    stores, departments, employees = _form_choices()
    values = {"store_id": request.args.get("store_id", type=int) or (
        stores[0].id if len(stores) == 1 else None), "spent_on": service._today().isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {name: request.form.get(name, "") for name in (
            "store_id", "department_id", "category", "amount", "spent_on", "description",
            "payee", "claimant_employee_id")}
        owner = values.pop("store_id")
        if owner.startswith("d-"):
            values["department_id"], values["store_id"] = owner[2:], None
        else:
            values["store_id"] = owner
        files = [f for f in request.files.getlist("files") if f and f.filename]
        try:
            if len(files) > receipts.MAX_PER_CLAIM:
                raise service.ExpenseError.on(
                    "file", _("每笔费用最多 %(n)d 个附件", n=receipts.MAX_PER_CLAIM))
            claim = service.submit(values, current_user)
            for upload in files:
                receipts.add_attachment(claim, current_user, upload.filename,
                                        upload.read(receipts.MAX_BYTES + 1))
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("费用已提交：%(status)s", status=service.status_label(claim.status)),
                  "success")
            return redirect(url_for("finance.expense_detail", expense_id=claim.id))
    return render_template(
        "finance/expense_form.html", form=form, values=values, errors=errors, stores=stores,
        departments=departments, employees=employees, categories=EXPENSE_CATEGORIES,
        category_label=service.category_label,
        max_files=receipts.MAX_PER_CLAIM), 422 if errors else 200


@bp.route("/expenses/<int:expense_id>")
@permission_required("expense.submit")
def expense_detail(expense_id: int):
    claim = _claim_or_404(expense_id)
    verdict = approvals.judge(service.KIND, claim, current_user)
    decisions = service.history(claim)
    names = _names([claim])
    deciders = {a.id: a.display_name or a.username for a in db.session.scalars(
        select(Account).where(Account.id.in_(
            [d.actor_account_id for d in decisions if d.actor_account_id]
            + ([claim.paid_by_account_id] if claim.paid_by_account_id else []) or [-1])))}
    return render_template(
        "finance/expense_detail.html", claim=claim, names=names, verdict=verdict,
        may_decide=verdict.allowed, may_pay=service.may_pay(claim, current_user),
        may_cancel=service.may_cancel(claim, current_user),
        may_attach=(claim.status in service.PENDING
                    and claim.requested_by_account_id == current_user.id),
        attachments=service.attachments_of(claim), decisions=decisions, deciders=deciders,
        status_label=service.status_label, category_label=service.category_label,
        step_labels={s.name: s.label for s in approvals.kind_of(service.KIND).steps},
        form=CsrfForm(formdata=None), max_files=receipts.MAX_PER_CLAIM)


def _act(expense_id: int, verb, done: str):
    claim = _claim_or_404(expense_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        verb(claim, request.form.get("note", ""))
    except InputError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(str(message), "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("finance.expense_detail", expense_id=expense_id))


@bp.route("/expenses/<int:expense_id>/approve", methods=["POST"])
@permission_required("expense.submit")
def expense_approve(expense_id: int):
    """批准 the step it waits for (the approval flow says who may)."""
    return _act(expense_id, lambda c, note: service.approve(c, current_user, note),
                _("已批准"))


@bp.route("/expenses/<int:expense_id>/reject", methods=["POST"])
@permission_required("expense.submit")
def expense_reject(expense_id: int):
    return _act(expense_id, lambda c, note: service.reject(c, current_user, note),
                _("已驳回"))


@bp.route("/expenses/<int:expense_id>/cancel", methods=["POST"])
@permission_required("expense.submit")
def expense_cancel(expense_id: int):
    return _act(expense_id, lambda c, note: service.cancel(c, current_user), _("已撤回"))


@bp.route("/expenses/<int:expense_id>/pay", methods=["POST"])
@permission_required("expense.pay")
def expense_pay(expense_id: int):
    return _act(expense_id, lambda c, note: service.pay(c, current_user), _("已标记付款"))


@bp.route("/expenses/<int:expense_id>/attachments", methods=["POST"])
@permission_required("expense.submit")
def expense_attach(expense_id: int):
    """Add receipts to a waiting claim (its submitter)."""
    files = [f for f in request.files.getlist("files") if f and f.filename]

    def attach(claim, _note):
        if not files:
            raise service.ExpenseError.on("file", _("请选择文件"))
        for upload in files:
            receipts.add_attachment(claim, current_user, upload.filename,
                                    upload.read(receipts.MAX_BYTES + 1))

    return _act(expense_id, attach, _("票据已上传"))


@bp.route("/expenses/<int:expense_id>/attachments/<int:attachment_id>")
@permission_required("expense.submit")
def expense_attachment(expense_id: int, attachment_id: int):
    """One receipt, to whoever may read the claim."""
    claim = _claim_or_404(expense_id)
    attachment = receipts.attachment_of(claim, attachment_id)
    if attachment is None:
        abort(404)
    return receipts.send_attachment(attachment)
