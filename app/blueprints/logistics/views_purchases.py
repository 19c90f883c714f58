"""采购 pages: the requests, a new request (a fixed number of line rows; blank rows are
skipped), one request with its approval history and the decide buttons, receiving."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import approvals
from app.blueprints.logistics import bp
from app.blueprints.logistics import purchasing as service
from app.blueprints.logistics.models import PURCHASE_STATUSES, PurchaseRequest, StockItem
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Account, Store
from app.models.approval import ApprovalDecision
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

PAGE_SIZE = 50
LINE_ROWS = 8
LINE_FIELDS = ("stock_item_id", "name", "quantity", "estimated_unit_cost")


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


@bp.route("/purchases")
@permission_required("logistics.view")
def purchases():
    """采购申请 of the viewer's stores, newest first, by status."""
    status = request.args.get("status") or None
    if status not in PURCHASE_STATUSES:
        status = None
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.scalars(service.purchase_query(store_scope(current_user), status)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    stores = {s.id: s.name for s in db.session.scalars(select(Store).where(
        Store.id.in_(sorted({r.store_id for r in rows}) or [-1])))}
    return render_template("logistics/purchases.html", rows=rows, status=status,
                           statuses=PURCHASE_STATUSES, status_label=service.status_label,
                           stores=stores, page=page, page_size=PAGE_SIZE)


def _posted_lines() -> tuple[list[dict], list[int]]:
    """The non-blank line rows of the form, and the row number of each."""
    lines, rows = [], []
    for n in range(LINE_ROWS):
        values = {f: (request.form.get(f"lines-{n}-{f}") or "").strip() for f in LINE_FIELDS}
        if any(values.values()):
            lines.append(values)
            rows.append(n)
    return lines, rows


@bp.route("/purchases/new", methods=["GET", "POST"])
@permission_required("purchase.request")
def purchase_new():
    """提交采购申请; ``?store_id=`` and ``?stock_item_id=`` prefill (what-to-buy list)."""
    stores = service.requestable_stores(current_user)
    items = list(db.session.scalars(select(StockItem).where(StockItem.is_active.is_(True))
                                    .order_by(StockItem.code)))
    errors: dict[str, str] = {}
    values: dict = {"store_id": _int_arg("store_id") or (stores[0].id if len(stores) == 1
                                                          else None),
                    "supplier": "", "reason": ""}
    rows = [dict.fromkeys(LINE_FIELDS, "") for _n in range(LINE_ROWS)]
    prefill = db.session.get(StockItem, _int_arg("stock_item_id")) \
        if _int_arg("stock_item_id") else None
    if prefill is not None:
        rows[0].update(stock_item_id=prefill.id, estimated_unit_cost=prefill.unit_cost)
    if request.method == "POST":
        lines, row_numbers = _posted_lines()
        values = {"store_id": request.form.get("store_id"),
                  "supplier": request.form.get("supplier", ""),
                  "reason": request.form.get("reason", ""), "lines": lines}
        for n in range(LINE_ROWS):
            rows[n] = {f: request.form.get(f"lines-{n}-{f}", "") for f in LINE_FIELDS}
        try:
            created = service.create_request(values, current_user)
        except InputError as exc:
            db.session.rollback()
            for key, message in exc.fields.items():
                parts = key.split(".")
                if parts[0] == "lines" and len(parts) == 3:
                    key = f"lines-{row_numbers[int(parts[1])]}-{parts[2]}"
                errors[key] = message
        else:
            db.session.commit()
            flash(_("采购申请已提交，等待后勤审批"), "success")
            return redirect(url_for("logistics.purchase_detail", purchase_id=created.id))
        try:
            values["store_id"] = int(values["store_id"])
        except (TypeError, ValueError):
            values["store_id"] = None
    return render_template("logistics/purchase_form.html", stores=stores, items=items,
                           values=values, rows=rows, errors=errors), 422 if errors else 200


def _detail(purchase_id: int):
    row = get_in_scope_or_404(PurchaseRequest, purchase_id)
    verdict = approvals.judge(service.KIND, row, current_user)
    decisions = list(db.session.scalars(select(ApprovalDecision).where(
        ApprovalDecision.kind == service.KIND, ApprovalDecision.object_id == row.id)
        .order_by(ApprovalDecision.id)))
    account_ids = {d.actor_account_id for d in decisions} | {
        row.requested_by_account_id, row.received_by_account_id}
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(sorted(i for i in account_ids if i) or [-1])))}
    kind = approvals.kind_of(service.KIND)
    step_labels = {s.name: s.label for s in kind.steps}
    may_receive = row.status == "approved" and (current_user.can("purchase.request")
                                                or current_user.can("stock.manage"))
    return render_template(
        "logistics/purchase_detail.html", purchase=row, lines=service.lines_of(row),
        store=db.session.get(Store, row.store_id), verdict=verdict,
        may_decide=verdict.allowed, decisions=decisions, accounts=accounts,
        step_labels=step_labels, status_label=service.status_label,
        may_cancel=(row.status in service.PENDING_STATES
                    and row.requested_by_account_id == current_user.id),
        may_receive=may_receive, today=today_for_store(), errors={})


