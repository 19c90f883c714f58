"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_discipline_kind(state) -> None:
    """违纪 in the one approval flow (app.approvals)."""
    from app.blueprints.technical.approval_kinds_discipline import register

    register()


# One import line per page module (helpers add theirs at the end).
# isort: off
from app.blueprints.technical import models, views  # noqa: E402,F401
from app.blueprints.technical import views_discipline  # noqa: E402,F401
