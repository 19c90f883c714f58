"""技术部: landing page."""

from flask import render_template

from app.blueprints.technical import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("technical.view")
def index():
    return render_template("technical/index.html")
