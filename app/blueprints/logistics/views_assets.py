"""资产 pages: the register (filters, totals), a new or edited asset, one asset with its
depreciation schedule, status changes and 报废, and the printable QR labels."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.blueprints.logistics import assets as service
from app.blueprints.logistics import bp
from app.blueprints.logistics.asset_labels import label_svg, labels_for
from app.blueprints.logistics.models import ASSET_CATEGORIES, ASSET_STATUSES, Asset
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Account, Employee, Room, Store
from app.permissions import permission_required, store_scope
from app.validation import show_on_form

PAGE_SIZE = 50
MAX_LABELS = 500


class AssetForm(FlaskForm):
    store_id = SelectField(_l("门店"))
    tag_code = StringField(_l("资产编号"), validators=[Length(max=32)],
                           description=_l("留空则自动编号"))
    name = StringField(_l("名称"), validators=[Length(max=64)])
    category = SelectField(_l("类别"), choices=[
        SelectChoice(code, service.category_label(code)) for code in ASSET_CATEGORIES])
    room_id = SelectField(_l("房间"), description=_l("不在房间里的，填写位置"))
    location = StringField(_l("位置"), validators=[Length(max=64)],
                           description=_l("如 前台、大厅、仓库"))
    purchase_date = DateField(_l("购置日期"))
    cost = StringField(_l("原值（元）"))
    residual_value = StringField(_l("残值（元）"), default="0")
    useful_life_months = StringField(_l("使用年限（月）"), default="60")
    custodian_employee_id = SelectField(_l("保管人"))
    note = TextAreaField(_l("备注"), validators=[Length(max=2000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("状态"), choices=[
        SelectChoice(code, service.status_label(code)) for code in service.SETTABLE_STATUSES])
    note = StringField(_l("说明"), validators=[Length(max=500)])


class WriteOffForm(FlaskForm):
    reason = TextAreaField(_l("报废原因"), validators=[Length(max=500)])


def _stores():
    scope = store_scope(current_user)
    query = select(Store).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(sorted(scope) or [-1]))
    return db.session.scalars(query).all()


def _fill_choices(form: AssetForm, stores) -> None:
    form.store_id.choices = [SelectChoice(str(s.id), f"{s.code} {s.name}") for s in stores]
    names = {s.id: s.name for s in stores}
    rooms = db.session.scalars(select(Room).where(Room.store_id.in_(list(names) or [-1]))
                               .order_by(Room.store_id, Room.number)).all()
    form.room_id.choices = [SelectChoice("", _("— 不在房间 —"))] + [
        SelectChoice(str(r.id), f"{names[r.store_id]} · {r.number}") for r in rooms]
    people = db.session.scalars(select(Employee).where(Employee.status != "left")
                                .order_by(Employee.store_id, Employee.name)).all()
    form.custodian_employee_id.choices = [SelectChoice("", _("— 无 —"))] + [
        SelectChoice(str(e.id), f"{e.name}（{e.employee_no}）") for e in people]


def _form_values(form: AssetForm) -> dict:
    return {name: getattr(form, name).data for name in service.FIELDS}


def _filters() -> dict:
    def int_arg(name):
        return request.args.get(name, type=int)

    category = request.args.get("category") or None
    status = request.args.get("status") or None
    return {"store_id": int_arg("store_id"), "room_id": int_arg("room_id"),
            "category": category if category in ASSET_CATEGORIES else None,
            "status": status if status in ASSET_STATUSES else None,
            "text": (request.args.get("q") or "").strip()[:64] or None}


@bp.route("/assets")
@permission_required("logistics.view")
def assets():
    """资产: the register of the viewer's stores, filtered, with totals."""
    scope = store_scope(current_user)
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int))
    query = service.asset_query(scope, **filters)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    today = today_for_store()
    stores = _stores()
    rooms = {r.id: r.number for r in db.session.scalars(select(Room).where(
        Room.id.in_(sorted({a.room_id for a in rows} - {None}) or [-1])))}
    return render_template(
        "logistics/assets.html", rows=rows, page=page, page_size=PAGE_SIZE, filters=filters,
        stores=stores, store_names={s.id: s.name for s in stores}, rooms=rooms,
        totals=service.register_totals(scope, today, query), today=today,
        book_value=lambda a: service.current_book_value(a, today),
        categories=ASSET_CATEGORIES, statuses=ASSET_STATUSES,
        category_label=service.category_label, status_label_of=service.status_label)


def _save(form: AssetForm, asset: Asset | None):
    try:
        if asset is None:
            asset = service.register_asset(_form_values(form), current_user, today_for_store())
        else:
            service.update_asset(asset, _form_values(form), current_user, today_for_store())
    except service.AssetError as exc:
        db.session.rollback()
        show_on_form(form, exc.fields)
        return None
    db.session.commit()
    return asset


