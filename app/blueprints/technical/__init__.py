"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


from app.blueprints.technical import (  # noqa: E402,F401
    models,
    views,
    views_profiles,  # noqa: E402,F401
)
