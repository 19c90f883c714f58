"""门店前台: check-in (开单), the order page (消费单) and today's orders.

Thin views: parse the form, call app.blueprints.store.orders, commit once.
Reading an order shows a guest's visit, so it needs ``customer.view``;
changing one needs ``order.create``.  Dispatch (派钟, 下钟, 退钟, 加钟) and
checkout (结账) buttons post to the dispatch and cashier engineers' endpoints
and render only once those exist.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app.blueprints.store import bp, orders, services
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    Customer,
    MembershipLevel,
    Order,
    OrderLine,
    Product,
    ServiceItem,
)
from app.blueprints.store.models.orders import ORDER_STATUSES
from app.blueprints.store.views import back_to, desk_context
from app.extensions import db
from app.models import Employee, Room, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

SERVICE_ROWS = 4
PRODUCT_ROWS = 2
MAX_ROWS = 12
ORDERS_PAGE_SIZE = 50


# -- forms ------------------------------------------------------------------
# Numbers are read as text: the order service checks them and names the field
# in Chinese (WTForms' own messages would be English).


class ServiceRowForm(Form):
    # Blank: the next guest (orders.next_guest); the page fills it in, muzu.js renumbers.
    guest_no = StringField(_l("客人"), default="")
    service_item_id = SelectField(_l("项目"), validate_choice=False)
    therapist_no = StringField(_l("点钟技师号"))
    gender = SelectField(_l("技师性别"), choices=[SelectChoice("", _l("不限")),
                                                  SelectChoice("female", _l("女技师")),
                                                  SelectChoice("male", _l("男技师"))],
                         validate_choice=False)


class ProductRowForm(Form):
    product_id = SelectField(_l("商品"), validate_choice=False)
    quantity = StringField(_l("数量"), default="1")


class CheckInForm(FlaskForm):
    customer_id = HiddenField()
    guest_name = StringField(_l("称呼"))
    party_size = StringField(_l("人数"), default="1")
    room_id = SelectField(_l("房间"), validate_choice=False)
    services = FieldList(FormField(ServiceRowForm), min_entries=SERVICE_ROWS,
                         max_entries=MAX_ROWS)
    products = FieldList(FormField(ProductRowForm), min_entries=PRODUCT_ROWS,
                         max_entries=MAX_ROWS)


# -- helpers ----------------------------------------------------------------


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _order_or_404(store_id: int, order_id: int) -> tuple[Store, Order]:
    store = _store_or_404(store_id)
    order = get_in_scope_or_404(Order, order_id)
    if order.store_id != store.id:
        abort(404)
    return store, order


def _first_store_or_404() -> int:
    """For the menu's links without a store: the first store the person works in."""
    scope = store_scope(current_user)
    query = select(Store.id).order_by(Store.code, Store.id).limit(1)
    if scope is not None:
        query = query.where(Store.id.in_(scope or {-1}))
    store_id = db.session.scalar(query)
    if store_id is None:
        abort(404)
    return store_id


def _catalogue() -> tuple[list[ServiceItem], list[Product]]:
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.is_active)
                               .order_by(ServiceItem.category, ServiceItem.code)).all()
    products = db.session.scalars(select(Product).where(Product.is_active)
                                  .order_by(Product.code)).all()
    return list(items), list(products)


def _flash_error(error: InputError) -> None:
    db.session.rollback()
    for message in error.fields.values():
        flash(message, "danger")


def _show_row_errors(form: CheckInForm, fields: dict[str, str]) -> None:
    """Put ``services.1.therapist_no`` style errors under the row's own field."""
    for name, message in fields.items():
        parts = name.split(".")
        target = None
        if len(parts) == 3 and parts[0] in ("services", "products") and parts[1].isdigit():
            entries = getattr(form, parts[0]).entries
            index = int(parts[1])
            if index < len(entries):
                target = getattr(entries[index].form, parts[2], None)
        elif len(parts) == 1:
            target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            flash(message, "danger")


