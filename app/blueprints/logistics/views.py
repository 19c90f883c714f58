"""后勤部: landing page (rooms by type and beds per store)."""

from flask import render_template
from flask_login import current_user

from app.blueprints.logistics import bp
from app.blueprints.store.services import room_totals_by_type
from app.models.org import ROOM_TYPES
from app.permissions import permission_required, store_scope
from app.stores import list_stores_with_headcount


@bp.route("/")
@permission_required("logistics.view")
def index():
    scope = store_scope(current_user)
    summaries = list_stores_with_headcount(scope)
    by_type = room_totals_by_type(scope)
    type_totals = {room_type: {"rooms": 0, "beds": 0} for room_type in ROOM_TYPES}
    for rows in by_type.values():
        for row in rows:
            bucket = type_totals.setdefault(row.type, {"rooms": 0, "beds": 0})
            bucket["rooms"] += row.rooms
            bucket["beds"] += row.beds
    return render_template(
        "logistics/index.html", summaries=summaries, by_type=by_type, type_totals=type_totals,
        total_rooms=sum(s.room_count for s in summaries), total_beds=sum(s.beds for s in summaries))
