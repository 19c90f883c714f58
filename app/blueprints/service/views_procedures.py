"""服务规范 pages: the list, one procedure with its versions and who has read the current
one per store, new/edit/publish (``sop.manage``), and the staff's own page (我的服务规范,
phone-sized) where each acknowledges the current version of their position's procedures."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.service import bp
from app.blueprints.service import procedures as service
from app.blueprints.service.labels_procedures import version_status_label
from app.blueprints.service.models_procedures import Procedure, ProcedureVersion
from app.extensions import db
from app.models import Account, Position, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError

FIELDS = ("position_id", "title", "body", "change_note")


@bp.route("/sops")
@permission_required("service.view")
def sops():
    """服务规范: every procedure, by position, with its read count."""
    position_id = request.args.get("position_id", type=int)
    return render_template("service/sops.html", rows=service.procedure_rows(position_id),
                           positions=service.positions(), position_id=position_id,
                           status_label=version_status_label)


@bp.route("/sops/new", methods=["GET", "POST"])
@permission_required("sop.manage")
def sop_new():
    errors: dict[str, str] = {}
    values = {"position_id": request.args.get("position_id", type=int), "title": "",
              "body": "", "change_note": ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in FIELDS}
        values["publish"] = request.form.get("action") == "publish"
        try:
            procedure = service.create_procedure(values, current_user)
        except InputError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("已发布") if values["publish"] else _("已保存为草稿"), "success")
            return redirect(url_for("service.sop_detail", procedure_id=procedure.id))
        values["position_id"] = request.form.get("position_id", type=int)
    return render_template("service/sop_form.html", procedure=None, latest=None,
                           positions=service.positions(), values=values,
                           errors=errors), 422 if errors else 200


@bp.route("/sops/<int:procedure_id>/edit", methods=["GET", "POST"])
@permission_required("sop.manage")
def sop_edit(procedure_id: int):
    """A draft is edited in place; a published procedure gets a new version."""
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    latest = service.latest_version(procedure)
    errors: dict[str, str] = {}
    values = {"position_id": procedure.position_id, "title": latest.title,
              "body": latest.body, "change_note": ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in FIELDS}
        values["publish"] = request.form.get("action") == "publish"
        try:
            version = service.edit_procedure(procedure, values, current_user)
        except InputError as exc:
            db.session.rollback()
            procedure = get_in_scope_or_404(Procedure, procedure_id)
            latest = service.latest_version(procedure)
            errors = exc.fields
        else:
            db.session.commit()
            if version.status == "published":
                flash(_("已发布第 %(n)d 版，员工需重新确认阅读", n=version.number), "success")
            else:
                flash(_("已保存为草稿"), "success")
            return redirect(url_for("service.sop_detail", procedure_id=procedure_id))
        values["position_id"] = procedure.position_id
    return render_template("service/sop_form.html", procedure=procedure, latest=latest,
                           position=db.session.get(Position, procedure.position_id),
                           positions=service.positions(), values=values,
                           errors=errors), 422 if errors else 200


@bp.route("/sops/<int:procedure_id>/publish", methods=["POST"])
@permission_required("sop.manage")
def sop_publish(procedure_id: int):
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    try:
        version = service.publish(procedure, current_user)
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已发布第 %(n)d 版", n=version.number), "success")
    return redirect(url_for("service.sop_detail", procedure_id=procedure_id))


def _accounts(versions: list[ProcedureVersion]) -> dict[int, Account]:
    ids = {i for v in versions for i in (v.created_by_account_id, v.published_by_account_id)
           if i}
    return {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(sorted(ids) or [-1])))}


def _render_version(procedure: Procedure, shown: ProcedureVersion):
    versions = service.versions_of(procedure)
    scope = store_scope(current_user)
    readings = service.readings(procedure, scope)
    store_id = request.args.get("store_id", type=int)
    if store_id:
        readings = [r for r in readings if r.store is not None and r.store.id == store_id]
    stores = list(db.session.scalars(select(Store).where(Store.status != "closed")
                                     .order_by(Store.code)))
    if scope is not None:
        stores = [s for s in stores if s.id in scope]
    return render_template(
        "service/sop_detail.html", procedure=procedure, shown=shown, versions=versions,
        current=next((v for v in versions if v.status == "published"), None),
        position=db.session.get(Position, procedure.position_id), readings=readings,
        stores=stores, store_id=store_id, accounts=_accounts(versions),
        status_label=version_status_label)


@bp.route("/sops/<int:procedure_id>")
@permission_required("service.view")
def sop_detail(procedure_id: int):
    """One procedure: the current (else the newest) version, the versions, who has read."""
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    shown = service.current_version(procedure) or service.latest_version(procedure)
    return _render_version(procedure, shown)


@bp.route("/sops/<int:procedure_id>/versions/<int:procedure_version_id>")
@permission_required("service.view")
def sop_version(procedure_id: int, procedure_version_id: int):
    """An older (archived) version, read-only."""
    procedure = get_in_scope_or_404(Procedure, procedure_id)
    version = get_in_scope_or_404(ProcedureVersion, procedure_version_id)
    if version.procedure_id != procedure.id:
        abort(404)
    return _render_version(procedure, version)


@bp.route("/my-sops")
@permission_required("self.view")
def my_sops():
    """我的服务规范: the current version of each procedure of my position, unread first."""
    store = None
    store_id = request.args.get("store_id", type=int)
    if store_id and current_user.can("store.view"):
        store = get_in_scope_or_404(Store, store_id)
    return render_template("service/sop_mine.html", rows=service.my_procedures(current_user),
                           store=store)


@bp.route("/my-sops/<int:procedure_version_id>/acknowledge", methods=["POST"])
@permission_required("self.view")
def my_sop_acknowledge(procedure_version_id: int):
    version = get_in_scope_or_404(ProcedureVersion, procedure_version_id)
    try:
        service.acknowledge(version, current_user)
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("service.my_sops"))
    db.session.commit()
    flash(_("已确认：%(title)s", title=version.title), "success")
    return redirect(url_for("service.my_sops", store_id=request.form.get("store_id", type=int)))
