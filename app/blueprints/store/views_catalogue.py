"""价目 pages (head office, ``catalogue.manage``), under /store/catalogue: service
items, products, membership levels, each store's own prices and which of its
therapists may do which item.  Nothing is deleted: items are deactivated."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.blueprints.store import bp
from app.blueprints.store import catalogue as services
from app.blueprints.store.models import MembershipLevel, Product, ServiceItem
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.blueprints.store.views_checkout import pick_store
from app.extensions import db
from app.models import Store
from app.permissions import get_in_scope_or_404, permission_required
from app.validation import InputError

CATEGORY_LABELS = {"foot": _l("足疗"), "body": _l("按摩"), "ear": _l("采耳"), "spa": _l("水疗"),
                   "other": _l("其他")}

# (field, label, input type, choices) of each form; "check" is a checkbox.
SERVICE_ITEM_FORM = (
    ("code", _l("编号"), "text", None),
    ("name", _l("名称"), "text", None),
    ("category", _l("类别"), "select", CATEGORY_LABELS),
    ("duration_minutes", _l("时长（分钟）"), "number", None),
    ("price", _l("售价（元）"), "money", None),
    ("commission_rotation", _l("轮钟提成（元）"), "money", None),
    ("commission_requested", _l("点钟提成（元）"), "money", None),
    ("is_active", _l("在售"), "check", None),
)
PRODUCT_FORM = (
    ("code", _l("编号"), "text", None),
    ("name", _l("名称"), "text", None),
    ("unit", _l("单位"), "text", None),
    ("price", _l("售价（元）"), "money", None),
    ("is_active", _l("在售"), "check", None),
)
LEVEL_FORM = (
    ("name", _l("等级名称"), "text", None),
    ("discount", _l("折扣（0.88 即八八折）"), "text", None),
    ("discount_products", _l("商品也打折"), "check", None),
    ("sort_order", _l("排序"), "number", None),
)

class ReleaseForm(FlaskForm):
    """Carries the CSRF token of a draft's 发布 button."""


KINDS = {
    "service_item": (ServiceItem, SERVICE_ITEM_FORM, services.create_service_item,
                     services.update_service_item, _l("服务项目")),
    "product": (Product, PRODUCT_FORM, services.create_product, services.update_product,
                _l("商品")),
    "level": (MembershipLevel, LEVEL_FORM, services.create_membership_level,
              services.update_membership_level, _l("会员等级")),
}


@bp.route("/catalogue")
@permission_required("catalogue.manage")
def catalogue():
    """价目表: service items, products and membership levels of the whole chain."""
    stores, store = pick_store()
    return render_template(
        "store/catalogue.html", stores=stores, store=store,
        items=db.session.scalars(select(ServiceItem).order_by(
            ServiceItem.is_active.desc(), ServiceItem.category, ServiceItem.code)).all(),
        products=db.session.scalars(select(Product).order_by(
            Product.is_active.desc(), Product.code)).all(),
        levels=db.session.scalars(select(MembershipLevel).order_by(
            MembershipLevel.sort_order, MembershipLevel.id)).all(),
        categories=CATEGORY_LABELS)


def _values(fields, form, creating: bool) -> dict:
    values = {}
    for name, _label, kind, _choices in fields:
        if kind == "check":
            values[name] = name in form
        elif name in form:
            values[name] = form.get(name)
    if creating and "sort_order" in values and values["sort_order"] in ("", None):
        values.pop("sort_order")
    return values


def _edit(kind: str, obj=None):
    model, fields, create, update, title = KINDS[kind]
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            values = _values(fields, form, obj is None)
            if obj is None:
                obj = create(**values)
            else:
                update(obj, **values)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
            obj = db.session.get(model, obj.id) if obj is not None and obj.id else None
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("store.catalogue") + f"#{kind}")
    current = {}
    for name, _label, field_kind, _choices in fields:
        if request.method == "POST":
            current[name] = (name in form) if field_kind == "check" else form.get(name, "")
        elif obj is not None:
            current[name] = getattr(obj, name)
        else:
            current[name] = {"is_active": True, "category": "foot", "duration_minutes": 60,
                             "unit": "份", "discount": "1.000", "sort_order": 0}.get(name, "")
    return render_template("store/catalogue_form.html", title=title, fields=fields,
                           current=current, errors=errors, obj=obj, store=pick_store()[1],
                           categories=SERVICE_CATEGORIES,
                           release_form=ReleaseForm(formdata=None)), 422 if errors else 200


