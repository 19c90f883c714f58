"""后勤部: landing page."""

from flask import render_template

from app.blueprints.logistics import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("logistics.view")
def index():
    return render_template("logistics/index.html")
