"""财务部: landing page."""

from flask import render_template

from app.blueprints.finance import bp
from app.permissions import permission_required


@bp.route("/")
@permission_required("finance.view")
def index():
    return render_template("finance/index.html")