def _int_or_none(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _customer_search(tail: str) -> tuple[list[Customer], str | None]:
    """Guests whose phone ends with ``tail`` (尾号 4 位) or is the full number."""
    digits = "".join(ch for ch in tail if ch.isdigit())
    if not digits:
        return [], None
    if len(digits) == 4:
        query = select(Customer).where(Customer.phone_tail == digits)
    elif len(digits) >= 7:
        query = select(Customer).where(Customer.phone == digits)
    else:
        return [], _("请输入手机尾号 4 位，或完整手机号")
    return list(db.session.scalars(query.order_by(Customer.name, Customer.id).limit(20))), None


def _customer_card(customer_id: int | None) -> dict | None:
    """The picked guest with their level and favourite therapist (客史 at a glance)."""
    if customer_id is None:
        return None
    row = db.session.execute(
        select(Customer, MembershipLevel.name, Employee.employee_no)
        .outerjoin(MembershipLevel, MembershipLevel.id == Customer.membership_level_id)
        .outerjoin(Employee, Employee.id == Customer.favourite_therapist_id)
        .where(Customer.id == customer_id)).first()
    if row is None:
        return None
    return {"customer": row[0], "level": row[1], "favourite_no": row[2]}


# -- check-in -----------------------------------------------------------------


# The store-less rule (no defaults: it is not an id route) serves menus drawn
# outside a store; it sends the person to their own store.
@bp.route("/checkin", methods=["GET"])
@bp.route("/<int:store_id>/checkin", methods=["GET", "POST"])
@permission_required("order.create")
def checkin(store_id: int | None = None):
    """开单: a walk-in or a known guest, the party, a room or the waiting area, and
    the services per guest (with an optional 点钟 number) and products."""
    if store_id is None:
        return redirect(url_for("store.checkin", store_id=_first_store_or_404()))
    store = _store_or_404(store_id)
    form = CheckInForm()
    if request.method == "GET":
        _prefill_checkin(form)
    customer_id = _int_or_none(form.customer_id.data)
    if request.method == "POST" and not form.validate_on_submit():
        flash(_("表单已过期，请刷新页面后重试"), "danger")
    elif request.method == "POST":
        order = _check_in(store, form, customer_id)
        if order is not None:
            order_id, seated = order.id, order.room_id
            db.session.commit()
            # The order page shows the number; the flash says where the guests are.
            flash(_("已开单，客人已入房") if seated else _("已开单，客人在等位区"), "success")
            return redirect(url_for("store.order_detail", store_id=store_id, order_id=order_id))
    return _render_checkin(store, form, customer_id)


def _prefill_checkin(form: CheckInForm) -> None:
    """Enough empty service rows, and the guest or room the link came with."""
    wanted_rows = request.args.get("rows", type=int) or SERVICE_ROWS
    while len(form.services.entries) < min(max(wanted_rows, SERVICE_ROWS), MAX_ROWS):
        form.services.append_entry()
    form.customer_id.data = request.args.get("customer_id", "")
    form.room_id.data = request.args.get("room_id", "")
    party = request.args.get("party_size", type=int) or 1
    form.party_size.data = str(party)
    for row, entry in enumerate(form.services.entries):
        entry.form.guest_no.data = str(orders.next_guest(row, party))


def _check_in(store, form: CheckInForm, customer_id: int | None):
    """The new order, or None with the errors shown on the form's rows (rolled back)."""
    try:
        return orders.check_in(
            store.id, room_id=_int_or_none(form.room_id.data), customer_id=customer_id,
            guest_name=form.guest_name.data or "", party_size=form.party_size.data,
            services=[orders.ServiceRequest(row.service_item_id.data, row.guest_no.data,
                                            row.therapist_no.data or "", row.gender.data or "")
                      for row in (e.form for e in form.services.entries)
                      if row.service_item_id.data],
            products=[orders.ProductRequest(row.product_id.data, row.quantity.data)
                      for row in (e.form for e in form.products.entries)
                      if row.product_id.data],
            actor=current_user)
    except InputError as exc:
        db.session.rollback()
        _show_row_errors(form, _renumber(exc.fields, form))
        return None


def _render_checkin(store, form: CheckInForm, customer_id: int | None):
    # Rendering only: the choices (a POST is checked by the order service itself).
    items, products = _catalogue()
    rooms = services.free_rooms(store.id)
    form.room_id.choices = [("", _("等位区（暂不入房）"))] + [
        (str(room.id), _("%(n)s 号房", n=room.number)) for room in rooms]
    item_choices = [("", "—")] + [(str(i.id), f"{i.name} ¥{i.price}") for i in items]
    product_choices = [("", "—")] + [(str(p.id), f"{p.name} ¥{p.price}/{p.unit}")
                                     for p in products]
    for entry in form.services.entries:
        entry.form.service_item_id.choices = item_choices
    for entry in form.products.entries:
        entry.form.product_id.choices = product_choices
    tail = request.args.get("tail", "").strip()
    found, search_error = _customer_search(tail) if tail else ([], None)
    return render_template("store/checkin.html", form=form, store=store, tail=tail,
                           found=found, search_error=search_error,
                           card=_customer_card(customer_id), has_rooms=bool(rooms))


def _renumber(fields: dict[str, str], form: CheckInForm) -> dict[str, str]:
    """The service numbers only the rows that were filled in; map back to form rows."""
    filled = {
        "services": [i for i, e in enumerate(form.services.entries)
                     if e.form.service_item_id.data],
        "products": [i for i, e in enumerate(form.products.entries) if e.form.product_id.data],
    }
    renamed = {}
    for name, message in fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] in filled and parts[1].isdigit() \
                and int(parts[1]) < len(filled[parts[0]]):
            name = f"{parts[0]}.{filled[parts[0]][int(parts[1])]}.{parts[2]}"
        renamed[name] = message
    return renamed


