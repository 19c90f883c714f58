"""会员卡 pages: find a card, issue one (办卡), top up (充值), the card with its
ledger, and a customer's cards.  Cards belong to the tenant: every store sees them."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.store import bp, cards
from app.blueprints.store.models import Customer, MemberCard, ServiceItem
from app.blueprints.store.views_checkout import pick_store
from app.extensions import db
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required
from app.validation import InputError

CARD_STATUS_LABELS = {"active": _l("正常"), "frozen": _l("冻结"), "closed": _l("注销")}


def _card_context(card: MemberCard) -> dict:
    customer = db.session.get(Customer, card.customer_id)
    item = db.session.get(ServiceItem, card.service_item_id) if card.service_item_id else None
    stores = {s.id: s for s in db.session.scalars(select(Store))}
    ledger = cards.ledger_of(card.id)
    seller_ids = {e.sold_by_employee_id for e in ledger if e.sold_by_employee_id}
    sellers = {e.id: e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(seller_ids)))} if seller_ids else {}
    return {"card": card, "customer": customer, "item": item, "store_names": stores,
            "ledger": ledger, "seller_names": sellers,
            "issued_store": stores.get(card.issued_store_id),
            "status_text": CARD_STATUS_LABELS.get(card.status, card.status)}


@bp.route("/cards")
@permission_required("card.sell")
def cards_index():
    """会员卡: search by card number, phone, 尾号 or name; newest cards first."""
    stores, store = pick_store()
    q = request.args.get("q", "").strip()
    found = cards.find_cards(q)
    return render_template("store/cards.html", stores=stores, store=store, q=q, found=found)


@bp.route("/<int:store_id>/cards/new", methods=["GET", "POST"])
@permission_required("card.sell")
def card_new(store_id: int):
    """办卡 at this store: the money is received here."""
    store = get_in_scope_or_404(Store, store_id)
    form = request.form if request.method == "POST" else request.args
    errors: dict[str, str] = {}
    customer = None
    customer_id = form.get("customer_id", type=int)
    if customer_id:
        customer = get_in_scope_or_404(Customer, customer_id)
    if request.method == "POST":
        try:
            customer = _card_customer(form, customer)
            card = _issue_card(form, store, customer)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
            if "customer_id" in errors:
                errors["customer_phone"] = errors.pop("customer_id")
        else:
            db.session.commit()
            flash(_("已办卡 %(no)s", no=card.card_no), "success")
            return redirect(url_for("store.card_detail", card_id=card.id, store_id=store.id))
    return _render_card_form(store, form, customer, errors)


def _issue_card(form, store: Store, customer: Customer) -> MemberCard:
    """办卡 from the form's fields; a bad field raises InputError naming it."""
    return cards.issue_card(
        customer_id=customer.id, store_id=store.id, kind=form.get("kind"),
        amount=form.get("amount"), bonus=form.get("bonus") or 0,
        payment_method=form.get("payment_method"), card_no=form.get("card_no", ""),
        service_item_id=form.get("service_item_id", type=int),
        count=form.get("count"), expires_on=_expires_on(form), actor=current_user,
        sold_by_employee_id=form.get("sold_by_employee_id") or None)


def _render_card_form(store: Store, form, customer: Customer | None, errors: dict[str, str]):
    """The 办卡 form with the service items on sale (422 with the errors)."""
    items = list(db.session.scalars(select(ServiceItem).where(ServiceItem.is_active)
                                    .order_by(ServiceItem.code)))
    return render_template("store/card_form.html", store=store, items=items, form=form,
                           errors=errors, customer=customer, sellers=cards.seller_choices(store.id),
                           methods=cards.MONEY_METHODS), 422 if errors else 200


def _card_customer(form, customer: Customer | None) -> Customer:
    """The chosen customer, else the one with the phone number given; a field error else."""
    phone = (form.get("customer_phone") or "").strip()
    if customer is None and phone:
        customer = db.session.scalar(select(Customer).where(Customer.phone == phone))
        if customer is None:
            raise InputError.on("customer_phone",
                                _("没有手机号为 %(p)s 的客户，请先建客户档案", p=phone))
    if customer is None:
        raise InputError.on("customer_phone", _("请填写客户手机号"))
    return customer


def _expires_on(form) -> date | None:
    if not form.get("expires_on"):
        return None
    try:
        return date.fromisoformat(form["expires_on"])
    except ValueError:
        raise InputError.on("expires_on", _("日期格式不正确")) from None


@bp.route("/cards/<int:card_id>")
@permission_required("card.sell")
def card_detail(card_id: int):
    """The card, its holder, and its ledger (each movement with the store it happened in)."""
    card = get_in_scope_or_404(MemberCard, card_id)
    stores, store = pick_store()
    return render_template("store/card_detail.html", stores=stores, store=store,
                           methods=cards.MONEY_METHODS, errors={}, form={},
                           sellers=cards.seller_choices(store.id) if store else [],
                           **_card_context(card))


@bp.route("/<int:store_id>/cards/<int:card_id>/top-up", methods=["POST"])
@permission_required("card.sell")
def card_top_up(store_id: int, card_id: int):
    """充值 at this store (the money counts in its takings)."""
    store = get_in_scope_or_404(Store, store_id)
    card = get_in_scope_or_404(MemberCard, card_id)
    try:
        cards.top_up(card.id, store_id=store.id, amount=request.form.get("amount"),
                     bonus=request.form.get("bonus") or 0,
                     payment_method=request.form.get("payment_method"), actor=current_user,
                     sold_by_employee_id=request.form.get("sold_by_employee_id") or None)
    except InputError as exc:
        db.session.rollback()
        card = db.session.get(MemberCard, card_id)
        stores, _store = pick_store()
        return render_template("store/card_detail.html", stores=stores, store=store,
                               methods=cards.MONEY_METHODS, errors=exc.fields,
                               form=request.form, sellers=cards.seller_choices(store.id),
                               **_card_context(card)), 422
    db.session.commit()
    flash(_("充值成功，余额 ¥%(b)s", b=card.balance), "success")
    return redirect(url_for("store.card_detail", card_id=card.id, store_id=store.id))


@bp.route("/customers/<int:customer_id>/cards")
@permission_required("card.sell")
def customer_cards(customer_id: int):
    """A customer's cards (all stores)."""
    customer = get_in_scope_or_404(Customer, customer_id)
    stores, store = pick_store()
    found = [(card, customer) for card in cards.cards_of_customer(customer.id)]
    return render_template("store/cards.html", stores=stores, store=store, q="", found=found,
                           customer=customer)
