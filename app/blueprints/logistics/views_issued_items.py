"""员工物品 pages: the list by store (filters), one person's items, issue / return / charge."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from app.blueprints.hr.checklists import tenant_today
from app.blueprints.hr.models import IssuedItem
from app.blueprints.logistics import bp
from app.blueprints.logistics import issued_items as rules
from app.blueprints.logistics.labels import ISSUED_ITEM_KIND_LABELS, ISSUED_ITEM_STATUS_LABELS
from app.extensions import db
from app.models import Employee, Store
from app.permissions import can_see_store, permission_required, store_scope
from app.tenancy import get_or_404
from app.validation import InputError, show_on_form


class IssueForm(FlaskForm):
    employee_id = SelectField(_l("员工"), coerce=int, validators=[InputRequired()])
    kind = SelectField(_l("类别"), choices=[SelectChoice("", _l("按名称自动识别"))] + [
        SelectChoice(k, v) for k, v in ISSUED_ITEM_KIND_LABELS.items()])
    name = StringField(_l("物品名称"), validators=[DataRequired(), Length(max=64)],
                       description=_l("如：工服（2 套）、更衣柜钥匙、工牌"))
    issued_on = DateField(_l("发放日期"), validators=[InputRequired()])


class ChargeForm(FlaskForm):
    charge = StringField(_l("扣款金额"), validators=[DataRequired(), Length(max=20)])


class ReturnForm(FlaskForm):
    pass


def _employee_choices() -> list[SelectChoice]:
    scope = store_scope(current_user)
    query = (select(Employee).where(Employee.status.in_(rules.RECEIVING_STATUSES))
             .order_by(Employee.employee_no))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return [SelectChoice(e.id, f"{e.employee_no} {e.name}") for e in db.session.scalars(query)]


@bp.route("/issued-items")
@permission_required("logistics.view")
def issued_items():
    scope = store_scope(current_user)
    filters = rules.ItemFilters(
        store_id=request.args.get("store_id", type=int), kind=request.args.get("kind", ""),
        status=request.args.get("status", "issued"),
        person=request.args.get("person", "")).clean()
    if filters.store_id is not None and not can_see_store(current_user, filters.store_id):
        filters.store_id = None
    rows = rules.list_items(scope, filters)
    # Per person only for one store: the whole chain's people would be a long page.
    people = rules.out_by_person(scope, filters.store_id) if filters.store_id else []
    return render_template(
        "logistics/issued_items.html", rows=rows, filters=filters, people=people,
        by_store=rules.out_by_store(scope), left=rules.left_with_items(scope),
        kind_labels=ISSUED_ITEM_KIND_LABELS, status_labels=ISSUED_ITEM_STATUS_LABELS,
        limit=rules.LIST_LIMIT, return_form=ReturnForm())


@bp.route("/issued-items/people/<int:employee_id>")
@permission_required("logistics.view")
def issued_person(employee_id: int):
    person = get_or_404(Employee, employee_id)
    store = db.session.get(Store, person.store_id) if person.store_id else None
    items = rules.history_of(employee_id)
    scope = store_scope(current_user)
    if scope is not None:  # a store role: only what was issued in its stores
        items = [i for i in items if i.store_id in scope]
    return render_template(
        "logistics/issued_person.html", person=person, store=store, items=items,
        kind_labels=ISSUED_ITEM_KIND_LABELS, status_labels=ISSUED_ITEM_STATUS_LABELS,
        return_form=ReturnForm(), charge_form=ChargeForm())


@bp.route("/issued-items/new", methods=["GET", "POST"])
@permission_required("items.issue")
def issued_new():
    form = IssueForm()
    form.employee_id.choices = _employee_choices()
    if request.method == "GET":
        form.employee_id.data = request.args.get("employee_id", type=int)
        form.issued_on.data = tenant_today()
    if form.validate_on_submit():
        person = get_or_404(Employee, form.employee_id.data)
        try:
            rules.issue_item(person, name=form.name.data, issued_on=form.issued_on.data,
                             kind=form.kind.data, actor=current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已发放“%(name)s”给 %(person)s", name=form.name.data.strip(),
                    person=person.name), "success")
            return redirect(url_for("logistics.issued_person", employee_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("logistics/issued_new.html", form=form), status


def _back(item: IssuedItem):
    if request.form.get("back") == "list":
        return redirect(url_for("logistics.issued_items"))
    return redirect(url_for("logistics.issued_person", employee_id=item.employee_id))


@bp.route("/issued-items/<int:issued_item_id>/return", methods=["POST"])
@permission_required("items.issue")
def issued_return(issued_item_id: int):
    item = get_or_404(IssuedItem, issued_item_id)
    if ReturnForm().validate_on_submit():
        try:
            rules.return_item(item, current_user)
        except InputError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(_("已登记归还“%(name)s”", name=item.name), "success")
    return _back(item)


@bp.route("/issued-items/<int:issued_item_id>/charge", methods=["GET", "POST"])
@permission_required("items.issue")
def issued_charge(issued_item_id: int):
    item = get_or_404(IssuedItem, issued_item_id)
    person = get_or_404(Employee, item.employee_id)
    form = ChargeForm()
    if form.validate_on_submit():
        try:
            rules.charge_item(item, form.charge.data, current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已登记扣款"), "success")
            return redirect(url_for("logistics.issued_person", employee_id=item.employee_id))
    status = 422 if request.method == "POST" else 200
    return render_template("logistics/issued_charge.html", form=form, item=item,
                           person=person, kind_labels=ISSUED_ITEM_KIND_LABELS), status
