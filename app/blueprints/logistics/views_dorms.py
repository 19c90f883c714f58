"""宿舍 pages (head office, dorm.manage): dormitories with occupancy, the bed grid, moving
people in, out and between beds, new dormitories and beds, histories."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.hr.checklists import tenant_today
from app.blueprints.hr.forms import optional_int
from app.blueprints.logistics import bp
from app.blueprints.logistics import dorms as rules
from app.blueprints.logistics.models import DormAssignment, DormBed, Dormitory
from app.extensions import db
from app.models import Employee, Store
from app.permissions import permission_required
from app.tenancy import get_or_404
from app.validation import InputError, show_on_form

GENDER_LABELS = {"": _l("不限"), "female": _l("女生宿舍"), "male": _l("男生宿舍")}


class DormForm(FlaskForm):
    name = StringField(_l("宿舍名称"), validators=[InputRequired(), Length(max=64)])
    address = StringField(_l("地址"), validators=[Length(max=255)])
    store_id = SelectField(_l("服务门店"), coerce=optional_int)
    gender = SelectField(_l("男女"), choices=[SelectChoice(k, v)
                                            for k, v in GENDER_LABELS.items()])
    monthly_rent = StringField(_l("月租（元）"), validators=[Length(max=20)])
    is_active = BooleanField(_l("启用"), default=True)


class BedForm(FlaskForm):
    room_no = StringField(_l("房号"), validators=[InputRequired(), Length(max=16)])
    bed_no = StringField(_l("床号"), validators=[InputRequired(), Length(max=16)])


class MoveInForm(FlaskForm):
    employee_id = SelectField(_l("员工"), coerce=int, validators=[InputRequired()])
    bed_id = SelectField(_l("床位"), coerce=int, validators=[InputRequired()])
    moved_in_on = DateField(_l("入住日期"), validators=[InputRequired()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=255)])


class MoveForm(FlaskForm):
    bed_id = SelectField(_l("新床位"), coerce=int, validators=[InputRequired()])
    moved_in_on = DateField(_l("调换日期"), validators=[InputRequired()])


class PlainForm(FlaskForm):
    """Only the CSRF token (buttons that post)."""


class MoveOutForm(FlaskForm):
    moved_out_on = DateField(_l("退宿日期"), validators=[InputRequired()])


def _bed_choices(dorm: Dormitory | None = None) -> list[SelectChoice]:
    return [SelectChoice(bed.id, f"{d.name} {bed.room_no}-{bed.bed_no}")
            for bed, d in rules.free_beds(dorm)]


def _render_form(template: str, status: int, **context):
    return render_template(template, gender_labels=GENDER_LABELS, **context), status


@bp.route("/dorms")
@permission_required("dorm.manage")
def dorms():
    show_archived = request.args.get("archived") == "1"
    rows = rules.list_dormitories(include_archived=show_archived)
    stores = {s.id: s for s in db.session.scalars(select(Store))}
    return render_template("logistics/dorms.html", rows=rows, stores=stores,
                           left=rules.left_still_in_bed(), show_archived=show_archived,
                           gender_labels=GENDER_LABELS)


@bp.route("/dorms/<int:dormitory_id>")
@permission_required("dorm.manage")
def dorm_detail(dormitory_id: int):
    dorm = get_or_404(Dormitory, dormitory_id)
    store = db.session.get(Store, dorm.store_id) if dorm.store_id else None
    return render_template("logistics/dorm_detail.html", dorm=dorm, store=store,
                           grid=rules.bed_grid(dorm), occupancy=rules.occupancy_of(dorm.id),
                           move_out_form=MoveOutForm(moved_out_on=tenant_today()),
                           plain_form=PlainForm(),
                           gender_labels=GENDER_LABELS)


def _dorm_form(dorm: Dormitory | None):
    form = DormForm(obj=dorm) if dorm is not None and request.method == "GET" else DormForm()
    form.store_id.choices = [SelectChoice("", _("不限门店"))] + [
        SelectChoice(s.id, s.name) for s in db.session.scalars(select(Store).order_by(Store.code))]
    if dorm is not None and request.method == "GET":
        form.gender.data = dorm.gender or ""
        form.monthly_rent.data = "" if dorm.monthly_rent is None else str(dorm.monthly_rent)
    if form.validate_on_submit():
        try:
            saved = rules.save_dormitory(
                dorm, name=form.name.data, address=form.address.data or "",
                store_id=form.store_id.data, gender=form.gender.data or None,
                monthly_rent=form.monthly_rent.data, is_active=form.is_active.data,
                actor=current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("logistics.dorm_detail", dormitory_id=saved.id))
    return _render_form("logistics/dorm_form.html",
                               422 if request.method == "POST" else 200, form=form, dorm=dorm)


@bp.route("/dorms/new", methods=["GET", "POST"])
@permission_required("dorm.manage")
def dorm_new():
    return _dorm_form(None)


@bp.route("/dorms/<int:dormitory_id>/edit", methods=["GET", "POST"])
@permission_required("dorm.manage")
def dorm_edit(dormitory_id: int):
    return _dorm_form(get_or_404(Dormitory, dormitory_id))


@bp.route("/dorms/<int:dormitory_id>/beds/new", methods=["GET", "POST"])
@permission_required("dorm.manage")
def dorm_bed_new(dormitory_id: int):
    dorm = get_or_404(Dormitory, dormitory_id)
    form = BedForm()
    if form.validate_on_submit():
        try:
            rules.add_bed(dorm, room_no=form.room_no.data, bed_no=form.bed_no.data,
                          actor=current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已新增床位"), "success")
            return redirect(url_for("logistics.dorm_detail", dormitory_id=dorm.id))
    return _render_form("logistics/dorm_bed_form.html",
                               422 if request.method == "POST" else 200, form=form, dorm=dorm)


@bp.route("/dorms/beds/<int:bed_id>")
@permission_required("dorm.manage")
def dorm_bed(bed_id: int):
    bed = get_or_404(DormBed, bed_id)
    dorm = get_or_404(Dormitory, bed.dormitory_id)
    return render_template("logistics/dorm_history.html", title=f"{dorm.name} "
                           f"{bed.room_no}-{bed.bed_no}", rows=rules.history(bed_id=bed.id),
                           dorm=dorm, bed=bed)


@bp.route("/dorms/beds/<int:bed_id>/archive", methods=["POST"])
@permission_required("dorm.manage")
def dorm_bed_archive(bed_id: int):
    bed = get_or_404(DormBed, bed_id)
    if not PlainForm().validate_on_submit():
        return redirect(url_for("logistics.dorm_detail", dormitory_id=bed.dormitory_id))
    try:
        rules.archive_bed(bed, current_user)
    except InputError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
    else:
        db.session.commit()
        flash(_("床位已停用"), "success")
    return redirect(url_for("logistics.dorm_detail", dormitory_id=bed.dormitory_id))


@bp.route("/dorms/people/<int:employee_id>")
@permission_required("dorm.manage")
def dorm_person(employee_id: int):
    person = get_or_404(Employee, employee_id)
    return render_template("logistics/dorm_history.html",
                           title=f"{person.employee_no} {person.name}",
                           rows=rules.history(employee_id=person.id), person=person)


@bp.route("/dorms/move-in", methods=["GET", "POST"])
@permission_required("dorm.manage")
def dorm_move_in():
    form = MoveInForm()
    form.employee_id.choices = [SelectChoice(e.id, f"{e.employee_no} {e.name}")
                                for e in rules.people_without_bed()]
    form.bed_id.choices = _bed_choices()
    if request.method == "GET":
        form.bed_id.data = request.args.get("bed_id", type=int)
        form.moved_in_on.data = tenant_today()
    if form.validate_on_submit():
        person = get_or_404(Employee, form.employee_id.data)
        bed = get_or_404(DormBed, form.bed_id.data)
        try:
            rules.move_in(person, bed, form.moved_in_on.data, note=form.note.data or "",
                          actor=current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("%(name)s 已入住", name=person.name), "success")
            return redirect(url_for("logistics.dorm_detail", dormitory_id=bed.dormitory_id))
    return _render_form("logistics/dorm_move.html",
                               422 if request.method == "POST" else 200, form=form,
                               title=_("入住宿舍"))


@bp.route("/dorms/stays/<int:dorm_assignment_id>/move", methods=["GET", "POST"])
@permission_required("dorm.manage")
def dorm_move(dorm_assignment_id: int):
    stay = get_or_404(DormAssignment, dorm_assignment_id)
    person = get_or_404(Employee, stay.employee_id)
    form = MoveForm()
    form.bed_id.choices = _bed_choices()
    if request.method == "GET":
        form.moved_in_on.data = tenant_today()
    if form.validate_on_submit():
        bed = get_or_404(DormBed, form.bed_id.data)
        try:
            rules.move_to_bed(stay, bed, form.moved_in_on.data, current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("%(name)s 已调换床位", name=person.name), "success")
            return redirect(url_for("logistics.dorm_detail", dormitory_id=bed.dormitory_id))
    return _render_form("logistics/dorm_move.html",
                               422 if request.method == "POST" else 200, form=form,
                               title=_("调换床位：%(name)s", name=person.name))


@bp.route("/dorms/stays/<int:dorm_assignment_id>/move-out", methods=["POST"])
@permission_required("dorm.manage")
def dorm_move_out(dorm_assignment_id: int):
    stay = get_or_404(DormAssignment, dorm_assignment_id)
    bed = get_or_404(DormBed, stay.bed_id)
    form = MoveOutForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    else:
        try:
            rules.move_out(stay, form.moved_out_on.data, current_user)
        except InputError as exc:
            db.session.rollback()
            for message in exc.fields.values():
                flash(message, "danger")
        else:
            db.session.commit()
            flash(_("已退宿"), "success")
    return redirect(url_for("logistics.dorm_detail", dormitory_id=bed.dormitory_id))