# -- the order page -------------------------------------------------------------


@bp.route("/<int:store_id>/orders/<int:order_id>")
@permission_required("customer.view")
def order_detail(store_id: int, order_id: int):
    """消费单: lines per guest, therapists and their timers, and the desk's actions."""
    store, order = _order_or_404(store_id, order_id)
    sheet = services.order_sheet(order)
    items, products = _catalogue()
    rooms = services.free_rooms(store.id) if order.status in orders.SERVING_STATUSES else []
    new_line_guest = orders.guest_for_new_line(order, [s.line for s in sheet.lines])
    return render_template("store/order_detail.html", sheet=sheet, order=order, items=items,
                           products=products, free_rooms=rooms, new_line_guest=new_line_guest,
                           **desk_context(store))


def _order_action(store_id: int, order_id: int, verb, done: str):
    _store, order = _order_or_404(store_id, order_id)
    try:
        verb(order)
    except InputError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash(done, "success")
    # Ids from the URL: nothing is reloaded after the commit.
    return redirect(back_to(url_for("store.order_detail", store_id=store_id,
                                    order_id=order_id)))


@bp.route("/<int:store_id>/orders/<int:order_id>/lines", methods=["POST"])
@permission_required("order.create")
def order_add_line(store_id: int, order_id: int):
    """Add a service (for a guest, optional 点钟) or a product to the order."""
    form = request.form

    def add(order: Order) -> None:
        if form.get("kind") == "product":
            orders.add_product_line(order, _int_or_none(form.get("product_id")),
                                    form.get("quantity", "1").strip() or "1")
            return
        number = (form.get("therapist_no") or "").strip()
        therapist = None
        if number:
            therapist = orders.therapists_by_number(order.store_id, [number]).get(number)
            if therapist is None:
                raise orders.OrderError.on("therapist_no",
                                           _("本店没有 %(no)s 号技师", no=number))
        orders.add_service_line(order, _int_or_none(form.get("service_item_id")),
                                guest_no=(form.get("guest_no") or "").strip() or None,
                                requested_therapist_id=therapist.id if therapist else None,
                                gender_wish=form.get("gender"))

    return _order_action(store_id, order_id, add, _("已添加"))


