"""后勤部: landing page (each store's assets by status and book value, the tabs)."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.logistics import bp
from app.blueprints.logistics.assets import register_totals
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Store
from app.permissions import permission_required, store_scope


@bp.route("/")
@permission_required("logistics.view")
def index():
    """A card per store; the statements do not grow with the stores (one for the
    stores, one for every asset's figures)."""
    scope = store_scope(current_user)
    query = select(Store).order_by(Store.code)
    if scope is not None:
        query = query.where(Store.id.in_(sorted(scope) or [-1]))
    stores = db.session.scalars(query).all()
    totals = register_totals(scope, today_for_store())
    return render_template("logistics/index.html", stores=stores, totals=totals)
