"""logistics: the 后勤部 pages."""

from flask import Blueprint

bp = Blueprint("logistics", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.logistics.nav import tabs_for

    state.app.jinja_env.globals["logistics_tabs"] = tabs_for


@bp.record_once
def _register_people_hooks(state):
    from app.blueprints.hr.last_day import register_last_day_hook
    from app.blueprints.logistics import dorms, issued_items

    issued_items.register_path_objects()
    # A person who leaves gives their bed back on their last day.
    register_last_day_hook("logistics.dorm_stay", dorms.close_stay_of_leaver)


# One import line per page module.
# isort: off
from app.blueprints.logistics import models, views  # noqa: E402,F401
from app.blueprints.logistics import views_issued_items  # noqa: E402,F401
from app.blueprints.logistics import views_dorms  # noqa: E402,F401
# isort: on
