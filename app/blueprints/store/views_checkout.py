"""收银 pages: the cashier's queue, checkout with split payments, the printed
receipt, refund requests and the store manager's approvals."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.store import bp, cards, checkout
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import Customer, MemberCard, Order, Refund, ServiceItem
from app.blueprints.store.models.payments import VOUCHER_PLATFORMS
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.stores import list_stores
from app.validation import InputError

MONEY_METHODS = ("cash", "wechat", "alipay", "bank_card")
# 团购 rows on the form: one per guest of the party (at least two: a guest may bring a
# voucher for each item), and never more than the form reads back.
MAX_VOUCHER_ROWS = 8


def voucher_rows(order: Order) -> int:
    return min(max(order.party_size or 1, 2), MAX_VOUCHER_ROWS)


def pick_store() -> tuple[list[Store], Store | None]:
    """The stores the user sees, and the one chosen by ``?store_id=`` (else the first)."""
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    store_id = request.args.get("store_id", type=int)
    if store_id is not None:
        return stores, get_in_scope_or_404(Store, store_id)
    return stores, stores[0] if stores else None


def order_in_store(store_id: int, order_id: int) -> tuple[Store, Order]:
    """Both are resolved in scope centrally; the order must also be of this store."""
    store = get_in_scope_or_404(Store, store_id)
    order = get_in_scope_or_404(Order, order_id)
    if order.store_id != store.id:
        abort(404)
    return store, order


@bp.route("/cashier")
@permission_required("order.checkout")
def cashier():
    """收银台: open orders of the store (待结账 first) and today's paid ones."""
    stores, store = pick_store()
    waiting, paid, pending = [], [], 0
    if store is not None:
        day = get_business_day(store.id, today_for_store(), create=False)
        waiting, paid = checkout.cashier_queue(store.id, day)
        pending = checkout.pending_refund_count(store.id)
    template = ("store/checkout_queue_rows.html" if request.headers.get("HX-Request")
                else "store/checkout_queue.html")
    return render_template(template, stores=stores, store=store, waiting=waiting, paid=paid,
                           pending=pending)


def _payments_from_form(form, usable: list[MemberCard]) -> tuple[list[dict], list[str]]:
    """The form's filled-in rows as service payment entries, with each row's field prefix."""
    payments, prefixes = [], []
    for method in MONEY_METHODS:
        amount = (form.get(f"{method}_amount") or "").strip()
        if not amount:
            continue
        entry = {"method": method, "amount": amount,
                 "reference": form.get(f"{method}_reference", "")}
        if method == "cash":
            entry["tendered"] = form.get("cash_tendered", "")
        payments.append(entry)
        prefixes.append(method)
    for n in range(1, MAX_VOUCHER_ROWS + 1):
        prefix = f"voucher_{n}"
        code = (form.get(f"{prefix}_code") or "").strip()
        amount = (form.get(f"{prefix}_amount") or "").strip()
        if not code and not amount:
            continue
        payments.append({"method": "voucher", "voucher_platform": form.get(f"{prefix}_platform"),
                         "voucher_code": code, "amount": amount})
        prefixes.append(prefix)
    for card in usable:
        if card.kind == "stored_value":
            amount = (form.get(f"card_{card.id}_amount") or "").strip()
            if amount:
                payments.append({"method": "stored_value", "card_id": card.id, "amount": amount})
                prefixes.append(f"card_{card.id}")
        elif form.get(f"card_{card.id}_use"):
            payments.append({"method": "package_card", "card_id": card.id,
                             "count": form.get(f"card_{card.id}_count") or None})
            prefixes.append(f"card_{card.id}")
    other_no = (form.get("other_card_no") or "").strip()
    if other_no:
        other = db.session.scalar(db.select(MemberCard).where(MemberCard.card_no == other_no))
        if other is None:
            raise InputError.on("other_card_no", _("没有卡号为 %(no)s 的会员卡", no=other_no))
        if other.kind == "stored_value":
            payments.append({"method": "stored_value", "card_id": other.id,
                             "amount": form.get("other_card_amount", "")})
        else:
            payments.append({"method": "package_card", "card_id": other.id,
                             "count": form.get("other_card_count") or None})
        prefixes.append("other_card")
    return payments, prefixes


def _form_errors(fields: dict[str, str], prefixes: list[str]) -> dict[str, str]:
    """``payments.2.amount`` -> ``wechat`` (the row of the input the cashier typed in)."""
    errors = {}
    for name, message in fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "payments" and parts[1].isdigit():
            index = int(parts[1])
            prefix = prefixes[index] if index < len(prefixes) else "payments"
            # One message per payment row; the cash row shows "tendered" apart.
            errors[f"{prefix}_tendered" if parts[2] == "tendered" else prefix] = message
        else:
            errors[name] = message
    return errors


