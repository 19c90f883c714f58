"""总经理: the store pages (list, open, edit, detail); the chain dashboard (经营驾驶舱,
gm.index) is in views_dashboard.py."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import stores
from app.blueprints.gm import bp
from app.blueprints.gm.forms import StoreForm
from app.blueprints.store.services import rooms_of_store
from app.extensions import db
from app.models.org import Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import show_on_form


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


@bp.route("/stores", endpoint="stores")
@permission_required("org.view")
def stores_list():
    """门店: every store with its rooms and on-staff headcount."""
    summaries = stores.list_stores_with_headcount(store_scope(current_user))
    totals = {
        "stores": len(summaries),
        "open_stores": sum(1 for s in summaries if s.store.status == "open"),
        "rooms": sum(s.room_count for s in summaries),
        "headcount": sum(s.headcount for s in summaries),
    }
    return render_template("gm/stores.html", summaries=summaries, totals=totals)


@bp.route("/stores/new", methods=["GET", "POST"])
@permission_required("org.manage")
def store_new():
    form = StoreForm()
    if form.validate_on_submit():
        try:
            store = stores.create_store(**form.values())
        except stores.StoreError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("门店 %(name)s 已创建", name=store.name), "success")
            return redirect(url_for("gm.store_detail", store_id=store.id))
    return render_template("gm/store_form.html", form=form, store=None)


@bp.route("/stores/<int:store_id>")
@permission_required("org.view")
def store_detail(store_id: int):
    store = _store_or_404(store_id)
    return render_template("gm/store_detail.html", store=store, rooms=rooms_of_store(store.id))


@bp.route("/stores/<int:store_id>/edit", methods=["GET", "POST"])
@permission_required("org.manage")
def store_edit(store_id: int):
    store = _store_or_404(store_id)
    form = StoreForm(obj=store)
    if form.validate_on_submit():
        try:
            stores.update_store(store, **form.values())
        except stores.StoreError as exc:
            show_on_form(form, exc.fields)
        else:
            db.session.commit()
            flash(_("门店资料已保存"), "success")
            return redirect(url_for("gm.store_detail", store_id=store.id))
    return render_template("gm/store_form.html", form=form, store=store)



from app.blueprints.gm import views_dashboard  # noqa: E402,F401
