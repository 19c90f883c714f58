"""服务部: landing page (stores, their rooms, and rooms out of service)."""

from flask import render_template
from flask_login import current_user

from app.blueprints.service import bp
from app.blueprints.store.services import rooms_out_of_order
from app.permissions import permission_required, store_scope
from app.stores import list_stores_with_headcount


@bp.route("/")
@permission_required("service.view")
def index():
    scope = store_scope(current_user)
    summaries = list_stores_with_headcount(scope)
    broken = rooms_out_of_order(scope)
    stores_by_id = {s.store.id: s.store for s in summaries}
    return render_template("service/index.html", summaries=summaries, broken=broken,
                           stores_by_id=stores_by_id)