@bp.route("/<int:store_id>/orders/<int:order_id>/checkout", methods=["GET", "POST"],
          endpoint="checkout")
@permission_required("order.checkout")
def checkout_order(store_id: int, order_id: int):
    """结账: the bill with the member discount, split payments, change."""
    store, order = order_in_store(store_id, order_id)
    if order.status == "paid" and request.method == "GET":
        return redirect(url_for("store.receipt", store_id=store.id, order_id=order.id))
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    usable = cards.usable_cards(order.customer_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        prefixes: list[str] = []
        try:
            payments, prefixes = _payments_from_form(request.form, usable)
            result = checkout.checkout_order(order, payments, actor=current_user)
        except InputError as exc:
            db.session.rollback()
            errors = _form_errors(exc.fields, prefixes)
            order = db.session.get(Order, order_id)
        else:
            db.session.commit()
            if result.change:
                flash(_("结账成功，找零 ¥%(change)s", change=result.change), "success")
            else:
                flash(_("结账成功"), "success")
            return redirect(url_for("store.receipt", store_id=store.id, order_id=order.id))
    return _render_checkout(store, order, customer, usable, errors)


def _render_checkout(store, order: Order, customer, usable, errors: dict[str, str]):
    """The bill, the usable cards and the payment form (422 with the errors)."""
    bill = checkout.price_order(order)
    number = checkout.receipt_of(order).number
    items = {card.service_item_id: db.session.get(ServiceItem, card.service_item_id).name
             for card in usable if card.service_item_id}
    return render_template("store/checkout.html", store=store, order=order, bill=bill,
                           number=number, customer=customer, usable=usable, errors=errors,
                           form=request.form, money_methods=MONEY_METHODS, items=items,
                           voucher_rows=voucher_rows(order), platforms=VOUCHER_PLATFORMS,
                           rate_label=checkout.rate_label,
                           covers={card.id: checkout.package_preview(bill, card)
                                   for card in usable if card.kind == "package"}), (
        422 if errors else 200)


@bp.route("/<int:store_id>/orders/<int:order_id>/receipt")
@permission_required("order.checkout")
def receipt(store_id: int, order_id: int):
    """小票: prints on an 80 mm receipt printer (print CSS hides everything else)."""
    store, order = order_in_store(store_id, order_id)
    return render_template("store/receipt.html", store=store, receipt=checkout.receipt_of(order),
                           refundable=checkout.refundable(order) if order.status == "paid"
                           else None)


@bp.route("/<int:store_id>/orders/<int:order_id>/refund", methods=["GET", "POST"])
@permission_required("order.checkout")
def refund_new(store_id: int, order_id: int):
    """退款申请: the cashier asks, the store manager decides."""
    store, order = order_in_store(store_id, order_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            checkout.request_refund(order, amount=request.form.get("amount"),
                                    method=request.form.get("method"),
                                    reason=request.form.get("reason", ""), actor=current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
            order = db.session.get(Order, order_id)
        else:
            db.session.commit()
            flash(_("退款申请已提交，等待店长审批"), "success")
            return redirect(url_for("store.receipt", store_id=store.id, order_id=order.id))
    receipt_data = checkout.receipt_of(order)
    return render_template("store/refund_form.html", store=store, receipt=receipt_data,
                           refundable=checkout.refundable(order), errors=errors,
                           form=request.form, methods=checkout.REFUND_METHODS), (
        422 if errors else 200)


@bp.route("/refunds")
@permission_required("order.refund_approve")
def refunds():
    """退款审批: the store's pending requests (``?status=all`` for every one)."""
    stores, store = pick_store()
    status = request.args.get("status", "requested")
    rows = checkout.refunds_of_store(store.id, None if status == "all" else "requested") \
        if store else []
    return render_template("store/refunds.html", stores=stores, store=store, rows=rows,
                           status=status)


@bp.route("/<int:store_id>/refunds/<int:refund_id>/decision", methods=["POST"])
@permission_required("order.refund_approve")
def refund_decide(store_id: int, refund_id: int):
    """Approve (pay back) or reject (with a reason) one refund request."""
    store = get_in_scope_or_404(Store, store_id)
    refund = get_in_scope_or_404(Refund, refund_id)
    if refund.store_id != store.id:
        abort(404)
    decision = request.form.get("decision")
    note = request.form.get("decision_note", "")
    try:
        if decision == "approve":
            checkout.approve_refund(refund, actor=current_user, note=note)
        elif decision == "reject":
            checkout.reject_refund(refund, actor=current_user, note=note)
        else:
            raise InputError.on("decision", _("请选择批准或驳回"))
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已批准退款 ¥%(n)s", n=refund.amount) if decision == "approve"
              else _("已驳回退款申请"), "success")
    return redirect(url_for("store.refunds", store_id=store.id))
