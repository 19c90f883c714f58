"""服务部: landing page."""

from flask import render_template

from app.blueprints.service import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("service.view")
def index():
    return render_template("service/index.html")
