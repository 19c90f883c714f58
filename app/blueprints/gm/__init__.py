"""gm: the 总经理 pages."""

from flask import Blueprint

bp = Blueprint("gm", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.gm.nav import tabs_for

    state.app.jinja_env.globals["gm_tabs"] = tabs_for


from app.blueprints.gm import models, views, views_reports  # noqa: E402,F401
