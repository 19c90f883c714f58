"""gm: the 总经理 pages."""

from flask import Blueprint

bp = Blueprint("gm", __name__)


@bp.record_once
def _register_globals(state):
    from app.blueprints.gm.nav import tabs_for

    state.app.jinja_env.globals["gm_tabs"] = tabs_for


@bp.record_once
def _register_rollup_hooks(state) -> None:
    """A store's 日结 refreshes its day's rollup (the store never imports us), and the
    ``flask rollups`` command."""
    from app.blueprints.gm.cli import rollups_group
    from app.blueprints.gm.jobs import refresh_after_closing
    from app.blueprints.store.closing import register_closing_hook

    register_closing_hook(refresh_after_closing)
    state.app.cli.add_command(rollups_group)


from app.blueprints.gm import (  # noqa: E402,F401
    models,
    views,
    views_inbox,
    views_reports,
    views_targets,
)
