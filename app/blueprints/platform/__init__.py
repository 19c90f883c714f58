"""platform: the operators of the deployment (companies, rq-dashboard)."""

from flask import Blueprint

bp = Blueprint("platform", __name__)


@bp.record_once
def _mount_rq_dashboard(state) -> None:
    from app.blueprints.platform import rq_dashboard

    rq_dashboard.mount(state.app)


from app.blueprints.platform import views  # noqa: E402,F401