@bp.route("/catalogue/service-items/new", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def service_item_new():
    return _edit("service_item")


@bp.route("/catalogue/service-items/<int:service_item_id>", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def service_item_edit(service_item_id: int):
    return _edit("service_item", get_in_scope_or_404(ServiceItem, service_item_id))


@bp.route("/catalogue/service-items/<int:service_item_id>/release", methods=["POST"])
@permission_required("catalogue.manage")
def service_item_release(service_item_id: int):
    """发布 a 新项目 draft: on sale from now on (its price set on the edit form first)."""
    item = get_in_scope_or_404(ServiceItem, service_item_id)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    try:
        services.release_draft_item(item)
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("store.service_item_edit", service_item_id=service_item_id))
    db.session.commit()
    flash(_("%(name)s 已发布，各门店可以开单", name=item.name), "success")
    return redirect(url_for("store.catalogue") + "#service_item")


@bp.route("/catalogue/products/new", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def product_new():
    return _edit("product")


@bp.route("/catalogue/products/<int:product_id>", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def product_edit(product_id: int):
    return _edit("product", get_in_scope_or_404(Product, product_id))


@bp.route("/catalogue/levels/new", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def level_new():
    return _edit("level")


@bp.route("/catalogue/levels/<int:level_id>", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def level_edit(level_id: int):
    return _edit("level", get_in_scope_or_404(MembershipLevel, level_id))


@bp.route("/<int:store_id>/catalogue/prices", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def store_prices(store_id: int):
    """门店价格: a store's own price per item; empty = the head-office price."""
    store = get_in_scope_or_404(Store, store_id)
    stores, _chosen = pick_store()
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.is_active)
                               .order_by(ServiceItem.category, ServiceItem.code)).all()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            for item in items:
                services.set_store_price(store, item, request.form.get(f"price_{item.id}"))
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("%(store)s 的门店价格已保存", store=store.name), "success")
            return redirect(url_for("store.store_prices", store_id=store.id))
    prices = services.store_prices(store.id)
    return render_template("store/catalogue_prices.html", store=store, stores=stores, items=items,
                           prices=prices, errors=errors,
                           form=request.form if errors else None), 422 if errors else 200


def _ticked_pairs(values: list[str]) -> set[tuple[int, int]]:
    """(employee id, item id) of each ticked "employee-item" box; malformed ones ignored."""
    ticked = set()
    for value in values:
        try:
            employee_id, item_id = (int(part) for part in value.split("-", 1))
        except ValueError:
            continue
        ticked.add((employee_id, item_id))
    return ticked


@bp.route("/<int:store_id>/catalogue/qualifications", methods=["GET", "POST"])
@permission_required("catalogue.manage")
def qualifications(store_id: int):
    """技师项目资格: tick which therapist of the store may do which item."""
    store = get_in_scope_or_404(Store, store_id)
    stores, _chosen = pick_store()
    therapists = services.therapists_of_store(store.id)
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.is_active)
                               .order_by(ServiceItem.category, ServiceItem.code)).all()
    if request.method == "POST":
        ticked = _ticked_pairs(request.form.getlist("q"))
        # Items not shown (inactive) keep their ticks.
        shown = {item.id for item in items}
        kept = {pair for pair in services.qualifications_of([t.id for t in therapists])
                if pair[1] not in shown}
        try:
            added, removed = services.set_store_qualifications(store.id, ticked | kept,
                                                               actor=current_user)
        except InputError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("已保存：新增 %(a)s 项，取消 %(r)s 项", a=added, r=removed), "success")
            return redirect(url_for("store.qualifications", store_id=store.id))
    held = services.qualifications_of([t.id for t in therapists])
    reasons = services.qualification_reasons([t.id for t in therapists])
    return render_template("store/catalogue_qualifications.html", store=store, stores=stores,
                           therapists=therapists, items=items, held=held, reasons=reasons,
                           pass_mark=services.exam_pass_mark_text)
