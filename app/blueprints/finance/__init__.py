"""finance: the 财务部 pages."""

from flask import Blueprint

bp = Blueprint("finance", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.finance.nav import tabs_for

    state.app.jinja_env.globals["finance_tabs"] = tabs_for


@bp.record_once
def _register_approval_kinds(state) -> None:
    """费用报销 in the one approval flow (app.approvals), with its GM threshold."""
    from app.blueprints.finance import approval_kinds_expenses

    approval_kinds_expenses.register()


# One import line per page module.
# isort: off
from app.blueprints.finance import models, views  # noqa: E402,F401
from app.blueprints.finance import views_expenses  # noqa: E402,F401
from app.blueprints.finance import views_budgets  # noqa: E402,F401
from app.blueprints.finance import money_text  # noqa: E402,F401
from app.blueprints.finance import views_takings  # noqa: E402,F401
from app.blueprints.finance import views_pnl  # noqa: E402,F401
from app.blueprints.finance import views_inbox  # noqa: E402,F401
# isort: on
