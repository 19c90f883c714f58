"""technical: the 技术部 pages."""

from flask import Blueprint

bp = Blueprint("technical", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.technical.nav import tabs_for

    state.app.jinja_env.globals["technical_tabs"] = tabs_for


@bp.record_once
def _register_proposal_kind(state):
    """新项目提案 in the one approval flow (app.approvals)."""
    from app.blueprints.technical.approval_kinds_proposals import register

    register()


@bp.record_once
def _register_complaint_panel(state):
    """The technical conclusion on the desk's complaint page (store must not import us)."""
    from app.blueprints.store.feedback import register_complaint_panel
    from app.blueprints.technical.views_investigations import complaint_panel

    register_complaint_panel("technical.investigation", complaint_panel)


# isort: off
from app.blueprints.technical import models, views  # noqa: E402,F401
from app.blueprints.technical import views_investigations, views_proposals  # noqa: E402,F401
# isort: on