@bp.route("/<int:store_id>/orders/<int:order_id>/room", methods=["POST"])
@permission_required("order.create")
def order_room(store_id: int, order_id: int):
    """入房 from the waiting area, or 转房 to another free room."""
    room_id = _int_or_none(request.form.get("room_id"))
    room = db.session.get(Room, room_id) if room_id else None
    done = _("已入 %(n)s 号房", n=room.number) if room else _("已入房")
    return _order_action(store_id, order_id,
                         lambda order: orders.seat_order(order, room_id), done)


@bp.route("/<int:store_id>/orders/<int:order_id>/tea", methods=["POST"])
@permission_required("order.create")
def order_tea(store_id: int, order_id: int):
    """已续水: the receptionist's 15-minute round for this room is done."""
    return _order_action(store_id, order_id, orders.record_tea, _("已记录续水"))


@bp.route("/<int:store_id>/orders/<int:order_id>/cancel", methods=["POST"])
@permission_required("order.create")
def order_cancel(store_id: int, order_id: int):
    """Cancel a visit before anything was served or paid (guest left)."""
    reason = request.form.get("reason", "")
    return _order_action(store_id, order_id,
                         lambda order: orders.cancel_order(order, reason, actor=current_user),
                         _("消费单已取消"))


@bp.route("/<int:store_id>/lines/<int:line_id>/cancel", methods=["POST"])
@permission_required("order.create")
def line_cancel(store_id: int, line_id: int):
    """Cancel a line no therapist has started (kept as ``cancelled``)."""
    store = _store_or_404(store_id)
    line = get_in_scope_or_404(OrderLine, line_id)
    if line.store_id != store.id:
        abort(404)
    name, order_id = line.name, line.order_id
    try:
        orders.cancel_line(line, request.form.get("reason", ""), actor=current_user)
    except InputError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash(_("已取消：%(name)s", name=name), "success")
    return redirect(back_to(url_for("store.order_detail", store_id=store_id,
                                    order_id=order_id)))


# -- today's orders ---------------------------------------------------------------


@bp.route("/orders", endpoint="orders")
@bp.route("/<int:store_id>/orders", endpoint="orders")
@permission_required("customer.view")
def orders_list(store_id: int | None = None):
    """今日消费单 (or another business date's), filtered by status."""
    if store_id is None:
        return redirect(url_for("store.orders", store_id=_first_store_or_404()))
    store = _store_or_404(store_id)
    status = request.args.get("status", "")
    if status not in ORDER_STATUSES:
        status = ""
    try:
        business_date = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        business_date = today_for_store()
    page = max(request.args.get("page", 1, type=int), 1)
    query = orders.day_orders_query(store.id, business_date, status)
    counts = dict(db.session.execute(
        select(Order.status, func.count(Order.id))
        .join(BusinessDay, BusinessDay.id == Order.business_day_id)
        .where(Order.store_id == store.id, BusinessDay.business_date == business_date)
        .group_by(Order.status)).all())
    rows = db.session.execute(query.order_by(Order.seq.desc())
                              .limit(ORDERS_PAGE_SIZE).offset((page - 1) * ORDERS_PAGE_SIZE)).all()
    listed = [{"order": order, "number": orders.format_order_number(day, order.seq),
               "room": room, "customer": name, "amount": amount}
              for order, day, room, name, amount in rows]
    return render_template("store/orders.html", store=store, rows=listed, status=status,
                           statuses=ORDER_STATUSES, counts=counts, business_date=business_date,
                           page=page, page_size=ORDERS_PAGE_SIZE)
