"""人力资源部: landing page."""

from flask import render_template

from app.blueprints.hr import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("hr.view")
def index():
    return render_template("hr/index.html")
