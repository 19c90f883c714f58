"""客户档案 pages: search by phone tail or name, the guest's file and 客史, new/edit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.store import bp
from app.blueprints.store import customers as service
from app.blueprints.store.customer_privacy import mask_phone, sees_contact
from app.blueprints.store.models import Customer, MembershipLevel
from app.extensions import db
from app.labels import STATUS_LABELS
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form


def optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CustomerForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=32)],
                        description=_l("同一手机号在全公司只能建一份档案"))
    gender = SelectField(_l("性别"), default="", choices=[SelectChoice("", _l("未填")),
                                              SelectChoice("female", STATUS_LABELS["female"]),
                                              SelectChoice("male", STATUS_LABELS["male"])])
    taboos = TextAreaField(_l("禁忌"), validators=[Length(max=2000)],
                           description=_l("过敏、伤病、孕期、不能按的部位……技师上钟前必看"))
    preferences = TextAreaField(_l("喜好"), validators=[Length(max=2000)],
                                description=_l("力度、水温、房型、茶饮……"))
    favourite_therapist_id = SelectField(_l("常点技师"), coerce=optional_int)
    membership_level_id = SelectField(_l("会员等级"), coerce=optional_int)
    notes = TextAreaField(_l("备注"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.favourite_therapist_id.choices = [SelectChoice("", _l("无"))] + [
            SelectChoice(str(e.id), f"{e.employee_no} {e.name}")
            for e in service.therapist_choices()]
        self.membership_level_id.choices = [SelectChoice("", _l("非会员"))] + [
            SelectChoice(str(level.id), level.name) for level in service.membership_levels()]

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in service.EDITABLE_FIELDS}
        if self.phone_kept and not (values["phone"] or "").strip():
            del values["phone"]  # blank: keep the number on file
        return values

    phone_kept = False

    def keep_phone(self, masked: str) -> None:
        """For a desk that may not read the number: blank keeps it, the mask is a hint."""
        self.phone_kept = True
        self.phone.validators = [Optional(), Length(max=32)]
        self.phone.flags.required = False
        self.phone.render_kw = {"placeholder": masked}
        if not self.is_submitted():
            self.phone.data = ""


@bp.app_template_filter("mask_phone")
def mask_phone_filter(phone: str | None) -> str:
    """A guest's phone as lists show it (store.customer_privacy)."""
    return mask_phone(phone)


def _context_store() -> Store | None:
    """The store the desk works in (keeps the sub-menu on it); customers are chain-wide.

    ``?store_id=`` when the desk came from a store's page, else the first store the
    user may see (the sub-menu's links need one).
    """
    store_id = request.args.get("store_id", type=int)
    if store_id is not None:
        return get_in_scope_or_404(Store, store_id)
    return first_visible_store()


def first_visible_store() -> Store | None:
    scope = store_scope(current_user)
    query = select(Store).order_by(Store.code, Store.id).limit(1)
    if scope is not None:
        query = query.where(Store.id.in_(scope or [-1]))
    return db.session.scalar(query)


def _status(form) -> int:
    return 422 if any(f.errors for f in form) else 200


@bp.route("/customers")
@permission_required("customer.view")
def customers():
    """客户查询: 手机尾号 (4 digits), a whole phone, or part of a name."""
    query = (request.args.get("q") or "").strip()
    found = service.search_customers(query) if query else list(db.session.scalars(
        select(Customer).order_by(Customer.created_at.desc(), Customer.id.desc()).limit(20)))
    return render_template("store/customers.html", store=_context_store(), query=query,
                           customers=found, limit=service.SEARCH_LIMIT)


@bp.route("/customers/new", methods=["GET", "POST"])
@permission_required("customer.manage")
def customer_new():
    store = _context_store()
    form = CustomerForm()
    if request.method == "GET" and request.args.get("phone"):
        form.phone.data = request.args["phone"]
    if form.validate_on_submit():
        try:
            customer = service.create_customer(**form.values(),
                                               first_store_id=store.id if store else None)
        except service.CustomerError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新建客户档案 %(name)s", name=customer.name), "success")
            return redirect(url_for("store.customer_detail", customer_id=customer.id,
                                    store_id=store.id if store else None))
    return render_template("store/customer_form.html", form=form, store=store,
                           customer=None), _status(form)


@bp.route("/customers/<int:customer_id>")
@permission_required("customer.view")
def customer_detail(customer_id: int):
    """The guest's file with 禁忌 first, spend totals and visits in every store."""
    customer = get_in_scope_or_404(Customer, customer_id)
    therapist = (db.session.get(Employee, customer.favourite_therapist_id)
                 if customer.favourite_therapist_id else None)
    level = (db.session.get(MembershipLevel, customer.membership_level_id)
             if customer.membership_level_id else None)
    full = sees_contact(current_user, customer)
    response = render_template(
        "store/customer_detail.html", store=_context_store(), customer=customer,
        therapist=therapist, level=level, full=full,
        phone=customer.phone if full else mask_phone(customer.phone),
        summary=service.customer_summary(customer.id) if full else None,
        visits=service.visit_history(customer.id) if full else [],
        served_by=service.favourite_therapist_counts(customer.id) if full else [],
        history_limit=service.HISTORY_LIMIT)
    return response, 200, {"Cache-Control": "no-store"} if full else {}


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required("customer.manage")
def customer_edit(customer_id: int):
    store = _context_store()
    customer = get_in_scope_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer)
    if not sees_contact(current_user, customer):
        form.keep_phone(mask_phone(customer.phone))
    if form.validate_on_submit():
        try:
            service.update_customer(customer, **form.values())
        except service.CustomerError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("客户档案已保存"), "success")
            return redirect(url_for("store.customer_detail", customer_id=customer.id,
                                    store_id=store.id if store else None))
    return render_template("store/customer_form.html", form=form, store=store,
                           customer=customer), _status(form)