@bp.route("/purchases/<int:purchase_id>")
@permission_required("logistics.view")
def purchase_detail(purchase_id: int):
    return _detail(purchase_id)


@bp.route("/purchases/<int:purchase_id>/review")
@permission_required("expense.review")
def purchase_review(purchase_id: int):
    """The same request for finance, who decide without the logistics workbench."""
    return _detail(purchase_id)


def _back(purchase_id: int):
    if current_user.can("logistics.view"):
        return redirect(url_for("logistics.purchase_detail", purchase_id=purchase_id))
    if current_user.can("expense.review"):
        return redirect(url_for("logistics.purchase_review", purchase_id=purchase_id))
    return redirect(url_for("main.approvals_inbox"))


def _act(purchase_id: int, verb, done: str):
    row = get_in_scope_or_404(PurchaseRequest, purchase_id)
    try:
        verb(row, (request.form.get("note") or ""))
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return _back(purchase_id)


# Deciding is checked by the approval flow (the step's permission, not one's own);
# every head-office decider and the requester hold account.self.
@bp.route("/purchases/<int:purchase_id>/approve", methods=["POST"])
@permission_required("account.self")
def purchase_approve(purchase_id: int):
    return _act(purchase_id, lambda row, note: service.approve(row, current_user, note),
                _("已批准"))


@bp.route("/purchases/<int:purchase_id>/reject", methods=["POST"])
@permission_required("account.self")
def purchase_reject(purchase_id: int):
    return _act(purchase_id, lambda row, note: service.reject(row, current_user, note),
                _("已驳回"))


@bp.route("/purchases/<int:purchase_id>/cancel", methods=["POST"])
@permission_required("purchase.request")
def purchase_cancel(purchase_id: int):
    return _act(purchase_id, lambda row, note: service.cancel(row, current_user), _("已撤回"))


@bp.route("/purchases/<int:purchase_id>/receive", methods=["POST"])
@permission_required("purchase.request")
def purchase_receive(purchase_id: int):
    """收货入库: per line the quantity that came and the actual unit cost."""
    row = get_in_scope_or_404(PurchaseRequest, purchase_id)
    received = {line.id: {
        "received_quantity": request.form.get(f"line-{line.id}-received_quantity", ""),
        "actual_unit_cost": request.form.get(f"line-{line.id}-actual_unit_cost", "")}
        for line in service.lines_of(row)}
    try:
        service.receive(row, received, current_user, today_for_store())
    except InputError as exc:
        db.session.rollback()
        if not exc.fields:
            abort(400)
        flash("；".join(exc.fields.values()), "danger")
    else:
        db.session.commit()
        flash(_("已收货入库"), "success")
    return _back(purchase_id)