@bp.route("/assets/new", methods=["GET", "POST"])
@permission_required("asset.manage")
def asset_new():
    """登记资产; ``?store_id=`` preselects the store."""
    stores = _stores()
    form = AssetForm()
    _fill_choices(form, stores)
    if request.method == "GET":
        wanted = request.args.get("store_id", type=int)
        store = next((s for s in stores if s.id == wanted), stores[0] if stores else None)
        if store is not None:
            form.store_id.data = str(store.id)
            form.tag_code.render_kw = {"placeholder": service.suggest_tag_code(store)}
        form.purchase_date.data = today_for_store()
    elif form.validate_on_submit():
        asset = _save(form, None)
        if asset is not None:
            flash(_("已登记资产 %(tag)s", tag=asset.tag_code), "success")
            return redirect(url_for("logistics.asset_detail", asset_id=asset.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("logistics/asset_form.html", form=form, asset=None), status


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@permission_required("asset.manage")
def asset_edit(asset_id: int):
    asset = db.session.get(Asset, asset_id)
    form = AssetForm(obj=asset if request.method == "GET" else None)
    _fill_choices(form, _stores())
    if request.method == "GET":
        for name in ("store_id", "room_id", "custodian_employee_id"):
            value = getattr(asset, name)
            getattr(form, name).data = "" if value is None else str(value)
    elif form.validate_on_submit() and _save(form, asset) is not None:
        flash(_("已保存"), "success")
        return redirect(url_for("logistics.asset_detail", asset_id=asset.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("logistics/asset_form.html", form=form, asset=asset), status


@bp.route("/assets/<int:asset_id>")
@permission_required("logistics.view")
def asset_detail(asset_id: int):
    """One asset: its figures, book value and the month-by-month schedule."""
    asset = db.session.get(Asset, asset_id)
    today = today_for_store()
    store = db.session.get(Store, asset.store_id)
    room = db.session.get(Room, asset.room_id) if asset.room_id else None
    custodian = (db.session.get(Employee, asset.custodian_employee_id)
                 if asset.custodian_employee_id else None)
    creator = (db.session.get(Account, asset.created_by_account_id)
               if asset.created_by_account_id else None)
    return render_template(
        "logistics/asset_detail.html", asset=asset, store=store, room=room, custodian=custodian,
        creator=creator, schedule=service.schedule_of(asset), today=today,
        current_period=today.replace(day=1),
        book_value=service.current_book_value(asset, today),
        status_form=StatusForm(formdata=None, status=asset.status),
        write_off_form=WriteOffForm(formdata=None),
        category_label=service.category_label, status_label_of=service.status_label)


@bp.route("/assets/<int:asset_id>/status", methods=["POST"])
@permission_required("asset.manage")
def asset_status(asset_id: int):
    asset = db.session.get(Asset, asset_id)
    form = StatusForm()
    form.validate_on_submit()
    try:
        service.set_status(asset, request.form.get("status", ""), current_user,
                           form.note.data or "")
    except service.AssetError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("状态已改为 %(s)s", s=service.status_label(asset.status)), "success")
    return redirect(url_for("logistics.asset_detail", asset_id=asset_id))


@bp.route("/assets/<int:asset_id>/write-off", methods=["POST"])
@permission_required("asset.manage")
def asset_write_off(asset_id: int):
    """报废: with a reason; the asset is kept (已报废) and audited."""
    asset = db.session.get(Asset, asset_id)
    form = WriteOffForm()
    form.validate_on_submit()
    try:
        service.write_off(asset, current_user, form.reason.data or "", today_for_store())
    except service.AssetError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("资产 %(tag)s 已报废", tag=asset.tag_code), "success")
    return redirect(url_for("logistics.asset_detail", asset_id=asset_id))


@bp.route("/assets/labels")
@permission_required("asset.manage")
def asset_labels():
    """资产标签: a printable sheet of QR labels, for a store or the assets ticked."""
    scope = store_scope(current_user)
    ids = [int(i) for i in request.args.getlist("asset_id") if i.isdigit()][:MAX_LABELS]
    store_id = request.args.get("store_id", type=int)
    query = service.asset_query(scope, store_id=store_id).where(Asset.status != "written_off")
    if ids:
        query = query.where(Asset.id.in_(ids))
    elif store_id is None:
        query = query.where(Asset.id == -1)  # nothing chosen yet: pick a store first
    rows = db.session.scalars(query.limit(MAX_LABELS)).all()
    return render_template("logistics/asset_labels.html", labels=labels_for(rows),
                           stores=_stores(), store_id=store_id)


@bp.route("/assets/<int:asset_id>/label.svg")
@permission_required("logistics.view")
def asset_label(asset_id: int):
    """One asset's QR code as an SVG file (to print or embed)."""
    asset = db.session.get(Asset, asset_id)
    return Response(label_svg(asset.tag_code), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})
