"""财务部: landing page (the stores the department accounts for, by city)."""

from itertools import groupby

from flask import render_template
from flask_login import current_user

from app.blueprints.finance import bp
from app.blueprints.gm.services import list_stores
from app.extensions import db
from app.permissions import permission_required, store_scope


@bp.route("/")
@permission_required("finance.view")
def index():
    stores = db.session.scalars(list_stores(store_scope(current_user))).all()
    by_city = [(city, list(group)) for city, group in groupby(stores, key=lambda s: s.city)]
    return render_template("finance/index.html", by_city=by_city, store_count=len(stores))
