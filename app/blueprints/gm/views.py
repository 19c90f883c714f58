"""总经理: landing page."""

from flask import render_template

from app.blueprints.gm import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("gm.dashboard")
def index():
    return render_template("gm/index.html")
