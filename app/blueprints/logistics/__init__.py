"""logistics: the 后勤部 pages."""

from flask import Blueprint

bp = Blueprint("logistics", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.logistics.nav import tabs_for
    from app.blueprints.store.services import room_notes

    state.app.jinja_env.globals["logistics_tabs"] = tabs_for
    # The room board's tiles show what other departments say about a room (维修中：…).
    state.app.jinja_env.globals["room_notes"] = room_notes


@bp.record_once
def _register_approval_kinds(state) -> None:
    """资产盘点 and 采购申请 (with its two thresholds) in the one approval flow."""
    from app.blueprints.logistics import approval_kinds_counts, approval_kinds_purchases

    approval_kinds_counts.register()
    approval_kinds_purchases.register()


@bp.record_once
def _register_store_hooks(state) -> None:
    """A room under repair stays 停用 on the room board (the store never imports us)."""
    from app.blueprints.logistics import maintenance
    from app.blueprints.store.services import (
        register_room_note_reader,
        register_room_status_guard,
    )

    register_room_status_guard(maintenance.room_status_guard)
    register_room_note_reader(maintenance.room_notes)


@bp.record_once
def _register_people_hooks(state):
    from app.blueprints.hr.last_day import register_last_day_hook
    from app.blueprints.logistics import dorms, issued_items

    issued_items.register_path_objects()
    # A person who leaves gives their bed back on their last day.
    register_last_day_hook("logistics.dorm_stay", dorms.close_stay_of_leaver)


@bp.record_once
def _register_stock_hooks(state):
    """The desk's checkout and refund draw and return stock (logistics/stock_sales.py)."""
    from app.blueprints.logistics.stock_sales import register

    register(state)


# One import line per page module.
# isort: off
from app.blueprints.logistics import models, views  # noqa: E402,F401
from app.blueprints.logistics import views_counts  # noqa: E402,F401
from app.blueprints.logistics import views_purchases  # noqa: E402,F401
from app.blueprints.logistics import views_tickets  # noqa: E402,F401
from app.blueprints.logistics import views_assets  # noqa: E402,F401
from app.blueprints.logistics import views_issued_items  # noqa: E402,F401
from app.blueprints.logistics import views_dorms  # noqa: E402,F401
from app.blueprints.logistics import views_stock  # noqa: E402,F401
from app.blueprints.logistics import views_requisitions  # noqa: E402,F401
# isort: on
