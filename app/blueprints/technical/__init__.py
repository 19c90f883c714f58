"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_assessment_kind(state):
    """技能评定 in the one approval flow (app.approvals)."""
    from app.blueprints.technical.approval_kinds_assessment import register

    register()


# One import line per screen module (merges stay easy).
# isort: off
from app.blueprints.technical import models, views  # noqa: E402,F401
from app.blueprints.technical import views_assessment  # noqa: E402,F401
