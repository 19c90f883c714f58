"""service: the 服务部 pages."""

from flask import Blueprint

bp = Blueprint("service", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.service.nav import tabs_for

    state.app.jinja_env.globals["service_tabs"] = tabs_for


@bp.record_once
def _register_store_hooks(state) -> None:
    """Who cleaned a room, on the room board (the store never imports us)."""
    from app.blueprints.service import cleaning
    from app.blueprints.store.room_board import register_cleaning_reader
    from app.blueprints.store.services import register_room_cleaned_hook

    register_room_cleaned_hook(cleaning.record_cleaning)
    register_cleaning_reader(cleaning.last_cleanings)


# One import line per page module.
# isort: off
from app.blueprints.service import views  # noqa: E402,F401
# Procedures (SOP) and service-skill evaluations (issue 13, service items 1 and 3).
from app.blueprints.service import models_procedures  # noqa: E402,F401
from app.blueprints.service import views_procedures  # noqa: E402,F401
from app.blueprints.service import views_evaluations  # noqa: E402,F401
# Inspections, the hygiene ranking and the disinfection log (items 2 and 5).
from app.blueprints.service import models_inspections  # noqa: E402,F401
from app.blueprints.service import views_inspections  # noqa: E402,F401
from app.blueprints.service import views_disinfection  # noqa: E402,F401
# Issue 13, items 4 and 6 (guests): complaint follow-up, satisfaction, the care plan.
from app.blueprints.service import models_guests  # noqa: E402,F401
from app.blueprints.service import views_complaints  # noqa: E402,F401
from app.blueprints.service import views_satisfaction  # noqa: E402,F401
from app.blueprints.service import views_care  # noqa: E402,F401
# isort: on
