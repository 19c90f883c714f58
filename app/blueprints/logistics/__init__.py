"""logistics: the 后勤部 pages."""

from flask import Blueprint

bp = Blueprint("logistics", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.logistics.nav import tabs_for

    state.app.jinja_env.globals["logistics_tabs"] = tabs_for


@bp.record_once
def _register_stock_hooks(state):
    """The desk's checkout and refund draw and return stock (logistics/stock_sales.py)."""
    from app.blueprints.logistics.stock_sales import register

    register(state)


# One import line per page module.
# isort: off
from app.blueprints.logistics import models, views  # noqa: E402,F401
from app.blueprints.logistics import views_stock  # noqa: E402,F401
from app.blueprints.logistics import views_requisitions  # noqa: E402,F401
# isort: on
