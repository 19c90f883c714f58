"""service: the 服务部 pages."""

from flask import Blueprint

bp = Blueprint("service", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.service.nav import tabs_for

    state.app.jinja_env.globals["service_tabs"] = tabs_for


from app.blueprints.service import views  # noqa: E402,F401
