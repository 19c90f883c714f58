"""服务部: the overview — open complaints by age, this month's satisfaction index per
store, pending satisfaction reviews, the department's tabs, and the stores' rooms out
of service."""

from flask import render_template
from flask_login import current_user

from app.blueprints.service import bp, complaints, satisfaction
from app.blueprints.store.days import today_for_store
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
    today = today_for_store()
    month = today.replace(day=1)
    _months, trends = satisfaction.store_trends(month, [s.store for s in summaries], count=1)
    return render_template("service/index.html", summaries=summaries, broken=broken,
                           stores_by_id=stores_by_id, month=month, trends=trends,
                           complaint_summary=complaints.summary(scope, today),
                           age_buckets=complaints.AGE_BUCKETS,
                           pending_reviews=satisfaction.pending_count(scope))
