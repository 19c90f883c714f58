"""门店前台: landing page."""

from flask import render_template

from app.blueprints.store import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("store.view")
def index():
    return render_template("store/index.html")
